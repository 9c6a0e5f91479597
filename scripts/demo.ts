// `npm run demo`: setup, then the runbook against the built-in sandbox: phases 1 to 8 in turn
// (`--grep "@phaseN\b"`, a report and a sign-off block each), then the final sign-off and where
// to read the result. Exit code: the first failing phase's, else the sign-off's.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { ConfigError, loadEnv } from '../config/env.ts';
import { runSetup, SetupError } from './setup.ts';

export interface PhaseRun {
  /** The phase verified, or undefined for every check at once. */
  phase: number | undefined;
  exitCode: number;
  /** The phase report the run wrote (storage/reports/phase_X_…), when the reporter made one. */
  reportDir: string | undefined;
}

/** The newest `phase_*` report folder written since `since` (ms), if any. */
function newReport(storageDir: string, since: number): string | undefined {
  const reports = path.join(storageDir, 'reports');
  if (!existsSync(reports)) return undefined;
  const fresh = readdirSync(reports, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('phase_'))
    .map((e) => path.join(reports, e.name))
    .filter((dir) => statSync(dir).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return fresh[0];
}

/**
 * Runs the suite once: every check, or with `phase` those that must hold once that phase is
 * live (`--grep "@phaseN\b"`). `env` reaches Playwright and, through it, the sandbox.
 */
export function runPhase(
  phase: number | undefined,
  env: NodeJS.ProcessEnv,
  storageDir: string,
): Promise<PhaseRun> {
  const args = ['--no-install', 'playwright', 'test', ...(phase ? ['--grep', `@phase${phase}\\b`] : [])];
  const started = Date.now();
  console.log(pc.bold(`\ndemo: npx ${args.slice(1).join(' ')}`));
  return new Promise((resolve) => {
    const child = spawn('npx', args, { env, stdio: 'inherit' });
    // Ctrl-C reaches Playwright through the terminal; wait for it to stop the sandbox and end.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve({ phase, exitCode: code ?? (signal ? 1 : 0), reportDir: newReport(storageDir, started) });
    });
  });
}

function printResult(run: PhaseRun): void {
  console.log(
    pc.bold(
      `\ndemo: ${run.phase ? `phase ${run.phase}` : 'every phase'}: the suite exited with code ${run.exitCode}`,
    ),
  );
  if (run.reportDir) {
    const summary = path.join(run.reportDir, 'summary.txt');
    if (existsSync(summary)) console.log(readFileSync(summary, 'utf8').trimEnd());
    console.log(`Phase report: ${path.join(run.reportDir, 'INDEX.md')}`);
  }
  const html = path.resolve('playwright-report', 'index.html');
  if (existsSync(html)) console.log(`HTML report:  ${html}  (npx playwright show-report)`);
}

async function main(): Promise<number> {
  let overrides: Record<string, string>;
  let storageDir: string;
  try {
    const setup = await runSetup();
    overrides = { ...setup.overrides };
    const settings = loadEnv({ ...process.env, ...overrides });
    if (!settings.sandbox) {
      console.log(
        pc.yellow(`demo: TARGET_URL is set, so the suite verifies ${settings.targetUrl}, not the sandbox`),
      );
    }
    storageDir = settings.STORAGE_DIR;
  } catch (err) {
    if (err instanceof SetupError || err instanceof ConfigError) {
      console.error(pc.red(`demo: cannot continue\n${err.message}`));
      return 1;
    }
    throw err;
  }
  // The runbook, phase by phase: each run writes its own report and sign-off block; a phase
  // that fails stops the walk, as the runbook says ("STOP - Don't proceed to next phase").
  const env = { ...process.env, ...overrides };
  let last: PhaseRun | undefined;
  for (let phase = 1; phase <= 8; phase++) {
    last = await runPhase(phase, env, storageDir);
    printResult(last);
    if (last.exitCode !== 0) {
      console.error(pc.red(`\ndemo: phase ${phase} failed: stopping here, as the runbook says`));
      return last.exitCode;
    }
  }
  const signoff = await finalSignoff(env);
  // On success the sign-off itself ends with the last report's path.
  if (signoff !== 0 && last?.reportDir)
    console.log(`\nLast phase report: ${path.join(last.reportDir, 'INDEX.md')}`);
  return signoff;
}

/** `npm run signoff`: the final block in deployment.log, or what is missing. */
function finalSignoff(env: NodeJS.ProcessEnv): Promise<number> {
  console.log(pc.bold('\ndemo: npm run signoff'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/signoff.ts'], {
      env,
      stdio: 'inherit',
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

process.exitCode = await main();
