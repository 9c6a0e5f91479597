// Every server-side fault switch really breaks the sandbox the way sandbox/README.md says (over
// HTTP, in Postgres, in Redis, in the log), and switching it off repairs it. One sandbox, faults
// switched at run time.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AppClient, futureStart, SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET } from './helpers/sandbox-client.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { testServices } from './helpers/services.ts';

let sbx: TestSandbox;
let db: pg.Pool;
let redis: Redis;
let client: AppClient;

before(async () => {
  sbx = await startTestSandbox();
  db = new pg.Pool({ connectionString: sbx.databaseUrl, max: 3 });
  redis = new Redis(testServices().redisUrl, { maxRetriesPerRequest: 1 });
  client = new AppClient(sbx.appUrl);
  await client.login();
});

after(async () => {
  await db?.end();
  redis?.disconnect();
  await sbx?.stop();
});

/** Runs `fn` with exactly `faults` active, then switches them all off again. */
async function withFaults(faults: string[], fn: () => Promise<void>): Promise<void> {
  await sbx.setFaults(faults);
  try {
    await fn();
  } finally {
    await sbx.setFaults([]);
  }
}

function logSize(): number {
  try {
    return statSync(sbx.logPath).size;
  } catch {
    return 0;
  }
}

function logSince(offset: number): string {
  return readFileSync(sbx.logPath).subarray(offset).toString('utf8');
}

async function health() {
  const r = await fetch(`${sbx.appUrl}/api/health/detailed`);
  return (await r.json()) as {
    status: string;
    checks: Record<string, Record<string, unknown> | undefined>;
  };
}

function job(displayName: string, command: unknown): string {
  return JSON.stringify({
    uuid: randomUUID(),
    displayName,
    job: 'Illuminate\\Queue\\CallQueuedHandler@call',
    data: { commandName: displayName, command },
    attempts: 0,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function postWebhook(body: string, signature: string): Promise<Response> {
  return fetch(`${sbx.appUrl}/api/webhooks/calcom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cal-signature-256': signature },
    body,
  });
}

async function seededChecksum(): Promise<string> {
  // Column by column: a re-added column moves to the end of `SELECT *`, its values do not change.
  const r = await db.query<Record<string, unknown>>(
    `SELECT * FROM appointments WHERE notes = 'seed' ORDER BY id`,
  );
  const rows = r.rows.map((row) =>
    Object.keys(row)
      .sort()
      .map((k) => [k, row[k]]),
  );
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

describe('fault switches', () => {
  test('control endpoint lists the active faults', async () => {
    await withFaults(['low_coverage', 'health_down'], async () => {
      const r = (await (await fetch(`${sbx.appUrl}/__sandbox/faults`)).json()) as { faults: string[] };
      assert.deepEqual([...r.faults].sort(), ['health_down', 'low_coverage']);
    });
    assert.deepEqual(await (await fetch(`${sbx.appUrl}/__sandbox/faults`)).json(), { faults: [] });
  });

  test('health_down: /api/health answers 503 {"status":"error"}', async () => {
    await withFaults(['health_down'], async () => {
      const r = await fetch(`${sbx.appUrl}/api/health`);
      assert.equal(r.status, 503);
      assert.deepEqual(await r.json(), { status: 'error' });
    });
    assert.equal((await fetch(`${sbx.appUrl}/api/health`)).status, 200);
  });

  test('health_stale: 200 with a timestamp 10 minutes old', async () => {
    await withFaults(['health_stale'], async () => {
      const r = await fetch(`${sbx.appUrl}/api/health`);
      assert.equal(r.status, 200);
      const body = (await r.json()) as { status: string; timestamp: string };
      const age = Date.now() - Date.parse(body.timestamp);
      assert.ok(age >= 590_000 && age <= 660_000, `age ${age} ms`);
    });
  });

  test('schema_missing_idempotency: the column is gone; switching off restores it and the seeded keys', async () => {
    const before = await seededChecksum();
    const col = () =>
      db.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'appointments' AND column_name = 'idempotency_key'`,
      );
    await withFaults(['schema_missing_idempotency'], async () => {
      assert.equal((await col()).rowCount, 0);
      const offset = logSize();
      const r = await client.createAppointment({
        patient_name: 'No Key Column',
        patient_email: 'nokey@example.org',
        starts_at: futureStart(),
      });
      assert.equal(r.status, 500);
      assert.match(logSince(offset), /production\.ERROR: .*idempotency_key/);
    });
    assert.equal((await col()).rowCount, 1);
    const unique = await db.query(
      `SELECT 1 FROM pg_constraint WHERE conname = 'appointments_idempotency_key_unique' AND contype = 'u'`,
    );
    assert.equal(unique.rowCount, 1);
    assert.equal(await seededChecksum(), before);
    const r = await client.createAppointment({
      patient_name: 'Key Back',
      patient_email: 'back@example.org',
      starts_at: futureStart(),
    });
    assert.equal(r.status, 201);
  });

  test('log_errors: ERROR entries with multi-line stack traces while serving requests', async () => {
    const offset = logSize();
    await withFaults(['log_errors'], async () => {
      await fetch(`${sbx.appUrl}/api/health`);
      const text = logSince(offset);
      const errors = text.match(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] production\.ERROR: /gm) ?? [];
      assert.ok(errors.length >= 2, `${errors.length} error entries`);
      assert.match(text, /\n\[stacktrace\]\n#0 /);
      assert.match(text, /^#1 /m);
    });
    const quiet = logSize();
    await fetch(`${sbx.appUrl}/api/health`);
    assert.doesNotMatch(logSince(quiet), /production\.ERROR/);
  });

  test('cache_stale: creating an appointment leaves the availability key (and logs nothing)', async () => {
    await withFaults(['cache_stale'], async () => {
      const start = futureStart(2);
      const date = start.slice(0, 10);
      await fetch(`${sbx.appUrl}/api/availability?date=${date}`);
      const key = `${sbx.redisPrefix}laravel_cache_:availability:${date}`;
      assert.equal(await redis.exists(key), 1);
      const offset = logSize();
      const r = await client.createAppointment({
        patient_name: 'Stale',
        patient_email: 'stale@example.org',
        starts_at: start,
      });
      assert.equal(r.status, 201);
      assert.equal(await redis.exists(key), 1);
      assert.doesNotMatch(logSince(offset), /Cache invalidated/);
      const again = await fetch(`${sbx.appUrl}/api/availability?date=${date}`);
      assert.equal(again.headers.get('x-cache'), 'HIT');
    });
  });

  test('webhook_duplicates: the same webhook is stored twice', async () => {
    const uid = `dup-${randomUUID()}`;
    const body = JSON.stringify({
      triggerEvent: 'BOOKING_CREATED',
      createdAt: new Date().toISOString(),
      payload: { uid },
    });
    const sig = createHmac('sha256', SANDBOX_WEBHOOK_SECRET).update(body).digest('hex');
    await withFaults(['webhook_duplicates'], async () => {
      for (let i = 0; i < 2; i++) {
        const r = await postWebhook(body, sig);
        assert.deepEqual(await r.json(), { received: true, duplicate: false });
      }
      assert.equal(
        (await db.query('SELECT 1 FROM webhook_events WHERE booking_uid = $1', [uid])).rowCount,
        2,
      );
    });
    // Deduplication is back: the first unsalted delivery is new, its repeat is not.
    assert.deepEqual(await (await postWebhook(body, sig)).json(), { received: true, duplicate: false });
    assert.deepEqual(await (await postWebhook(body, sig)).json(), { received: true, duplicate: true });
  });

  test('webhook_unsigned: bad signatures are accepted and stored', async () => {
    const uid = `forged-${randomUUID()}`;
    const body = JSON.stringify({
      triggerEvent: 'BOOKING_CREATED',
      createdAt: new Date().toISOString(),
      payload: { uid },
    });
    await withFaults(['webhook_unsigned'], async () => {
      const r = await postWebhook(body, 'deadbeef');
      assert.equal(r.status, 200);
      assert.equal(
        (await db.query('SELECT 1 FROM webhook_events WHERE booking_uid = $1', [uid])).rowCount,
        1,
      );
    });
    assert.equal((await postWebhook(body.replace(uid, `${uid}2`), 'deadbeef')).status, 401);
  });

  test('calcom_drift: ~10% of the stand-in bookings in the window have no local appointment', async () => {
    const orphans = async () => {
      const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
      const to = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const r = await fetch(`${sbx.calcomUrl}/v2/bookings?afterStart=${from}&beforeEnd=${to}&take=100`, {
        headers: { authorization: `Bearer ${SANDBOX_API_KEY}`, 'cal-api-version': '2024-08-13' },
      });
      const remote = ((await r.json()) as { data: { uid: string }[] }).data;
      const local = new Set(
        (
          await db.query<{ u: string }>(
            'SELECT calcom_booking_uid AS u FROM appointments WHERE calcom_booking_uid IS NOT NULL',
          )
        ).rows.map((x) => x.u),
      );
      return { total: remote.length, missing: remote.filter((b) => !local.has(b.uid)).length };
    };
    assert.equal((await orphans()).missing, 0);
    await withFaults(['calcom_drift'], async () => {
      const { total, missing } = await orphans();
      const share = missing / total;
      assert.ok(share >= 0.08 && share <= 0.15, `${missing}/${total}`);
    });
    assert.equal((await orphans()).missing, 0);
  });

  test('calcom_down: stand-in 503, breaker open, the form still served with the notice, bookings pending_sync', async () => {
    await withFaults(['calcom_down'], async () => {
      const cal = await fetch(`${sbx.calcomUrl}/v2/bookings`, {
        headers: { authorization: `Bearer ${SANDBOX_API_KEY}`, 'cal-api-version': '2024-08-13' },
      });
      assert.equal(cal.status, 503);
      assert.equal(((await cal.json()) as { status: string }).status, 'error');
      const h = await health();
      assert.equal(h.status, 'degraded');
      assert.equal(h.checks.calcom?.status, 'down');
      assert.equal(h.checks.circuit_breaker?.state, 'open');
      assert.ok(Number(h.checks.circuit_breaker?.failures) >= 3);
      assert.match(await (await fetch(`${sbx.appUrl}/metrics`)).text(), /^circuit_breaker_state 2$/m);
      const { res, html } = await client.page('/appointments/create');
      assert.equal(res.status, 200);
      assert.match(
        html,
        /role="alert"[^>]*>Online calendar sync is temporarily unavailable\. Your booking is saved and will sync automatically\./,
      );
      const r = await client.createAppointment({
        patient_name: 'Offline',
        patient_email: 'offline@example.org',
        starts_at: futureStart(),
      });
      assert.equal(r.status, 201);
      const body = (await r.json()) as { status: string; calcom_booking_uid: string | null };
      assert.equal(body.status, 'pending_sync');
      assert.equal(body.calcom_booking_uid, null);
    });
    const h = await health();
    assert.equal(h.checks.circuit_breaker?.state, 'closed');
    assert.equal(h.checks.calcom?.status, 'ok');
    assert.doesNotMatch((await client.page('/appointments/create')).html, /temporarily unavailable/);
  });

  test('no_degradation: with Cal.com down the form fails with 500', async () => {
    await withFaults(['no_degradation'], async () => {
      assert.equal(
        (await client.page('/appointments/create')).res.status,
        200,
        'harmless while Cal.com is up',
      );
    });
    await withFaults(['calcom_down', 'no_degradation'], async () => {
      const { res, html } = await client.page('/appointments/create');
      assert.equal(res.status, 500);
      assert.doesNotMatch(html, /Patient name/);
    });
  });

  test('breaker_hidden: detailed health omits circuit_breaker', async () => {
    await withFaults(['breaker_hidden'], async () => {
      const h = await health();
      assert.equal('circuit_breaker' in h.checks, false);
      assert.ok(h.checks.database);
    });
    assert.ok((await health()).checks.circuit_breaker);
  });

  test('slow_pages: HTML pages take 4 s', async () => {
    await withFaults(['slow_pages'], async () => {
      const t0 = Date.now();
      const r = await fetch(`${sbx.appUrl}/login`);
      await r.text();
      assert.ok(Date.now() - t0 >= 3900, 'the page came too fast for slow_pages');
    });
  });

  test('slow_queries: the lookup takes ~1.5 s and Server-Timing says so', async () => {
    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const timing = async () => {
      const r = await client.request(`/api/appointments?date=${day}`, {
        headers: { accept: 'application/json' },
      });
      assert.equal(r.status, 200);
      return Number(/db;dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '')?.[1]);
    };
    await withFaults(['slow_queries'], async () => {
      const ms = await timing();
      assert.ok(ms >= 1450, `Server-Timing db;dur=${ms}`);
    });
    assert.ok((await timing()) < 1450);
  });

  test('worker_stopped: stale heartbeat, >100 jobs queued, no job processed; repaired when off', async () => {
    const queue = `${sbx.redisPrefix}queues:default`;
    const name = `stopped.${randomUUID()}`;
    await withFaults(['worker_stopped'], async () => {
      const h = await health();
      assert.equal(h.checks.worker?.status, 'down');
      assert.ok(Number(h.checks.worker?.age_seconds) >= 590);
      assert.ok((await redis.llen(queue)) > 100);
      assert.ok(Number(h.checks.queue?.depth) > 100);
      await redis.rpush(queue, job('App\\Jobs\\RecordEvent', { name, payload: {} }));
      await sleep(2500);
      assert.equal((await db.query('SELECT 1 FROM events WHERE name = $1', [name])).rowCount, 0);
      const beat = await redis.get(`${sbx.redisPrefix}worker:heartbeat`);
      assert.ok(beat && Date.now() - Date.parse(beat) >= 590_000, 'nobody refreshes the heartbeat');
    });
    const deadline = Date.now() + 10_000;
    while ((await db.query('SELECT 1 FROM events WHERE name = $1', [name])).rowCount === 0) {
      assert.ok(Date.now() < deadline, 'the restarted worker processes the waiting job');
      await sleep(100);
    }
    assert.equal(await redis.llen(queue), 0);
    assert.equal((await health()).checks.worker?.status, 'ok');
  });

  test('events_stalled: the worker runs and heartbeats but records no events', async () => {
    const queue = `${sbx.redisPrefix}queues:default`;
    const name = `stalled.${randomUUID()}`;
    await withFaults(['events_stalled'], async () => {
      await redis.rpush(queue, job('App\\Jobs\\RecordEvent', { name, payload: {} }));
      const deadline = Date.now() + 10_000;
      while ((await redis.llen(queue)) > 0) {
        assert.ok(Date.now() < deadline, 'the worker takes the job');
        await sleep(100);
      }
      await sleep(500);
      assert.equal((await db.query('SELECT 1 FROM events WHERE name = $1', [name])).rowCount, 0);
      const h = await health();
      assert.equal(h.checks.worker?.status, 'ok');
    });
  });

  test('metrics_down: /metrics answers 404', async () => {
    await withFaults(['metrics_down'], async () => {
      assert.equal((await fetch(`${sbx.appUrl}/metrics`)).status, 404);
    });
    assert.equal((await fetch(`${sbx.appUrl}/metrics`)).status, 200);
  });

  test('low_coverage: the coverage summary says 72%', async () => {
    await withFaults(['low_coverage'], async () => {
      const r = (await (await fetch(`${sbx.appUrl}/coverage/coverage-summary.json`)).json()) as {
        total: { lines: { pct: number } };
      };
      assert.equal(r.total.lines.pct, 72);
    });
  });

  test('docs_missing: /docs and /docs/openapi.json answer 404', async () => {
    await withFaults(['docs_missing'], async () => {
      assert.equal((await fetch(`${sbx.appUrl}/docs`)).status, 404);
      assert.equal((await fetch(`${sbx.appUrl}/docs/openapi.json`)).status, 404);
    });
    assert.equal((await fetch(`${sbx.appUrl}/docs/openapi.json`)).status, 200);
  });
});
