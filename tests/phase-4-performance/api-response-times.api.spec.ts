// The p95 of repeated calls to the health and availability APIs, as a user's browser meets them.
import { test } from '../../fixtures/index.ts';
import { percentile } from '../../fixtures/decide.ts';
import { check } from '../../fixtures/tags.ts';

const CALLS_PER_ENDPOINT = 10;

test(
  'API response times acceptable (p95)',
  check({ phase: 4, kind: 'api', covers: 'p4.api-response-times' }),
  async ({ app, cache, synthetic, settings, measure }) => {
    const date = synthetic.startsAt(synthetic.next()).toISOString().slice(0, 10);
    const cookies = await app.login();
    const paths = [settings.HEALTH_PATH];
    if (settings.AVAILABILITY_PATH) paths.push(app.url(settings.AVAILABILITY_PATH, { date }));
    const times: number[] = [];
    const wrong: string[] = [];
    try {
      for (const p of paths) {
        for (let i = 0; i < CALLS_PER_ENDPOINT; i++) {
          const res = await app.get(p, { cookies, headers: { accept: 'application/json' } });
          if (res.status !== 200)
            wrong.push(`${p.replace(settings.targetUrl, '')} answered HTTP ${res.status}`);
          times.push(res.ms);
        }
      }
    } finally {
      // The availability of a day 300 days ahead, cached by these calls: cache, not data.
      if (settings.AVAILABILITY_PATH && settings.AVAILABILITY_CACHE_KEY)
        await cache.redis
          .del(cache.cacheKey(settings.AVAILABILITY_CACHE_KEY.replace('{date}', date)))
          .catch(() => 0);
    }
    if (wrong.length > 0)
      throw new Error(
        `API response times: ${wrong.length} of ${times.length} calls failed, first: ${wrong[0]}`,
      );
    measure('API response time p95', Math.round(percentile(times, 95)), 'apiP95Ms', `${times.length} calls`);
  },
);
