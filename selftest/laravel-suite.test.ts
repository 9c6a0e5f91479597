// The whole suite against the reference Laravel app (laravel-app/), configured by its own env file
// (laravel-app/phasegate.env) alone: the instance's ports, database, Redis prefix and log are the
// only settings added. Healthy, every check is green or skipped naming the setting the app lacks;
// broken from outside the way production breaks (SQL, a log line, a stopped process, Cal.com
// unreachable, bookings only Cal.com knows; one run reaches Cal.com through a proxy), the expected checks turn red with a cause a release
// manager understands, the critical ones → ROLLBACK. After every run: no synthetic residue in the
// database, Redis or Cal.com, no failed job, no log line caused by the suite, seeded rows unchanged.
// One app instance for the file; faults with disjoint effects share a run; `--project api` where
// no browser check is expected to change.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { compare, LOAD_SENSITIVE, T, type Expectation } from './helpers/fault-matrix.ts';
import { runWithEnv, type PhaseRun, type PhaseRunOptions } from './helpers/run-suite.ts';
import { fakeProxy } from './helpers/fake-servers.ts';
import { startTestLaravel, type TestLaravel } from './helpers/laravel.ts';
import { REPO } from './helpers/robustness-run.ts';
import { loadEnv } from '../config/env.ts';
import { createCache } from '../fixtures/cache.ts';
import { createCalcom, createCalcomAgent } from '../fixtures/calcom.ts';
import { createPool } from '../fixtures/db.ts';
import { sweepSynthetic } from '../fixtures/sweep.ts';
import { wallClock } from '../fixtures/laravel-log.ts';

const MARKER = 'phasegate-synthetic';
const ENV_FILE = path.join(REPO, 'laravel-app', 'phasegate.env');
/**
 * This instance keeps its clock in Berlin (config('app.timezone')): its log times and its
 * `timestamp` columns are wall-clock times there, which the suite must read as such.
 */
const APP_TIMEZONE = 'Europe/Berlin';

let app: TestLaravel;
let db: pg.Pool;
let calcomDb: pg.Pool;
let queueRedis: Redis;
let cacheRedis: Redis;
let seeded: string;

/**
 * What the instance changes of the env file: where it runs (its ports, database, Redis prefix,
 * log and credentials: the helper's suiteEnv), nothing about the app's names.
 */
function instanceEnv(): Record<string, string> {
  return {
    PHASEGATE_ENV_FILE: ENV_FILE,
    ...app.suiteEnv(),
    REDIS_CACHE_URL: `${app.redisUrl}/1`,
    APP_TIMEZONE,
  };
}

function run(o: PhaseRunOptions = {}): Promise<PhaseRun> {
  return runWithEnv(instanceEnv(), { deadlineMs: 240_000, ...o });
}

/** Rows the app was seeded with (users) and bookings no check made: must not change. */
async function seededChecksum(): Promise<string> {
  const r = await db.query<{ sum: string }>(
    `SELECT md5(coalesce(string_agg(t, '|' ORDER BY t), '')) AS sum FROM (
       SELECT u::text AS t FROM users u
       UNION ALL SELECT b::text FROM bookings b WHERE patient_email NOT LIKE $1) x`,
    [`${MARKER}+%`],
  );
  return r.rows[0]?.sum ?? '';
}

function logLines(): string[] {
  return existsSync(app.logPath) ? readFileSync(app.logPath, 'utf8').split('\n') : [];
}

/** Waits until the app's queue has nothing left (its own follow-up work of the run). */
async function queueDrained(timeoutMs = 20_000): Promise<void> {
  const q = `${app.redisPrefix}queues:default`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [w, d, r] = await Promise.all([
      queueRedis.llen(q),
      queueRedis.zcard(`${q}:delayed`),
      queueRedis.zcard(`${q}:reserved`),
    ]);
    if (w + d + r === 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Everything a run must leave as it found it; `logFrom`: the log's line count before the run. */
async function assertNoHarm(
  context: string,
  logFrom: number,
  o: { failedJobsOk?: boolean } = {},
): Promise<void> {
  await queueDrained();
  const problems: string[] = [];
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM bookings WHERE patient_email LIKE $1`,
    [`${MARKER}+%`],
  );
  if (rows.rows[0]?.n) problems.push(`${rows.rows[0].n} synthetic bookings left in the database`);
  const hooks = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_calls WHERE booking_uid LIKE $1`,
    [`${MARKER}%`],
  );
  if (hooks.rows[0]?.n) problems.push(`${hooks.rows[0].n} synthetic webhook calls left`);
  const cal = await calcomDb.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM calcom.bookings WHERE attendee_email LIKE $1 AND status <> 'cancelled'`,
    [`${MARKER}+%`],
  );
  if (cal.rows[0]?.n) problems.push(`${cal.rows[0].n} synthetic Cal.com bookings not cancelled`);
  for (const [name, redis] of [
    ['queue', queueRedis],
    ['cache', cacheRedis],
  ] as const) {
    const keys = await redis.keys(`${app.redisPrefix}*${MARKER}*`);
    if (keys.length)
      problems.push(`${keys.length} synthetic ${name} keys left: ${keys.slice(0, 2).join(', ')}`);
  }
  if (!o.failedJobsOk) {
    const failed = await db.query<{ n: number; first: string | null }>(
      `SELECT count(*)::int AS n, string_agg(left(payload, 120) || ' → ' || left(exception, 300), ' || ') AS first FROM failed_jobs`,
    );
    if (failed.rows[0]?.n) problems.push(`${failed.rows[0].n} failed jobs: ${failed.rows[0].first}`);
  }
  const caused = logLines()
    .slice(logFrom)
    .filter((l) => /\.(ERROR|CRITICAL|ALERT|EMERGENCY):/.test(l));
  if (caused.length) problems.push(`the run logged: ${caused.slice(0, 2).join(' | ')}`);
  if ((await seededChecksum()) !== seeded) problems.push('the seeded rows changed');
  assert.deepEqual(problems, [], `${context}: the run harmed the target`);
}

/**
 * What a later run's sweep does (fixtures/sweep.ts, SYNTHETIC_SWEEP_MINUTES=0): the bookings a
 * run had to leave while the app's queue did not move, once the app's own jobs have run on them.
 */
async function sweepLeftovers(): Promise<void> {
  await queueDrained();
  const settings = loadEnv({ ...instanceEnv(), SYNTHETIC_SWEEP_MINUTES: '0' }, REPO);
  const pool = createPool(settings);
  const cache = createCache(settings);
  const agent = createCalcomAgent(settings);
  try {
    const report = await sweepSynthetic(settings, { db: pool, cache, calcom: createCalcom(settings, agent) });
    assert.deepEqual(report.problems, [], 'the sweep');
  } finally {
    cache.redis.disconnect();
    cache.queue.disconnect();
    await Promise.allSettled([pool.end(), agent.close()]);
  }
}

/** A Monolog ERROR entry with its stack trace, as an exception in production writes it. */
function appendLogError(): void {
  // Monolog writes the app's wall clock.
  const t = `${wallClock(new Date(), APP_TIMEZONE).replace('T', ' ')}:${String(new Date().getUTCSeconds()).padStart(2, '0')}`;
  mkdirSync(path.dirname(app.logPath), { recursive: true });
  appendFileSync(
    app.logPath,
    `[${t}] production.ERROR: SQLSTATE[57P01]: terminating connection due to administrator command {"exception":"[object] (PDOException(code: 57P01): SQLSTATE[57P01]: terminating connection at /var/www/clinic/vendor/laravel/framework/src/Illuminate/Database/Connection.php:368)
[stacktrace]
#0 /var/www/clinic/vendor/laravel/framework/src/Illuminate/Database/Connection.php(368): PDOStatement->execute()
#1 /var/www/clinic/app/Http/Controllers/BookingController.php(44): Illuminate\\Database\\Connection->select()
#2 {main}
"}
`,
  );
}

/** The heartbeat as a worker that died ten minutes ago left it (Cache::forever, serialized). */
async function ageHeartbeat(): Promise<void> {
  const old = `${new Date(Date.now() - 600_000).toISOString().slice(0, 19)}+00:00`;
  await cacheRedis.set(app.heartbeatKey, `s:${old.length}:"${old}";`);
}

/** Bookings made in Cal.com directly (another client, a lost sync): no local record has them. */
async function bookInCalcomOnly(n: number): Promise<string[]> {
  const uids: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(Date.now() + (2 + i) * 86_400_000);
    start.setUTCHours(10, 0, 0, 0);
    const res = await fetch(`${app.calcomUrl}/v2/bookings`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.calcomApiKey}`,
        'cal-api-version': '2024-08-13',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        start: start.toISOString(),
        eventTypeId: 1,
        attendee: { name: `Walk-in ${i}`, email: `walk-in-${i}@clinic.test`, timeZone: 'UTC' },
      }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    uids.push((JSON.parse(text) as { data: { uid: string } }).data.uid);
  }
  return uids;
}

async function cancelInCalcom(uids: string[]): Promise<void> {
  for (const uid of uids) {
    const res = await fetch(`${app.calcomUrl}/v2/bookings/${uid}/cancel`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.calcomApiKey}`,
        'cal-api-version': '2024-08-13',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    await res.body?.cancel();
  }
  await queueDrained();
}

/** A `--grep` pattern that selects the checks titled `titles`. */
const grepOf = (titles: readonly string[]) =>
  titles.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

const F2_CHECKS = grepOf([
  T.idempotency,
  T.calcomReachable,
  T.consistency,
  T.apiHealth,
  T.appointmentCreation,
  T.webhookSignature,
  T.services,
  T.logClean,
]);

function rollback(r: PhaseRun): boolean {
  return /Result: ROLLBACK/.test(r.run.stdout);
}

function assertExpected(r: PhaseRun, exp: Expectation, context: string): void {
  // A check the app lacks the feature for stays skipped (the healthy run proves it names why).
  const named = new Set([
    ...Object.keys(exp.red ?? {}),
    ...Object.keys(exp.yellow ?? {}),
    ...Object.keys(exp.notGreen ?? {}),
  ]);
  const ran = { ...r, checks: r.checks.filter((c) => c.colour !== 'skipped' || named.has(c.title)) };
  const problems = compare(ran, {
    red: exp.red ?? {},
    yellow: exp.yellow ?? {},
    notGreen: exp.notGreen ?? {},
  });
  assert.deepEqual(problems, [], `${context}:\n${problems.join('\n')}\n\n${r.describe()}`);
}

describe('the suite against the reference Laravel app, by its env file alone', { timeout: 600_000 }, () => {
  before(async () => {
    app = await startTestLaravel({ timezone: APP_TIMEZONE });
    db = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
    calcomDb = new pg.Pool({ connectionString: app.calcomDatabaseUrl, max: 2 });
    queueRedis = new Redis(`${app.redisUrl}/0`);
    cacheRedis = new Redis(`${app.redisUrl}/1`);
    seeded = await seededChecksum();
  });
  after(async () => {
    queueRedis?.disconnect();
    cacheRedis?.disconnect();
    await db?.end();
    await calcomDb?.end();
    await app?.stop();
  });

  test('healthy: every check green, or skipped naming the setting the app lacks; no harm', async () => {
    const logFrom = logLines().length;
    // With the config's trace recording, as a release manager runs it: Playwright starts tracing
    // every context of a check, the shared worker tabs too (fixtures/browser.ts, section 9's race).
    const r = await run({ trace: true });
    assert.equal(r.run.hung, false, r.describe());
    const problems: string[] = [];
    for (const c of r.checks) {
      if (c.colour === 'red') problems.push(`red: ${c.title} — ${c.text}`);
      if (c.colour === 'yellow' && !LOAD_SENSITIVE.includes(c.title))
        problems.push(`yellow: ${c.title} — ${c.text}`);
      const why = c.annotations.map((a) => a.description ?? '').join(' ');
      if (c.colour === 'skipped' && !/Not configured: [A-Z][A-Z0-9_]+/.test(why))
        problems.push(`skipped without naming a setting: ${c.title} — ${why}`);
    }
    await assertNoHarm('healthy run', logFrom).catch((err: Error) => problems.push(err.message));
    assert.deepEqual(problems, [], `healthy reference app:\n${problems.join('\n')}\n\n${r.describe()}`);
  });
  test('APP_TIMEZONE left at UTC for an app on Berlin time, Cal.com behind the runner’s proxy: each start comparison red, naming the offset', async () => {
    const logFrom = logLines().length;
    // The runner reaches Cal.com through a proxy (config/proxy.ts), under a name only the proxy
    // resolves: the comparisons below need Cal.com's answers, so they prove the path through it.
    const proxy = await fakeProxy();
    const calcomPort = new URL(app.calcomUrl).port;
    let r: PhaseRun;
    try {
      // The three checks that compare a start in the database with Cal.com's or the booked one.
      r = await run({
        grep: grepOf([T.appointmentCreation, T.consistency, T.calcomIdMatch]),
        env: {
          APP_TIMEZONE: 'UTC',
          CALCOM_API_URL: `http://calcom.phasegate.invalid:${calcomPort}`,
          HTTP_PROXY: `http://127.0.0.1:${proxy.port}`,
        },
      });
    } finally {
      await proxy.close();
    }
    assert.ok(proxy.tunnels.length > 0, `no request went through the proxy\n${r.describe()}`);
    assert.deepEqual(
      [...new Set(proxy.tunnels.map((t) => t.destination))],
      [`calcom.phasegate.invalid:${calcomPort}`],
    );
    // Berlin is 1 h ahead of UTC in winter, 2 h in summer: the bookings fall in either.
    const offset = "; exactly [12] h apart: is APP_TIMEZONE the application's own time zone\\?";
    assertExpected(
      r,
      {
        red: {
          [T.appointmentCreation]: new RegExp(`starts at \\S+, booked \\S+${offset}`),
          [T.consistency]: new RegExp(`start differs \\(Cal\\.com \\S+, local \\S+\\)${offset}`),
          [T.calcomIdMatch]: new RegExp(`Cal\\.com starts it at \\S+, the local record at \\S+${offset}`),
        },
      },
      'APP_TIMEZONE left at UTC',
    );
    await assertNoHarm('APP_TIMEZONE left at UTC', logFrom);
  });

  test('worker down for ten minutes, an ERROR in the log, bookings only Cal.com knows → red, ROLLBACK; no harm', async () => {
    const walkIns = await bookInCalcomOnly(3);
    await app.stopWorker();
    await ageHeartbeat();
    appendLogError();
    const logFrom = logLines().length;
    let r: PhaseRun;
    try {
      // Two @api workers: with the worker stopped the booking checks wait out their sync limits.
      r = await run({ apiOnly: true, env: { API_WORKERS: '2' } });
    } finally {
      await app.startWorker();
    }
    assertExpected(
      r,
      {
        red: {
          [T.logClean]:
            /ERROR\/CRITICAL entries in the last 10 min; first: \[[\d :-]+\] production\.ERROR: SQLSTATE\[57P01\]/,
          [T.services]: /Worker heartbeat age: (59\d|6\d\d) s \(target < 30 s, limit 120 s\)/,
          [T.events]:
            /booking appointment \d+ got no Cal\.com booking UID \(cal_uid\) within 15000 ms \(its queued sync did not run\)/,
          [T.bookingSuccess]: /Booking success rate: 0% .* 0 of 4 synthetic bookings reached Cal\.com/,
          [T.consistency]: /bookings match.*in Cal\.com, no local appointment/,
        },
        yellow: { [T.appointmentCreation]: /saved with status pending but no Cal\.com booking yet/ },
      },
      'worker stopped, log error, Cal.com drift',
    );
    assert.ok(rollback(r), `a failed critical check → ROLLBACK\n${r.run.stdout.slice(-600)}`);
    await cancelInCalcom(walkIns);
    // The bookings whose sync waited on the stopped worker: synced now, then swept.
    await sweepLeftovers();
    await assertNoHarm('worker stopped, log error, Cal.com drift', logFrom);
  });

  test('app stopped, a column renamed by SQL, Cal.com unreachable → red, ROLLBACK; no harm', async () => {
    await db.query('ALTER TABLE bookings RENAME COLUMN idempotency_key TO request_key');
    await app.stopApp();
    await app.stopCalcom();
    const logFrom = logLines().length;
    let r: PhaseRun;
    try {
      // The release after the worker's outage went out now: the ERROR logged before it is not its.
      // Only the checks these faults are about, and two that must stay green beside them: with the
      // app down every HTTP check is red alike, and each red check costs a worker restart.
      r = await run({ apiOnly: true, grep: F2_CHECKS, env: { DEPLOYED_AT: new Date().toISOString() } });
    } finally {
      await db.query('ALTER TABLE bookings RENAME COLUMN request_key TO idempotency_key');
      await app.startCalcom();
      await app.startApp();
    }
    const refused = /ECONNREFUSED/;
    assertExpected(
      r,
      {
        red: {
          [T.idempotency]: /column bookings\.idempotency_key is missing/,
          [T.calcomReachable]: refused,
          [T.consistency]: refused,
          [T.apiHealth]: /GET \/up failed: ECONNREFUSED/,
          [T.appointmentCreation]: /GET \/login failed: ECONNREFUSED/,
          [T.webhookSignature]: /POST \/webhooks\/calcom failed: ECONNREFUSED/,
        },
      },
      'app stopped, column renamed, Cal.com unreachable',
    );
    assert.ok(rollback(r), `a failed critical check → ROLLBACK\n${r.run.stdout.slice(-600)}`);
    await assertNoHarm('app stopped, column renamed, Cal.com unreachable', logFrom);
  });
});
