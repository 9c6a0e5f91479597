// The I/O side of the checks against stock Laravel, without a server: PHP-serialized cache values,
// the booking form's hidden inputs and messages, the id from the detail URL, the log read from
// its end in the app's time zone, the deploy time, and `none` for the optional settings.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEnv } from '../config/env.ts';
import { decodeCacheValue, timeOf } from '../fixtures/cache.ts';
import {
  decodeEntities,
  deployTime,
  formWithField,
  idFromPath,
  isTimeZone,
  pageMessages,
} from '../fixtures/app.ts';
import { logFilesFor, parseLaravelLog, readLogTail, wallClock, zonedTime } from '../fixtures/laravel-log.ts';
import { isSyntheticBooking } from '../fixtures/synthetic.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'phasegate-laravel-io-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('cache values as Laravel stores them', () => {
  test('PHP-serialized strings, ints, floats, booleans and null; numbers as they are', () => {
    assert.equal(decodeCacheValue('s:25:"2026-11-27T10:00:00+00:00";'), '2026-11-27T10:00:00+00:00');
    assert.equal(decodeCacheValue('s:4:"Zoë";'), 'Zoë', 'the length is in bytes');
    assert.equal(decodeCacheValue('s:3:"a"b";'), 'a"b');
    assert.equal(decodeCacheValue('i:42;'), 42);
    assert.equal(decodeCacheValue('d:1.5;'), 1.5);
    assert.equal(decodeCacheValue('b:1;'), true);
    assert.equal(decodeCacheValue('N;'), null);
    assert.equal(decodeCacheValue('1764237600'), 1764237600);
    assert.equal(decodeCacheValue('2026-11-27T10:00:00Z'), '2026-11-27T10:00:00Z', 'plain text as is');
    assert.equal(decodeCacheValue(null), null);
  });

  test('a heartbeat in seconds, milliseconds or as a date is one time', () => {
    const t = Date.UTC(2026, 10, 27, 10, 0, 0);
    assert.equal(timeOf(decodeCacheValue(String(t / 1000))), t);
    assert.equal(timeOf(decodeCacheValue(`i:${t / 1000};`)), t);
    assert.equal(timeOf(decodeCacheValue(String(t))), t);
    assert.equal(timeOf(decodeCacheValue('s:25:"2026-11-27T10:00:00+00:00";')), t);
    assert.ok(Number.isNaN(timeOf(decodeCacheValue('a:1:{i:0;i:1;}'))));
  });
});

describe('the booking form as a Blade template renders it', () => {
  const page = `<!doctype html><html><head><meta name="csrf-token" content="meta-tok"></head><body>
<form method="POST" action="/logout"><input type="hidden" name="_token" value="tok"><button>Log out</button></form>
<form method="POST" action="/bookings">
  <input type="hidden" name="_token" value="tok">
  <input type='hidden' name='booking_key' value='8b0e&amp;1'>
  <input type="hidden" name="tz" value="Europe/London">
  <label>Name <input name="full_name" required></label>
  <input type="email" name="email_address" required>
  <textarea name="notes"></textarea>
</form></body></html>`;

  test('the hidden inputs of the form that has the e-mail field, decoded, and its field names', () => {
    const form = formWithField(page, 'email_address');
    assert.ok(form);
    assert.deepEqual(form.hidden, [
      ['_token', 'tok'],
      ['booking_key', '8b0e&1'],
      ['tz', 'Europe/London'],
    ]);
    assert.ok(form.names.has('notes') && form.names.has('full_name'));
    assert.equal(formWithField(page, 'no_such_field'), undefined);
    // The hidden time zone input tells how the form's datetime-local value is read.
    assert.deepEqual(form.hidden.map(([, v]) => v).filter(isTimeZone), ['Europe/London']);
    assert.ok(isTimeZone('UTC') && !isTimeZone('tok') && !isTimeZone('Mars/Olympus'));
  });

  test('validation messages: one alert list, or one message under each field', () => {
    const html = `<div role="alert"><ul><li>The email address must be a valid email address.</li></ul></div>
<input name="x"><div class="invalid-feedback">The start &amp; end must differ.</div>
<p class="text-muted">Not a message</p>`;
    assert.deepEqual(pageMessages(html), [
      'The email address must be a valid email address.',
      'The start & end must differ.',
    ]);
    assert.equal(decodeEntities('&#039;x&#39; &quot;y&quot; &#x41;'), `'x' "y" A`);
  });

  test('the id comes from the detail URL by APPOINTMENT_DETAIL_PATH', () => {
    assert.equal(idFromPath('/appointments/{id}', '/appointments/42'), '42');
    assert.equal(idFromPath('/bookings/{id}/view', '/bookings/7c9e-1/view'), '7c9e-1');
    assert.equal(idFromPath('/clinic/{clinic}/bookings/{id}', '/clinic/3/bookings/9'), '9');
    assert.equal(idFromPath('/appointments/{id}', '/appointments/create'), 'create');
    assert.equal(idFromPath('/appointments/{id}', '/appointments'), undefined);
    assert.equal(idFromPath('/b.ookings/{id}', '/bxookings/1'), undefined, 'a dot is a dot');
  });

  test('a Cal.com booking is synthetic only when every attendee is (the one rule)', () => {
    const m = 'phasegate-synthetic';
    assert.ok(isSyntheticBooking(m, { attendees: [{ email: `${m}+abc-1@example.invalid` } as never] }));
    assert.ok(
      !isSyntheticBooking(m, {
        attendees: [
          { email: `${m}+abc-1@example.invalid` } as never,
          { email: 'real@clinic.example' } as never,
        ],
      }),
    );
    assert.ok(!isSyntheticBooking(m, { attendees: [] }));
  });
});

describe('the log in the app time zone, read from its end', () => {
  test('wall clock times of a time zone, both ways, across the DST change', () => {
    // 2026-07-01 12:00 in London is 11:00 UTC; in January it is 12:00 UTC.
    assert.equal(zonedTime(Date.UTC(2026, 6, 1, 12), 'Europe/London'), Date.UTC(2026, 6, 1, 11));
    assert.equal(zonedTime(Date.UTC(2026, 0, 1, 12), 'Europe/London'), Date.UTC(2026, 0, 1, 12));
    assert.equal(zonedTime(Date.UTC(2026, 0, 1, 12), 'America/New_York'), Date.UTC(2026, 0, 1, 17));
    assert.equal(wallClock(new Date(Date.UTC(2026, 6, 1, 11, 7)), 'Europe/London'), '2026-07-01T12:07');
    assert.equal(wallClock(new Date(Date.UTC(2026, 6, 1, 11, 7)), 'UTC'), '2026-07-01T11:07');
    const [entry] = parseLaravelLog('[2026-07-01 12:00:00] production.ERROR: x', 'Europe/Berlin');
    assert.equal(entry?.time, Date.UTC(2026, 6, 1, 10));
  });

  test("the daily file is named by the app's date", () => {
    // 23:30 UTC on the 1st is the 2nd in Berlin.
    const now = Date.UTC(2026, 6, 1, 23, 30);
    assert.deepEqual(logFilesFor('logs/laravel.log', true, 10, now, 'Europe/Berlin'), [
      'logs/laravel-2026-07-02.log',
    ]);
    assert.deepEqual(logFilesFor('logs/laravel.log', true, 10, now, 'UTC'), ['logs/laravel-2026-07-01.log']);
  });

  test('only the window is returned, older entries and continuation lines of the window kept right', async () => {
    const file = path.join(tmp, 'tail.log');
    const line = (t: number, level: string, msg: string) =>
      `[${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}] production.${level}: ${msg}`;
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    const old: string[] = [];
    // ~6 MB of entries from two hours before: more than twenty chunks.
    for (let i = 0; i < 60_000; i++)
      old.push(line(now - 7_200_000 + i, 'INFO', `old entry ${i} ${'x'.repeat(60)}`));
    const recent = [
      line(
        now - 60_000,
        'ERROR',
        'boom {"exception":"[object] (RuntimeException(code: 0): boom at /app/x.php:4)',
      ),
      '[stacktrace]',
      '#0 /app/y.php(9): f()',
      line(now - 30_000, 'INFO', 'fine'),
    ];
    writeFileSync(file, `${old.join('\n')}\n${recent.join('\n')}\n`);
    const read = await readLogTail(file, now - 600_000);
    assert.equal(read.truncated, false);
    assert.deepEqual(
      read.entries.map((e) => e.level),
      ['ERROR', 'INFO'],
    );
    assert.match(read.entries[0]?.text ?? '', /\[stacktrace\]\n#0 \/app\/y\.php/);
    // A window that holds the whole file is bounded by maxBytes: the reader stops, and says so.
    const capped = await readLogTail(file, 0, 'UTC', 512 * 1024);
    assert.equal(capped.truncated, true);
    assert.ok(capped.entries.length < 10_000, `read ${capped.entries.length} entries: the whole file`);
    assert.equal(capped.entries.at(-1)?.message, 'fine');
    await assert.rejects(readLogTail(path.join(tmp, 'missing.log'), 0), { code: 'ENOENT' });
  });

  test('the deploy time: DEPLOYED_AT, else the latest run of an earlier phase', async () => {
    const storage = path.join(tmp, 'storage');
    mkdirSync(storage, { recursive: true });
    writeFileSync(
      path.join(storage, 'history.jsonl'),
      [
        JSON.stringify({ phase: 1, startedAt: '2026-11-27T09:00:00.000Z' }),
        JSON.stringify({ phase: 2, startedAt: '2026-11-27T10:00:00.000Z' }),
        '{"phase": 3, "startedAt": "2026-11-27T11:',
        JSON.stringify({ phase: 3, startedAt: '2026-11-27T11:30:00.000Z' }),
      ].join('\n'),
    );
    const base = { STORAGE_DIR: storage };
    assert.equal(await deployTime(loadEnv({ ...base }, tmp)), undefined);
    assert.equal(
      await deployTime(loadEnv({ ...base, DEPLOYMENT_PHASE: '3' }, tmp)),
      Date.parse('2026-11-27T10:00:00.000Z'),
    );
    assert.equal(
      await deployTime(loadEnv({ ...base, DEPLOYMENT_PHASE: '3', DEPLOYED_AT: '2026-11-27T10:45:00Z' }, tmp)),
      Date.parse('2026-11-27T10:45:00Z'),
    );
  });
});

describe('settings for an app that lacks a feature', () => {
  test('none for the tables, keys and paths the checks can do without; bad values named', () => {
    const e = loadEnv(
      {
        DB_TABLE_FAILED_JOBS: 'none',
        DB_TABLE_JOBS: 'none',
        DB_TABLE_EVENTS: 'none',
        WORKER_HEARTBEAT_KEY: 'none',
        BOOKING_EVENT_NAME: 'none',
        DB_TABLE_USERS: 'none',
        DB_TABLE_WEBHOOK_EVENTS: 'none',
        DB_COL_IDEMPOTENCY_KEY: 'none',
        AVAILABILITY_CACHE_KEY: 'none',
        CACHE_INVALIDATION_LOG_PATTERN: 'none',
        DASHBOARD_URLS: 'none',
        REDIS_CACHE_URL: 'redis://127.0.0.1:6379/1',
      },
      tmp,
    );
    assert.equal(e.DB_TABLE_FAILED_JOBS, undefined);
    assert.equal(e.DB_TABLE_JOBS, undefined);
    assert.equal(e.DB_TABLE_EVENTS, undefined);
    assert.equal(e.WORKER_HEARTBEAT_KEY, undefined);
    assert.equal(e.BOOKING_EVENT_NAME, undefined);
    assert.equal(e.HORIZON_STATS_PATH, undefined);
    for (const name of [
      'DB_TABLE_USERS',
      'DB_TABLE_WEBHOOK_EVENTS',
      'DB_COL_IDEMPOTENCY_KEY',
      'AVAILABILITY_CACHE_KEY',
      'CACHE_INVALIDATION_LOG_PATTERN',
    ] as const)
      assert.equal(e[name], undefined, name);
    assert.deepEqual(e.DASHBOARD_URLS, []);
    assert.equal(e.BOOKING_MODE, 'form');
    assert.throws(
      () => loadEnv({ BOOKING_MODE: 'soap', APP_TIMEZONE: 'Mars/Olympus', DEPLOYED_AT: 'yesterday' }, tmp),
      (err: Error) =>
        /BOOKING_MODE: expected form or json/.test(err.message) &&
        /APP_TIMEZONE: expected a time zone/.test(err.message) &&
        /DEPLOYED_AT: expected a date/.test(err.message),
    );
  });
});
