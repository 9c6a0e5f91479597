// The readers wired into the checks, end to end: the real suite (@api project, four checks) run
// against a tiny loopback application that speaks as stock Laravel apps do, configured by
// settings alone: Laravel 11's /up, spatie/laravel-health's JSON with a breaker check of its own,
// PHPUnit's Clover XML, and Prometheus metrics with an error counter instead of a status label.
// Before these readers, all four were red against it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { colourOf } from './helpers/run-suite.ts';
import { describeRun, runSuite, type SuiteRun } from './helpers/robustness-run.ts';
import { testServices } from './helpers/services.ts';

const SPATIE = () =>
  JSON.stringify({
    finishedAt: Math.floor(Date.now() / 1000) - 20,
    checkResults: [
      {
        name: 'Database',
        label: 'Database',
        status: 'ok',
        notificationMessage: '',
        shortSummary: 'Ok',
        meta: [],
      },
      {
        name: 'CalcomBreaker',
        label: 'Cal.com circuit breaker',
        status: 'warning',
        notificationMessage: 'Retrying Cal.com',
        shortSummary: 'half-open',
        meta: { state: 'half-open' },
      },
    ],
  });

const CLOVER = `<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1764237600">
  <project timestamp="1764237600">
    <!-- <metrics statements="1" coveredstatements="1"/> -->
    <file name="/var/www/app/app/Models/Appointment.php">
      <metrics loc="40" ncloc="30" classes="1" methods="3" coveredmethods="3" statements="12" coveredstatements="12" elements="15" coveredelements="15"/>
    </file>
    <metrics files="31" loc="2210" ncloc="1702" classes="28" methods="120" coveredmethods="101" statements="1000" coveredstatements="870" elements="1120" coveredelements="971"/>
  </project>
</coverage>
`;

const METRICS = `# HELP app_requests_total Requests handled.
# TYPE app_requests_total counter
app_requests_total{route="/appointments",method="POST"} 120
app_requests_total{route="/appointments/{id}",method="GET"} 280
app_requests_total{route="/health",method="GET"} 600
# HELP app_errors_total Exceptions reported.
# TYPE app_errors_total counter
app_errors_total{route="/appointments",exception="QueryException"} 6
`;

function laravelish(): Server {
  return createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (p === '/up')
      return send(
        'text/html; charset=utf-8',
        '<!doctype html><html><body><h1>Application up</h1></body></html>',
      );
    if (p === '/health') return send('application/json', SPATIE());
    if (p === '/build/coverage/clover.xml') return send('application/xml', CLOVER);
    if (p === '/metrics') return send('text/plain; version=0.0.4', METRICS);
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>404</h1>');
  });
}

describe('health, coverage and error-rate formats in the checks', () => {
  let server: Server;
  let run: SuiteRun;
  let unexported: SuiteRun;
  let outDir = '';

  before(async () => {
    server = laravelish();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    outDir = mkdtempSync(path.join(tmpdir(), 'phasegate-formats-'));
    const env: Record<string, string> = {
      TARGET_URL: `http://127.0.0.1:${port}`,
      HEALTH_PATH: '/up',
      HEALTH_FORMAT: 'up',
      HEALTH_DETAILED_PATH: '/health',
      HEALTH_DETAILED_FORMAT: 'spatie',
      HEALTH_BREAKER_PATH: 'checkResults[name=CalcomBreaker].meta.state',
      HEALTH_BREAKER_STATES: 'closed:closed,half_open:half-open,open:open',
      COVERAGE_SUMMARY: '/build/coverage/clover.xml',
      METRICS_PATH: '/metrics',
      METRICS_REQUIRED: 'app_requests_total,app_errors_total',
      METRICS_REQUEST_COUNTER: 'app_requests_total',
      METRICS_ERROR_COUNTER: 'app_errors_total',
      APP_LOG_PATH: 'none',
      // Never touched by these checks (the run's sweep only looks), but unique all the same.
      DATABASE_URL: testServices().databaseUrl(`phasegate_t_${randomBytes(4).toString('hex')}`),
      REDIS_URL: testServices().redisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString('hex')}_database_`,
    };
    const suite = (grep: string, extra: Record<string, string>, dir: string) =>
      runSuite({
        outDir: dir,
        deadlineMs: 120_000,
        args: ['--project', 'api', '--grep', grep],
        env: { ...env, ...extra },
      });
    // A second, small run: an error counter the app does not export (nothing counted yet, or a
    // misspelt METRICS_ERROR_COUNTER) must not read as a measured 0%.
    [run, unexported] = await Promise.all([
      suite('API health|Circuit breaker|Test coverage|Monitoring active', {}, outDir),
      suite(
        'Monitoring active',
        { METRICS_ERROR_COUNTER: 'app_exceptions_total' },
        path.join(outDir, 'unexported'),
      ),
    ]);
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  });

  const outcome = (title: string) => {
    const r = run.results.find((c) => c.title === title);
    assert.ok(r, `no result for "${title}"\n${describeRun(run)}`);
    const warnings = r.annotations.filter((a) => a.type === 'warning').map((a) => a.description ?? '');
    return {
      colour: colourOf(r),
      text: r.status === 'passed' ? warnings.join('\n') : r.message,
      all: describeRun(run),
    };
  };

  test("Laravel 11's /up: 200 is up, no timestamp to age", () => {
    const o = outcome('API health: status ok with a fresh timestamp');
    assert.equal(o.colour, 'green', o.all);
  });

  test("spatie's JSON: the breaker check of the app's own, half-open is yellow", () => {
    const o = outcome('Circuit breaker status visible');
    assert.equal(o.colour, 'yellow', o.all);
    assert.match(o.text, /Circuit breaker half-open/);
  });

  test("PHPUnit's Clover XML: the project's statements, not a file's or a comment's", () => {
    const o = outcome('Test coverage 90%+');
    assert.equal(o.colour, 'yellow', o.all);
    assert.match(o.text, /Test coverage: 87% \(target ≥ 90%, limit 85%\).*870 of 1000 statements \(Clover\)/);
  });

  test('an error counter the app does not export is a warning, never a measured 0%', () => {
    const r = unexported.results.find((c) => c.title === 'Monitoring active: metrics answer, error rate low');
    assert.ok(r, describeRun(unexported));
    assert.equal(colourOf(r), 'yellow', describeRun(unexported));
    const warnings = r.annotations.filter((a) => a.type === 'warning').map((a) => a.description ?? '');
    assert.ok(
      warnings.some((w) => /app_exceptions_total is not in \/metrics/.test(w)),
      warnings.join('\n'),
    );
  });

  test('an error counter against the request counter, health probes left out', () => {
    const o = outcome('Monitoring active: metrics answer, error rate low');
    assert.equal(o.colour, 'yellow', o.all);
    assert.match(
      o.text,
      /Error rate: 1\.5% \(target < 1%, limit 5%\).*6 app_errors_total of 400 app_requests_total/,
    );
  });
});
