// Section 1: time to verdict against the sandbox. Each phase run (`--grep "@phaseN\b"`) and the
// full run, split into start-up, sandbox start (+ loading the tests), checks, shutdown and report
// writing, from the bench timing reporter's timeline. Plus the sandbox's own start to ready,
// measured alone, and the demo's walk through phases 1–8.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitForSandbox } from '../config/sandbox-server.ts';
import { isolate, type Isolation } from './isolation.ts';
import { playwrightCli, runNode, type Measured } from './measure-process.ts';
import { interleave, summarize, type Summary } from './stats.ts';
import type { Timeline } from './timing-reporter.ts';

export interface SuiteTargetResult {
  target: string;
  grep: string | null;
  wall: Summary;
  /** CPU of every process of the run (runner, workers, sandbox, Chromium), when GNU time exists. */
  treeCpuMs: Summary | null;
  /** Median CPU ms by process role; chromium = the tree's CPU minus every Node process's. */
  cpuByRole: Record<string, number> | null;
  tests: number[];
  exitCodes: (number | null)[];
  split: Record<SplitName, Summary>;
  /** Median per fixture title of the summed fixture set-up time (browser launch among them). */
  fixtureMs: Record<string, number>;
  slowest: { title: string; ms: number }[];
}

export type SplitName = 'startup' | 'sandboxAndLoad' | 'checks' | 'shutdown' | 'report' | 'exit';

export interface SuiteResults {
  runs: number;
  sandboxStart: Summary | null;
  sandboxStop: Summary | null;
  targets: SuiteTargetResult[];
  demo: { wall: Summary; exitCodes: (number | null)[] } | null;
  notes: string[];
}

/** Where the compare section copies the harness files an older tree lacks. */
export const HARNESS_DIR = '.tmp/bench-harness';

/**
 * The bench's Playwright config of the measured tree: its own bench/suite-config.ts, or the copy
 * the compare section put in an older tree that lacks one (bench/compare-worktree.ts).
 */
export function suiteConfig(repo: string): string {
  const copy = path.join(repo, HARNESS_DIR, 'suite-config.ts');
  return existsSync(copy) ? copy : path.join(repo, 'bench/suite-config.ts');
}

export interface SuiteSession {
  iso: Isolation;
  /** One `playwright test` run (all checks, or `--grep`), measured, with the timing reporter's timeline. */
  runOnce(grep: string | null): Promise<{ m: Measured; timeline: Timeline | null }>;
  close(): Promise<void>;
}

/**
 * An isolated place to run a tree's suite. With `sharedSandbox`, the tree's sandbox is started
 * once here and every run reuses it (not under CI, as `npm run demo` does); else each run's
 * webServer starts its own (under CI).
 */
export async function openSuiteSession(o: {
  repo: string;
  label: string;
  workers?: number;
  sharedSandbox: boolean;
  log: (s: string) => void;
}): Promise<SuiteSession> {
  const iso = await isolate(o.repo, o.label);
  let sandbox: ChildProcess | null = null;
  try {
    if (o.sharedSandbox) sandbox = await startSandbox(o.repo, iso, o.log);
  } catch (e) {
    await iso.cleanup();
    throw e;
  }
  const runEnv: NodeJS.ProcessEnv = { ...process.env, ...iso.env, BENCH_REPO: o.repo };
  if (o.sharedSandbox) delete runEnv.CI;
  const timelineFile = path.join(iso.dir, 'timeline.json');
  const config = suiteConfig(o.repo);
  return {
    iso,
    runOnce: async (grep) => {
      rmSync(timelineFile, { force: true });
      const args = [
        playwrightCli(o.repo),
        'test',
        '-c',
        config,
        ...(grep ? ['--grep', grep] : []),
        ...(o.workers ? [`--workers=${o.workers}`] : []),
      ];
      const m = await runNode(args, {
        cwd: o.repo,
        env: { ...runEnv, BENCH_TIMELINE_FILE: timelineFile },
        timeoutMs: 300_000,
      });
      const timeline = existsSync(timelineFile)
        ? (JSON.parse(readFileSync(timelineFile, 'utf8')) as Timeline)
        : null;
      return { m, timeline };
    },
    close: async () => {
      if (sandbox) await stopSandbox(sandbox);
      await iso.cleanup();
    },
  };
}

/** The environment the tree's own code gives its sandbox (config/env.ts + sandbox-server.ts). */
function treeSandboxEnv(repo: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const url = (p: string) => JSON.stringify(pathToFileURL(path.join(repo, p)).href);
  const script =
    `const { envOrExit } = await import(${url('config/env.ts')});` +
    `const s = await import(${url('config/sandbox-server.ts')});` +
    `const e = envOrExit({ runFiles: false });` +
    `process.stdout.write(JSON.stringify({ ...s.sandboxSecretEnv(e), ...s.sandboxPublicEnv(e), READY_URL: s.sandboxReadyUrl(e) }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Record<string, string>);
      // The tree's env check names variables, never values (config/env.ts).
      else
        reject(
          new Error(`${repo}: reading the sandbox settings failed (exit ${code}):\n${err.slice(-1500)}`),
        );
    });
  });
}

/** Sandboxes started here, killed if the harness exits on Ctrl-C or an error. */
const sandboxes = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of sandboxes) c.kill('SIGKILL');
});

async function startSandbox(repo: string, iso: Isolation, log: (s: string) => void): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...iso.env };
  delete env.CI;
  const { READY_URL: ready, ...sandboxEnv } = await treeSandboxEnv(repo, env);
  if (!ready) throw new Error(`${repo}: no sandbox ready URL`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
    cwd: repo,
    env: { ...env, ...sandboxEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  sandboxes.add(child);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const t0 = performance.now();
  if (!(await waitForSandbox(ready, 60_000, exited))) {
    await stopSandbox(child);
    throw new Error(`${repo}: the sandbox did not become ready:\n${stderr}`);
  }
  log(
    `${path.basename(repo)}: sandbox ready in ${(performance.now() - t0).toFixed(0)} ms; its runs share it`,
  );
  return child;
}

async function stopSandbox(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    sandboxes.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) child.kill('SIGKILL');
  sandboxes.delete(child);
}

/** The split of one run's wall time; every part is from the same clock (epoch ms). */
export function splitTimeline(t: Timeline, startedAt: number, wallMs: number): Record<SplitName, number> {
  const lastTest = t.lastTestEnd ?? t.begin;
  return {
    startup: t.configured - startedAt,
    sandboxAndLoad: t.begin - t.configured,
    checks: lastTest - t.begin,
    shutdown: t.end - lastTest,
    report: t.exit - t.end,
    exit: startedAt + wallMs - t.exit,
  };
}

export async function runSuiteBench(o: {
  repo: string;
  runs: number;
  phases: number[];
  full: boolean;
  demo: boolean;
  /** Passed to every suite run as --workers (the config's own default when absent). */
  workers?: number;
  /** Demo runs; default `runs` (each demo is eight phase runs, so a loaded machine may want fewer). */
  demoRuns?: number;
  log: (s: string) => void;
}): Promise<SuiteResults> {
  const notes: string[] = [];
  if (!existsSync(path.join(o.repo, 'sandbox/main.ts'))) {
    notes.push('sandbox/main.ts does not exist yet: no suite runs measured');
    return { runs: 0, sandboxStart: null, sandboxStop: null, targets: [], demo: null, notes };
  }
  const session = await openSuiteSession({
    repo: o.repo,
    label: 's',
    workers: o.workers,
    sharedSandbox: false,
    log: o.log,
  });
  try {
    const start = await sandboxStartStop(o.repo, session.iso.env, o.runs, o.log);
    const targets = [
      ...o.phases.map((p) => ({ target: `phase${p}`, grep: `@phase${p}\\b` })),
      ...(o.full ? [{ target: 'full', grep: null }] : []),
    ];
    const runOnce = session.runOnce;
    o.log('suite: warm-up run (creates the database, fills the transform cache; not counted)');
    const warm = await runOnce(null);
    if (warm.m.exitCode !== 0) {
      notes.push(`warm-up full run exited ${warm.m.exitCode}; tail:\n${warm.m.output.slice(-1500)}`);
    }
    const raw = new Map<
      string,
      {
        wall: number;
        treeCpu: number | null;
        roles: Record<string, number> | null;
        tests: number;
        exit: number | null;
        split: Record<SplitName, number>;
        timeline: Timeline;
      }[]
    >();
    for (const t of interleave(targets, o.runs)) {
      const { m, timeline } = await runOnce(t.grep);
      if (!timeline) {
        notes.push(`${t.target}: no timeline (exit ${m.exitCode}); tail:\n${m.output.slice(-800)}`);
        continue;
      }
      const split = splitTimeline(timeline, m.startedAt, m.wallMs);
      o.log(
        `suite ${t.target}: ${(m.wallMs / 1000).toFixed(2)} s wall, ${((m.treeCpuMs ?? 0) / 1000).toFixed(1)} s CPU, ` +
          `${timeline.tests} tests, exit ${m.exitCode} ` +
          `(sandbox+load ${split.sandboxAndLoad} ms, checks ${split.checks} ms, report ${split.report} ms)`,
      );
      const n = m.nodeCpuMs;
      const roles =
        m.treeCpuMs === null
          ? null
          : { ...n, chromium: Math.max(0, m.treeCpuMs - n.runner - n.workers - n.sandbox - n.other) };
      const list = raw.get(t.target) ?? [];
      list.push({
        wall: m.wallMs,
        treeCpu: m.treeCpuMs,
        roles,
        tests: timeline.tests,
        exit: m.exitCode,
        split,
        timeline,
      });
      raw.set(t.target, list);
    }
    const results: SuiteTargetResult[] = [];
    for (const t of targets) {
      const list = raw.get(t.target);
      if (!list?.length) continue;
      const splitNames: SplitName[] = ['startup', 'sandboxAndLoad', 'checks', 'shutdown', 'report', 'exit'];
      const split = Object.fromEntries(
        splitNames.map((n) => [n, summarize(list.map((r) => r.split[n]))]),
      ) as Record<SplitName, Summary>;
      const titles = new Set(list.flatMap((r) => Object.keys(r.timeline.fixtureMs)));
      const fixtureMs = Object.fromEntries(
        [...titles].map((title) => [
          title,
          summarize(list.map((r) => r.timeline.fixtureMs[title] ?? 0)).median,
        ]),
      );
      results.push({
        target: t.target,
        grep: t.grep,
        wall: summarize(list.map((r) => r.wall)),
        treeCpuMs: list.every((r) => r.treeCpu !== null)
          ? summarize(list.map((r) => r.treeCpu as number))
          : null,
        cpuByRole: list.every((r) => r.roles !== null)
          ? Object.fromEntries(
              Object.keys(list[0]?.roles ?? {}).map((k) => [
                k,
                summarize(list.map((r) => (r.roles as Record<string, number>)[k] ?? 0)).median,
              ]),
            )
          : null,
        tests: list.map((r) => r.tests),
        exitCodes: list.map((r) => r.exit),
        split,
        fixtureMs,
        slowest: (list[list.length - 1] as { timeline: Timeline }).timeline.slowest,
      });
    }
    const demo = o.demo ? await demoBench(o.repo, o.demoRuns ?? o.runs, o.log, notes) : null;
    return {
      runs: o.runs,
      sandboxStart: start.start,
      sandboxStop: start.stop,
      targets: results,
      demo,
      notes,
    };
  } finally {
    await session.close();
  }
}

/** The sandbox alone: spawn to `/__sandbox/ready`, then SIGTERM to exit. */
async function sandboxStartStop(
  repo: string,
  env: Record<string, string>,
  runs: number,
  log: (s: string) => void,
): Promise<{ start: Summary | null; stop: Summary | null }> {
  const starts: number[] = [];
  const stops: number[] = [];
  const sandboxEnv = {
    ...process.env,
    SANDBOX_PORT: env.SANDBOX_PORT,
    SANDBOX_CALCOM_PORT: env.SANDBOX_CALCOM_PORT,
    SANDBOX_DATABASE_URL: env.DATABASE_URL,
    SANDBOX_REDIS_PREFIX: env.REDIS_PREFIX,
    SANDBOX_LOG_PATH: env.APP_LOG_PATH,
  };
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      cwd: repo,
      env: sandboxEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Polled every 20 ms: this is the start time being measured.
    const ready = await waitForSandbox(
      `http://127.0.0.1:${env.SANDBOX_PORT}/__sandbox/ready`,
      60_000,
      exited,
      20,
    );
    const startMs = performance.now() - t0;
    const t1 = performance.now();
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) child.kill('SIGKILL');
    const stopMs = performance.now() - t1;
    if (!ready) {
      log(`sandbox did not become ready:\n${stderr.slice(-1500)}`);
      return { start: null, stop: null };
    }
    // The first start creates and migrates the database: a deploy-day run meets an existing one.
    if (i === 0) continue;
    starts.push(startMs);
    stops.push(stopMs);
    log(`sandbox alone: ready in ${startMs.toFixed(0)} ms, stopped in ${stopMs.toFixed(0)} ms`);
  }
  return { start: summarize(starts), stop: summarize(stops) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * `npm run demo` as a user runs it (through tsx, not under CI: the demo then starts the sandbox
 * once for its eight runs), with the same isolation as the suite runs.
 */
async function demoBench(
  repo: string,
  runs: number,
  log: (s: string) => void,
  notes: string[],
): Promise<{ wall: Summary; exitCodes: (number | null)[] } | null> {
  if (!existsSync(path.join(repo, 'scripts/demo.ts'))) {
    notes.push('scripts/demo.ts does not exist yet: demo not measured');
    return null;
  }
  const walls: number[] = [];
  const codes: (number | null)[] = [];
  for (let i = 0; i < runs; i++) {
    const m = await demoOnce(repo);
    walls.push(m.wallMs);
    codes.push(m.exitCode);
    log(`demo: ${(m.wallMs / 1000).toFixed(1)} s, exit ${m.exitCode}`);
    if (m.exitCode !== 0)
      notes.push(`demo run ${i + 1} exited ${m.exitCode}; tail:\n${m.output.slice(-1500)}`);
  }
  return walls.length ? { wall: summarize(walls), exitCodes: codes } : null;
}

/** One `npm run demo` of the tree (its scripts/demo.ts), in its own isolation, not under CI. */
export async function demoOnce(repo: string): Promise<Measured> {
  const iso = await isolate(repo, 'd');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...iso.env };
    delete env.CI;
    return await runNode(['--import', 'tsx', 'scripts/demo.ts'], { cwd: repo, env, timeoutMs: 600_000 });
  } finally {
    await iso.cleanup();
  }
}
