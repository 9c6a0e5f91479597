// The sandbox with no faults behaves like a healthy booking system: every contract point of
// sandbox/README.md, observed over HTTP, in Postgres, in Redis and in the log.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  AppClient,
  futureStart,
  SANDBOX_API_KEY,
  SANDBOX_LOGIN,
  SANDBOX_WEBHOOK_SECRET,
} from './helpers/sandbox-client.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

let sbx: TestSandbox;
let db: pg.Pool;
let redis: Redis;
let client: AppClient;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sign(body: string, secret = SANDBOX_WEBHOOK_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function postWebhook(body: string, signature: string): Promise<Response> {
  return fetch(`${sbx.appUrl}/api/webhooks/calcom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cal-signature-256': signature },
    body,
    signal: AbortSignal.timeout(10_000),
  });
}

function calcomGet(path: string): Promise<Response> {
  return fetch(`${sbx.calcomUrl}${path}`, {
    headers: { authorization: `Bearer ${SANDBOX_API_KEY}`, 'cal-api-version': '2024-08-13' },
    signal: AbortSignal.timeout(10_000),
  });
}

before(async () => {
  sbx = await startTestSandbox();
  db = new pg.Pool({ connectionString: sbx.databaseUrl, max: 3 });
  redis = new Redis('redis://127.0.0.1:6379/0', { maxRetriesPerRequest: 1 });
  client = new AppClient(sbx.appUrl);
});

after(async () => {
  await db?.end();
  redis?.disconnect();
  await sbx?.stop();
});

describe('sandbox without faults', () => {
  test('health answers ok with a fresh timestamp', async () => {
    const r = await fetch(`${sbx.appUrl}/api/health`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { status: string; timestamp: string };
    assert.equal(body.status, 'ok');
    assert.ok(
      Math.abs(Date.now() - Date.parse(body.timestamp)) < 60_000,
      `timestamp ${body.timestamp} is not fresh`,
    );
  });

  test('detailed health: every dependency ok, breaker closed, worker heartbeat fresh', async () => {
    const r = await fetch(`${sbx.appUrl}/api/health/detailed`);
    assert.equal(r.status, 200);
    const h = (await r.json()) as {
      status: string;
      checks: Record<
        string,
        { status?: string; state?: string; failures?: number; age_seconds?: number; depth?: number }
      >;
    };
    assert.equal(h.status, 'ok');
    for (const name of ['database', 'cache', 'calcom', 'queue', 'worker']) {
      assert.equal(h.checks[name]?.status, 'ok', `${name} is ${JSON.stringify(h.checks[name])}`);
    }
    assert.deepEqual(h.checks.circuit_breaker, { state: 'closed', failures: 0 });
    assert.ok((h.checks.worker?.age_seconds ?? 99) <= 5);
    const beat = await redis.get(`${sbx.redisPrefix}worker:heartbeat`);
    assert.ok(beat && Date.now() - Date.parse(beat) < 10_000, `heartbeat ${beat}`);
  });

  test('schema: migrations recorded, idempotency_key present, seed in place', async () => {
    const col = await db.query(
      `SELECT is_nullable FROM information_schema.columns WHERE table_name = 'appointments' AND column_name = 'idempotency_key'`,
    );
    assert.equal(col.rows[0]?.is_nullable, 'NO');
    const migrations = await db.query('SELECT migration FROM migrations');
    assert.ok(migrations.rowCount! >= 7);
    for (const t of [
      'users',
      'appointments',
      'webhook_events',
      'jobs',
      'failed_jobs',
      'events',
      'calcom.bookings',
    ]) {
      await db.query(`SELECT 1 FROM ${t} LIMIT 1`);
    }
    const seeded = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM appointments WHERE notes = 'seed' GROUP BY status`,
    );
    const byStatus = Object.fromEntries(seeded.rows.map((r) => [r.status, r.n]));
    assert.equal(
      Object.values(byStatus).reduce((a, b) => a + b, 0),
      40,
    );
    for (const s of ['confirmed', 'pending', 'cancelled', 'completed', 'rejected', 'pending_sync']) {
      assert.ok(byStatus[s], `no seeded appointment is ${s}`);
    }
    const failed = await db.query<{ old: boolean }>(
      `SELECT failed_at < now() - interval '1 day' AS old FROM failed_jobs`,
    );
    assert.equal(failed.rowCount, 2);
    assert.ok(failed.rows.every((r) => r.old));
    const user = await db.query<{ password: string }>('SELECT password FROM users WHERE email = $1', [
      SANDBOX_LOGIN.email,
    ]);
    assert.match(user.rows[0]?.password ?? '', /^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    assert.ok(!user.rows[0]?.password.includes(SANDBOX_LOGIN.password));
  });

  test('login page renders the contract labels and a CSRF token', async () => {
    const { res, html } = await new AppClient(sbx.appUrl).page('/login');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('set-cookie') ?? '', /^laravel_session=[0-9a-f]+; Path=\/; HttpOnly/);
    assert.match(html, /<h1>Sign in<\/h1>/);
    assert.match(html, /<label for="email">Email<\/label>\s*<input id="email" name="email"/);
    assert.match(
      html,
      /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/,
    );
    assert.match(html, /<button type="submit">Log in<\/button>/);
    const token = /name="_token" value="([0-9a-f]{40})"/.exec(html)?.[1];
    assert.ok(token);
    assert.ok(html.includes(`<meta name="csrf-token" content="${token}">`));
  });

  test('login: CSRF required, bad credentials refused, good ones redirect to the form', async () => {
    const c = new AppClient(sbx.appUrl);
    await c.page('/login');
    const noToken = await c.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: SANDBOX_LOGIN.email, password: SANDBOX_LOGIN.password }).toString(),
    });
    assert.equal(noToken.status, 419);
    const bad = await c.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: SANDBOX_LOGIN.email, password: 'wrong', _token: c.csrf }).toString(),
    });
    assert.equal(bad.status, 422);
    assert.match(await bad.text(), /role="alert"[^>]*>These credentials do not match our records\./);
    const badJson = await c.request('/login', {
      method: 'POST',
      headers: { 'x-csrf-token': c.csrf },
      json: { email: SANDBOX_LOGIN.email, password: 'wrong' },
    });
    assert.equal(badJson.status, 422);
    assert.ok(((await badJson.json()) as { message?: string }).message);
    const before = c.cookie;
    const ok = await c.login();
    assert.equal(ok.status, 302);
    assert.equal(ok.headers.get('location'), '/appointments/create');
    assert.notEqual(c.cookie, before, 'the session id is regenerated on login');
    const anon = await new AppClient(sbx.appUrl).request('/appointments/create');
    assert.equal(anon.status, 302);
    assert.equal(anon.headers.get('location'), '/login');
  });

  test('appointment form: fields, hidden fresh idempotency key, spinner, no degraded notice', async () => {
    await client.login();
    const first = await client.page('/appointments/create');
    const second = await client.page('/appointments/create');
    assert.equal(first.res.status, 200);
    const html = first.html;
    assert.match(
      html,
      /<label for="patient_name">Patient name<\/label>\s*<input id="patient_name" name="patient_name" type="text" required/,
    );
    assert.match(
      html,
      /<label for="patient_email">Patient email<\/label>\s*<input id="patient_email" name="patient_email" type="email" required/,
    );
    assert.match(
      html,
      /<label for="starts_at">Start time<\/label>\s*<input id="starts_at" name="starts_at" type="datetime-local" required/,
    );
    assert.match(html, /<label for="notes">Notes<\/label>/);
    assert.match(html, /<button type="submit">Book appointment<\/button>/);
    assert.match(html, /role="status" aria-label="Loading availability"/);
    assert.doesNotMatch(html, /temporarily unavailable/);
    const key = (h: string) => /name="idempotency_key" value="([0-9a-f-]{36})"/.exec(h)?.[1];
    assert.ok(key(html));
    assert.notEqual(key(html), key(second.html));
  });

  test('creating an appointment: row, Cal.com booking, webhook, cache invalidated, log, event', async () => {
    await client.login();
    const start = futureStart(4);
    const date = start.slice(0, 10);
    const cacheKey = `${sbx.redisPrefix}laravel_cache_:availability:${date}`;
    const miss = await fetch(`${sbx.appUrl}/api/availability?date=${date}`);
    assert.equal(miss.headers.get('x-cache'), 'MISS');
    const hit = await fetch(`${sbx.appUrl}/api/availability?date=${date}`);
    assert.equal(hit.headers.get('x-cache'), 'HIT');
    assert.ok(await redis.exists(cacheKey));
    assert.ok((await redis.ttl(cacheKey)) <= 300);

    const key = randomUUID();
    const r = await client.createAppointment({
      patient_name: 'Test <Patient>',
      patient_email: 'test.patient@example.org',
      starts_at: start,
      idempotency_key: key,
    });
    assert.equal(r.status, 201);
    const created = (await r.json()) as {
      id: number;
      idempotency_key: string;
      calcom_booking_uid: string;
      status: string;
    };
    assert.equal(created.idempotency_key, key);
    assert.equal(created.status, 'confirmed');
    assert.ok(created.calcom_booking_uid);

    const row = await db.query('SELECT * FROM appointments WHERE id = $1', [created.id]);
    assert.equal(row.rows[0]?.calcom_booking_uid, created.calcom_booking_uid);
    assert.equal(row.rows[0]?.idempotency_key, key);
    const booking = await db.query('SELECT * FROM calcom.bookings WHERE uid = $1', [
      created.calcom_booking_uid,
    ]);
    assert.equal(booking.rows[0]?.status, 'accepted');
    assert.equal(booking.rows[0]?.metadata.idempotencyKey, key);
    assert.equal(new Date(booking.rows[0]?.start_time).toISOString(), new Date(start).toISOString());
    const hook = await db.query('SELECT trigger_event FROM webhook_events WHERE booking_uid = $1', [
      created.calcom_booking_uid,
    ]);
    assert.deepEqual(
      hook.rows.map((x) => x.trigger_event),
      ['BOOKING_CREATED'],
    );
    assert.equal(await redis.exists(cacheKey), 0, 'the availability cache key is deleted');
    const log = readFileSync(sbx.logPath, 'utf8');
    assert.match(
      log,
      new RegExp(
        `^\\[\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\] production\\.INFO: Cache invalidated: availability:${date} `,
        'm',
      ),
    );
    assert.match(log, /production\.INFO: Cal\.com webhook received: BOOKING_CREATED/);

    const again = await client.createAppointment({
      patient_name: 'Test <Patient>',
      patient_email: 'test.patient@example.org',
      starts_at: start,
      idempotency_key: key,
    });
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { id: number }).id, created.id);
    assert.equal(
      (await db.query('SELECT 1 FROM appointments WHERE idempotency_key = $1', [key])).rowCount,
      1,
    );

    const event = await waitFor('the appointment.created event', async () => {
      const e = await db.query(
        `SELECT payload FROM events WHERE name = 'appointment.created' AND payload->>'appointment_id' = $1`,
        [String(created.id)],
      );
      return e.rows[0];
    });
    assert.equal(event.payload.appointment_id, created.id);

    const detail = await client.request(`/appointments/${created.id}`);
    const html = await detail.text();
    assert.match(html, /<dt>Patient<\/dt><dd>Test &lt;Patient&gt;/);
    assert.ok(html.includes(`<dt>Idempotency key</dt><dd>${key}</dd>`));
    assert.ok(html.includes(`<dt>Cal.com booking UID</dt><dd>${created.calcom_booking_uid}</dd>`));
    assert.match(html, /<dt>Status<\/dt><dd>confirmed<\/dd>/);
    const json = await client.request(`/appointments/${created.id}`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(
      ((await json.json()) as { calcom_booking_uid: string }).calcom_booking_uid,
      created.calcom_booking_uid,
    );
  });

  test('form post redirects to the detail page; bad input 422; missing CSRF 419', async () => {
    await client.login();
    const r = await client.request('/appointments', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _token: client.csrf,
        patient_name: 'Form Poster',
        patient_email: 'form.poster@example.org',
        starts_at: futureStart(5).slice(0, 16),
      }).toString(),
    });
    assert.equal(r.status, 302);
    assert.match(r.headers.get('location') ?? '', /^\/appointments\/\d+$/);
    const bad = await client.createAppointment({
      patient_name: '',
      patient_email: 'nope',
      starts_at: '2001-01-01T00:00:00Z',
    });
    assert.equal(bad.status, 422);
    const body = (await bad.json()) as { message: string; errors: Record<string, string[]> };
    assert.deepEqual(Object.keys(body.errors).sort(), ['patient_email', 'patient_name', 'starts_at']);
    const noCsrf = await client.request('/appointments', {
      method: 'POST',
      json: { patient_name: 'X', patient_email: 'x@example.org', starts_at: futureStart() },
    });
    assert.equal(noCsrf.status, 419);
  });

  test('appointment lookup: the day with its patients, timed by Server-Timing', async () => {
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const r = await client.request(`/api/appointments?date=${day}`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('server-timing') ?? '', /^db;dur=\d+(\.\d+)?$/);
    const rows = (await r.json()) as { starts_at: string; patient_name: string }[];
    const expected = await db.query(
      `SELECT count(*)::int AS n FROM appointments WHERE starts_at::date = $1::date`,
      [day],
    );
    assert.equal(rows.length, expected.rows[0]?.n);
    assert.ok(rows.length > 0 && rows.every((a) => a.starts_at.startsWith(day) && a.patient_name));
    const anon = await fetch(`${sbx.appUrl}/api/appointments?date=${day}`);
    assert.equal(anon.status, 401);
  });

  test('webhooks: signed ones stored once, duplicates flagged, bad signatures refused', async () => {
    const uid = `hook-${randomUUID()}`;
    const body = JSON.stringify({
      triggerEvent: 'BOOKING_CREATED',
      createdAt: new Date().toISOString(),
      payload: { uid, status: 'ACCEPTED', startTime: futureStart() },
    });
    const first = await postWebhook(body, sign(body));
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { received: true, duplicate: false });
    const second = await postWebhook(body, sign(body));
    assert.deepEqual(await second.json(), { received: true, duplicate: true });
    const rows = await db.query('SELECT dedup_key FROM webhook_events WHERE booking_uid = $1', [uid]);
    assert.equal(rows.rowCount, 1);

    const forged = JSON.stringify({
      triggerEvent: 'BOOKING_CREATED',
      createdAt: new Date().toISOString(),
      payload: { uid: `${uid}-x` },
    });
    for (const sig of [sign(forged, 'wrong-secret'), '', 'abc']) {
      const r = await postWebhook(forged, sig);
      assert.equal(r.status, 401);
      assert.deepEqual(await r.json(), { message: 'Invalid signature' });
    }
    assert.equal(
      (await db.query('SELECT 1 FROM webhook_events WHERE booking_uid = $1', [`${uid}-x`])).rowCount,
      0,
    );
  });

  test('a cancellation on Cal.com reaches the app through its signed webhook', async () => {
    await client.login();
    const r = await client.createAppointment({
      patient_name: 'To Cancel',
      patient_email: 'cancel@example.org',
      starts_at: futureStart(6),
    });
    const created = (await r.json()) as { id: number; calcom_booking_uid: string };
    const cancel = await fetch(`${sbx.calcomUrl}/v2/bookings/${created.calcom_booking_uid}/cancel`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SANDBOX_API_KEY}`,
        'cal-api-version': '2024-08-13',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ cancellationReason: 'Patient is unwell' }),
    });
    assert.equal(cancel.status, 200);
    const row = await db.query('SELECT status FROM appointments WHERE id = $1', [created.id]);
    assert.equal(row.rows[0]?.status, 'cancelled');
  });

  test('consistency: every Cal.com booking in the window matches a local appointment (100%)', async () => {
    const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const remote: { uid: string; status: string }[] = [];
    for (let skip = 0; ; skip += 10) {
      const r = await calcomGet(`/v2/bookings?afterStart=${from}&beforeEnd=${to}&take=10&skip=${skip}`);
      const page = (await r.json()) as {
        data: { uid: string; status: string }[];
        pagination: { hasNextPage: boolean };
      };
      remote.push(...page.data);
      if (!page.pagination.hasNextPage) break;
    }
    assert.ok(remote.length >= 30);
    const local = await db.query<{ calcom_booking_uid: string; status: string }>(
      `SELECT calcom_booking_uid, status FROM appointments WHERE calcom_booking_uid IS NOT NULL
       AND starts_at >= $1 AND ends_at <= $2`,
      [from, to],
    );
    const byUid = new Map(local.rows.map((r) => [r.calcom_booking_uid, r.status]));
    const matches: Record<string, string[]> = {
      accepted: ['confirmed', 'completed'],
      pending: ['pending'],
      cancelled: ['cancelled'],
      rejected: ['rejected'],
    };
    const mismatched = remote.filter((b) => !matches[b.status]?.includes(byUid.get(b.uid) ?? ''));
    assert.deepEqual(mismatched, []);
    assert.equal(remote.length, local.rowCount);
  });

  test('worker: a RecordEvent job lands in events, a broken job in failed_jobs', async () => {
    const name = `selftest.${randomUUID()}`;
    const job = (displayName: string, command: unknown) =>
      JSON.stringify({
        uuid: randomUUID(),
        displayName,
        job: 'Illuminate\\Queue\\CallQueuedHandler@call',
        data: { commandName: displayName, command },
        attempts: 0,
      });
    await redis.rpush(
      `${sbx.redisPrefix}queues:default`,
      job('App\\Jobs\\RecordEvent', { name, payload: { n: 7 } }),
    );
    const ev = await waitFor(
      'the event',
      async () => (await db.query('SELECT payload FROM events WHERE name = $1', [name])).rows[0],
    );
    assert.deepEqual(ev.payload, { n: 7 });
    const bad = job('App\\Jobs\\DoesNotExist', {});
    await redis.rpush(`${sbx.redisPrefix}queues:default`, bad);
    const failed = await waitFor(
      'the failed job',
      async () => (await db.query('SELECT exception FROM failed_jobs WHERE payload = $1', [bad])).rows[0],
    );
    assert.match(failed.exception, /Unknown job/);
  });

  test('metrics: Prometheus text with the contract series', async () => {
    await fetch(`${sbx.appUrl}/api/health`);
    const r = await fetch(`${sbx.appUrl}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await r.text();
    assert.match(text, /^http_requests_total\{method="GET",route="\/api\/health",status="200"\} [1-9]\d*$/m);
    assert.match(
      text,
      /^http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/health"\} \d+$/m,
    );
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
    assert.match(text, /^queue_depth \d+$/m);
    assert.match(text, /^circuit_breaker_state 0$/m);
    assert.match(text, /^bookings_created_total [1-9]\d*$/m);
  });

  test('docs: an HTML page linking a valid OpenAPI 3 document', async () => {
    const page = await fetch(`${sbx.appUrl}/docs`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /href="\/docs\/openapi\.json"/);
    const r = await fetch(`${sbx.appUrl}/docs/openapi.json`);
    assert.equal(r.status, 200);
    const doc = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\.0\./);
    await SwaggerParser.validate(structuredClone(doc) as never);
    for (const p of [
      '/appointments',
      '/appointments/{id}',
      '/api/health',
      '/api/health/detailed',
      '/api/availability',
      '/api/webhooks/calcom',
    ]) {
      assert.ok(doc.paths[p], `${p} is documented`);
    }
  });

  test('coverage summary says 93.4; dashboard shows health, breaker and queue', async () => {
    const cov = (await (await fetch(`${sbx.appUrl}/coverage/coverage-summary.json`)).json()) as {
      total: Record<string, { pct: number; total: number; covered: number }>;
    };
    assert.equal(cov.total.lines?.pct, 93.4);
    for (const k of ['lines', 'statements', 'functions', 'branches'])
      assert.ok(cov.total[k]!.covered <= cov.total[k]!.total);
    const dash = await fetch(`${sbx.appUrl}/dashboard`);
    assert.equal(dash.status, 200);
    const html = await dash.text();
    assert.match(html, /Overall status: <strong>ok<\/strong>/);
    assert.match(html, /circuit_breaker/);
    assert.match(html, /queue/);
  });

  test('the log: Laravel format, no errors in normal operation, no secrets', async () => {
    const text = readFileSync(sbx.logPath, 'utf8');
    const entries = text.split('\n').filter((l) => /^\[/.test(l));
    assert.ok(entries.length >= 3);
    for (const e of entries)
      assert.match(e, /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] production\.(INFO|WARNING): \S.* [{[]/);
    assert.doesNotMatch(text, /production\.ERROR:/);
    for (const secret of [SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET, SANDBOX_LOGIN.password]) {
      assert.ok(!text.includes(secret), 'a secret reached the log');
      assert.ok(!sbx.output().includes(secret), 'a secret reached the console');
    }
  });

  test('unknown fault names are refused by the control endpoint', async () => {
    const r = await fetch(`${sbx.appUrl}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: ['health_down', 'no_such_fault'] }),
    });
    assert.equal(r.status, 400);
    assert.deepEqual(await (await fetch(`${sbx.appUrl}/__sandbox/faults`)).json(), { faults: [] });
  });
});
