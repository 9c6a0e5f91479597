// Monitoring is live: the metrics endpoint answers with the series the dashboards read, the
// error rate it reports is low (5xx by the request counter's status label, or an error counter of
// the app's own against the request counter), and the dashboards themselves answer.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { test } from '../../fixtures/index.ts';
import { errorCounterRatePct, errorRatePct, type MetricFamily } from '../../fixtures/api-verdicts.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Monitoring active: metrics answer, error rate low',
  check({ phase: 7, kind: 'api', covers: 'p7.monitoring-active' }),
  async ({ app, settings, measure, verdict }) => {
    const path = requireSetting(settings.METRICS_PATH, 'METRICS_PATH', 'the Prometheus metrics endpoint');
    const res = await app.get(path, { headers: { accept: 'text/plain' } });
    if (res.status !== 200) throw new Error(`Monitoring: metrics ${path} answered HTTP ${res.status}`);
    let families: MetricFamily[];
    try {
      families = parsePrometheusTextFormat(res.text) as MetricFamily[];
    } catch (err) {
      throw new Error(`Monitoring: metrics ${path} is not Prometheus text: ${(err as Error).message}`);
    }
    const names = new Set(families.map((f) => f.name));
    const missing = settings.METRICS_REQUIRED.filter((m) => !names.has(m));
    if (missing.length > 0) throw new Error(`Monitoring: metrics ${path} lacks ${missing.join(', ')}`);
    // Health probes (ours and the load balancer's) are not user traffic.
    const probes = [settings.HEALTH_PATH, settings.HEALTH_DETAILED_PATH ?? ''];
    const requests = settings.METRICS_REQUEST_COUNTER;
    const errorCounter = settings.METRICS_ERROR_COUNTER;
    const rate = errorCounter
      ? errorCounterRatePct(families, probes, requests, errorCounter)
      : errorRatePct(families, probes, requests);
    if (rate === undefined) {
      throw new Error(
        `Monitoring: ${requests} in ${path} ${names.has(requests) ? 'has counted no requests' : 'is missing (METRICS_REQUEST_COUNTER)'}`,
      );
    }
    const detail =
      errorCounter === undefined
        ? `${rate.errors} of ${rate.total} requests answered 5xx`
        : `${rate.errors} ${errorCounter} of ${rate.total} ${requests}${
            'exported' in rate && !rate.exported
              ? ` (${errorCounter} not exported yet: no errors counted)`
              : ''
          }`;
    measure('Error rate', Math.round(rate.pct * 10) / 10, 'errorRatePct', detail);
    if ('exported' in rate && !rate.exported) {
      // A counter that counted nothing yet is not exported, but neither is a misspelt name:
      // never green on a number nobody measured.
      verdict({
        outcome: 'warn',
        message: `Monitoring: ${errorCounter} is not in ${path}: no errors counted yet, or METRICS_ERROR_COUNTER names a counter the app does not export`,
      });
    }
  },
);

test(
  'Dashboards reachable',
  check({ phase: 7, kind: 'api', covers: 'p7.dashboards-reachable' }),
  async ({ app, settings }) => {
    if (settings.DASHBOARD_URLS.length === 0)
      requireSetting(undefined, 'DASHBOARD_URLS', 'monitoring dashboards');
    const cookies = await app.login();
    const wrong: string[] = [];
    for (const u of settings.DASHBOARD_URLS) {
      try {
        const res = await app.get(u, { cookies, headers: { accept: 'text/html' } });
        if (res.status !== 200) wrong.push(`${u} answered HTTP ${res.status}`);
        else if (res.text.trim() === '') wrong.push(`${u} answered an empty page`);
      } catch (err) {
        wrong.push((err as Error).message);
      }
    }
    if (wrong.length > 0) throw new Error(`Dashboards: ${wrong.join('; ')}`);
  },
);
