// `npm test`: setup, then the type check beside every selftest/**/*.test.ts, each file in a Node
// test-runner process of its own, `--concurrency` files at a time (default: one more than the
// cores), the slowest first (as the last run measured them, else selftest/durations.json), so
// that the long files start at once and the short ones fill the gaps. `npm test -- selftest/x.test.ts` runs a subset.
//
// A file's output is printed as one block when it ends, so parallel files never interleave.
// A file still running at its own limit, or at the limit of the whole run, is stopped with its
// process group (the sandboxes it started go with it); the runner then says which files were
// still running, for how long, and prints their output so far. A stopped file is never counted
// as a test: the closing line counts tests of the files that finished, and a run with a stopped
// file ends with a line that says it is incomplete instead.
//
// Ends with one plain line, `selftest: N passed, M failed` (tests, the type check counted as
// one unless `--no-typecheck`), and a non-zero exit code on any failure or stopped file.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { runSetup, SetupError } from './setup.ts';
import { phpNeedForTestFiles } from './setup/decide.ts';

// Per test (a file's top-level tests). A file is meant to finish within ~3 minutes on 2 cores.
const TEST_TIMEOUT_MS = 8 * 60_000;
/** A file running longer than this is stopped (its tests' own timeouts failed to end it). */
const FILE_LIMIT_MS = 9 * 60_000;
/**
 * The test files together. A hang is stopped by FILE_LIMIT_MS; this bounds the whole run well
 * inside CI's 90 minutes, so that a machine twice as slow as usual (measured: a run of 21 minutes
 * on such a day) still finishes and shows every result instead of stopping at a tight limit.
 */
const RUN_LIMIT_MS = 45 * 60_000;
const TSC_TIMEOUT_MS = 2 * 60_000;
/** Where the last run's per-file durations are kept (the order of the next run). */
const DURATIONS_FILE = path.join('storage', 'selftest', 'durations.json');
/** Durations measured in a whole run on 2 cores, for a checkout that has run nothing yet (CI). */
const DURATIONS_BASELINE = path.join('selftest', 'durations.json');

/** Every `*.test.ts` under `dir`, sorted, as paths relative to the project. */
export function findTestFiles(root: string, dir = 'selftest'): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = path.join(rel, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(child);
      else if (e.isFile() && e.name.endsWith('.test.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

export interface RunnerCounts {
  pass: number;
  fail: number;
  cancelled: number;
  /** The runner printed its summary (it did not crash before the end). */
  complete: boolean;
}

/** Reads the spec reporter's closing summary (`ℹ pass 12`, `ℹ fail 0`, ...). */
export function parseRunnerSummary(output: string): RunnerCounts {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const count = (name: string) => {
    const all = [...plain.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))];
    const last = all[all.length - 1];
    return last ? Number(last[1]) : undefined;
  };
  const pass = count('pass');
  const fail = count('fail');
  const cancelled = count('cancelled');
  return {
    pass: pass ?? 0,
    fail: fail ?? 0,
    cancelled: cancelled ?? 0,
    complete: pass !== undefined && fail !== undefined,
  };
}

/**
 * The order to start files in: longest first by the last run's durations; files the last run did
 * not time go first (a new file may be slow, and a fast one costs little at the front).
 */
export function scheduleOrder(files: readonly string[], durations: Record<string, number>): string[] {
  const weight = (f: string) => durations[f] ?? Number.POSITIVE_INFINITY;
  return [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
}

/** The last run's durations over the committed baseline. */
function readDurations(root: string): Record<string, number> {
  return {
    ...readDurationsFile(path.join(root, DURATIONS_BASELINE)),
    ...readDurationsFile(path.join(root, DURATIONS_FILE)),
  };
}

function readDurationsFile(file: string): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'),
    );
  } catch {
    return {};
  }
}

function writeDurations(root: string, durations: Record<string, number>): void {
  try {
    mkdirSync(path.join(root, path.dirname(DURATIONS_FILE)), { recursive: true });
    writeFileSync(path.join(root, DURATIONS_FILE), `${JSON.stringify(durations, null, 2)}\n`);
  } catch (err) {
    // Only the next run's order depends on it.
    console.error(`selftest: cannot write ${DURATIONS_FILE}: ${(err as Error).message}`);
  }
}

interface Job {
  /** Resolves when the process group has ended (or was stopped); cpuMs as for FileResult. */
  done: Promise<{ code: number; output: string; cpuMs?: number }>;
  /** The output so far. */
  output(): string;
  /** Stops the whole process group. */
  stop(signal?: NodeJS.Signals): void;
}

/** Starts a command in a process group of its own, collecting its output. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv): Job {
  let output = '';
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const stop = (signal: NodeJS.Signals = 'SIGKILL') => {
    // The whole group: the file's process, and what it spawned (sandboxes, Playwright, Chromium).
    if (child.pid) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    }
  };
  let cpuMs: number | undefined;
  child.on('exit', () => {
    // Just reaped: the growth of the reaped children's CPU since the last reap is this child's.
    const now = reapedChildrenCpuMs();
    if (now !== undefined && lastReapedCpuMs !== undefined) cpuMs = now - lastReapedCpuMs;
    lastReapedCpuMs = now;
  });
  const done = new Promise<{ code: number; output: string; cpuMs?: number }>((resolve) => {
    child.on('error', (err) => {
      output += err.message;
    });
    child.on('close', (code) => {
      // What outlived its parent in the group (a sandbox of a test that timed out, say) would hold
      // ports and keep the machine busy: stop it with the file.
      stop();
      resolve({ code: code ?? 1, output, cpuMs });
    });
  });
  return { done, output: () => output, stop };
}

export interface FileResult {
  file: string;
  ms: number;
  /** CPU time of the file's processes that had ended by its end (user + system), if known. */
  cpuMs?: number;
  counts: RunnerCounts;
  code: number;
  /** Stopped at its own limit or the run's; its counts are not counted. */
  stopped?: string;
  output: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A job's collected output, as one block ending in a line break (nothing when it printed nothing). */
function writeBlock(output: string): void {
  process.stdout.write(output.endsWith('\n') || !output ? output : `${output}\n`);
}

/** The unit of /proc's CPU times (USER_HZ, 100 on Linux whatever the kernel's own tick). */
const PROC_TICKS_PER_SECOND = 100;

/**
 * CPU time (ms, user + system) of this process's children that have ended and been waited for,
 * with everything they waited for in turn (Linux: /proc/self/stat cutime and cstime). Read as
 * each file's process is reaped, the difference is that file's CPU (two files ending in the same
 * moment may be counted together); undefined where unreadable.
 */
export function reapedChildrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after the name.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? (ticks * 1000) / PROC_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** reapedChildrenCpuMs() at the last reap of a child started by start(). */
let lastReapedCpuMs = reapedChildrenCpuMs();

/** The closing lines: per-file times, stopped files, and the count (never counting a stopped file). */
export function closingLines(
  results: readonly FileResult[],
  extra: { passed: number; failed: number },
): {
  lines: string[];
  passed: number;
  failed: number;
  complete: boolean;
} {
  let passed = extra.passed;
  let failed = extra.failed;
  const lines: string[] = [];
  const stopped = results.filter((r) => r.stopped);
  for (const r of results) {
    if (r.stopped) continue;
    passed += r.counts.pass;
    failed += r.counts.fail + r.counts.cancelled;
    if (!r.counts.complete || (r.code !== 0 && r.counts.fail + r.counts.cancelled === 0)) {
      // The file died or failed outside any test (it does not load, say): one failure.
      failed++;
      lines.push(`selftest: ${r.file} exited with code ${r.code} without a clean summary`);
    }
  }
  for (const r of stopped)
    lines.push(`selftest: ${r.file} ${r.stopped}${r.ms ? ` after ${seconds(r.ms)}` : ''} (not counted)`);
  if (stopped.length) {
    lines.push(
      `selftest: incomplete: ${stopped.length} file(s) not finished; ${passed} passed, ${failed} failed in the files that finished`,
    );
  } else {
    lines.push(`selftest: ${passed} passed, ${failed} failed`);
  }
  return { lines, passed, failed, complete: stopped.length === 0 };
}

/** Runs `files` `concurrency` at a time; prints each file's block when it ends. */
async function runFiles(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { concurrency: number; fileLimitMs: number; runLimitMs: number },
): Promise<FileResult[]> {
  const queue = [...files];
  const results: FileResult[] = [];
  const running = new Map<string, { job: Job; started: number; stopped?: string }>();
  let runLimitHit = false;
  const print = (r: FileResult) => {
    const ok = !r.stopped && r.counts.complete && r.code === 0;
    const cpu = r.cpuMs === undefined ? '' : ` (${seconds(r.cpuMs)} CPU)`;
    const head = `── ${r.file}: ${r.stopped ? `${r.stopped} after` : `${r.counts.pass} passed, ${r.counts.fail + r.counts.cancelled} failed in`} ${seconds(r.ms)}${cpu}`;
    console.log(ok ? pc.green(head) : pc.red(head));
    writeBlock(r.output);
  };

  await new Promise<void>((resolveAll) => {
    let runTimer: NodeJS.Timeout | undefined;
    const onSignal = () => {
      queue.length = 0;
      for (const { job } of running.values()) job.stop();
    };
    const finishIfIdle = () => {
      if (running.size > 0 || (queue.length > 0 && !runLimitHit)) return;
      clearTimeout(runTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveAll();
    };
    const next = () => {
      while (!runLimitHit && running.size < opts.concurrency && queue.length) {
        const file = queue.shift() as string;
        const started = Date.now();
        const job = start(
          process.execPath,
          [
            '--import',
            'tsx',
            '--test',
            `--test-timeout=${TEST_TIMEOUT_MS}`,
            '--test-reporter=spec',
            '--test-reporter-destination=stdout',
            file,
          ],
          env,
        );
        const entry: { job: Job; started: number; stopped?: string } = { job, started };
        const timer = setTimeout(() => {
          entry.stopped = `still running at its limit of ${seconds(opts.fileLimitMs)}; stopped`;
          job.stop();
        }, opts.fileLimitMs);
        running.set(file, entry);
        void job.done.then(({ code, output, cpuMs }) => {
          clearTimeout(timer);
          running.delete(file);
          const ms = Date.now() - started;
          const counts = parseRunnerSummary(output);
          const r: FileResult = { file, ms, cpuMs, counts, code, stopped: entry.stopped, output };
          results.push(r);
          print(r);
          next();
          finishIfIdle();
        });
      }
    };
    runTimer = setTimeout(() => {
      runLimitHit = true;
      const now = Date.now();
      const still = [...running.entries()].map(([f, r]) => `${f} (${seconds(now - r.started)})`);
      console.log(
        pc.red(
          `\nselftest: the run reached its limit of ${seconds(opts.runLimitMs)}; still running: ${
            still.join(', ') || 'none'
          }; not started: ${queue.join(', ') || 'none'}`,
        ),
      );
      for (const entry of running.values()) {
        entry.stopped = `still running at the run's limit of ${seconds(opts.runLimitMs)}; stopped`;
        entry.job.stop();
      }
      finishIfIdle();
    }, opts.runLimitMs);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    next();
    finishIfIdle();
  });
  for (const file of queue) {
    const empty: RunnerCounts = { pass: 0, fail: 0, cancelled: 0, complete: false };
    results.push({
      file,
      ms: 0,
      counts: empty,
      code: 1,
      stopped: "not started before the run's limit",
      output: '',
    });
  }
  return results;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      concurrency: { type: 'string' },
      'file-limit': { type: 'string' },
      'run-limit': { type: 'string' },
      'no-typecheck': { type: 'boolean' },
    },
  });
  const positive = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`selftest: --${name} takes a positive number, not ${raw}`);
    return n;
  };
  // One more file than cores: most files wait on timeouts, sandboxes and browsers much of the
  // time; on 2 cores 3 at a time took 0.86x the wall time of 2 at a time (BENCHMARKS.md).
  const concurrency = Math.floor(positive('concurrency', values.concurrency, availableParallelism() + 1));
  const fileLimitMs = positive('file-limit', values['file-limit'], FILE_LIMIT_MS / 1000) * 1000;
  const runLimitMs = positive('run-limit', values['run-limit'], RUN_LIMIT_MS / 1000) * 1000;
  const root = process.cwd();
  const started = Date.now();
  const files = positionals.length ? positionals : findTestFiles(root);

  let overrides: Record<string, string> = {};
  try {
    const setup = await runSetup({ php: phpNeedForTestFiles(files) });
    overrides = { ...setup.overrides };
  } catch (err) {
    if (err instanceof SetupError) {
      console.error(pc.red(`selftest: setup cannot continue\n${err.message}`));
      console.log('selftest: 0 passed, 1 failed');
      return 1;
    }
    throw err;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  // Set inside a test process: a runner started with it would talk to a parent that is not there.
  delete env.NODE_TEST_CONTEXT;

  let passed = 0;
  let failed = 0;

  // The type check runs beside the test files (one core of its own for ~20 s, instead of a pause
  // before them); its output is one block when it ends, like a file's.
  const typecheck = values['no-typecheck']
    ? undefined
    : (() => {
        const tsc = start('npx', ['--no-install', 'tsc', '--noEmit', '-p', '.'], env);
        const timer = setTimeout(() => tsc.stop(), TSC_TIMEOUT_MS);
        return tsc.done.then(({ code, output }) => {
          clearTimeout(timer);
          console.log(pc.bold('── tsc --noEmit -p .'));
          writeBlock(output);
          if (code === 0) {
            passed++;
            console.log(pc.green('selftest: type check clean'));
          } else {
            failed++;
            console.log(pc.red('selftest: type check failed (above)'));
          }
        });
      })();

  let results: FileResult[] = [];
  if (files.length === 0) {
    console.log('selftest: no selftest/**/*.test.ts files');
  } else {
    const durations = readDurations(root);
    const order = scheduleOrder(files, durations);
    console.log(pc.bold(`\nselftest: ${files.length} test file(s), ${concurrency} at a time, slowest first`));
    results = await runFiles(order, env, {
      concurrency,
      fileLimitMs,
      runLimitMs,
    });
    const measured = { ...durations };
    for (const r of results) if (!r.stopped) measured[r.file] = Math.round(r.ms);
    writeDurations(root, measured);
    console.log(pc.bold('\nselftest: time per file (wall, and CPU of its processes)'));
    for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
      const cpu = r.cpuMs === undefined ? '' : `${seconds(r.cpuMs).padStart(8)} CPU`;
      console.log(`  ${seconds(r.ms).padStart(8)}${cpu}  ${r.file}${r.stopped ? ' (stopped)' : ''}`);
    }
    const cpuTotal = results.reduce((sum, r) => sum + (r.cpuMs ?? 0), 0);
    if (cpuTotal > 0) console.log(`  ${seconds(cpuTotal)} CPU in all the files' processes`);
  }
  await typecheck;
  const total = Math.round((Date.now() - started) / 1000);
  console.log(`selftest: took ${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`);
  const closing = closingLines(results, { passed, failed });
  for (const line of closing.lines) console.log(line);
  return closing.failed || !closing.complete ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
