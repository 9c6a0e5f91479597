// Runs the real suite against a test sandbox treated as a REAL deployment (TARGET_URL and the
// database, Redis and Cal.com settings: an `.env` edit's worth, no built-in webServer), and reads
// back each check's colour, message and annotations. Built on robustness-run.ts's runner.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SANDBOX_CREDENTIALS } from '../../config/env.ts';
import { describeRun, runSuite, type CheckResult, type SuiteRun } from './robustness-run.ts';
import type { TestSandbox } from './sandbox.ts';
import { testServices } from './services.ts';

export type Colour = 'green' | 'yellow' | 'red' | 'skipped';

export interface CheckOutcome extends CheckResult {
  colour: Colour;
  /** The warning annotations' text (yellow), or the error message (red). */
  text: string;
}

export interface PhaseRun {
  run: SuiteRun;
  checks: CheckOutcome[];
  /** Title → outcome (titles are unique across the suite). */
  byTitle: Map<string, CheckOutcome>;
  describe(): string;
}

/** The settings that point the suite at `sb` as if it were a deployment somewhere else. */
export function targetEnv(sb: TestSandbox): Record<string, string> {
  return {
    TARGET_URL: sb.appUrl,
    CALCOM_API_URL: sb.calcomUrl,
    CALCOM_API_KEY: SANDBOX_CREDENTIALS.CALCOM_API_KEY,
    CALCOM_WEBHOOK_SECRET: SANDBOX_CREDENTIALS.CALCOM_WEBHOOK_SECRET,
    LOGIN_EMAIL: SANDBOX_CREDENTIALS.LOGIN_EMAIL,
    LOGIN_PASSWORD: SANDBOX_CREDENTIALS.LOGIN_PASSWORD,
    DATABASE_URL: sb.databaseUrl,
    REDIS_URL: sb.suiteEnv.REDIS_URL ?? testServices().redisUrl,
    REDIS_PREFIX: sb.redisPrefix,
    CACHE_PREFIX: sb.suiteEnv.CACHE_PREFIX ?? 'laravel_cache_',
    APP_LOG_PATH: sb.logPath,
    COVERAGE_SUMMARY: '/coverage/coverage-summary.json',
  };
}

export function colourOf(r: CheckResult): Colour {
  if (r.status === 'skipped') return 'skipped';
  if (r.status !== 'passed') return 'red';
  return r.annotations.some((a) => a.type === 'warning') ? 'yellow' : 'green';
}

export interface PhaseRunOptions {
  /** `--grep` pattern, e.g. `@phase3\\b`; all checks when omitted. */
  grep?: string;
  /** Extra settings on top of targetEnv (e.g. SYNTHETIC_SWEEP_MINUTES). */
  env?: Record<string, string>;
  /** Only the @api project (no browser). */
  apiOnly?: boolean;
  workers?: number;
  deadlineMs?: number;
  onSpawn?: (pid: number, output: () => string) => void;
  /** Keep the config's trace recording (see RunOptions.trace). */
  trace?: boolean;
}

export async function runAgainst(sb: TestSandbox, o: PhaseRunOptions = {}): Promise<PhaseRun> {
  return runWithEnv(targetEnv(sb), o);
}

/** The suite run with exactly these settings (plus `o.env`): any target, not only a sandbox. */
export async function runWithEnv(env: Record<string, string>, o: PhaseRunOptions = {}): Promise<PhaseRun> {
  const outDir = mkdtempSync(path.join(tmpdir(), `phasegate-run-${randomBytes(3).toString('hex')}-`));
  const args: string[] = [];
  if (o.grep) args.push('--grep', o.grep);
  if (o.apiOnly) args.push('--project', 'api');
  if (o.workers) args.push('--workers', String(o.workers));
  const run = await runSuite({
    env: { ...env, ...o.env },
    args,
    outDir,
    deadlineMs: o.deadlineMs ?? 240_000,
    onSpawn: o.onSpawn,
    trace: o.trace,
  });
  const checks = run.results.map((r) => {
    const colour = colourOf(r);
    const warnings = r.annotations.filter((a) => a.type === 'warning').map((a) => a.description ?? '');
    return { ...r, colour, text: colour === 'yellow' ? warnings.join('\n') : r.message };
  });
  return {
    run,
    checks,
    byTitle: new Map(checks.map((c) => [c.title, c])),
    describe: () =>
      `${checks.map((c) => `${c.colour.padEnd(7)} ${c.title}${c.text ? ` — ${c.text.split('\n')[0]}` : ''}`).join('\n')}\n${describeRun(run)}`,
  };
}
