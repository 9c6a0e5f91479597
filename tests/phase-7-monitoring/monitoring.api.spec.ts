// Monitoring is live: the metrics endpoint answers with the series the dashboards read, the
// error rate it reports is low, and the dashboards themselves answer.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { test } from '../../fixtures/index.ts';
import { errorRatePct, type MetricFamily } from '../../fixtures/api-verdicts.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Monitoring active: metrics answer, error rate low',
  check({ phase: 7, kind: 'api', covers: 'p7.monitoring-active' }),
  async ({ app, settings, measure }) => {
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
    const rate = errorRatePct(families, [settings.HEALTH_PATH, settings.HEALTH_DETAILED_PATH ?? '']);
    if (rate === undefined)
      throw new Error(`Monitoring: http_requests_total in ${path} has counted no requests`);
    measure(
      'Error rate',
      Math.round(rate.pct * 10) / 10,
      'errorRatePct',
      `${rate.errors} of ${rate.total} requests answered 5xx`,
    );
  },
);

test(
  'Dashboards reachable',
  check({ phase: 7, kind: 'api', covers: 'p7.dashboards-reachable' }),
  async ({ app, settings }) => {
    if (settings.DASHBOARD_URLS.length === 0)
      test.skip(true, 'Not configured: DASHBOARD_URLS (monitoring dashboards)');
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
