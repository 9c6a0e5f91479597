// The phase reporter on real Playwright runs of inline projects: every outcome of the check
// model (green, warning, failure, critical failure, skipped for a missing setting, flaky,
// crashed) → the right files, counts, colours, recommendation and exit status.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  configSource,
  createProject,
  expectCode,
  fileList,
  fromProject,
  read,
  sourceStatusEnv,
  type InlineProject,
} from './helpers/inline-project.ts';

const TAGS = fromProject('fixtures/tags.ts');
const REPORT_FILES = [
  'INDEX.md',
  'api.log',
  'coverage/index.html',
  'e2e.log',
  'index.html',
  'report.json',
  'status.env',
  'summary.txt',
];

const projects: InlineProject[] = [];
after(() => {
  for (const p of projects) p.cleanup();
});

async function runProject(name: string, spec: string, env: Record<string, string> = {}, extra = '') {
  const p = createProject(`rep-${name}`);
  projects.push(p);
  p.write({ 'playwright.config.ts': configSource(extra), [`${name}.spec.ts`]: spec });
  const r = await p.test([], env);
  const dirs = p.reportDirs();
  assert.equal(dirs.length, 1, `one report folder expected\n${r.output}`);
  const dir = dirs[0] as string;
  return {
    p,
    r,
    dir,
    summary: read(path.join(dir, 'summary.txt')).split('\n'),
    status: sourceStatusEnv(path.join(dir, 'status.env')),
    model: JSON.parse(read(path.join(dir, 'report.json'))),
  };
}

describe('reporter outcomes', { concurrency: 2 }, () => {
  test('all green: PROCEED, exit 0, the runbook lines, every file, status.env', async () => {
    const stepSummary = path.join(os.tmpdir(), `phasegate-step-summary-${randomBytes(4).toString('hex')}.md`);
    after(() => rmSync(stepSummary, { force: true }));
    const run = await runProject(
      'green',
      `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { expect(JSON.parse('{"status":"ok"}').status).toBe('ok'); });
test('Database connectivity', check({ phase: 1, kind: 'api', covers: 'p1.db-connectivity' }), async () => { expect(1 + 1).toBe(2); });
test('Escaped <img src=x onerror=alert(1)>', check({ phase: 1, kind: 'api', covers: 'p1.cache-operations' }), async () => { expect([1].length).toBe(1); });
`,
      { GITHUB_STEP_SUMMARY: stepSummary },
    );
    expectCode(run.r, 0, 'green run');
    const summaryMd = read(stepSummary);
    assert.match(summaryMd, /^### ✅ Phase 1 \(Hotfixes\): PROCEED\n\n✅ 3\/3 checks passed  \n/);
    assert.ok(summaryMd.includes(`Report: \`${run.dir}/INDEX.md\``));
    assert.deepEqual(run.summary.slice(0, 3), [
      '✅ 3/3 checks passed',
      '✅ Success rate: 100%',
      '✅ No critical errors',
    ]);
    assert.equal(run.summary[3], '');
    assert.deepEqual(run.summary.slice(4, 7), [
      '✅ API health: PASS',
      '✅ Database connectivity: PASS',
      '✅ Escaped <img src=x onerror=alert(1)>: PASS',
    ]);
    assert.equal(run.summary.filter(Boolean).at(-1), 'Result: PROCEED TO NEXT PHASE ✅');
    assert.deepEqual(fileList(run.dir), REPORT_FILES);
    assert.match(path.basename(run.dir), /^phase_1_\d{8}_\d{6}$/);
    const s = run.status;
    assert.deepEqual(
      {
        ...s,
        REPORT_DIR: undefined,
        SCREENSHOT_DIR: undefined,
        STARTED_AT: undefined,
        DURATION_MS: undefined,
      },
      {
        PHASE: '1',
        STATUS: 'PASS',
        TOTAL: '3',
        PASSED: '3',
        FAILED: '0',
        INCONCLUSIVE: '0',
        WARNINGS: '0',
        SKIPPED: '0',
        FLAKY: '0',
        SUCCESS_RATE: '100.0',
        CRITICAL_FAILURES: '0',
        RECOMMENDATION: 'PROCEED',
        REPORT_DIR: undefined,
        SCREENSHOT_DIR: undefined,
        STARTED_AT: undefined,
        DURATION_MS: undefined,
      },
    );
    assert.equal(s.REPORT_DIR, run.dir);
    assert.equal(s.SCREENSHOT_DIR, run.p.screenshotDirs()[0]);
    assert.match(s.STARTED_AT ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(s.DURATION_MS ?? '', /^\d+$/);
    // Every value escaped in the page; the raw title stays in the text files.
    const html = read(path.join(run.dir, 'index.html'));
    assert.ok(!html.includes('<img src=x'), 'index.html must escape check titles');
    assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'));
    // Sign-off block and history line.
    const log = read(path.join(run.p.storage, 'deployment.log'));
    assert.match(log, /PHASE 1 DEPLOYMENT - /);
    assert.match(log, /Status: ✅ VERIFIED/);
    assert.match(log, /Health Checks: 3\/3 PASSED/);
    assert.match(log, /Deployed by: selftest/);
    assert.match(log, /Next Phase: Phase 2/);
    const history = read(path.join(run.p.storage, 'history.jsonl')).trim().split('\n');
    assert.equal(history.length, 1);
    assert.equal(JSON.parse(history[0] as string).status, 'PASS');
    // Coverage: 3 of phase 1's 13 items, uncovered ones marked.
    const coverage = read(path.join(run.dir, 'coverage/index.html'));
    assert.match(coverage, /3\/13 items covered \(23\.1%\)/);
    assert.match(coverage, /data-item="p1\.login-page" data-status="NONE"/);
    assert.match(coverage, /data-item="p1\.api-health" data-status="PASS"/);
    assert.match(run.r.output, /✅ 3\/3 checks passed/);
    assert.match(run.r.output, /Result: PROCEED TO NEXT PHASE ✅/);
    assert.ok(run.r.output.includes(path.join(run.dir, 'INDEX.md')));
    // `--list` runs nothing, so it writes no report and no sign-off block.
    const listed = await run.p.test(['--list']);
    expectCode(listed, 0, '--list');
    assert.equal(run.p.reportDirs().length, 1);
    assert.equal(read(path.join(run.p.storage, 'deployment.log')), log);
  });

  test('warnings only: MONITOR, exit 0', async () => {
    const run = await runProject(
      'warn',
      `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { expect(true).toBe(true); });
test('Query performance', check({ phase: 1, kind: 'api', covers: 'p1.query-performance' }), async ({}, info) => {
  info.annotations.push({ type: 'measurement', description: JSON.stringify({ name: 'Query performance', value: 1480, unit: 'ms', target: 1000, limit: 2000, better: 'lower', verdict: 'yellow' }) });
  info.annotations.push({ type: 'warning', description: 'Query performance: 1480 ms (target < 1000 ms, limit 2000 ms)' });
});
test('Login page renders', check({ phase: 1, kind: 'e2e', covers: 'p1.login-page' }), async ({}, info) => {
  await info.attach('login page', { body: Buffer.from('not a png at all'), contentType: 'image/png' });
});
`,
    );
    expectCode(run.r, 0, 'warning run');
    // An attachment that is no image is flagged (nobody can see the page) and the report goes on.
    assert.ok(
      run.summary.some((l: string) =>
        /^⚠️ Login page renders: blank screenshot "login page": not a readable image/.test(l),
      ),
      run.summary.join('\n'),
    );
    assert.deepEqual(run.summary.slice(0, 3), [
      '✅ 3/3 checks passed',
      '✅ Success rate: 100%',
      '✅ No critical errors',
    ]);
    assert.ok(
      run.summary.includes(
        '⚠️ Query performance: Query performance: 1480 ms (target < 1000 ms, limit 2000 ms)',
      ),
    );
    assert.equal(run.summary.filter(Boolean).at(-1), 'Result: Acceptable for Phase 1, monitor');
    assert.equal(run.status.STATUS, 'WARN');
    assert.equal(run.status.WARNINGS, '2');
    assert.equal(run.status.RECOMMENDATION, 'MONITOR');
    const m = run.model.checks.find((c: { title: string }) => c.title === 'Query performance');
    assert.equal(m.measurements[0].value, 1480);
    assert.match(
      read(path.join(run.dir, 'index.html')),
      /<tr class="WARN"><td>⚠️<\/td><td class="state">warning<\/td><td>Query performance<\/td>/,
    );
  });

  test('failure, crash, flaky, skipped: FIX_AND_RETEST, exit 1, causes, no secret anywhere', async () => {
    const apiKey = 'cal_live_s3cr3t_k3y_0042';
    const dbPassword = 'pg-S3cret-pw';
    const run = await runProject(
      'mixed',
      `import { test as base, expect } from '@playwright/test';
import { check } from '${TAGS}';
const test = base.extend<{ db: string }>({
  db: async ({}, use) => {
    throw new Error('connect failed for postgres://app:${dbPassword}@db.internal:5432/app with key ' + process.env.CALCOM_API_KEY);
    await use('never');
  },
});
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { console.log('using key', process.env.CALCOM_API_KEY); expect(200).toBe(200); });
test('Database connectivity', check({ phase: 1, kind: 'api', covers: 'p1.db-connectivity' }), async ({ db }) => { expect(db).toBe('connected'); });
test('Schema integrity', check({ phase: 1, kind: 'api', covers: 'p1.schema-integrity' }), async () => {
  await test.step('read columns', async () => { throw new Error('Missing column: idempotency_key'); });
});
test('Cache operations', check({ phase: 1, kind: 'api', covers: 'p1.cache-operations' }), async ({}, info) => { expect(info.retry, 'first attempt fails').toBe(1); });
test('Query performance', check({ phase: 1, kind: 'api', covers: 'p1.query-performance' }), async ({}, info) => {
  info.annotations.push({ type: 'warning', description: 'Query performance: 1480 ms (target < 1000 ms, limit 2000 ms)' });
});
test('Circuit breaker', check({ phase: 1, kind: 'api', covers: 'p3.circuit-breaker' }), async () => {
  test.skip(true, 'Not configured: HEALTH_DETAILED_PATH is none');
});
`,
      { CALCOM_API_KEY: apiKey, DATABASE_URL: `postgres://app:${dbPassword}@127.0.0.1:5432/x` },
      'retries: 1,',
    );
    expectCode(run.r, 1, 'mixed run');
    assert.deepEqual(run.summary, [
      '❌ 3/5 checks passed',
      '❌ Success rate: 60%',
      '✅ No critical errors',
      '',
      '✅ API health: PASS',
      '❌ Database connectivity: FAIL — crashed: Fixture "db": connect failed for postgres://app:***@db.internal:5432/app with key ***',
      '❌ Schema integrity: FAIL — Missing column: idempotency_key',
      '⚠️ Cache operations: passed only on retry 1 (flaky)',
      '⚠️ Query performance: Query performance: 1480 ms (target < 1000 ms, limit 2000 ms)',
      '⏭️ Circuit breaker: SKIPPED — Not configured: HEALTH_DETAILED_PATH is none',
      '',
      'Result: DO NOT PROCEED - FIX & RETEST ❌',
      '',
    ]);
    const s = run.status;
    assert.equal(s.STATUS, 'FAIL');
    assert.equal(s.TOTAL, '6');
    assert.equal(s.PASSED, '3');
    assert.equal(s.FAILED, '2');
    assert.equal(s.WARNINGS, '2');
    assert.equal(s.SKIPPED, '1');
    assert.equal(s.FLAKY, '1');
    assert.equal(s.SUCCESS_RATE, '60.0');
    assert.equal(s.RECOMMENDATION, 'FIX_AND_RETEST');
    const byTitle = new Map(run.model.checks.map((c: { title: string }) => [c.title, c]));
    const db = byTitle.get('Database connectivity') as { crashed: boolean; status: string };
    assert.equal(db.crashed, true);
    assert.equal((byTitle.get('Schema integrity') as { crashed: boolean }).crashed, false);
    assert.equal(
      (byTitle.get('Circuit breaker') as { missingSetting: string }).missingSetting,
      'HEALTH_DETAILED_PATH',
    );
    // INDEX.md: verdict first, then failures with causes before the full table.
    const index = read(path.join(run.dir, 'INDEX.md'));
    assert.match(
      index.split('\n')[0] as string,
      /^# ❌ Phase 1 \(Hotfixes\): FAIL \(fail\) — FIX_AND_RETEST$/,
    );
    const failures = index.indexOf('## Failures');
    assert.ok(failures > 0 && failures < index.indexOf('## All checks'));
    assert.match(index, /❌ FAIL \*\*Database connectivity\*\* — crashed: Fixture "db": connect failed/);
    assert.match(index, /❌ FAIL \*\*Schema integrity\*\* — Missing column: idempotency_key/);
    assert.match(index, /HEALTH_DETAILED_PATH/);
    // api.log: steps, stdout, error of each check.
    const apiLog = read(path.join(run.dir, 'api.log'));
    assert.match(apiLog, /✗ read columns \(\d+ ms\): Missing column: idempotency_key/);
    assert.match(apiLog, /stdout:\n {4}\| using key \*\*\*/);
    // The secrets were in an error, in stdout and in the settings: nowhere in the output.
    for (const file of [...fileList(run.p.storage).map((f) => path.join(run.p.storage, f))]) {
      const text = readFileSync(file).toString('latin1');
      assert.ok(!text.includes(apiKey), `${file} leaks the API key`);
      assert.ok(!text.includes(dbPassword), `${file} leaks the database password`);
    }
    assert.ok(!run.r.output.includes(apiKey), 'the console output leaks the API key');
  });

  test('a reporter that cannot write says so loudly and fails the run', async () => {
    const p = createProject('rep-broken');
    projects.push(p);
    const notADir = path.join(p.dir, 'storage-is-a-file');
    writeFileSync(notADir, 'x');
    p.write({
      'playwright.config.ts': configSource(),
      'ok.spec.ts': `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { expect(1).toBe(1); });
`,
    });
    const r = await p.test([], { STORAGE_DIR: notADir });
    assert.notEqual(r.code, 0, `a green run whose report could not be written must fail\n${r.output}`);
    assert.match(r.output, /phasegate reporter: FAILED to write the phase report/);
    assert.ok(r.output.includes(`cannot create ${path.join(notADir, 'reports')}: ENOTDIR`), r.output);
  });

  test('critical failure: ROLLBACK, exit 1', async () => {
    const run = await runProject(
      'critical',
      `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { expect(1).toBe(1); });
test('Appointment creation', check({ phase: 1, kind: 'api', covers: 'p1.appointment-creation', critical: true }), async () => {
  throw new Error('Database error: constraint violation');
});
`,
    );
    expectCode(run.r, 1, 'critical run');
    assert.deepEqual(run.summary.slice(0, 3), [
      '❌ 1/2 checks passed',
      '❌ Success rate: 50%',
      '❌ 1 critical error',
    ]);
    assert.ok(run.summary.includes('❌ Appointment creation: FAIL — Database error: constraint violation'));
    assert.equal(
      run.summary.filter(Boolean).at(-1),
      'Result: ROLLBACK - critical check failed, revert Phase 1 ❌',
    );
    assert.equal(run.status.RECOMMENDATION, 'ROLLBACK');
    assert.equal(run.status.CRITICAL_FAILURES, '1');
    const log = read(path.join(run.p.storage, 'deployment.log'));
    assert.match(log, /Status: ❌ FAILED/);
    assert.match(log, /1\/2 PASSED, 1 FAILED \(1 critical\)/);
  });

  test('a --grep that selects no check: INCONCLUSIVE, not a failure of the target', async () => {
    const p = createProject('rep-none');
    projects.push(p);
    p.write({
      'playwright.config.ts': configSource(),
      'none.spec.ts': `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test('API health', check({ phase: 3, kind: 'api', covers: 'p3.circuit-breaker' }), async () => { expect(1).toBe(1); });
`,
    });
    const r = await p.test(['--grep', '@phase1\\b']);
    expectCode(r, 1, 'run that selected nothing');
    const dir = p.reportDirs()[0] as string;
    const status = sourceStatusEnv(path.join(dir, 'status.env'));
    assert.equal(status.TOTAL, '0');
    assert.equal(status.STATUS, 'ERROR');
    assert.equal(status.RECOMMENDATION, 'INCONCLUSIVE');
    const summary = read(path.join(dir, 'summary.txt'));
    assert.match(
      summary,
      /Result: INCONCLUSIVE - could not verify Phase 8: no check was selected \(a --grep or file filter/,
    );
    // Nothing of the target failed: no ❌ line that reads like a failure of it, no 0 % rate.
    assert.doesNotMatch(summary, /❌/, summary);
    assert.match(summary, /^❔ 0\/0 checks passed\n❔ Success rate: n\/a \(no check ran\)$/m, summary);
    assert.match(summary, /^❔ Run error \(outside any check\): Error: No tests found$/m, summary);
    assert.doesNotMatch(read(path.join(dir, 'INDEX.md')), /❌/);
  });

  test('a run stopped early lists the checks that never ran as skipped', async () => {
    const run = await runProject(
      'stopped',
      `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test.describe.configure({ mode: 'serial' });
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { expect(1).toBe(2); });
test('Database connectivity', check({ phase: 1, kind: 'api', covers: 'p1.db-connectivity' }), async () => { expect(1).toBe(1); });
test('Cache operations', check({ phase: 1, kind: 'api', covers: 'p1.cache-operations' }), async () => { expect(1).toBe(1); });
`,
      {},
      'maxFailures: 1,',
    );
    expectCode(run.r, 1, 'stopped run');
    assert.equal(run.status.TOTAL, '3', 'the checks that never ran are counted');
    assert.equal(run.status.FAILED, '1');
    for (const title of ['Database connectivity', 'Cache operations']) {
      const line = run.summary.find((l) => l.includes(title)) ?? '';
      assert.match(line, /SKIP/, `${title}: ${line}`);
    }
    assert.match(read(path.join(run.dir, 'api.log')), /did not run \(the run stopped before it\)/);
  });
});
