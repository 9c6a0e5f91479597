// Bad configuration (issue 5): the suite refuses to start, names every bad variable at once on
// the console in one line each, without a stack trace and without echoing a secret, and writes
// no report that could be mistaken for a verdict.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, runSuite, filesUnder, type SuiteRun } from './helpers/robustness-run.ts';

const DB_PASSWORD = 'Pw-Db-7c1e9f';
const API_KEY = 'cal_live_cfgsecret_55aa';
const root = path.join(REPO, '.tmp', `robustness-config-${process.pid}`);
mkdirSync(root, { recursive: true });
// A readable log, so that only what a case breaks is wrong.
writeFileSync(path.join(root, 'laravel.log'), '');
after(() => rmSync(root, { recursive: true, force: true }));

/** A real-target configuration that is valid, so each case breaks exactly what it names. */
function validTarget(): Record<string, string> {
  return {
    TARGET_URL: 'http://127.0.0.1:9',
    CALCOM_API_URL: 'http://127.0.0.1:9',
    CALCOM_API_KEY: API_KEY,
    DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:9/app`,
    REDIS_URL: 'redis://127.0.0.1:9/0',
    APP_LOG_PATH: path.join(root, 'laravel.log'),
  };
}

let n = 0;
async function start(env: Record<string, string>): Promise<SuiteRun> {
  const outDir = mkdtempSync(path.join(root, `case-${++n}-`));
  return runSuite({ env, outDir, deadlineMs: 60_000, args: ['--project', 'api'] });
}

/** The console must name each variable on its own line, once, and nothing else of note. */
function assertStartupError(run: SuiteRun, vars: string[], secrets: string[] = [DB_PASSWORD, API_KEY]) {
  const console = run.stdout + run.stderr;
  const why = `console was:\n${console}`;
  assert.ok(!run.hung, `the run hung\n${why}`);
  assert.notEqual(run.exitCode, 0, `a bad configuration must fail the run\n${why}`);
  for (const v of vars) {
    const lines = console.split('\n').filter((l) => new RegExp(`\\b${v}\\b`).test(l));
    assert.equal(lines.length, 1, `${v} must be named on exactly one line\n${why}`);
    assert.match(lines[0] ?? '', new RegExp(`${v}: \\S`), `${v}'s line says what is expected\n${why}`);
  }
  assert.doesNotMatch(console, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace\n${why}`);
  for (const s of secrets) assert.ok(!console.includes(s), `the secret ${s} leaked to the console\n${why}`);
  // Nothing started: no check ran, so no report may exist that looks like a verdict.
  assert.deepEqual(
    filesUnder(run.storageDir).filter((f) => /status\.env$|summary\.txt$/.test(f)),
    [],
    'no report tree for a run that never started',
  );
  assert.equal(run.results.filter((r) => r.status === 'passed').length, 0, 'no check may pass');
}

describe('bad configuration stops the run with every bad variable named at once', () => {
  test('malformed DATABASE_URL (with a password in it) is named, the password is not', async () => {
    const run = await start({
      ...validTarget(),
      DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:notaport/app`,
    });
    assertStartupError(run, ['DATABASE_URL']);
  });

  test('malformed REDIS_URL (no scheme) is named', async () => {
    const run = await start({ ...validTarget(), REDIS_URL: '127.0.0.1:6379' });
    assertStartupError(run, ['REDIS_URL']);
  });

  test('malformed TARGET_URL is named', async () => {
    const run = await start({ ...validTarget(), TARGET_URL: 'htp//app.example' });
    assertStartupError(run, ['TARGET_URL']);
  });

  test('an unknown phase in DEPLOYMENT_PHASE is named (9, and a word)', async () => {
    assertStartupError(await start({ ...validTarget(), DEPLOYMENT_PHASE: '9' }), ['DEPLOYMENT_PHASE']);
    assertStartupError(await start({ ...validTarget(), DEPLOYMENT_PHASE: 'three' }), ['DEPLOYMENT_PHASE']);
  });

  test('a missing required secret (CALCOM_API_KEY for a real Cal.com) is named', async () => {
    const env = validTarget();
    delete env.CALCOM_API_KEY;
    assertStartupError(await start(env), ['CALCOM_API_KEY']);
  });

  test('an unreadable APP_LOG_PATH (a folder; a missing file on a real target) is named', async () => {
    assertStartupError(await start({ ...validTarget(), APP_LOG_PATH: root }), ['APP_LOG_PATH']);
    assertStartupError(await start({ ...validTarget(), APP_LOG_PATH: path.join(root, 'no', 'such.log') }), [
      'APP_LOG_PATH',
    ]);
  });

  test('a timeout that is not a number is named', async () => {
    assertStartupError(await start({ ...validTarget(), HTTP_TIMEOUT_MS: 'fast' }), ['HTTP_TIMEOUT_MS']);
  });

  test('all of them at once: one message naming every bad variable, no secret', async () => {
    const env = validTarget();
    delete env.CALCOM_API_KEY;
    const run = await start({
      ...env,
      DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:notaport/app`,
      REDIS_URL: '127.0.0.1:6379',
      TARGET_URL: 'htp//app.example',
      DEPLOYMENT_PHASE: '0',
      APP_LOG_PATH: root,
      HTTP_TIMEOUT_MS: 'fast',
    });
    assertStartupError(run, [
      'DATABASE_URL',
      'REDIS_URL',
      'TARGET_URL',
      'DEPLOYMENT_PHASE',
      'APP_LOG_PATH',
      'HTTP_TIMEOUT_MS',
    ]);
  });
});
