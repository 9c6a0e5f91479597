// `npm run demo`: setup, then the runbook against the built-in sandbox: phases 1 to 8 in turn
// (`--grep "@phaseN\b"`, a report and a sign-off block each), then the final sign-off and where
// to read the result. Exit code: the first failing phase's, else the sign-off's. Each phase's run
// is started (up to its workers) while the previous one's checks run and begins when that one passed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import pc from 'picocolors';
import { ConfigError, loadEnv, type Env } from '../config/env.ts';
import {
  SANDBOX_ENTRY,
  sandboxAnswers,
  sandboxPublicEnv,
  sandboxReadyUrl,
  sandboxSecretEnv,
  waitForSandbox,
} from '../config/sandbox-server.ts';
import { runSetup, SetupError } from './setup.ts';
import { groupAlive } from './setup/probe.ts';
import { walkPhases, type WalkRun } from './demo/walk.ts';
import { START_GATE_ENV, START_GATE_GO, writeStartGate } from '../fixtures/start-gate.ts';

const PLAYWRIGHT_CLI = createRequire(import.meta.url).resolve('@playwright/test/cli');
const SANDBOX_START_TIMEOUT_MS = 60_000;
const SANDBOX_STOP_TIMEOUT_MS = 5_000;

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
 * Starts the suite once: every check, or with `phase` those that must hold once that phase is
 * live (`--grep "@phaseN\b"`). `env` reaches Playwright and, through it, the sandbox. With
 * `gateFile`, the run is started ahead of its turn: Playwright loads, preflights and starts its
 * workers, which wait until `begin()` (fixtures/start-gate.ts), so its start-up overlaps the
 * previous phase's checks. Until then its output is held back, and it runs in a process group of
 * its own, so that `cancel()` ends runner and workers together.
 */
export function startPhase(
  phase: number | undefined,
  env: NodeJS.ProcessEnv,
  storageDir: string,
  gateFile?: string,
): WalkRun<PhaseRun> {
  // Each phase keeps its own output folder: Playwright clears a run's folder as the run starts,
  // and a run started ahead would otherwise clear the running phase's failure screenshots and
  // traces before its reporter files them.
  const args = [
    'test',
    ...(phase ? ['--grep', `@phase${phase}\\b`, '--output', `test-results/phase-${phase}`] : []),
  ];
  const announce = () => console.log(pc.bold(`\ndemo: npx playwright ${args.join(' ')}`));
  let began = Date.now();
  if (!gateFile) announce();
  // The same as the npx command shown, without npx's own start-up in each of eight runs.
  const child = gateFile
    ? spawn(process.execPath, [PLAYWRIGHT_CLI, ...args], {
        env: { ...colourLikeUs(env), [START_GATE_ENV]: gateFile },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    : spawn(process.execPath, [PLAYWRIGHT_CLI, ...args], { env, stdio: 'inherit' });
  const held: [NodeJS.WriteStream, Buffer][] = [];
  let holding = gateFile !== undefined;
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    from?.on('data', (chunk: Buffer) => (holding ? held.push([to, chunk]) : to.write(chunk)));
  }
  // Ctrl-C reaches a run in our group through the terminal; a stop (SIGTERM, SIGHUP) sent to us
  // alone is passed on. A run in a group of its own hears them all through us once its turn has
  // come; before, it has checked nothing and ends at once. Then wait for it to stop and end.
  const forward = (signal: NodeJS.Signals) => {
    if (!gateFile) {
      if (signal !== 'SIGINT') child.kill(signal);
    } else signalGroup(child.pid, holding ? 'SIGKILL' : signal);
  };
  const forwarded = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
    const listener = () => forward(signal);
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  const done = new Promise<PhaseRun>((resolve) => {
    child.on('close', (code, signal) => {
      for (const off of forwarded) off();
      // A stopped runner's workers finish their check first (they ignore SIGTERM): the sandbox
      // must not stop under them, or its log keeps errors the next run's log check reports.
      void (gateFile ? groupGone(child.pid) : Promise.resolve()).then(() =>
        // Only a report written since this run began is its own (the previous phase's ends later
        // than this run's start when it was started ahead).
        resolve({ phase, exitCode: code ?? (signal ? 1 : 0), reportDir: newReport(storageDir, began) }),
      );
    });
  });
  return {
    done,
    begin: () => {
      if (!gateFile) return;
      began = Date.now();
      announce();
      holding = false;
      for (const [to, chunk] of held.splice(0)) to.write(chunk);
      writeStartGate(gateFile, START_GATE_GO);
    },
    cancel: async () => {
      signalGroup(child.pid, 'SIGKILL');
      await done;
    },
  };
}

/** Signals every process of the group `pid` leads (a run started ahead: runner and workers). */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Resolves once no process of the group `pid` is left (a zombie that PID 1 does not reap is
 * gone: setup's groupAlive); kills what is left after GROUP_EXIT_MS.
 */
async function groupGone(pid: number | undefined): Promise<void> {
  if (pid === undefined) return; // never started
  const deadline = Date.now() + GROUP_EXIT_MS;
  for (;;) {
    if (!groupAlive(pid)) return; // none left
    if (Date.now() >= deadline) {
      signalGroup(pid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How long a phase run's workers may take to end after its runner (a check's own timeouts are longer). */
const GROUP_EXIT_MS = 15_000;

/** Playwright's colours as on this terminal, for a run whose output passes through a pipe. */
function colourLikeUs(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!process.stdout.isTTY || env.FORCE_COLOR !== undefined || env.NO_COLOR !== undefined) return env;
  return { ...env, FORCE_COLOR: '1' };
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

/**
 * Starts the sandbox once for all eight phase runs: each run's webServer then finds it ready and
 * reuses it (playwright.config.ts, reuseExistingServer), instead of starting and migrating its
 * own. One that already answers (`npm run sandbox` in another terminal, or left by a demo that
 * was killed) is used as it is and left running. Not under CI (Playwright never reuses a server
 * there). Undefined when none is shared: the phase runs then start their own, one after another,
 * and report what fails.
 */
async function startSharedSandbox(
  settings: Env,
  env: NodeJS.ProcessEnv,
): Promise<{ stop: () => Promise<void> } | undefined> {
  const ready = sandboxReadyUrl(settings);
  if (!settings.sandbox || settings.CI) return undefined;
  if (await sandboxAnswers(ready)) {
    console.log(
      pc.dim(
        `demo: a sandbox already answers at ${settings.targetUrl}; the eight phase runs use it and leave it running`,
      ),
    );
    return { stop: async () => undefined };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', SANDBOX_ENTRY], {
    env: { ...env, ...sandboxSecretEnv(settings), ...sandboxPublicEnv(settings) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const stop = async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SANDBOX_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  if (await waitForSandbox(ready, SANDBOX_START_TIMEOUT_MS, exited)) {
    console.log(pc.dim(`demo: sandbox ready at ${settings.targetUrl}; the eight phase runs share it`));
    return { stop };
  }
  // Read before stop(), which ends it either way.
  const why = running ? `no answer from ${ready} within ${SANDBOX_START_TIMEOUT_MS / 1000} s` : 'it exited';
  await stop();
  console.log(
    pc.yellow(
      `demo: the shared sandbox did not become ready (${why}); each phase run starts its own${stderr ? `\n${stderr.trimEnd()}` : ''}`,
    ),
  );
  return undefined;
}

async function main(): Promise<number> {
  let overrides: Record<string, string>;
  let storageDir: string;
  let settings: Env;
  try {
    const setup = await runSetup();
    overrides = { ...setup.overrides };
    settings = loadEnv({ ...process.env, ...overrides });
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
  const sandbox = await startSharedSandbox(settings, env);
  // The next phase's run starts while this one's checks run and waits for its turn: where no run
  // starts a sandbox of its own (the shared one answers, or a real target), so two never race.
  const ahead = sandbox !== undefined || !settings.sandbox;
  const gates = ahead ? mkdtempSync(path.join(os.tmpdir(), 'phasegate-demo-')) : undefined;
  let last: PhaseRun | undefined;
  try {
    const walk = await walkPhases(
      (phase, early) =>
        startPhase(phase, env, storageDir, early && gates ? path.join(gates, `phase-${phase}`) : undefined),
      { ahead, ended: (_phase, run) => printResult(run) },
    );
    last = walk.last;
    if (walk.failedPhase !== undefined) {
      console.error(pc.red(`\ndemo: phase ${walk.failedPhase} failed: stopping here, as the runbook says`));
      return walk.last.exitCode;
    }
  } finally {
    await sandbox?.stop();
    if (gates) rmSync(gates, { recursive: true, force: true });
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
