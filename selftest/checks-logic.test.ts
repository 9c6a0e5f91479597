// The @api checks' pure logic, without a server: threshold decisions and their messages, Laravel
// log parsing, webhook signing, Cal.com ↔ local matching, endpoint lists,
// schema, metrics error rate, run ids.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { thresholds } from '../phases/catalogue.ts';
import { decide, formatValue, percentile, thresholdMessage } from '../fixtures/decide.ts';
import {
  badEntries,
  logFilesFor,
  parseLaravelLog,
  quoteEntries,
  withinWindow,
} from '../fixtures/laravel-log.ts';
import { signWebhook } from '../fixtures/webhook-signature.ts';
import { matchBookings, parseStatusMap } from '../fixtures/consistency.ts';
import { errorRatePct, missingColumns, parseEndpoint, serverTimingDb } from '../fixtures/api-verdicts.ts';
import { fillPath, findCsrfToken, parseSetCookie } from '../fixtures/app.ts';
import { newRunId, runIdTime } from '../fixtures/settings.ts';
import { isSyntheticEmail, syntheticEmail, syntheticStart } from '../fixtures/synthetic.ts';
import { runIdIn } from '../fixtures/sweep.ts';

describe('decide: the runbook colours', () => {
  const t = thresholds.queryMs; // target 1000, limit 2000, lower is better
  test('at or under the target is green, up to the limit yellow, beyond red', () => {
    assert.equal(decide(400, t), 'green');
    assert.equal(decide(1000, t), 'green');
    assert.equal(decide(1001, t), 'yellow');
    assert.equal(decide(2000, t), 'yellow');
    assert.equal(decide(2001, t), 'red');
    assert.equal(decide(Number.NaN, t), 'red');
  });
  test('higher-is-better thresholds are mirrored', () => {
    const c = thresholds.consistencyPct; // target 99, limit 95
    assert.equal(decide(100, c), 'green');
    assert.equal(decide(99, c), 'green');
    assert.equal(decide(97, c), 'yellow');
    assert.equal(decide(95, c), 'yellow');
    assert.equal(decide(90, c), 'red');
  });
  test('the message carries value, target and limit in the runbook form', () => {
    assert.equal(
      thresholdMessage('Query performance', 1480, t),
      'Query performance: 1480 ms (target < 1000 ms, limit 2000 ms)',
    );
    assert.equal(
      thresholdMessage('Data consistency', 93.25, thresholds.consistencyPct),
      'Data consistency: 93.3% (target ≥ 99%, limit 95%)',
    );
    assert.equal(formatValue(12, 'jobs'), '12 jobs');
  });
  test('percentile uses the nearest rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.equal(percentile(values, 95), 19);
    assert.equal(percentile([5], 95), 5);
    assert.ok(Number.isNaN(percentile([], 95)));
  });
});

describe('Laravel log', () => {
  const log = [
    '[2026-11-26 10:00:00] production.INFO: Cache invalidated: availability:2027-09-22 {"key":"x"}',
    '[2026-11-26 10:05:00] production.ERROR: SQLSTATE[42703]: Undefined column {"exception":"[object] (PDOException)"}',
    '[stacktrace]',
    '#0 /var/www/app/Http/Controllers/AppointmentController.php(42): save()',
    '[2026-11-26 10:06:00] local.WARNING: slow',
    '[2026-11-26 10:07:00] production.CRITICAL: disk full',
    '',
  ].join('\n');
  test('entries, levels and multi-line stack traces', () => {
    const entries = parseLaravelLog(log);
    assert.equal(entries.length, 4);
    assert.equal(entries[1]?.level, 'ERROR');
    assert.equal(entries[1]?.channel, 'production');
    assert.match(entries[1]?.text ?? '', /\[stacktrace\]\n#0 /);
    assert.equal(entries[2]?.channel, 'local');
    assert.equal(entries[0]?.time, Date.UTC(2026, 10, 26, 10, 0, 0));
  });
  test('a window keeps recent entries; bad levels are ERROR and worse', () => {
    const entries = parseLaravelLog(log);
    const recent = withinWindow(entries, 3, Date.UTC(2026, 10, 26, 10, 8, 0));
    assert.deepEqual(
      recent.map((e) => e.level),
      ['ERROR', 'WARNING', 'CRITICAL'],
    );
    assert.deepEqual(
      badEntries(recent).map((e) => e.level),
      ['ERROR', 'CRITICAL'],
    );
    assert.equal(quoteEntries(badEntries(recent), 1).split('\n').length, 1);
  });
  test('text before the first entry is ignored', () => {
    assert.equal(parseLaravelLog('garbage\nmore garbage\n').length, 0);
  });
  test('daily files cover every day the window touches', () => {
    const now = Date.UTC(2026, 10, 26, 0, 5, 0);
    assert.deepEqual(logFilesFor('storage/logs/laravel.log', true, 10, now), [
      'storage/logs/laravel-2026-11-25.log',
      'storage/logs/laravel-2026-11-26.log',
    ]);
    assert.deepEqual(logFilesFor('storage/logs/laravel.log', true, 1, now), [
      'storage/logs/laravel-2026-11-26.log',
    ]);
    assert.deepEqual(logFilesFor('storage/logs/laravel.log', false, 10, now), ['storage/logs/laravel.log']);
  });
});

describe('webhook signature', () => {
  test('hex HMAC-SHA256 of the exact raw body', () => {
    const body = '{"triggerEvent":"BOOKING_CREATED"}';
    assert.equal(signWebhook(body, 's3cret'), createHmac('sha256', 's3cret').update(body).digest('hex'));
    assert.match(signWebhook(body, 's3cret'), /^[0-9a-f]{64}$/);
    assert.notEqual(signWebhook(`${body} `, 's3cret'), signWebhook(body, 's3cret'));
    assert.notEqual(signWebhook(body, 'other'), signWebhook(body, 's3cret'));
  });
});

describe('Cal.com ↔ local matching', () => {
  const map = parseStatusMap(['accepted:confirmed|completed', 'pending:pending', 'cancelled:cancelled']);
  const start = '2026-11-27T09:00:00.000Z';
  test('STATUS_MAP parsing, and bad entries named', () => {
    assert.deepEqual([...(map.get('accepted') ?? [])], ['confirmed', 'completed']);
    assert.throws(() => parseStatusMap(['accepted']), /STATUS_MAP: "accepted"/);
    assert.throws(() => parseStatusMap(['accepted:']), /names no local status/);
  });
  test('matches by uid, start and mapped status; names what differs', () => {
    const r = matchBookings(
      [
        { uid: 'a', start, status: 'accepted' },
        { uid: 'b', start, status: 'cancelled' },
        { uid: 'c', start, status: 'accepted' },
        { uid: 'd', start, status: 'ACCEPTED' },
      ],
      [
        { uid: 'a', startsAt: new Date(start), status: 'completed' },
        { uid: 'b', startsAt: new Date(start), status: 'confirmed' },
        { uid: 'd', startsAt: new Date('2026-11-27T09:30:00Z'), status: 'confirmed' },
        { uid: 'e', startsAt: new Date(start), status: 'confirmed' },
      ],
      map,
    );
    assert.equal(r.total, 5);
    assert.equal(r.matched, 1);
    assert.equal(r.pct, 20);
    const reasons = Object.fromEntries(r.mismatches.map((m) => [m.uid, m.reason]));
    assert.match(reasons.b ?? '', /status differs \(Cal.com cancelled, local confirmed\)/);
    assert.match(reasons.c ?? '', /no local appointment/);
    assert.match(reasons.d ?? '', /start differs/);
    assert.match(reasons.e ?? '', /not in Cal.com/);
  });
  test('a start off by a time-zone offset suggests APP_TIMEZONE; other differences do not', () => {
    const reason = (local: string) =>
      matchBookings(
        [{ uid: 'x', start, status: 'accepted' }],
        [{ uid: 'x', startsAt: new Date(local), status: 'confirmed' }],
        map,
      ).mismatches[0]?.reason ?? '';
    // A Laravel app in Europe/Berlin storing wall-clock times, read as UTC: an hour off in winter.
    assert.match(
      reason('2026-11-27T10:00:00Z'),
      /start differs .*; exactly 1 h apart: is APP_TIMEZONE the application's own time zone\?$/,
    );
    assert.match(reason('2026-11-27T03:30:00Z'), /exactly 5 h 30 min apart/);
    for (const local of ['2026-11-27T09:30:00Z', '2026-11-27T12:07:00Z', '2026-11-28T09:00:00Z'])
      assert.doesNotMatch(reason(local), /APP_TIMEZONE/, local);
  });
  test('nothing to compare is consistent', () => {
    assert.equal(matchBookings([], [], map).pct, 100);
  });
});

describe('API check verdicts', () => {
  test('endpoint list entries', () => {
    assert.deepEqual(parseEndpoint('GET /api/health 200'), {
      method: 'GET',
      path: '/api/health',
      statuses: [200],
    });
    assert.deepEqual(parseEndpoint(' HEAD /login 200|302 ').statuses, [200, 302]);
    assert.throws(() => parseEndpoint('/api/health 200'), /API_ENDPOINTS: "\/api\/health 200"/);
    assert.throws(() => parseEndpoint('GET /x two hundred'), /METHOD \/path STATUS/);
  });
  test('missing tables and columns are named', () => {
    const actual = [
      { table: 'appointments', column: 'id' },
      { table: 'appointments', column: 'status' },
      { table: 'users', column: 'id' },
    ];
    assert.deepEqual(
      missingColumns({ appointments: ['status', 'idempotency_key'], users: [], jobs: [] }, actual),
      ['appointments.idempotency_key', 'table jobs'],
    );
    assert.deepEqual(missingColumns({ appointments: ['STATUS'] }, actual), []);
  });
  test('error rate: 5xx share of http_requests_total, health probes excluded', () => {
    const families = [
      {
        name: 'http_requests_total',
        type: 'COUNTER',
        metrics: [
          { labels: { route: '/appointments', status: '200' }, value: '90' },
          { labels: { route: '/appointments', status: '500' }, value: '5' },
          { labels: { route: '/login', status: '422' }, value: '5' },
          { labels: { route: '/api/health', status: '503' }, value: '50' },
        ],
      },
    ];
    assert.deepEqual(errorRatePct(families, ['/api/health']), { pct: 5, errors: 5, total: 100 });
    assert.equal(errorRatePct(families)?.errors, 55);
    assert.equal(errorRatePct([]), undefined);
    assert.equal(errorRatePct([{ name: 'http_requests_total', type: 'COUNTER', metrics: [] }]), undefined);
  });
  test('Server-Timing db duration', () => {
    assert.equal(serverTimingDb('db;dur=12.5'), 12.5);
    assert.equal(serverTimingDb('cache;dur=1, db;desc="query";dur=1480'), 1480);
    assert.equal(serverTimingDb('app;dur=3'), undefined);
    assert.equal(serverTimingDb(undefined), undefined);
  });
});

describe('HTTP helpers', () => {
  test('path templates fill and encode their placeholders', () => {
    assert.equal(fillPath('/appointments/{id}', { id: 42 }), '/appointments/42');
    assert.equal(
      fillPath('/api/appointments?date={date}', { date: '2026-11-26' }),
      '/api/appointments?date=2026-11-26',
    );
    assert.equal(fillPath('/x/{id}', { id: 'a b/c' }), '/x/a%20b%2Fc');
    assert.throws(() => fillPath('/x/{id}', {}), /no value for \{id\}/);
  });
  test('Laravel CSRF token from the hidden field or the meta tag', () => {
    assert.equal(findCsrfToken('<input type="hidden" value="abc" name="_token">', '_token'), 'abc');
    assert.equal(findCsrfToken('<meta name="csrf-token" content="xyz">', '_token'), 'xyz');
    assert.equal(findCsrfToken('<input name="email" value="a@b">', '_token'), undefined);
  });
  test('Set-Cookie pairs', () => {
    assert.deepEqual(parseSetCookie(['laravel_session=abc%3D; path=/; httponly', 'XSRF-TOKEN=t; path=/']), [
      { name: 'laravel_session', value: 'abc%3D' },
      { name: 'XSRF-TOKEN', value: 't' },
    ]);
    assert.deepEqual(parseSetCookie(undefined), []);
  });
});

describe('synthetic records', () => {
  test('run ids tell their age; foreign ones do not', () => {
    const now = Date.UTC(2026, 10, 26, 8, 0, 0);
    const id = newRunId(now);
    assert.match(id, /^[a-z0-9]{4,32}$/);
    assert.equal(runIdTime(id), now);
    assert.equal(runIdTime('release42'), undefined);
    assert.equal(
      runIdIn('t1_database_phasegate-synthetic:abc123:cache-check:7', 'phasegate-synthetic'),
      'abc123',
    );
    assert.equal(runIdIn('laravel_cache_:availability:2026-11-26', 'phasegate-synthetic'), undefined);
  });
  test('e-mails are recognisably synthetic and never match a real address', () => {
    const e = syntheticEmail('phasegate-synthetic', 'abc', 7);
    assert.equal(e, 'phasegate-synthetic+abc-7@example.invalid');
    assert.ok(isSyntheticEmail('phasegate-synthetic', e));
    assert.ok(!isSyntheticEmail('phasegate-synthetic', 'patient1@clinic.example'));
    assert.ok(!isSyntheticEmail('phasegate-synthetic', 'phasegate-synthetic@clinic.example'));
  });
  test('starts are ~300 days ahead at an odd minute', () => {
    const now = Date.UTC(2026, 10, 26, 8, 0, 0);
    for (let n = 0; n < 50; n++) {
      const s = syntheticStart('abc', n, now);
      const days = (s.getTime() - now) / 86_400_000;
      assert.ok(days >= 299 && days <= 361, `day ${days}`);
      assert.equal(s.getUTCMinutes() % 2, 1);
    }
  });
});
