// `npm run demo`: setup, then the whole suite against the built-in sandbox, then where to read
// the result. Exit code = the suite's. Each run goes through runPhase(), so walking phases one
// by one (a run and a report each) is a loop over it.
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
  const run = await runPhase(undefined, { ...process.env, ...overrides }, storageDir);
  printResult(run);
  return run.exitCode;
}

process.exitCode = await main();
