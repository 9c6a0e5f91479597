// The reference Laravel app (laravel-app/) behaves as stock Laravel does, observed from outside
// over HTTP, in PostgreSQL, in both Redis databases and in its log: CSRF 419, form posts that
// answer 302, the queued Cal.com sync run by a real `queue:work`, the PHP-serialized heartbeat in
// the cache (db 1) and the queue list in db 0. One instance for the whole file. The test never
// puts anything on the app's queue itself: every job it sees is one the app dispatched.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startTestLaravel, type TestLaravel } from './helpers/laravel.ts';

let app: TestLaravel;
let db: pg.Pool;
let queueDb: Redis;
let cacheDb: Redis;
let browser: Browser;

/** A user agent with a cookie jar that does not follow redirects. */
class Browser {
  private cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }

  async page(path: string): Promise<string> {
    const res = await this.request(path);
    assert.equal(res.status, 200, `GET ${path}`);
    return res.text();
  }

  /** Posts a form as the browser does: every hidden input of the page's form, plus `fields`. */
  postForm(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** The hidden inputs of the form that posts to `action` (Blade's markup, attribute order as written). */
function hiddenInputs(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form method="POST" action="[^"]*${action}">([\\s\\S]*?)</form>`).exec(html);
  assert.ok(form, `no form posting to ${action}`);
  const out: Record<string, string> = {};
  for (const m of form[1]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1]!] = m[2]!;
  return out;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${app.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dayAfterTomorrow(hour: number): { date: string; local: string } {
  const d = new Date(Date.now() + 2 * 86_400_000);
  const date = d.toISOString().slice(0, 10);
  return { date, local: `${date}T${String(hour).padStart(2, '0')}:00` };
}

async function bookingCount(): Promise<number> {
  return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings')).rows[0]!.n);
}

function uidOnPage(html: string): string | undefined {
  const m = /<p><strong>Cal\.com UID:<\/strong> ([^<]+)<\/p>/.exec(html);
  return m && m[1] !== 'not synced yet' ? m[1] : undefined;
}

before(async () => {
  // Not UTC: the log and the database keep the app's wall-clock time, as Laravel does.
  app = await startTestLaravel({ timezone: 'Europe/Berlin' });
  db = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
  queueDb = new Redis(`${app.redisUrl}/0`, { maxRetriesPerRequest: 1 });
  cacheDb = new Redis(`${app.redisUrl}/1`, { maxRetriesPerRequest: 1 });
  browser = new Browser(app.appUrl);
});

after(async () => {
  await db?.end();
  queueDb?.disconnect();
  cacheDb?.disconnect();
  await app?.stop();
});

describe('reference Laravel app', () => {
  test('started clean: the seeded week is booked in Cal.com, the log holds INFO lines only', async () => {
    const local = await db.query<{ cal_uid: string | null }>(
      "SELECT cal_uid FROM bookings WHERE notes = 'Imported from the paper diary' ORDER BY cal_uid",
    );
    assert.equal(local.rowCount, 10);
    const calcom = new pg.Client({ connectionString: app.calcomDatabaseUrl });
    await calcom.connect();
    try {
      const remote = await calcom.query<{ uid: string }>(
        "SELECT uid FROM calcom.bookings WHERE status = 'accepted' ORDER BY uid",
      );
      assert.deepEqual(
        local.rows.map((r) => r.cal_uid),
        remote.rows.map((r) => r.uid),
      );
    } finally {
      await calcom.end();
    }
    const levels = new Set(
      [...readFileSync(app.logPath, 'utf8').matchAll(/^\[[\d: -]+\] production\.([A-Z]+): /gm)].map(
        (m) => m[1],
      ),
    );
    assert.deepEqual([...levels], ['INFO']);
    const last = [...readFileSync(app.logPath, 'utf8').matchAll(/^\[([\d: -]+)\] /gm)].pop()![1]!;
    const berlin = new Date().toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' });
    const minutesOff = Math.abs(Date.parse(`${last}Z`) - Date.parse(`${berlin}Z`)) / 60_000;
    assert.ok(minutesOff < 5, `log time ${last} is the app's wall-clock time (${berlin} in Europe/Berlin)`);
  });

  test('sessions and CSRF as stock Laravel: <app>_session cookie, 419 without a token, login by form → 302', async () => {
    const anonymous = await fetch(`${app.appUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: app.loginEmail, password: app.loginPassword }).toString(),
      redirect: 'manual',
    });
    assert.equal(anonymous.status, 419);

    const login = await browser.page('/login');
    assert.deepEqual(browser.cookieNames().sort(), ['XSRF-TOKEN', 'clinic_booking_session']);
    assert.match(login, /<input id="email" type="email" name="email" value="" required/);
    const hidden = hiddenInputs(login, '/login');
    assert.match(hidden._token ?? '', /^[A-Za-z0-9]{40}$/);

    const wrong = await browser.postForm('/login', { ...hidden, email: app.loginEmail, password: 'not-it' });
    assert.equal(wrong.status, 302);
    assert.equal(wrong.headers.get('location'), `${app.appUrl}/login`);
    assert.match(
      await browser.page('/login'),
      /role="alert"[\s\S]*These credentials do not match our records\./,
    );

    const ok = await browser.postForm('/login', {
      ...hidden,
      email: app.loginEmail,
      password: app.loginPassword,
    });
    assert.equal(ok.status, 302);
    assert.equal(ok.headers.get('location'), `${app.appUrl}/bookings/new`);
  });

  test('invalid booking: 302 back with the errors flashed, 422 JSON for Accept: application/json, nothing stored', async () => {
    const form = await browser.page('/bookings/new');
    const hidden = hiddenInputs(form, '/bookings');
    const before = await bookingCount();

    const back = await browser.postForm('/bookings', {
      ...hidden,
      patient_name: '',
      patient_email: 'not-an-email',
    });
    assert.equal(back.status, 302);
    assert.equal(back.headers.get('location'), `${app.appUrl}/bookings/new`);
    const again = await browser.page('/bookings/new');
    assert.match(again, /role="alert"[\s\S]*The patient name field is required\./);
    assert.match(again, /The patient email must be a valid email address\./);
    assert.match(again, /value="not-an-email"/, 'old input is flashed back');

    const json = await browser.postForm(
      '/bookings',
      { ...hidden, patient_name: 'X', patient_email: 'x@example.com', starts_at: '2001-01-01T10:00' },
      { accept: 'application/json' },
    );
    assert.equal(json.status, 422);
    const body = (await json.json()) as { message: string; errors: Record<string, string[]> };
    assert.deepEqual(body.errors.starts_at, ['Please choose a start time in the future.']);
    assert.equal(await bookingCount(), before);
  });

  test('booking by form → 302 to /bookings/{id}; the queued job books it in Cal.com and the UID shows', async () => {
    const slot = dayAfterTomorrow(10);
    const cacheKey = `${app.redisPrefix}${app.cachePrefix}:availability:${slot.date}`;
    const slots = await fetch(`${app.appUrl}/api/availability?date=${slot.date}`).then((r) => r.json());
    assert.ok((slots as { slots: string[] }).slots.includes(`${slot.date}T10:00:00+00:00`));
    assert.match(
      (await cacheDb.get(cacheKey)) ?? '',
      /^a:\d+:\{/,
      'availability is cached, PHP-serialized, in db 1',
    );

    const form = await browser.page('/bookings/new');
    const hidden = hiddenInputs(form, '/bookings');
    assert.deepEqual(Object.keys(hidden).sort(), ['_token', 'idempotency_key', 'timezone']);
    assert.match(
      hidden.idempotency_key!,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const fields = {
      ...hidden,
      patient_name: 'Ada Lovelace',
      patient_email: 'ada@example.com',
      starts_at: slot.local,
    };
    const res = await browser.postForm('/bookings', fields);
    assert.equal(res.status, 302);
    const location = res.headers.get('location') ?? '';
    const id = /\/bookings\/(\d+)$/.exec(location)?.[1];
    assert.ok(id, `redirected to a detail page, got ${location}`);

    const uid = await waitFor('the Cal.com UID on the detail page', async () =>
      uidOnPage(await browser.page(`/bookings/${id}`)),
    );
    const page = await browser.page(`/bookings/${id}`);
    assert.match(page, new RegExp(`<p><strong>Idempotency key:</strong> ${hidden.idempotency_key}</p>`));
    assert.match(page, /<p><strong>Status:<\/strong> Confirmed<\/p>/);

    const row = (
      await db.query('SELECT cal_uid, idempotency_key::text AS key, status FROM bookings WHERE id = $1', [id])
    ).rows[0];
    assert.deepEqual(row, { cal_uid: uid, key: hidden.idempotency_key, status: 'confirmed' });
    const column = await db.query(
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'bookings' AND column_name = 'idempotency_key'",
    );
    assert.equal(column.rows[0]?.data_type, 'uuid');
    const calcom = await fetch(`${app.calcomUrl}/v2/bookings/${uid}`, {
      headers: { authorization: `Bearer ${app.calcomApiKey}`, 'cal-api-version': '2024-08-13' },
    });
    assert.equal(calcom.status, 200);
    const booking = ((await calcom.json()) as { data: { start: string; metadata: Record<string, string> } })
      .data;
    assert.equal(booking.metadata.idempotencyKey, hidden.idempotency_key);
    // Cal.com has the instant in UTC; the row has it as Laravel writes it, in the app's timezone.
    assert.equal(booking.start, `${slot.date}T10:00:00.000Z`);
    const stored = await db.query<{ t: string }>(
      "SELECT to_char(starts_at, 'YYYY-MM-DD HH24:MI:SS') AS t FROM bookings WHERE id = $1",
      [id],
    );
    const wallClock = new Date(booking.start).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' });
    assert.equal(stored.rows[0]?.t, wallClock);

    assert.equal(await cacheDb.exists(cacheKey), 0, 'the booking invalidated the day in the cache');
    assert.match(
      readFileSync(app.logPath, 'utf8'),
      new RegExp(`^\\[[\\d: -]+\\] production\\.INFO: Availability cache invalidated for ${slot.date} `, 'm'),
    );

    const repeat = await browser.postForm('/bookings', fields);
    assert.equal(repeat.headers.get('location'), location, 'the same idempotency key books once');
    // Cal.com's own BOOKING_CREATED webhook was stored and handled by the worker too.
    await waitFor('the webhook handled', async () => {
      const r = await db.query(
        'SELECT 1 FROM webhook_calls WHERE booking_uid = $1 AND processed_at IS NOT NULL',
        [uid],
      );
      return r.rowCount ? true : undefined;
    });
  });

  test('health in spatie/laravel-health JSON, /up, /metrics without a status label, OpenAPI and Clover', async () => {
    const health = (await fetch(`${app.appUrl}/health`).then((r) => r.json())) as {
      finishedAt: number;
      checkResults: Record<string, unknown>[];
    };
    assert.equal(typeof health.finishedAt, 'number');
    assert.deepEqual(
      health.checkResults.map((c) => [c.name, c.status]),
      [
        ['Database', 'ok'],
        ['Redis', 'ok'],
        ['Cache', 'ok'],
        ['Queue', 'ok'],
        ['CalcomApi', 'ok'],
      ],
    );
    for (const c of health.checkResults) {
      assert.deepEqual(Object.keys(c).sort(), [
        'label',
        'meta',
        'name',
        'notificationMessage',
        'shortSummary',
        'status',
      ]);
    }
    assert.equal((await fetch(`${app.appUrl}/up`)).status, 200);

    const metrics = await fetch(`${app.appUrl}/metrics`).then((r) => r.text());
    assert.match(metrics, /^app_http_requests_total\{method="POST",route="\/bookings"\} \d+$/m);
    assert.match(metrics, /^app_errors_total\{kind="exception"\} \d+$/m);
    assert.doesNotMatch(metrics, /status="/);

    const published = (await fetch(`${app.appUrl}/docs/openapi.json`).then((r) => r.json())) as object;
    const doc = (await SwaggerParser.validate(published as never)) as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/bookings',
      '/bookings/{booking}',
      '/api/availability',
      '/webhooks/calcom',
      '/health',
    ]) {
      assert.ok(doc.paths[p], `OpenAPI lists ${p}`);
    }
    const clover = await fetch(`${app.appUrl}/coverage/clover.xml`).then((r) => r.text());
    assert.match(
      clover,
      /<project [^>]*>[\s\S]*<metrics files="\d+"[^>]* statements="100" coveredstatements="92"/,
    );
  });

  test('Cal.com webhook: X-Cal-Signature-256 checked, a repeat is a duplicate', async () => {
    const body = JSON.stringify({
      triggerEvent: 'BOOKING_CANCELLED',
      createdAt: new Date().toISOString(),
      payload: { uid: `unknown-${randomUUID()}`, status: 'CANCELLED' },
    });
    const post = (signature: string) =>
      fetch(`${app.appUrl}/webhooks/calcom`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cal-signature-256': signature },
        body,
      });
    const good = createHmac('sha256', app.webhookSecret).update(body).digest('hex');
    assert.equal((await post('0'.repeat(64))).status, 401);
    assert.deepEqual(await (await post(good)).json(), { status: 'queued' });
    assert.deepEqual(await (await post(good)).json(), { status: 'duplicate' });
  });

  test("heartbeat PHP-serialized in db 1; the queue list, with the app's own serialized jobs, in db 0", async () => {
    const raw = await cacheDb.get(app.heartbeatKey);
    assert.match(raw ?? '', /^s:25:"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d";$/);
    assert.equal(await queueDb.exists(app.heartbeatKey), 0);

    await app.stopWorker();
    try {
      const job = await waitFor('a heartbeat job waiting in db 0', async () =>
        (await queueDb.lrange(app.queueKey, 0, -1)).find((j) => j.includes('RecordQueueHeartbeat')),
      );
      const payload = JSON.parse(job) as { displayName: string; data: { command: string } };
      assert.equal(payload.displayName, 'App\\Jobs\\RecordQueueHeartbeat');
      assert.match(payload.data.command, /^O:\d+:"App\\Jobs\\RecordQueueHeartbeat"/);
      assert.equal(await cacheDb.exists(app.queueKey), 0);
    } finally {
      await app.startWorker();
    }
    await waitFor('the worker to drain the queue', async () =>
      (await queueDb.llen(app.queueKey)) === 0 ? true : undefined,
    );
  });

  test("the app's process stopped and started again: refused meanwhile, sessions kept", async () => {
    await app.stopApp();
    try {
      await assert.rejects(fetch(`${app.appUrl}/up`, { signal: AbortSignal.timeout(3000) }));
    } finally {
      await app.startApp();
    }
    assert.equal((await fetch(`${app.appUrl}/up`)).status, 200);
    assert.match(await browser.page('/bookings/new'), /<h1>New booking<\/h1>/);
  });

  test('Cal.com down: the booking is kept, the job fails with a stack trace in the log, and syncs when Cal.com is back', async () => {
    await app.stopCalcom();
    let id: string | undefined;
    try {
      const form = await browser.page('/bookings/new');
      const res = await browser.postForm('/bookings', {
        ...hiddenInputs(form, '/bookings'),
        patient_name: 'Grace Hopper',
        patient_email: 'grace@example.com',
        starts_at: dayAfterTomorrow(11).local,
      });
      assert.equal(res.status, 302);
      id = /\/bookings\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1];
      assert.equal(uidOnPage(await browser.page(`/bookings/${id}`)), undefined);

      const trace = await waitFor('the failed attempt in the log', async () => {
        const log = readFileSync(app.logPath, 'utf8');
        const m = /^\[[\d: -]+\] production\.ERROR: .*\n\[stacktrace\]\n#0 /m.exec(log);
        return m ? log : undefined;
      });
      assert.ok(
        trace.includes('(Illuminate\\\\Http\\\\Client\\\\ConnectionException(code: 0)'),
        'the exception class in the log',
      );
    } finally {
      await app.startCalcom();
    }
    // The job's first backoff is 5 s.
    await waitFor('the retried sync', async () => uidOnPage(await browser.page(`/bookings/${id}`)), 20_000);
    const failed = await db.query('SELECT count(*)::int AS n FROM failed_jobs');
    assert.equal(failed.rows[0]?.n, 0);
  });
});
