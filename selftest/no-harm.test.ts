// Checks run against production, so they must leave it as they found it (DESIGN.md "Checks must
// never harm the system they verify"): after a full run that includes failures no synthetic
// record remains and the real data is byte-for-byte unchanged; a run killed with SIGKILL
// mid-check leaves leftovers that the next run's sweep removes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SANDBOX_CREDENTIALS } from '../config/env.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { runAgainst, type PhaseRun } from './helpers/run-suite.ts';
import { killGroup } from './helpers/robustness-run.ts';
import { testServices } from './helpers/services.ts';

const MARKER = 'phasegate-synthetic';
/** Faults whose failures hit the write paths (dedup, invalidation) plus a plain red. */
const FAULTS = ['webhook_duplicates', 'cache_stale', 'health_stale'];

interface Leftovers {
  appointments: number;
  webhookEvents: number;
  events: number;
  redisKeys: number;
  queuedJobs: number;
  activeCalcomBookings: number;
}

async function leftovers(db: pg.Pool, redis: Redis, sb: TestSandbox): Promise<Leftovers> {
  const count = async (sql: string, params: unknown[]) =>
    (await db.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
  const keys = await redis.keys(`${sb.redisPrefix}*${MARKER}*`);
  const jobs = (await redis.lrange(`${sb.redisPrefix}queues:default`, 0, -1)).filter((j) =>
    j.includes(MARKER),
  );
  // Cal.com has no delete: synthetic bookings stay, cancelled. Any not cancelled is a leftover.
  const res = await fetch(
    `${sb.calcomUrl}/v2/bookings?take=100&afterStart=${encodeURIComponent(new Date(Date.now() + 280 * 86_400_000).toISOString())}`,
    {
      headers: {
        authorization: `Bearer ${SANDBOX_CREDENTIALS.CALCOM_API_KEY}`,
        'cal-api-version': '2024-08-13',
      },
      signal: AbortSignal.timeout(10_000),
    },
  );
  const list = (await res.json()) as { data: { status: string; attendees: { email: string }[] }[] };
  return {
    appointments: await count(`SELECT count(*)::int AS n FROM appointments WHERE client_email LIKE $1`, [
      `${MARKER}+%`,
    ]),
    webhookEvents: await count(`SELECT count(*)::int AS n FROM webhook_events WHERE payload::text LIKE $1`, [
      `%${MARKER}%`,
    ]),
    events: await count(`SELECT count(*)::int AS n FROM events WHERE name LIKE $1`, [`${MARKER}%`]),
    redisKeys: keys.length,
    queuedJobs: jobs.length,
    activeCalcomBookings: list.data.filter(
      (b) => b.status !== 'cancelled' && b.attendees.some((a) => a.email.startsWith(`${MARKER}+`)),
    ).length,
  };
}

const NONE: Leftovers = {
  appointments: 0,
  webhookEvents: 0,
  events: 0,
  redisKeys: 0,
  queuedJobs: 0,
  activeCalcomBookings: 0,
};

/** md5 of the ordered non-synthetic rows: what a real clinic would lose if a check harmed it. */
async function checksum(db: pg.Pool): Promise<Record<string, string>> {
  const tables: Record<string, string> = {
    appointments: `SELECT md5(string_agg(t::text, '|' ORDER BY id)) AS h FROM appointments t WHERE client_email NOT LIKE '${MARKER}+%'`,
    users: `SELECT md5(string_agg(t::text, '|' ORDER BY id)) AS h FROM users t`,
    failed_jobs: `SELECT md5(string_agg(t::text, '|' ORDER BY id)) AS h FROM failed_jobs t`,
    webhook_events: `SELECT md5(string_agg(t::text, '|' ORDER BY id)) AS h FROM webhook_events t WHERE payload::text NOT LIKE '%${MARKER}%'`,
    calcom_bookings: `SELECT md5(string_agg(t::text, '|' ORDER BY uid)) AS h FROM calcom.bookings t WHERE attendee_email NOT LIKE '${MARKER}+%'`,
  };
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(tables))
    out[name] = (await db.query<{ h: string | null }>(sql)).rows[0]?.h ?? 'empty';
  return out;
}

describe('checks never harm the system they verify', () => {
  let sb: TestSandbox;
  let db: pg.Pool;
  let redis: Redis;
  let before_: Record<string, string>;
  let run: PhaseRun;

  before(async () => {
    sb = await startTestSandbox({ faults: FAULTS });
    db = new pg.Pool({ connectionString: sb.databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
    redis = new Redis(sb.suiteEnv.REDIS_URL ?? testServices().redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    await redis.connect();
    before_ = await checksum(db);
    run = await runAgainst(sb, { deadlineMs: 240_000 });
  });

  after(async () => {
    redis?.disconnect();
    await db?.end();
    await sb?.stop();
  });

  test('the run had failures and wrote synthetic records', () => {
    const red = run.checks.filter((c) => c.colour === 'red').map((c) => c.title);
    assert.ok(red.length >= 3, `expected the faults to fail checks\n${run.describe()}`);
    assert.ok(
      run.checks.some((c) => c.title.startsWith('Appointment creation') && c.status === 'passed'),
      run.describe(),
    );
  });

  test('no synthetic row, key, job or active Cal.com booking remains', async () => {
    assert.deepEqual(await leftovers(db, redis, sb), NONE);
  });

  test('the real data is unchanged (md5 of the ordered rows)', async () => {
    assert.deepEqual(await checksum(db), before_);
  });

  test('a run killed with SIGKILL mid-check leaves leftovers; the next run sweeps them', async () => {
    await sb.setFaults([]);
    let pid: number | undefined;
    const killed = runAgainst(sb, {
      grep: 'Booking success rate',
      apiOnly: true,
      deadlineMs: 180_000,
      onSpawn: (p) => (pid = p),
    });
    // Kill as soon as the first synthetic booking exists, before its test can clean it up.
    const deadline = Date.now() + 90_000;
    let found = 0;
    while (Date.now() < deadline && found === 0) {
      found = (await leftovers(db, redis, sb)).appointments;
      if (found === 0) await new Promise((r) => setTimeout(r, 50));
    }
    killGroup(pid);
    await killed;
    const left = await leftovers(db, redis, sb);
    assert.ok(left.appointments > 0, 'the killed run left no synthetic appointment behind');
    assert.ok(left.activeCalcomBookings > 0, 'the killed run left no active Cal.com booking behind');

    const sweeper = await runAgainst(sb, {
      grep: 'Database connectivity',
      apiOnly: true,
      env: { SYNTHETIC_SWEEP_MINUTES: '0' },
      deadlineMs: 180_000,
    });
    assert.equal(sweeper.run.exitCode, 0, sweeper.describe());
    assert.match(sweeper.run.stdout, /swept synthetic leftovers/, sweeper.describe());
    assert.deepEqual(await leftovers(db, redis, sb), NONE);
    assert.deepEqual(await checksum(db), before_);
  });
});
