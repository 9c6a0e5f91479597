// `npm run demo`, the first command of the README's Quick start: setup, phases 1 to 8 against
// the built-in sandbox (one sandbox for the eight runs), a report and a sign-off block each, the
// final sign-off, and the sandbox stopped at the end. Its own ports, database, Redis prefix and
// storage, so it runs beside the other self-tests. Its eight phase runs are also the proof that
// every phase is green against the healthy sandbox, check by check (one walk serving both, instead
// of a second full run of its own); that the suite verifies a target addressed through settings
// alone is shown by the fault matrix, whose runs address their sandbox as a real target and
// require every check a fault does not concern to stay green.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sandboxAnswers } from '../config/sandbox-server.ts';
import { LOAD_SENSITIVE } from './helpers/fault-matrix.ts';
import { allocateSandboxEnv } from './helpers/sandbox.ts';
import { baseEnv, killGroup, parseStatusEnv, REPO } from './helpers/robustness-run.ts';
import { START_GATE_ENV, START_GATE_GO, START_GATE_READY } from '../fixtures/start-gate.ts';

const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules', '@playwright', 'test', 'cli.js');

const DEMO_TIMEOUT_MS = 480_000;

interface DemoRun {
  code: number | null;
  output: string;
  storage: string;
  appUrl: string;
}

async function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const demo = startInGroup(['--import', 'tsx', 'scripts/demo.ts'], env);
  const { code, killed } = await demo.end(DEMO_TIMEOUT_MS);
  const note = killed ? `\n(self-test: the demo did not end within ${DEMO_TIMEOUT_MS / 1000} s; killed)` : '';
  return { code, output: demo.output() + note };
}

/** The demo's environment: its own sandbox and storage under `out`, as a person runs it (not
 *  under CI, so the eight runs share the demo's sandbox). */
function demoEnv(
  suiteEnv: Record<string, string>,
  out: string,
  extra: Record<string, string>,
): { env: Record<string, string>; storage: string } {
  const storage = path.join(out, 'storage');
  const env: Record<string, string> = {
    ...baseEnv(),
    ...suiteEnv,
    STORAGE_DIR: storage,
    PLAYWRIGHT_HTML_OUTPUT_DIR: path.join(out, 'html'),
    ...extra,
  };
  delete env.CI;
  return { env, storage };
}

/** Command lines of the processes whose environment holds `entry` (Linux /proc). */
function processesWith(entry: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(entry))
        found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * The demo against a blank login page (phase 1's critical check fails), started as the file loads
 * so that it runs beside the full walk instead of after it (its test comes last).
 */
async function failingDemo() {
  return inScratch('phasegate-demo-', async (suiteEnv, out) => {
    const { env, storage } = demoEnv(suiteEnv, out, { SANDBOX_FAULTS: 'login_blank' });
    const r = await runDemo(env);
    const reports = path.join(storage, 'reports');
    return {
      ...r,
      reportDirs: existsSync(reports) ? readdirSync(reports).filter((d) => d.startsWith('phase_')) : [],
      // Read as the demo has ended: what of it is still running.
      leftProcesses: processesWith(`STORAGE_DIR=${storage}`),
      sandboxUp: await sandboxAnswers(`http://127.0.0.1:${suiteEnv.SANDBOX_PORT}/__sandbox/ready`),
    };
  });
}
const failing = failingDemo();
failing.catch(() => undefined); // awaited (and reported) by its test

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sandbox environment of its own and a scratch folder for `fn`, both gone after it. */
async function inScratch<T>(
  prefix: string,
  fn: (suiteEnv: Record<string, string>, out: string) => Promise<T>,
): Promise<T> {
  const allocation = await allocateSandboxEnv();
  const out = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    return await fn(allocation.suiteEnv, out);
  } finally {
    await allocation.cleanup();
    rmSync(out, { recursive: true, force: true });
  }
}

/** `node args` in a process group of its own, its output collected. */
function startInGroup(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    pid: child.pid,
    output: () => output,
    /** Its exit code; the whole group is killed if it has not ended within `ms`. */
    async end(ms: number): Promise<{ code: number | null; killed: boolean }> {
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        killGroup(child.pid);
      }, ms);
      const code = await exited;
      clearTimeout(timer);
      return { code, killed };
    },
    kill: () => killGroup(child.pid),
  };
}

/**
 * A run started ahead of its turn, as the demo starts phases 2 to 8 (the @api checks of phase 1,
 * against a sandbox of its own): its workers start and wait; nothing is checked or swept until
 * the gate says `go`. Started as the file loads, beside the walks above and below.
 */
async function aheadRun() {
  return inScratch('phasegate-ahead-', async (suiteEnv, out) => {
    const gate = path.join(out, 'gate');
    const { env, storage } = demoEnv(suiteEnv, out, { [START_GATE_ENV]: gate });
    const run = startInGroup([PLAYWRIGHT_CLI, 'test', '--project', 'api', '--grep', '@phase1\\b'], env);
    try {
      const deadline = Date.now() + 120_000;
      // The global setup has returned (preflight done) when Playwright says what it runs.
      while (!run.output().includes('Running ') && Date.now() < deadline) await delay(50);
      // Time enough for the worker to load its modules and reach its first check, and more.
      await delay(3_000);
      const waiting = {
        output: run.output(),
        processes: processesWith(`${START_GATE_ENV}=${gate}`).length,
        gate: existsSync(gate) ? readFileSync(gate, 'utf8') : '',
      };
      const go = Date.now();
      writeFileSync(gate, START_GATE_GO);
      const { code } = await run.end(120_000);
      const reports = path.join(storage, 'reports');
      const dirs = existsSync(reports) ? readdirSync(reports) : [];
      const status = dirs[0]
        ? parseStatusEnv(readFileSync(path.join(reports, dirs[0], 'status.env'), 'utf8'))
        : {};
      return { waiting, go, code, output: run.output(), gate: readFileSync(gate, 'utf8'), dirs, status };
    } finally {
      run.kill();
    }
  });
}
const ahead = aheadRun();
ahead.catch(() => undefined); // awaited (and reported) by its test

/**
 * The demo stopped with a SIGTERM to it alone (not its process group) while phase 2 runs: phase
 * 2's run, in a process group of its own, must hear it through the demo, and the demo must wait
 * for that run's workers before it stops the sandbox. Started as the file loads, beside the rest.
 */
async function stoppedDemo() {
  return inScratch('phasegate-demo-stop-', async (suiteEnv, out) => {
    const { env, storage } = demoEnv(suiteEnv, out, {});
    const demo = startInGroup(['--import', 'tsx', 'scripts/demo.ts'], env);
    try {
      const deadline = Date.now() + 180_000;
      // Phase 2 has begun and checks: a result line after its command.
      const checking = () => /demo: npx playwright test --grep @phase2\\b[\s\S]*\n\s+✓/.test(demo.output());
      while (!checking() && Date.now() < deadline) await delay(20);
      const signalled = checking();
      if (demo.pid !== undefined) process.kill(demo.pid, 'SIGTERM');
      const { code } = await demo.end(60_000);
      const logFile = suiteEnv.APP_LOG_PATH ?? '';
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      return {
        signalled,
        code,
        output: demo.output(),
        leftProcesses: processesWith(`STORAGE_DIR=${storage}`),
        logErrors: log.split('\n').filter((l) => /\.(ERROR|CRITICAL):/.test(l)),
      };
    } finally {
      demo.kill();
    }
  });
}
const stopped = stoppedDemo();
stopped.catch(() => undefined); // awaited (and reported) by its test

describe('npm run demo stopped with SIGTERM', () => {
  test('stops the phase that runs, waits for its checks, and leaves nothing running', async () => {
    const r = await stopped;
    assert.ok(r.signalled, `phase 2 never began checking:\n${r.output.slice(-3_000)}`);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /demo: phase 2 failed: stopping here, as the runbook says/);
    assert.doesNotMatch(r.output, /--grep @phase3\\b /);
    assert.deepEqual(r.leftProcesses, []);
    // No check of the stopped run met a stopping sandbox (its errors would fail the next demo).
    assert.deepEqual(r.logErrors, []);
  });
});

describe('a run started ahead of its turn', () => {
  test('starts its workers, which check nothing, and sweeps nothing, until its turn', async () => {
    const r = await ahead;
    const resultLine = /^\s+[✓✘-]\s+\d+ \[/m;
    // Runner and worker were up: the worker was there to run checks, and ran none.
    assert.ok(
      r.waiting.processes >= 2,
      `runner and worker were running: ${r.waiting.processes}\n${r.output}`,
    );
    assert.doesNotMatch(r.waiting.output, resultLine, 'a check ran before the turn');
    // The runner lets the workers begin only after its sweep, which waits for the turn.
    assert.notEqual(r.waiting.gate.trim(), START_GATE_READY);
    assert.equal(r.gate.trim(), START_GATE_READY);
    assert.equal(r.code, 0, r.output.slice(-3_000));
    assert.match(r.output, resultLine);
    // One report, timed from the turn (STARTED_AT is whole seconds).
    assert.equal(r.dirs.length, 1, r.dirs.join(', '));
    assert.ok(Date.parse(r.status.STARTED_AT ?? '') >= r.go - 1_000, `STARTED_AT ${r.status.STARTED_AT}`);
  });
});

describe('npm run demo walks phases 1-8 against the sandbox', () => {
  let run: DemoRun;
  let cleanup: () => Promise<void>;
  let out: string;

  before(async () => {
    const allocation = await allocateSandboxEnv();
    cleanup = allocation.cleanup;
    out = mkdtempSync(path.join(tmpdir(), 'phasegate-demo-'));
    const { env, storage } = demoEnv(allocation.suiteEnv, out, { DEPLOYED_BY: 'selftest' });
    const r = await runDemo(env);
    run = { ...r, storage, appUrl: `http://127.0.0.1:${allocation.suiteEnv.SANDBOX_PORT}` };
  });

  after(async () => {
    await cleanup?.();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('exits 0 after eight phase runs, each with its summary and report path', () => {
    assert.equal(run.code, 0, run.output.slice(-4_000));
    for (let phase = 1; phase <= 8; phase++) {
      // Its own output folder: a run started ahead clears only its own (scripts/demo.ts).
      assert.match(
        run.output,
        new RegExp(
          `demo: npx playwright test --grep @phase${phase}\\\\b --output test-results/phase-${phase}\\n`,
        ),
      );
      assert.match(run.output, new RegExp(`demo: phase ${phase}: the suite exited with code 0\\n`));
      assert.match(run.output, new RegExp(`Phase report: .*phase_${phase}_\\d{8}_\\d{6}(_\\d+)?/INDEX\\.md`));
    }
    assert.match(run.output, /Result: ALL PHASES VERIFIED - PROCEED TO FINAL SIGN-OFF ✅/);
  });

  test('starts one sandbox for the eight runs and stops it at the end', async () => {
    const shared = run.output.match(/the eight phase runs share it/g) ?? [];
    assert.equal(shared.length, 1, run.output.slice(0, 2_000));
    assert.equal(await sandboxAnswers(`${run.appUrl}/__sandbox/ready`), false, 'the sandbox still answers');
  });

  // Each phase's own run (the checks `--grep "@phaseN\b"` selects) against the healthy sandbox:
  // every check green (a timed check may turn yellow on a loaded machine, never red), none
  // skipped, and a later phase only adds checks (DESIGN.md: a check holds in every later phase).
  test('every phase run is green, check by check, and later phases only add checks', () => {
    const reports = path.join(run.storage, 'reports');
    const byPhase = new Map<number, { title: string; status: string; summaryText: string }[]>();
    for (const d of readdirSync(reports).filter((x) => x.startsWith('phase_'))) {
      const model = JSON.parse(readFileSync(path.join(reports, d, 'report.json'), 'utf8')) as {
        phase: number;
        checks: { title: string; status: string; summaryText: string }[];
      };
      byPhase.set(model.phase, model.checks);
    }
    let previous: string[] = [];
    for (let phase = 1; phase <= 8; phase++) {
      const checks = byPhase.get(phase) ?? [];
      assert.ok(checks.length > 0, `phase ${phase} ran no check`);
      const wrong = checks.filter(
        (c) => c.status !== 'PASS' && !(c.status === 'WARN' && LOAD_SENSITIVE.includes(c.title)),
      );
      assert.deepEqual(
        wrong.map((c) => `${c.status} ${c.title}: ${c.summaryText}`),
        [],
        `phase ${phase} is not green`,
      );
      const titles = checks.map((c) => c.title);
      for (const t of previous) assert.ok(titles.includes(t), `${t} dropped at phase ${phase}`);
      previous = titles;
    }
    assert.ok(previous.length >= 30, `the phase 8 run ran only ${previous.length} checks`);
  });

  test('starts each phase run after the first while the previous one runs, and lets it begin after', () => {
    // The runs started ahead announce their command only when their turn comes: eight commands in
    // order, each after the previous phase's result.
    const commands = [
      ...run.output.matchAll(/demo: npx playwright test --grep @phase(\d)\\b --output /g),
    ].map((m) => Number(m[1]));
    assert.deepEqual(commands, [1, 2, 3, 4, 5, 6, 7, 8]);
    for (let phase = 2; phase <= 8; phase++) {
      const result = run.output.indexOf(`demo: phase ${phase - 1}: the suite exited with code 0`);
      const command = run.output.indexOf(`demo: npx playwright test --grep @phase${phase}\\b`);
      assert.ok(result >= 0 && command > result, `phase ${phase} began before phase ${phase - 1} ended`);
    }
    assert.doesNotMatch(run.output, /PHASEGATE_START_GATE/);
    // Each report times its own run from when its turn came: no phase's run overlaps the last.
    const reports = path.join(run.storage, 'reports');
    const times = readdirSync(reports)
      .filter((d) => d.startsWith('phase_'))
      .map((d) => {
        const status = parseStatusEnv(readFileSync(path.join(reports, d, 'status.env'), 'utf8'));
        const start = Date.parse(status.STARTED_AT ?? '');
        return { phase: Number(status.PHASE), start, end: start + Number(status.DURATION_MS) };
      })
      .sort((a, b) => a.phase - b.phase);
    assert.equal(times.length, 8);
    for (const [i, cur] of times.slice(1).entries()) {
      const prev = times[i];
      // STARTED_AT is whole seconds: a second of slack.
      assert.ok(
        prev && cur.start >= prev.end - 1_000,
        `phase ${cur.phase} is timed from before phase ${cur.phase - 1} ended: ${JSON.stringify(times)}`,
      );
    }
  });

  test('writes eight phase reports and ends with the final sign-off in deployment.log', () => {
    const reports = path.join(run.storage, 'reports');
    const dirs = readdirSync(reports).filter((d) => d.startsWith('phase_'));
    assert.deepEqual(
      dirs.map((d) => Number(d.split('_')[1])).sort(),
      [1, 2, 3, 4, 5, 6, 7, 8],
      dirs.join(', '),
    );
    for (const d of dirs) {
      const status = readFileSync(path.join(reports, d, 'status.env'), 'utf8');
      // Green, or yellow where a loaded machine slows a timed check; never red.
      assert.match(status, /^STATUS=(PASS|WARN)$/m, `${d}: ${status}`);
      assert.ok(existsSync(path.join(reports, d, 'INDEX.md')));
    }
    // Eight phase blocks, then the final sign-off naming every phase's report.
    const log = readFileSync(path.join(run.storage, 'deployment.log'), 'utf8');
    const final = log.slice(log.lastIndexOf('🎉 ALL 8 PHASES DEPLOYED & VERIFIED'));
    assert.ok(final.length < log.length, log.slice(-2_000));
    for (const d of dirs) assert.match(final, new RegExp(`✅ VERIFIED .*${d}\\n`));
    assert.match(final, /Production Ready: YES ✅/);
    assert.match(run.output, /demo: npm run signoff[\s\S]*Production Ready: YES ✅/);
  });
});

describe('npm run demo stops at a failing phase', () => {
  test('the run started ahead for the next phase ends without checking or reporting anything', async () => {
    const r = await failing;
    assert.notEqual(r.code, 0, r.output.slice(-3_000));
    assert.match(r.output, /demo: phase 1 failed: stopping here, as the runbook says/);
    assert.doesNotMatch(r.output, /--grep @phase2/);
    assert.deepEqual(
      r.reportDirs.map((d) => d.split('_')[1]),
      ['1'],
      `only phase 1 may have a report: ${r.reportDirs.join(', ')}`,
    );
    // The demo waited for the killed run: no process of this demo is left (its sandbox neither).
    assert.deepEqual(r.leftProcesses, []);
    assert.equal(r.sandboxUp, false);
  });
});
