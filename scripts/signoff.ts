// `npm run signoff`: the runbook's final sign-off. Reads storage/history.jsonl (one line per
// run, written by the phase reporter), checks that the latest run of every phase 1–8 is
// VERIFIED, and appends the final block with the metrics the checks measured to
// storage/deployment.log. Otherwise lists what is missing or failed and exits 1.
import os from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { envOrExit, type Env } from '../config/env.ts';
import { phases } from '../phases/catalogue.ts';
import { evaluateFinal, finalBlock } from '../reporters/signoff.ts';
import { appendText, deploymentLogFile, readHistory } from '../reporters/write.ts';

function main(): number {
  const s = envOrExit();
  const entries = readHistory(s.STORAGE_DIR);
  const final = evaluateFinal(entries, phases, { targetVersion: s.TARGET_VERSION });
  for (const p of final.phases) {
    const mark = p.verified
      ? pc.green('✅ VERIFIED')
      : p.latest?.status === 'ERROR'
        ? pc.red('❔ INCONCLUSIVE')
        : p.latest
          ? pc.red('❌ FAILED')
          : pc.red('⬜ NOT RUN');
    console.log(`Phase ${p.phase}: ${p.name} → ${mark}${p.latest ? `  ${p.latest.reportDir}` : ''}`);
  }
  for (const m of final.metrics) console.log(m.text);
  if (!final.ok) {
    console.error(pc.red(`\nFinal sign-off refused: ${final.problems.length} problem(s)`));
    for (const problem of final.problems) console.error(pc.red(`  - ${problem}`));
    return 1;
  }
  const block = finalBlock(final, s.DEPLOYED_BY ?? os.userInfo().username, new Date());
  appendText(deploymentLogFile(s.STORAGE_DIR), block, s.secrets);
  console.log(block);
  const last = [...final.phases].sort((a, b) =>
    (a.latest?.startedAt ?? '') < (b.latest?.startedAt ?? '') ? 1 : -1,
  )[0];
  console.log(`Final sign-off appended to ${deploymentLogFile(s.STORAGE_DIR)}`);
  if (last?.latest) console.log(`Last report: ${path.join(last.latest.reportDir, 'INDEX.md')}`);
  return 0;
}

process.exitCode = main();
