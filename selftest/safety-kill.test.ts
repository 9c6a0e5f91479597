// Data safety (issue 5): 16 runs against one target, sharing one storage folder as on a real
// release machine — 10 of them killed with SIGKILL (the whole process group: runner, workers,
// browsers) at 10 different moments from config loading to the reporter's final write, the rest
// finishing with failures switched on in the application. After every kill no report directory
// may claim a verdict it did not reach; the next run's sweep (SYNTHETIC_SWEEP_MINUTES=0) removes
// every synthetic leftover; and the seeded, non-synthetic data is byte-for-byte what it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { OUT_ROOT, REPORT_FILES, targetEnv } from './helpers/robustness-cases.ts';
import {
  MARKER,
  changedTables,
  nonSyntheticFingerprint,
  syntheticLeftovers,
  total,
  type TableState,
} from './helpers/robustness-data.ts';
import {
  describeRun,
  filesUnder,
  parseStatusEnv,
  readResults,
  reportDirs,
  runSuite,
  type SuiteRun,
} from './helpers/robustness-run.ts';

const root = path.join(OUT_ROOT, `safety-kill-${process.pid}`);
/** One storage folder for every run, as on the release manager's machine. */
const storageDir = path.join(root, 'storage');
let sandbox: TestSandbox;
let seeded: Record<string, TableState>;
let runs = 0;

before(async () => {
  mkdirSync(root, { recursive: true });
  sandbox = await startTestSandbox();
  seeded = await nonSyntheticFingerprint(sandbox.databaseUrl);
});
after(async () => {
  await sandbox?.stop();
  rmSync(root, { recursive: true, force: true });
});

const API = ['--project', 'api', '--workers', '2'];
const resultLines = (out: string) => out.split('\n').filter((l) => /^\s+[✓✘-]\s+\d+ \[/.test(l)).length;
const planned = (out: string) => Number(/Running (\d+) tests?/.exec(out)?.[1] ?? Number.NaN);

/** Set while a synthetic appointment is in the database (watchSyntheticRows polls it). */
let holdingSynthetic = false;

/**
 * Polls the target's database for a synthetic appointment while a run goes on, so that one kill
 * lands while a check holds one: the sweep test then has a leftover to prove itself on, however
 * the checks are scheduled. Returns the stop function.
 */
function watchSyntheticRows(): () => Promise<void> {
  const client = new pg.Client({ connectionString: sandbox.databaseUrl, connectionTimeoutMillis: 5000 });
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const r = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM appointments t WHERE t::text LIKE $1',
        [`%${MARKER}%`],
      );
      holdingSynthetic = Number(r.rows[0]?.n ?? 0) > 0;
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  return async () => {
    stopped = true;
    await loop.catch(() => undefined);
    await client.end().catch(() => undefined);
    holdingSynthetic = false;
  };
}

/** The 10 moments, from before the first check to the reporter's writing. */
const MOMENTS: { name: string; when: (out: string, ms: number) => boolean; watch?: true }[] = [
  { name: 'while the config loads', when: (_o, ms) => ms >= 150 },
  { name: 'during the global setup (sweep)', when: (o, ms) => ms >= 600 && !o.includes('Running ') },
  { name: 'as the workers start', when: (o) => o.includes('Running ') },
  { name: 'after the first check', when: (o) => resultLines(o) >= 1 },
  { name: 'after 3 checks', when: (o) => resultLines(o) >= 3 },
  { name: 'after 6 checks', when: (o) => resultLines(o) >= 6 },
  { name: 'while a check holds a synthetic appointment', when: () => holdingSynthetic, watch: true },
  { name: 'after 16 checks', when: (o) => resultLines(o) >= 16 },
  { name: 'as the last check ends (the reporter starts)', when: (o) => resultLines(o) >= planned(o) },
  { name: 'while the reporter prints and writes', when: (o) => /checks passed/.test(o) },
];

function run(
  env: Record<string, string>,
  args: string[],
  killWhen?: (o: string, ms: number) => boolean,
  jitter = true,
) {
  runs++;
  return runSuite({
    env: { ...targetEnv(sandbox), ...env, STORAGE_DIR: storageDir },
    outDir: path.join(root, `run-${runs}`),
    deadlineMs: 240_000,
    args,
    killWhen,
    jitterMs: killWhen && jitter ? Math.floor(Math.random() * 120) : 0,
  });
}

const COMPLETE: Record<string, (text: string) => boolean> = {
  'status.env': (t) =>
    ['PHASE', 'STATUS', 'TOTAL', 'RECOMMENDATION', 'REPORT_DIR', 'DURATION_MS'].every(
      (k) => k in parseStatusEnv(t),
    ),
  'summary.txt': (t) => /checks passed/.test(t) && /^Result: /m.test(t),
  'report.json': (t) => {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  },
  'index.html': (t) => /<\/html>\s*$/i.test(t),
  'coverage/index.html': (t) => /<\/html>\s*$/i.test(t),
  'INDEX.md': (t) => t.trim().length > 0,
};

/** No report directory claims a verdict it did not reach; no final-named file is half-written. */
function assertStorageHonest(context: string) {
  for (const dir of reportDirs(storageDir)) {
    const claims = existsSync(path.join(dir, 'status.env'));
    for (const f of REPORT_FILES) {
      const file = path.join(dir, f);
      if (!existsSync(file)) {
        assert.ok(!claims, `${context}: ${path.basename(dir)} has status.env but no ${f}`);
        continue;
      }
      const check = COMPLETE[f];
      assert.ok(
        !check || check(readFileSync(file, 'utf8')),
        `${context}: ${path.basename(dir)}/${f} is incomplete`,
      );
    }
    if (claims) {
      const status = parseStatusEnv(readFileSync(path.join(dir, 'status.env'), 'utf8'));
      const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      assert.ok(report, `${context}: report.json of ${path.basename(dir)}`);
      assert.ok(Number(status.TOTAL) > 0, `${context}: ${path.basename(dir)} claims a verdict over no check`);
    }
  }
  for (const f of filesUnder(storageDir)) {
    const base = path.basename(f);
    // A half-written file keeps a temp name nobody takes for a final one.
    assert.ok(!/\.(tmp|partial)$/.test(base), `${context}: ${f} looks final but is a temp file`);
  }
  const history = path.join(storageDir, 'history.jsonl');
  if (existsSync(history)) {
    for (const line of readFileSync(history, 'utf8')
      .split('\n')
      .filter((l) => l.trim())) {
      assert.doesNotThrow(() => JSON.parse(line), `${context}: history.jsonl has a broken line: ${line}`);
    }
  }
}

/** The killed group is gone within a moment (zombies are reaped by init, not at once). */
async function assertGroupGone(r: SuiteRun) {
  assert.ok(r.pid !== undefined);
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      process.kill(-(r.pid ?? 0), 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail('every process of the killed run is gone (no worker keeps writing)');
}

test("Playwright's JSON report cut off by a kill reads as no results; a finished run's must parse", () => {
  const dir = path.join(root, 'json-cut');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'results.json');
  // A kill while the reporter writes (the last moment below) can leave the JSON cut short.
  writeFileSync(file, '{"config": {"rootDir": "/x"}, "suites": [');
  assert.deepEqual(readResults(file, true), []);
  assert.throws(() => readResults(file, false), SyntaxError);
  writeFileSync(
    file,
    '{"suites": [{"specs": [{"title": "t", "tests": [{"projectName": "api", "results": []}]}]}]}',
  );
  assert.equal(readResults(file, true).length, 1);
  assert.deepEqual(readResults(path.join(dir, 'none.json'), false), []);
});

test('10 runs killed with SIGKILL at 10 moments leave no report claiming a verdict it did not reach', async () => {
  const killedAt: string[] = [];
  for (const m of MOMENTS) {
    // Application faults make some checks fail, so failing runs are killed too.
    await sandbox.setFaults(killedAt.length % 2 ? ['log_errors'] : []);
    const stopWatching = m.watch ? watchSyntheticRows() : undefined;
    const r = await run({}, API, m.when, !m.watch).finally(() => stopWatching?.());
    killedAt.push(`${m.name}: ${r.killedAtMs ?? 'not killed'} ms`);
    assert.ok(!r.hung, `run killed ${m.name} hung\n${describeRun(r)}`);
    if (r.killedAtMs !== undefined) await assertGroupGone(r);
    assertStorageHonest(`after a kill ${m.name}`);
  }
  await sandbox.setFaults([]);
  const killed = killedAt.filter((k) => !k.endsWith('not killed'));
  assert.ok(
    killed.length >= 9,
    `at least 9 of the 10 runs were really killed mid-way:\n${killedAt.join('\n')}`,
  );
});

test('the next run sweeps every synthetic leftover of the killed runs', async () => {
  const before = await syntheticLeftovers(
    sandbox.databaseUrl,
    sandbox.suiteEnv.REDIS_URL ?? '',
    sandbox.redisPrefix,
  );
  // Killing mid-check must have left something behind, or this test proves nothing.
  assert.ok(total(before) > 0, `the kills left no synthetic leftover to sweep: ${JSON.stringify(before)}`);
  // The sweep is the global setup's: no browser needed to prove it.
  const r = await run({ SYNTHETIC_SWEEP_MINUTES: '0' }, API);
  assert.ok(!r.hung && r.results.length > 0, describeRun(r));
  assertStorageHonest('after the sweep run');
  const left = await syntheticLeftovers(
    sandbox.databaseUrl,
    sandbox.suiteEnv.REDIS_URL ?? '',
    sandbox.redisPrefix,
  );
  assert.deepEqual(
    left,
    { appointments: 0, webhookEvents: 0, events: 0, activeCalcomBookings: 0, redisKeys: 0, queuedJobs: 0 },
    `before the sweep: ${JSON.stringify(before)}`,
  );
});

test('after 16 runs with failures and kills, seeded data is byte-for-byte unchanged', async () => {
  // Failures in the application that write nothing to seeded rows themselves; each fails one or
  // two checks (a failed check restarts its Playwright worker, the costly part of a run). One run
  // a fault set: two identical runs at once would add nothing that safety-concurrent does not show.
  const faultRounds = [
    ['webhook_duplicates'],
    ['cache_stale'],
    ['webhook_unsigned'],
    ['metrics_down', 'docs_missing'],
    ['breaker_hidden', 'log_errors'],
  ];
  for (const faults of faultRounds) {
    await sandbox.setFaults(faults);
    const r = await run({}, API);
    assert.ok(!r.hung && r.results.length > 0, describeRun(r));
  }
  await sandbox.setFaults([]);
  assert.ok(runs >= 16, `16 runs, got ${runs}`);
  assertStorageHonest('after 16 runs');
  // The five fault runs and the sweep run finished: each wrote a whole report (status.env last).
  const finished = reportDirs(storageDir).filter((d) => existsSync(path.join(d, 'status.env')));
  assert.ok(finished.length >= 6, `the finished runs each wrote a report: ${finished.length}`);
  const left = await syntheticLeftovers(
    sandbox.databaseUrl,
    sandbox.suiteEnv.REDIS_URL ?? '',
    sandbox.redisPrefix,
  );
  assert.equal(total(left), 0, `runs that finished removed what they made: ${JSON.stringify(left)}`);
  assert.deepEqual(changedTables(seeded, await nonSyntheticFingerprint(sandbox.databaseUrl, seeded)), []);
});
