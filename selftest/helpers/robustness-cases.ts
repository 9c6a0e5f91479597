// The dependency matrix (issue 5): the suite points at a real sandbox, ONE dependency is swapped
// for a misbehaving one, and the run must still finish, write the whole report tree, turn red
// only the checks that depend on the broken part, and say why in one line a release manager
// reads. This file holds what every case asserts; the cases themselves are data in the tests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_CREDENTIALS } from '../../config/env.ts';
import type { FaultFactory, MadeFault } from './robustness-faults.ts';
import { startTestSandbox, type TestSandbox } from './sandbox.ts';
import {
  REPO,
  describeRun,
  parseStatusEnv,
  reportDirs,
  runSuite,
  type CheckResult,
  type SuiteRun,
} from './robustness-run.ts';

/** The part of selftest/helpers/sandbox.ts's TestSandbox the cases need. */
export interface SandboxLike {
  appUrl: string;
  calcomUrl: string;
  databaseUrl: string;
  redisPrefix: string;
  logPath: string;
  suiteEnv: Record<string, string>;
}

/** Short timeouts: a dependency that never answers costs at most these. */
export const SHORT_TIMEOUTS = {
  DB_CONNECT_TIMEOUT_MS: '1500',
  DB_STATEMENT_TIMEOUT_MS: '3000',
  REDIS_TIMEOUT_MS: '1000',
  CALCOM_TIMEOUT_MS: '2000',
  HTTP_TIMEOUT_MS: '3000',
  PAGE_TIMEOUT_MS: '4000',
} as const;

/**
 * Settings that point the suite at `sbx` as a REAL target (TARGET_URL set: the suite starts no
 * server of its own), exactly as a user's `.env` would point it at production.
 */
export function targetEnv(sbx: SandboxLike): Record<string, string> {
  const passThrough = Object.fromEntries(
    Object.entries(sbx.suiteEnv).filter(([k]) => !k.startsWith('SANDBOX_')),
  );
  return {
    ...passThrough,
    TARGET_URL: sbx.appUrl,
    CALCOM_API_URL: sbx.calcomUrl,
    CALCOM_API_KEY: SANDBOX_CREDENTIALS.CALCOM_API_KEY,
    CALCOM_WEBHOOK_SECRET: SANDBOX_CREDENTIALS.CALCOM_WEBHOOK_SECRET,
    LOGIN_EMAIL: SANDBOX_CREDENTIALS.LOGIN_EMAIL,
    LOGIN_PASSWORD: SANDBOX_CREDENTIALS.LOGIN_PASSWORD,
    DATABASE_URL: sbx.databaseUrl,
    REDIS_PREFIX: sbx.redisPrefix,
    APP_LOG_PATH: sbx.logPath,
    COVERAGE_SUMMARY: '/coverage/coverage-summary.json',
    ...SHORT_TIMEOUTS,
  };
}

export interface Fault {
  /** What is broken, in words ("Postgres refusing connections"). */
  name: string;
  /** The settings that swap the dependency. */
  env: Record<string, string>;
  /** Checks that MAY go red because they use the broken part (title patterns). */
  dependents: RegExp[];
  /** Checks that MUST go red, each with the cause its one-line message must give. */
  mustFail: { title: RegExp; cause: RegExp }[];
  /**
   * How its red checks read in the report: FAIL (the target's fault, the default) or
   * INCONCLUSIVE (the checker's own connection is broken while the application's health reports
   * that dependency up: nothing is known about the target).
   */
  verdict?: 'FAIL' | 'INCONCLUSIVE';
}

export interface CaseOptions {
  sandbox: SandboxLike;
  faults: Fault[];
  outRoot: string;
  args: string[];
  /** The whole run must end within this (every timeout above, several times over). */
  budgetMs: number;
  /** Secrets of this run that must appear nowhere. */
  secrets?: string[];
}

export const REPORT_FILES = [
  'INDEX.md',
  'index.html',
  'summary.txt',
  'coverage/index.html',
  'status.env',
  'report.json',
];

/**
 * Checks whose verdict is a wall-clock measurement: on a loaded test machine they may go yellow
 * or red for reasons of their own, so "must stay green" does not apply to them (they still
 * must end with a clear cause, and never by Playwright's own timeout).
 */
const TIMING = /response times|Query performance|Page load|spinners|Booking flow time/;

/** A probe that ends by its own short timeout stays far below Playwright's 30 s test timeout. */
const CHECK_BUDGET_MS = 20_000;

function key(r: CheckResult): string {
  return `${r.project} › ${r.title}`;
}

/** The line of summary.txt for a check ("❌ Title: FAIL — cause"). */
export function summaryLine(summary: string, title: string): string | undefined {
  return summary.split('\n').find((l) => l.includes(` ${title}:`));
}

/** Makes the faults, runs one case with all of them, asserts, and always removes the fakes. */
export async function runGroup(
  sandbox: SandboxLike,
  factories: FaultFactory[],
  o: { outRoot: string; args: string[]; budgetMs: number },
): Promise<SuiteRun> {
  const made: MadeFault[] = [];
  try {
    for (const f of factories) made.push(await f(sandbox));
    return await runCase({
      sandbox,
      faults: made.map((m) => m.fault),
      secrets: made.flatMap((m) => m.secrets),
      ...o,
    });
  } finally {
    for (const m of made) await m.close().catch(() => undefined);
  }
}

/** Runs one case and asserts everything issue 5 promises for it. Returns the run. */
export async function runCase(o: CaseOptions): Promise<SuiteRun> {
  // Two workers a project: a broken dependency makes the checks wait on their timeouts, and each
  // failed check restarts its worker; two overlap those waits (wall-clock checks are exempt below).
  const env = { ...targetEnv(o.sandbox), API_WORKERS: '2', E2E_WORKERS: '2' };
  for (const f of o.faults) Object.assign(env, f.env);
  const label = o.faults.map((f) => f.name).join(' + ');
  const run = await runSuite({
    env,
    outDir: mkdtempSync(path.join(o.outRoot, 'case-')),
    deadlineMs: o.budgetMs + 60_000,
    args: o.args,
  });
  const why = `[${label}]\n${describeRun(run)}`;

  // Nothing hangs: the run ends by itself, within the budget its timeouts allow.
  assert.ok(!run.hung, `the run hung ${why}`);
  assert.ok(
    run.durationMs <= o.budgetMs,
    `the run took ${run.durationMs} ms, budget ${o.budgetMs} ms ${why}`,
  );
  assert.ok(run.results.length > 0, `no check reported ${why}`);
  assert.equal(run.exitCode, 1, `a red run exits 1 ${why}`);

  // No check ran into Playwright's own test timeout: each probe's own timeout ended it first.
  const timedOut = run.results.filter((r) => r.status === 'timedOut' || r.status === 'interrupted');
  assert.deepEqual(timedOut.map(key), [], `checks hit the test timeout instead of their own ${why}`);

  // Only dependents go red; every other check stays green (wall-clock measurements aside).
  const dependents = o.faults.flatMap((f) => f.dependents);
  const depends = (r: CheckResult) => dependents.some((d) => d.test(r.title));
  const wrong = run.results.filter((r) => !depends(r) && !TIMING.test(r.title) && r.status !== 'passed');
  assert.deepEqual(
    wrong.map((r) => `${key(r)}: ${r.status} ${firstLine(r.message)}`),
    [],
    `checks that do not use the broken part did not stay green ${why}`,
  );

  // The report tree is complete and says FAIL.
  const dirs = reportDirs(run.storageDir);
  assert.equal(dirs.length, 1, `exactly one report directory ${why}`);
  const dir = dirs[0] ?? '';
  for (const f of REPORT_FILES)
    assert.ok(existsSync(path.join(dir, f)), `report file ${f} is missing ${why}`);
  const status = parseStatusEnv(readFileSync(path.join(dir, 'status.env'), 'utf8'));
  assert.equal(status.STATUS, 'FAIL', `status.env STATUS ${why}`);
  assert.equal(Number(status.TOTAL), run.results.length, `status.env TOTAL counts every check ${why}`);
  const summary = readFileSync(path.join(dir, 'summary.txt'), 'utf8');

  // The word a red check's summary line carries: FAIL, or INCONCLUSIVE too where it uses a part
  // whose fault is the checker's (another fault of the case may still make it FAIL).
  const verdictOf = (title: string) =>
    o.faults.some((f) => f.verdict === 'INCONCLUSIVE' && f.dependents.some((d) => d.test(title)))
      ? '(?:FAIL|INCONCLUSIVE)'
      : 'FAIL';
  // Each required red check is red with a clear, one-line cause — in the results and the report.
  for (const f of o.faults) {
    for (const m of f.mustFail) {
      const hits = run.results.filter((r) => m.title.test(r.title));
      assert.ok(hits.length > 0, `no check matches ${m.title} ${why}`);
      for (const r of hits) {
        assert.equal(r.status, 'failed', `${key(r)} must be red for "${f.name}" ${why}`);
        assert.ok(
          r.durationMs <= CHECK_BUDGET_MS,
          `${key(r)} took ${r.durationMs} ms for "${f.name}" ${why}`,
        );
        assertClearCause(firstLine(r.message), m.cause, `${key(r)} [${f.name}]`, o.secrets ?? []);
        const line = summaryLine(summary, r.title) ?? '';
        assertClearCause(line, m.cause, `summary.txt line of ${r.title} [${f.name}]`, o.secrets ?? []);
        assert.match(line, new RegExp(`: ${f.verdict ?? 'FAIL'} — `), `${r.title} [${f.name}]:\n${summary}`);
      }
    }
  }
  // Every red check at all gives a cause a person can read, on its own line of summary.txt.
  for (const r of run.results.filter((x) => x.status === 'failed')) {
    assertClearCause(firstLine(r.message), /\w{3,}/, key(r), o.secrets ?? []);
    const line = summaryLine(summary, r.title) ?? '';
    assert.match(
      line,
      new RegExp(`${verdictOf(r.title)} — .*\\w{3,}`),
      `summary.txt must give ${r.title} a cause on its line:\n${summary}`,
    );
    // A line ending in ":" whose message goes on below lost its cause to the line break.
    const more = r.message.split('\n').filter((l) => l.trim() !== '').length > 1;
    assert.ok(!(more && /:\s*$/.test(line)), `summary.txt cuts ${r.title}'s cause at a line break:\n${line}`);
  }
  for (const s of o.secrets ?? []) {
    assert.ok(!(run.stdout + run.stderr).includes(s), `a secret leaked to the console ${why}`);
  }
  return run;
}

export function firstLine(message: string): string {
  return (
    message
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

/** A cause is one line, names the reason, and is not noise a release manager cannot act on. */
export function assertClearCause(line: string, cause: RegExp, where: string, secrets: string[]): void {
  assert.ok(line.length > 0, `${where}: no message`);
  assert.ok(line.length <= 400, `${where}: the cause is not one short line: ${line}`);
  assert.match(line, cause, `${where}: the cause does not say why`);
  assert.doesNotMatch(
    line,
    /\[object Object\]|\bundefined\b|Test timeout of/,
    `${where}: noise instead of a cause: ${line}`,
  );
  for (const s of secrets) assert.ok(!line.includes(s), `${where}: a secret leaked: ${line}`);
}

export const OUT_ROOT = path.join(REPO, '.tmp');

/**
 * One dependency-matrix file: a healthy sandbox of its own and one suite run with `factories`'
 * faults. One run a file keeps each file well inside the per-file timeout and lets the runner
 * spread the matrix. `browser`: run the browser checks too (the faults reach pages).
 */
export function robustnessRun(
  title: string,
  factories: FaultFactory[],
  opts: { browser?: boolean } = {},
): void {
  const run = opts.browser
    ? { args: ['--workers', '4'], budgetMs: 420_000 }
    : { args: ['--project', 'api', '--workers', '2'], budgetMs: 300_000 };
  const root = path.join(OUT_ROOT, `robustness-${process.pid}-${Date.now()}`);
  let sandbox: TestSandbox | undefined;
  before(async () => {
    mkdirSync(root, { recursive: true });
    sandbox = await startTestSandbox();
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  test(title, async () => {
    assert.ok(sandbox, 'the sandbox did not start');
    await runGroup(sandbox, factories, { outRoot: root, ...run });
  });
}
