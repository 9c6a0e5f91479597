// The error rate from whatever the app exports (fixtures/api-verdicts.ts), without a server: 5xx
// by the request counter's status label, or an error counter of the app's own (app_errors_total)
// against the request counter, read from real Prometheus text by the parser the check uses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { errorCounterRatePct, errorRatePct, type MetricFamily } from '../fixtures/api-verdicts.ts';

const parse = (text: string) => parsePrometheusTextFormat(text) as MetricFamily[];

/** A Laravel exporter's names: requests by route and method, no status label; errors apart. */
const LARAVEL = parse(`# HELP app_requests_total Requests handled.
# TYPE app_requests_total counter
app_requests_total{route="/appointments",method="POST"} 120
app_requests_total{route="/appointments/{id}",method="GET"} 280
app_requests_total{route="/health",method="GET"} 600
# HELP app_errors_total Exceptions reported.
# TYPE app_errors_total counter
app_errors_total{route="/appointments",exception="QueryException"} 6
app_errors_total{route="/health",exception="RedisException"} 40
`);

describe('error rate', () => {
  test('an error counter of its own, against the request counter, health probes left out', () => {
    assert.deepEqual(errorCounterRatePct(LARAVEL, ['/health'], 'app_requests_total', 'app_errors_total'), {
      pct: 1.5,
      errors: 6,
      total: 400,
      exported: true,
    });
  });

  test('an error counter not exported yet is 0 errors, said as such', () => {
    const quiet = LARAVEL.filter((f) => f.name !== 'app_errors_total');
    assert.deepEqual(errorCounterRatePct(quiet, [], 'app_requests_total', 'app_errors_total'), {
      pct: 0,
      errors: 0,
      total: 1000,
      exported: false,
    });
  });

  test('no request counter, or one at 0, gives no rate', () => {
    assert.equal(errorCounterRatePct(LARAVEL, [], 'http_requests_total', 'app_errors_total'), undefined);
    const zero = parse('# TYPE app_requests_total counter\napp_requests_total{route="/x"} 0\n');
    assert.equal(errorCounterRatePct(zero, [], 'app_requests_total', 'app_errors_total'), undefined);
  });

  test('the status label of a request counter under another name', () => {
    const text = `# TYPE laravel_http_requests counter
laravel_http_requests{path="/a",code="200"} 90
laravel_http_requests{path="/a",code="503"} 10
`;
    assert.deepEqual(errorRatePct(parse(text), [], 'laravel_http_requests'), {
      pct: 10,
      errors: 10,
      total: 100,
    });
    // Without a status label every request reads as a success: the error counter setting is the way.
    assert.equal(errorRatePct(LARAVEL, ['/health'], 'app_requests_total')?.errors, 0);
  });
});
