// Data safety (issue 5): two runs started at the same moment against the same target, writing
// into the same storage folder (two release managers, or a CI retry racing a manual run). They
// must not collide on synthetic records (each run's writes carry its own run id, and its clean-up
// removes only its own), nor overwrite each other's report directories.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { OUT_ROOT, targetEnv } from './helpers/robustness-cases.ts';
import {
  changedTables,
  nonSyntheticFingerprint,
  syntheticLeftovers,
  total,
  type TableState,
} from './helpers/robustness-data.ts';
import {
  describeRun,
  parseStatusEnv,
  reportDirs,
  runSuite,
  type SuiteRun,
} from './helpers/robustness-run.ts';

const root = path.join(OUT_ROOT, `safety-concurrent-${process.pid}`);
const storageDir = path.join(root, 'storage');
let sandbox: TestSandbox;
let seeded: Record<string, TableState>;

/** The checks that write synthetic records: a collision between runs would turn these red. */
const WRITERS =
  /Appointment creation|Cache invalidation|Webhook deduplication|Webhook signature|Booking success rate|Events flowing|Idempotency key visible|booking ID matches/;

before(async () => {
  mkdirSync(root, { recursive: true });
  sandbox = await startTestSandbox();
  seeded = await nonSyntheticFingerprint(sandbox.databaseUrl);
});
after(async () => {
  await sandbox?.stop();
  rmSync(root, { recursive: true, force: true });
});

function startRun(name: string, args: string[]): Promise<SuiteRun> {
  return runSuite({
    // Same phase, same storage folder, same second: the report directory names would collide.
    env: { ...targetEnv(sandbox), STORAGE_DIR: storageDir, DEPLOYMENT_PHASE: '2' },
    outDir: path.join(root, name),
    deadlineMs: 240_000,
    args,
  });
}

test('two runs started at the same moment keep their records and their reports apart', async () => {
  const [a, b] = await Promise.all([startRun('a', ['--workers', '2']), startRun('b', ['--workers', '2'])]);
  for (const r of [a, b]) {
    assert.ok(!r.hung && r.results.length > 0, describeRun(r));
    const red = r.results.filter((x) => WRITERS.test(x.title) && x.status !== 'passed');
    assert.deepEqual(
      red.map((x) => `${x.title}: ${x.message.split('\n')[0]}`),
      [],
      `a writing check failed while another run wrote at the same time\n${describeRun(r)}`,
    );
  }

  // Two report directories, each describing its own run completely.
  const dirs = reportDirs(storageDir);
  assert.equal(dirs.length, 2, `two report directories: ${dirs.join(', ')}`);
  const claimed = dirs.map((d) => parseStatusEnv(readFileSync(path.join(d, 'status.env'), 'utf8')));
  assert.deepEqual(
    claimed.map((s) => s.PHASE),
    ['2', '2'],
  );
  assert.deepEqual(
    claimed.map((s) => path.basename(s.REPORT_DIR ?? '')).sort(),
    dirs.map((d) => path.basename(d)).sort(),
    'each status.env points at its own directory',
  );
  assert.notEqual(claimed[0]?.SCREENSHOT_DIR, claimed[1]?.SCREENSHOT_DIR, 'separate screenshot directories');
  assert.deepEqual(
    claimed.map((s) => Number(s.TOTAL)).sort(),
    [a.results.length, b.results.length].sort(),
    'each report counts exactly its own run',
  );
  const history = readFileSync(path.join(storageDir, 'history.jsonl'), 'utf8').trim().split('\n');
  assert.equal(history.length, 2, 'both runs appended their own history line');

  // Each run removed its own synthetic records and nothing else.
  const left = await syntheticLeftovers(
    sandbox.databaseUrl,
    sandbox.suiteEnv.REDIS_URL ?? '',
    sandbox.redisPrefix,
  );
  assert.equal(total(left), 0, `synthetic leftovers: ${JSON.stringify(left)}`);
  assert.deepEqual(changedTables(seeded, await nonSyntheticFingerprint(sandbox.databaseUrl, seeded)), []);
});
