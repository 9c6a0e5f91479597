// Health endpoints in the formats applications have (fixtures/health-formats.ts), without a
// server: the sandbox's JSON, Laravel 11's /up, spatie/laravel-health's checkResults and a custom
// JSON read through the mapping settings; and those settings as config/env.ts parses them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadEnv } from '../config/env.ts';
import {
  atPath,
  breakerVerdict,
  dependencyOutages,
  healthMapping,
  parseBreakerStates,
  parseJsonPath,
  readHealth,
  type HealthMappingSettings,
} from '../fixtures/health-formats.ts';

const now = Date.UTC(2026, 10, 26, 12, 0, 0);

/** spatie/laravel-health's HealthCheckJsonResultsController answer. */
function spatie(statuses: Record<string, string>, finishedAt: unknown = now / 1000 - 45) {
  return {
    finishedAt,
    checkResults: Object.entries(statuses).map(([name, status]) => ({
      name,
      label: name.replace(/([a-z])([A-Z])/g, '$1 $2'),
      status,
      notificationMessage: status === 'ok' ? '' : `${name} is not healthy`,
      shortSummary: status === 'ok' ? 'Ok' : 'Unreachable',
      meta: {},
    })),
  };
}

/** The sandbox's detailed health. */
function sandboxHealth(calcom: string, state: string, withBreaker = true) {
  return {
    status: 'ok',
    checks: {
      database: { status: 'ok' },
      calcom: { status: calcom, latency_ms: 3 },
      ...(withBreaker ? { circuit_breaker: { state, failures: 3 } } : {}),
      worker: { status: 'down' },
    },
  };
}

const mapping = (s: Partial<HealthMappingSettings> & Pick<HealthMappingSettings, 'HEALTH_DETAILED_FORMAT'>) =>
  healthMapping(s);

describe('readHealth: HEALTH_PATH in each format', () => {
  test('sandbox: status, timestamp, age', () => {
    assert.deepEqual(readHealth('sandbox', 200, { status: 'ok', timestamp: '2026-11-26T11:59:30Z' }, now), {
      ageSeconds: 30,
    });
    assert.match(
      readHealth('sandbox', 503, { status: 'error' }, now).problem ?? '',
      /HTTP 503 \(status "error"\)/,
    );
    assert.match(
      readHealth('sandbox', 200, { status: 'degraded', timestamp: 'x' }, now).problem ?? '',
      /"degraded"/,
    );
    assert.match(readHealth('sandbox', 200, { status: 'ok' }, now).problem ?? '', /no valid timestamp/);
    assert.equal(
      readHealth('sandbox', 200, { status: 'ok', timestamp: '2026-11-26T11:50:00Z' }, now).ageSeconds,
      600,
    );
  });

  test("up: Laravel 11's HTML page, 200 up and 500 down, no timestamp", () => {
    assert.deepEqual(readHealth('up', 200, null, now), {});
    assert.match(readHealth('up', 500, null, now).problem ?? '', /^answered HTTP 500$/);
    // The sandbox's reading of the same page would be red: the format decides.
    assert.match(readHealth('sandbox', 200, null, now).problem ?? '', /status null/);
  });

  test('spatie: 200 even when checks fail, so the results decide; finishedAt gives the age', () => {
    assert.deepEqual(readHealth('spatie', 200, spatie({ Database: 'ok', DiskSpace: 'warning' }), now), {
      ageSeconds: 45,
    });
    const failed = readHealth(
      'spatie',
      200,
      spatie({ Database: 'failed', Redis: 'crashed', Queue: 'skipped' }),
      now,
    );
    assert.equal(failed.problem, 'reports Database failed ("Unreachable"), Redis crashed ("Unreachable")');
    assert.equal(
      readHealth('spatie', 200, spatie({ Database: 'ok' }, '2026-11-26T11:58:00+00:00'), now).ageSeconds,
      120,
    );
    assert.equal(readHealth('spatie', 200, spatie({ Database: 'ok' }, now - 5000), now).ageSeconds, 5);
    assert.match(
      readHealth('spatie', 200, spatie({ Database: 'ok' }, null), now).problem ?? '',
      /no valid finishedAt/,
    );
    assert.match(readHealth('spatie', 200, { status: 'ok' }, now).problem ?? '', /no "checkResults" list/);
    assert.match(readHealth('spatie', 503, {}, now).problem ?? '', /HTTP 503/);
  });
});

describe('JSON paths', () => {
  test('keys, list elements by key, and indexes', () => {
    const doc = {
      a: {
        b: [
          { name: 'x.y', v: 1 },
          { name: 'z', v: 2 },
        ],
      },
      list: ['p', 'q'],
    };
    assert.deepEqual(atPath(doc, 'a.b[name=z].v'), { found: true, value: 2 });
    assert.deepEqual(atPath(doc, 'a.b[name=x.y].v'), { found: true, value: 1 });
    assert.deepEqual(atPath(doc, 'list.1'), { found: true, value: 'q' });
    assert.deepEqual(atPath(doc, 'a.c.d'), { found: false, missing: 'c' });
    assert.deepEqual(atPath(doc, 'a.b[name=w].v'), { found: false, missing: 'name=w' });
  });
  test('a malformed path in a setting names the setting', () => {
    assert.throws(
      () => healthMapping({ HEALTH_DETAILED_FORMAT: 'custom', HEALTH_BREAKER_PATH: 'services..circuit' }),
      /^Error: HEALTH_BREAKER_PATH: "services\.\.circuit" is not a JSON path \(an empty key\)/,
    );
    assert.throws(
      () =>
        healthMapping({
          HEALTH_DETAILED_FORMAT: 'spatie',
          HEALTH_DEPENDENCY_PATH: ['checkResults[name={name}.status'],
        }),
      /^Error: HEALTH_DEPENDENCY_PATH: .* \(a \[ is not closed\)/,
    );
  });
  test('a malformed path is named', () => {
    assert.throws(() => parseJsonPath('a..b'), /"a\.\.b" is not a JSON path \(an empty key\)/);
    assert.throws(() => parseJsonPath('a[name=x'), /not closed/);
    assert.throws(() => parseJsonPath('a[x]'), /\[x\] is not \[key=value\]/);
    assert.throws(() => parseJsonPath('a.'), /ends with \./);
  });
});

describe('breakerVerdict', () => {
  const sandbox = mapping({ HEALTH_DETAILED_FORMAT: 'sandbox' });
  test('sandbox: colours, failures, missing is red and named', () => {
    assert.equal(
      breakerVerdict(sandboxHealth('ok', 'closed'), sandbox).message,
      'Circuit breaker closed, 3 recent failures',
    );
    assert.equal(breakerVerdict(sandboxHealth('ok', 'half_open'), sandbox).verdict, 'yellow');
    assert.match(breakerVerdict(sandboxHealth('down', 'open'), sandbox).message, /^Circuit breaker OPEN/);
    const weird = breakerVerdict(sandboxHealth('ok', 'weird'), sandbox);
    assert.equal(weird.verdict, 'red');
    assert.match(
      weird.message,
      /unknown state "weird" \(HEALTH_BREAKER_STATES knows closed, half_open, open\)/,
    );
    const missing = breakerVerdict(sandboxHealth('ok', 'closed', false), sandbox);
    assert.equal(missing.verdict, 'red');
    assert.match(
      missing.message,
      /detailed health has no "circuit_breaker" entry \(HEALTH_BREAKER_PATH checks\.circuit_breaker\.state\)/,
    );
  });

  test('spatie has no breaker unless HEALTH_BREAKER_PATH names the check that reports it', () => {
    assert.equal(mapping({ HEALTH_DETAILED_FORMAT: 'spatie' }).breakerPath, undefined);
    const m = mapping({
      HEALTH_DETAILED_FORMAT: 'spatie',
      HEALTH_BREAKER_PATH: 'checkResults[name=CalcomBreaker].status',
    });
    assert.equal(breakerVerdict(spatie({ CalcomBreaker: 'ok' }), m).verdict, 'green');
    assert.equal(breakerVerdict(spatie({ CalcomBreaker: 'warning' }), m).verdict, 'yellow');
    assert.equal(breakerVerdict(spatie({ CalcomBreaker: 'failed' }), m).verdict, 'red');
    assert.match(breakerVerdict(spatie({ Database: 'ok' }), m).message, /no "name=CalcomBreaker" entry/);
    // No failure count outside the sandbox's own shape.
    assert.equal(breakerVerdict(spatie({ CalcomBreaker: 'ok' }), m).message, 'Circuit breaker closed');
  });

  test('custom: a hand-written shape with its own words for the states', () => {
    const m = mapping({
      HEALTH_DETAILED_FORMAT: 'custom',
      HEALTH_BREAKER_PATH: 'services.calcom.circuit',
      HEALTH_BREAKER_STATES: ['closed:closed', 'half_open:half-open|half_open', 'open:open|tripped'],
    });
    const doc = (circuit: string) => ({ status: 'ok', services: { calcom: { status: 'up', circuit } } });
    assert.equal(breakerVerdict(doc('closed'), m).verdict, 'green');
    assert.equal(breakerVerdict(doc('Half-Open'), m).verdict, 'yellow');
    assert.equal(breakerVerdict(doc('tripped'), m).verdict, 'red');
    assert.match(
      breakerVerdict({ status: 'ok', services: { calcom: { circuit: { x: 1 } } } }, m).message,
      /not a value/,
    );
    assert.equal(mapping({ HEALTH_DETAILED_FORMAT: 'custom' }).breakerPath, undefined);
    assert.equal(
      mapping({ HEALTH_DETAILED_FORMAT: 'sandbox', HEALTH_BREAKER_PATH: 'none' }).breakerPath,
      undefined,
    );
  });

  test('breaker states entries are checked', () => {
    assert.deepEqual(parseBreakerStates(['closed:ok', 'open:failed|crashed', 'open:down']), {
      closed: ['ok'],
      half_open: [],
      open: ['failed', 'crashed', 'down'],
    });
    assert.throws(
      () => parseBreakerStates(['shut:closed']),
      /HEALTH_BREAKER_STATES: "shut:closed" is not state:value/,
    );
    assert.throws(() => parseBreakerStates(['closed:']), /is not state:value/);
  });
});

describe('dependencyOutages', () => {
  const deps = ['calcom', 'circuit_breaker'];
  const sandbox = mapping({ HEALTH_DETAILED_FORMAT: 'sandbox' });
  test('sandbox: a down status and a non-closed breaker are outages; others do not count', () => {
    assert.deepEqual(dependencyOutages(sandboxHealth('ok', 'closed'), deps, sandbox), {
      outages: [],
      unreported: [],
    });
    assert.deepEqual(dependencyOutages(sandboxHealth('down', 'open'), deps, sandbox).outages, [
      'calcom down',
      'circuit_breaker open',
    ]);
    assert.deepEqual(dependencyOutages(sandboxHealth('ok', 'half_open'), deps, sandbox).outages, [
      'circuit_breaker half_open',
    ]);
  });
  test('what the report lacks is named, not counted as up', () => {
    assert.deepEqual(dependencyOutages({ status: 'ok' }, deps, sandbox), { outages: [], unreported: deps });
    assert.deepEqual(dependencyOutages(sandboxHealth('down', 'x', false), deps, sandbox), {
      outages: ['calcom down'],
      unreported: ['circuit_breaker'],
    });
  });
  test('spatie: a failed or crashed check result is an outage, a warning is not', () => {
    const m = mapping({ HEALTH_DETAILED_FORMAT: 'spatie' });
    const doc = spatie({ CalcomApi: 'crashed', Database: 'warning', Redis: 'failed' });
    assert.deepEqual(dependencyOutages(doc, ['CalcomApi', 'Database', 'Redis', 'Horizon'], m), {
      outages: ['CalcomApi crashed', 'Redis failed'],
      unreported: ['Horizon'],
    });
  });
  test('custom: plain values and objects, with its own down words', () => {
    const m = mapping({
      HEALTH_DETAILED_FORMAT: 'custom',
      HEALTH_DEPENDENCY_PATH: ['{name}', 'services.{name}.status'],
      HEALTH_DOWN_VALUES: ['down', 'false'],
    });
    const doc = { database: 'up', redis: false, services: { calcom: { status: 'DOWN' } } };
    assert.deepEqual(dependencyOutages(doc, ['database', 'redis', 'calcom'], m), {
      outages: ['redis false', 'calcom DOWN'],
      unreported: [],
    });
    assert.deepEqual(mapping({ HEALTH_DETAILED_FORMAT: 'custom' }).dependencyPaths, []);
  });
});

describe('the health settings in config/env.ts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'phasegate-health-env-'));
  const load = (vars: Record<string, string>) => loadEnv(vars, dir, { services: false });
  test('defaults are the sandbox formats; mapping settings unset use the preset', () => {
    const e = load({});
    assert.equal(e.HEALTH_FORMAT, 'sandbox');
    assert.equal(e.HEALTH_DETAILED_FORMAT, 'sandbox');
    assert.equal(e.HEALTH_DEPENDENCY_PATH, undefined);
    assert.equal(e.HEALTH_BREAKER_PATH, undefined);
    assert.equal(healthMapping(e).breakerPath, 'checks.circuit_breaker.state');
  });
  test('a custom mapping is parsed, none is the empty list', () => {
    const e = load({
      HEALTH_FORMAT: 'up',
      HEALTH_DETAILED_FORMAT: 'custom',
      HEALTH_DEPENDENCY_PATH: 'services.{name}.status',
      HEALTH_DOWN_VALUES: 'none',
      HEALTH_BREAKER_PATH: 'services.calcom.circuit',
      HEALTH_BREAKER_STATES: 'closed:closed,open:open|tripped',
    });
    assert.equal(e.HEALTH_FORMAT, 'up');
    assert.deepEqual(healthMapping(e), {
      dependencyPaths: ['services.{name}.status'],
      downValues: [],
      breakerPath: 'services.calcom.circuit',
      breakerStates: { closed: ['closed'], half_open: [], open: ['open', 'tripped'] },
      breakerFailuresPath: undefined,
    });
  });
  test('bad formats and states are named with what is expected', () => {
    try {
      load({ HEALTH_FORMAT: 'json', HEALTH_DETAILED_FORMAT: 'up', HEALTH_BREAKER_STATES: 'shut:closed' });
      assert.fail('no ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'HEALTH_FORMAT: expected sandbox, up or spatie',
        'HEALTH_DETAILED_FORMAT: expected sandbox, spatie or custom',
        'HEALTH_BREAKER_STATES: expected state:value|value entries, state closed, half_open or open',
      ]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
