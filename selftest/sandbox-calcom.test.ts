// The Cal.com stand-in speaks API v2 as CALCOM.md describes: envelopes, auth, version header,
// filters and pagination, responses valid against Cal.com's own published OpenAPI, and webhooks
// signed the way Cal.com signs them (the HMAC is recomputed here, independently).
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import pg from 'pg';
import { CalcomClient, CalcomError } from '../sandbox/calcom-client.ts';
import { addDrift, CalcomStandin, removeDrift } from '../sandbox/calcom-standin.ts';
import { createPool, ensureDatabase, migrate, withMigrationLock } from '../sandbox/db.ts';
import { FaultSet } from '../sandbox/faults.ts';
import { seed } from '../sandbox/seed.ts';
import { testServices } from './helpers/services.ts';

const KEY = 'cal_test_0123456789abcdef';
const SECRET = `whsec-${randomBytes(6).toString('hex')}`;
const DB_NAME = `phasegate_t_${randomBytes(5).toString('hex')}`;
const DB_URL = testServices().databaseUrl(DB_NAME);
// Cal.com's own OpenAPI, from `shared/` beside the project (where CI puts it), else /work/shared.
const REFERENCE =
  [path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared'), '/work/shared']
    .map((dir) => path.join(dir, 'reference', 'calcom-v2-bookings.openapi.json'))
    .find((file) => existsSync(file)) ??
  '(shared/reference/calcom-v2-bookings.openapi.json beside the project)';

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let pool: pg.Pool;
let standin: CalcomStandin;
let faults: FaultSet;
let base: string;
let receiver: Server;
const deliveries: Delivery[] = [];
const validators = new Map<string, ValidateFunction>();

/** Cal.com's schema with reference/README.md's known flaws worked around: loose hosts, oneOf as anyOf. */
function loosen(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(loosen);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k === 'oneOf' ? 'anyOf' : k] = loosen(v);
  return out;
}

function validator(name: string): ValidateFunction {
  const v = validators.get(name);
  if (!v) throw new Error(`no validator ${name}`);
  return v;
}

function assertValid(name: string, body: unknown): void {
  const v = validator(name);
  assert.ok(v(body), `${name}: ${JSON.stringify(v.errors, null, 1)}`);
}

function call(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${KEY}`,
      'cal-api-version': '2024-08-13',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
}

before(async () => {
  const doc = JSON.parse(readFileSync(REFERENCE, 'utf8')) as {
    components: { schemas: Record<string, unknown> };
  };
  const schemas = loosen(doc.components.schemas) as Record<string, unknown>;
  schemas.Host = { type: 'object' };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'calcom', components: { schemas } });
  for (const name of [
    'GetBookingsOutput_2024_08_13',
    'GetBookingOutput_2024_08_13',
    'CreateBookingOutput_2024_08_13',
    'CancelBookingOutput_2024_08_13',
    'BookingOutput_2024_08_13',
  ]) {
    validators.set(name, ajv.compile({ $ref: `calcom#/components/schemas/${name}` }));
  }

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  await ensureDatabase(DB_URL);
  pool = createPool(DB_URL);
  await withMigrationLock(pool, async (c) => {
    await migrate(c);
    await seed(c, { loginEmail: 'frontdesk@clinic.example', loginPassword: 'irrelevant-here' });
  });
  faults = new FaultSet();
  standin = new CalcomStandin({
    pool,
    faults,
    apiKey: KEY,
    webhookSecret: SECRET,
    webhookUrl: () => hookUrl,
  });
  await standin.listen(0);
  base = `http://127.0.0.1:${(standin.server.address() as AddressInfo).port}`;
});

after(async () => {
  await standin?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await pool?.end();
  const admin = new pg.Client({ connectionString: testServices().postgresAdminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
  await admin.end();
});

function assertErrorEnvelope(body: unknown, path: string, code: string): void {
  const b = body as {
    status: string;
    timestamp: string;
    path: string;
    error: { code: string; message: string };
  };
  assert.equal(b.status, 'error');
  assert.ok(!Number.isNaN(Date.parse(b.timestamp)));
  assert.equal(b.path, path);
  assert.equal(b.error.code, code);
  assert.ok(b.error.message.length > 0);
}

describe('Cal.com stand-in', () => {
  test('401 error envelope without (or with a wrong) API key', async () => {
    const none = await fetch(`${base}/v2/bookings`, { headers: { 'cal-api-version': '2024-08-13' } });
    assert.equal(none.status, 401);
    assertErrorEnvelope(await none.json(), '/v2/bookings', 'UnauthorizedException');
    const wrong = await call('/v2/bookings', { headers: { authorization: 'Bearer cal_wrong' } });
    assert.equal(wrong.status, 401);
  });

  test('400 without cal-api-version; 404 for an unknown uid', async () => {
    const r = await fetch(`${base}/v2/bookings`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(r.status, 400);
    assertErrorEnvelope(await r.json(), '/v2/bookings', 'BadRequestException');
    const missing = await call('/v2/bookings/nope');
    assert.equal(missing.status, 404);
    assertErrorEnvelope(await missing.json(), '/v2/bookings/nope', 'NotFoundException');
  });

  test('list: success envelope, pagination, valid against GetBookingsOutput', async () => {
    const total = Number((await pool.query('SELECT count(*) FROM calcom.bookings')).rows[0].count);
    const r = await call('/v2/bookings?take=5&skip=5');
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      status: string;
      data: { uid: string }[];
      pagination: Record<string, unknown>;
    };
    assertValid('GetBookingsOutput_2024_08_13', body);
    // The validator has teeth: a booking without a required field is refused.
    const broken = structuredClone(body) as unknown as { data: Record<string, unknown>[] };
    delete broken.data[0]!.absentHost;
    assert.equal(validator('GetBookingsOutput_2024_08_13')(broken), false);
    assert.equal(body.status, 'success');
    assert.equal(body.data.length, 5);
    assert.deepEqual(body.pagination, {
      totalItems: total,
      remainingItems: total - 10,
      returnedItems: 5,
      itemsPerPage: 5,
      currentPage: 2,
      totalPages: Math.ceil(total / 5),
      hasNextPage: true,
      hasPreviousPage: true,
    });
    const bad = await call('/v2/bookings?take=101');
    assert.equal(bad.status, 400);
  });

  test('list filters: status, attendeeEmail, afterStart/beforeEnd, sortStart', async () => {
    const cancelled = (await (await call('/v2/bookings?status=cancelled')).json()) as {
      data: { status: string }[];
    };
    assert.ok(cancelled.data.length > 0);
    assert.ok(cancelled.data.every((b) => b.status === 'cancelled' || b.status === 'rejected'));
    const upcoming = (await (await call('/v2/bookings?status=upcoming')).json()) as {
      data: { end: string; status: string }[];
    };
    assert.ok(
      upcoming.data.every(
        (b) => Date.parse(b.end) >= Date.now() && ['accepted', 'pending'].includes(b.status),
      ),
    );
    const mine = (await (await call('/v2/bookings?attendeeEmail=PATIENT1@clinic.example')).json()) as {
      data: { attendees: { email: string }[] }[];
    };
    assert.ok(mine.data.length > 0);
    assert.ok(mine.data.every((b) => b.attendees[0]?.email === 'patient1@clinic.example'));
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const win = (await (
      await call(`/v2/bookings?afterStart=${from}&beforeEnd=${to}&sortStart=desc`)
    ).json()) as {
      data: { start: string; end: string }[];
    };
    assert.ok(win.data.every((b) => b.start >= from && b.end <= to));
    const starts = win.data.map((b) => b.start);
    assert.deepEqual(starts, [...starts].sort().reverse());
    assert.equal((await call('/v2/bookings?afterStart=yesterday')).status, 400);
    assert.equal((await call('/v2/bookings?status=bogus')).status, 400);
  });

  test('create: 201, valid CreateBookingOutput, and a BOOKING_CREATED webhook signed with the secret', async () => {
    deliveries.length = 0;
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCHours(11, 0, 0, 0);
    const r = await call('/v2/bookings', {
      method: 'POST',
      body: {
        start: start.toISOString(),
        eventTypeId: 1,
        attendee: {
          name: 'Webhook Watcher',
          email: 'watcher@example.org',
          timeZone: 'Europe/Berlin',
          language: 'de',
        },
        metadata: { idempotencyKey: 'k-123' },
      },
    });
    assert.equal(r.status, 201);
    const body = (await r.json()) as {
      data: { uid: string; status: string; start: string; end: string; duration: number };
    };
    assertValid('CreateBookingOutput_2024_08_13', body);
    assert.equal(body.data.status, 'accepted');
    assert.equal(body.data.start, start.toISOString());
    assert.equal(body.data.duration, 30);
    // The stand-in waits for the delivery before it answers.
    assert.equal(deliveries.length, 1);
    const d = deliveries[0]!;
    assert.equal(d.headers['content-type'], 'application/json');
    const expected = createHmac('sha256', SECRET).update(d.body).digest('hex');
    assert.equal(d.headers['x-cal-signature-256'], expected);
    assert.equal(d.headers['x-cal-webhook-version'], '2021-10-20');
    const hook = JSON.parse(d.body) as {
      triggerEvent: string;
      createdAt: string;
      payload: {
        uid: string;
        status: string;
        startTime: string;
        endTime: string;
        type: string;
        metadata: Record<string, string>;
      };
    };
    assert.equal(hook.triggerEvent, 'BOOKING_CREATED');
    assert.ok(!Number.isNaN(Date.parse(hook.createdAt)));
    assert.equal(hook.payload.uid, body.data.uid);
    assert.equal(hook.payload.status, 'ACCEPTED');
    assert.equal(hook.payload.startTime, body.data.start);
    assert.equal(hook.payload.endTime, body.data.end);
    assert.equal(hook.payload.type, 'consultation');
    assert.equal(hook.payload.metadata.idempotencyKey, 'k-123');

    const one = await call(`/v2/bookings/${body.data.uid}`);
    assertValid('GetBookingOutput_2024_08_13', await one.json());
  });

  test('create refuses bad input with the error envelope', async () => {
    const cases: unknown[] = [
      { start: 'tomorrow', eventTypeId: 1, attendee: { name: 'A', email: 'a@example.org', timeZone: 'UTC' } },
      {
        start: new Date().toISOString(),
        eventTypeId: 1,
        attendee: { name: 'A', email: 'not-an-email', timeZone: 'UTC' },
      },
      { start: new Date().toISOString(), eventTypeId: 1 },
      {
        start: new Date().toISOString(),
        eventTypeId: 1,
        attendee: { name: 'A', email: 'a@example.org', timeZone: 'UTC' },
        metadata: { [`k${'x'.repeat(40)}`]: 'v' },
      },
      {
        start: new Date().toISOString(),
        eventTypeId: 1,
        attendee: { name: 'A', email: 'a@example.org', timeZone: 'UTC' },
        lengthInMinutes: -30,
      },
    ];
    for (const body of cases) {
      const r = await call('/v2/bookings', { method: 'POST', body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assertErrorEnvelope(await r.json(), '/v2/bookings', 'BadRequestException');
    }
    const unknownType = await call('/v2/bookings', {
      method: 'POST',
      body: {
        start: new Date().toISOString(),
        eventTypeId: 99,
        attendee: { name: 'A', email: 'a@example.org', timeZone: 'UTC' },
      },
    });
    assert.equal(unknownType.status, 404);
  });

  test('cancel: 200, valid CancelBookingOutput, and a signed BOOKING_CANCELLED webhook', async () => {
    const created = (await (
      await call('/v2/bookings', {
        method: 'POST',
        body: {
          start: new Date(Date.now() + 5 * 86_400_000).toISOString(),
          eventTypeId: 1,
          attendee: { name: 'To Cancel', email: 'tc@example.org', timeZone: 'UTC' },
        },
      })
    ).json()) as { data: { uid: string } };
    deliveries.length = 0;
    const r = await call(`/v2/bookings/${created.data.uid}/cancel`, {
      method: 'POST',
      body: { cancellationReason: 'Ill' },
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { data: { status: string; cancellationReason: string } };
    assertValid('CancelBookingOutput_2024_08_13', body);
    assert.equal(body.data.status, 'cancelled');
    assert.equal(body.data.cancellationReason, 'Ill');
    const d = deliveries[0]!;
    assert.equal(d.headers['x-cal-signature-256'], createHmac('sha256', SECRET).update(d.body).digest('hex'));
    const hook = JSON.parse(d.body) as {
      triggerEvent: string;
      payload: { status: string; cancellationReason: string };
    };
    assert.equal(hook.triggerEvent, 'BOOKING_CANCELLED');
    assert.equal(hook.payload.status, 'CANCELLED');
    assert.equal(hook.payload.cancellationReason, 'Ill');
    const again = await call(`/v2/bookings/${created.data.uid}/cancel`, { method: 'POST', body: {} });
    assert.equal(again.status, 400);
  });

  test("the app's client works against the stand-in and reports failures with their status", async () => {
    const client = new CalcomClient(base, KEY);
    try {
      const list = await client.listBookings({ take: 3 });
      assert.equal(list.length, 3);
      const one = await client.getBooking(list[0]!.uid);
      assert.equal(one.uid, list[0]!.uid);
      await assert.rejects(
        client.getBooking('missing'),
        (e: unknown) => e instanceof CalcomError && e.status === 404,
      );
      const wrong = new CalcomClient(base, 'cal_wrong');
      await assert.rejects(
        wrong.listBookings(),
        (e: unknown) => e instanceof CalcomError && e.status === 401,
      );
      await wrong.close();
    } finally {
      await client.close();
    }
  });

  test('calcom_down: 503 error envelope to everything, even without a key', async () => {
    await faults.replace(['calcom_down']);
    try {
      for (const [path, headers] of [
        ['/v2/bookings', {}],
        ['/v2/bookings', { authorization: '' }],
      ] as const) {
        const r = await call(path, { headers });
        assert.equal(r.status, 503);
        assertErrorEnvelope(await r.json(), path, 'ServiceUnavailableException');
      }
    } finally {
      await faults.replace([]);
    }
    assert.equal((await call('/v2/bookings?take=1')).status, 200);
  });

  test('calcom_drift: ~10% extra bookings in the window, removed again, seeded rows untouched', async () => {
    const checksum = async () =>
      createHash('sha256')
        .update(
          JSON.stringify(
            (await pool.query(`SELECT * FROM calcom.bookings WHERE metadata->>'seed' = 'true' ORDER BY id`))
              .rows,
          ),
        )
        .digest('hex');
    const inWindow = async () =>
      Number(
        (
          await pool.query(
            `SELECT count(*) FROM calcom.bookings WHERE start_time BETWEEN now() - interval '7 days' AND now() + interval '7 days'`,
          )
        ).rows[0].count,
      );
    const before = await checksum();
    const n0 = await inWindow();
    const added = await addDrift(pool);
    const n1 = await inWindow();
    assert.equal(n1 - n0, added);
    const share = added / n1;
    assert.ok(share >= 0.08 && share <= 0.15, `drift share ${share}`);
    await removeDrift(pool);
    assert.equal(await inWindow(), n0);
    assert.equal(await checksum(), before);
  });
});
