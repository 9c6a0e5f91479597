// Runs the real suite (`playwright test`) as a child process with exactly the environment a
// robustness case gives it, in its own output folders, and reads back what a release manager
// would read: the phase report tree, the console, and per-check results (Playwright's JSON).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules', '@playwright', 'test', 'cli.js');
export const PHASE_REPORTER = path.join(REPO, 'reporters', 'reporter.ts');

export interface CheckResult {
  title: string;
  project: string;
  /** Playwright's final status of the check. */
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  /** The first error's message (ANSI removed), '' when none. */
  message: string;
  annotations: { type: string; description?: string }[];
  durationMs: number;
}

export interface SuiteRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Killed by our own deadline (the suite hung). */
  hung: boolean;
  /** Killed on purpose by `killWhen`, after this many ms. */
  killedAtMs?: number;
  pid: number | undefined;
  outDir: string;
  storageDir: string;
  results: CheckResult[];
}

export interface RunOptions {
  /** Settings for config/env.ts (the suite's only reader of the environment). */
  env: Record<string, string>;
  /** Extra CLI arguments, e.g. ['--grep', '@phase1\\b', '--project', 'api']. */
  args?: string[];
  /** A folder of its own for this run (test-results, html report, storage, json). */
  outDir: string;
  /** Kill the whole run after this long (a hang is then reported as `hung`). */
  deadlineMs: number;
  /** Add Playwright's html reporter (for the secrets scan). */
  html?: boolean;
  /** Keep the config's trace recording (retain-on-failure); off otherwise: recording every
   *  browser check's trace costs CPU that only the test of the trace evidence needs. */
  trace?: boolean;
  /**
   * SIGKILL the whole process group (runner, workers, browsers) once this says so; it sees the
   * console so far and the time since the start. The kill comes `jitterMs` later.
   */
  killWhen?: (output: string, elapsedMs: number) => boolean;
  jitterMs?: number;
  /** Called with the child once spawned (for tests that signal it themselves). */
  onSpawn?: (pid: number, output: () => string) => void;
}

/** A clean environment: nothing of the developer's shell leaks into the run. */
export function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'USER'];
  const out: Record<string, string> = {};
  for (const k of keep) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return { ...out, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' };
}

export async function runSuite(o: RunOptions): Promise<SuiteRun> {
  mkdirSync(o.outDir, { recursive: true });
  const storageDir = path.join(o.outDir, 'storage');
  const jsonFile = path.join(o.outDir, 'results.json');
  const reporters = ['list', 'json'];
  if (o.html) reporters.push('html');
  if (existsSync(PHASE_REPORTER)) reporters.push(PHASE_REPORTER);
  const args = [
    PLAYWRIGHT_CLI,
    'test',
    `--reporter=${reporters.join(',')}`,
    '--output',
    path.join(o.outDir, 'test-results'),
    ...(o.trace ? [] : ['--trace', 'off']),
    ...(o.args ?? []),
  ];
  const env = {
    ...baseEnv(),
    STORAGE_DIR: storageDir,
    PLAYWRIGHT_JSON_OUTPUT_FILE: jsonFile,
    PLAYWRIGHT_HTML_OUTPUT_DIR: path.join(o.outDir, 'playwright-report'),
    PLAYWRIGHT_HTML_OPEN: 'never',
    ...o.env,
  };
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killedAtMs: number | undefined;
  let killArmed = false;
  const maybeKill = () => {
    if (!o.killWhen || killArmed || !o.killWhen(stdout + stderr, Date.now() - started)) return;
    killArmed = true;
    setTimeout(() => {
      killedAtMs = Date.now() - started;
      killGroup(child.pid);
    }, o.jitterMs ?? 0);
  };
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    maybeKill();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    maybeKill();
  });
  if (child.pid !== undefined) o.onSpawn?.(child.pid, () => stdout + stderr);
  const poll = o.killWhen ? setInterval(maybeKill, 20) : undefined;
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    killGroup(child.pid);
  }, o.deadlineMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  if (poll) clearInterval(poll);
  // Whatever the run left behind (the sandbox-less suite starts no server, but be sure).
  if (killedAtMs === undefined) killGroup(child.pid);
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    durationMs: Date.now() - started,
    hung,
    killedAtMs,
    pid: child.pid,
    outDir: o.outDir,
    storageDir,
    results: readResults(jsonFile, killedAtMs !== undefined || hung),
  };
}

/**
 * The run's Playwright JSON report. A run this harness killed may have been writing it: cut off
 * mid-write, it holds no results. Any other run's report must parse.
 */
export function readResults(jsonFile: string, killed: boolean): CheckResult[] {
  if (!existsSync(jsonFile)) return [];
  const text = readFileSync(jsonFile, 'utf8');
  try {
    return parseJsonReport(text);
  } catch (err) {
    if (killed) return [];
    throw err;
  }
}

export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const ANSI = /\u001b\[[0-9;]*m/g;

interface JsonSuite {
  specs?: {
    title: string;
    tests: {
      projectName: string;
      annotations?: { type: string; description?: string }[];
      results: {
        status: CheckResult['status'];
        duration: number;
        error?: { message?: string };
        errors?: { message?: string }[];
        annotations?: { type: string; description?: string }[];
      }[];
    }[];
  }[];
  suites?: JsonSuite[];
}

export function parseJsonReport(text: string): CheckResult[] {
  const report = JSON.parse(text) as { suites?: JsonSuite[] };
  const out: CheckResult[] = [];
  const walk = (s: JsonSuite) => {
    for (const spec of s.specs ?? []) {
      for (const t of spec.tests) {
        const last = t.results[t.results.length - 1];
        const message = (last?.error?.message ?? last?.errors?.[0]?.message ?? '').replace(ANSI, '');
        out.push({
          title: spec.title,
          project: t.projectName,
          status: last?.status ?? 'skipped',
          message,
          annotations: [...(last?.annotations ?? t.annotations ?? [])],
          durationMs: last?.duration ?? 0,
        });
      }
    }
    for (const child of s.suites ?? []) walk(child);
  };
  for (const s of report.suites ?? []) walk(s);
  return out;
}

/** The report directories (`phase_X_…`) our reporter wrote under a storage folder. */
export function reportDirs(storageDir: string): string[] {
  const root = path.join(storageDir, 'reports');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d.startsWith('phase_') && statSync(path.join(root, d)).isDirectory())
    .sort()
    .map((d) => path.join(root, d));
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Parses status.env (KEY=value, values possibly single-quoted, `#` comments). */
export function parseStatusEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m || !m[1]) continue;
    let v = m[2] ?? '';
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    else if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** Output of a failed run, for an assertion message: what the suite printed, trimmed. */
export function describeRun(run: SuiteRun): string {
  const tail = (s: string) => (s.length > 4000 ? `…${s.slice(-4000)}` : s);
  return `exit ${run.exitCode} signal ${run.signal} in ${run.durationMs} ms${run.hung ? ' (HUNG)' : ''}\n--- stdout\n${tail(run.stdout)}\n--- stderr\n${tail(run.stderr)}`;
}
