// The runbook's first look after a deploy: `curl /api/health` says ok, and says it now.
import { test } from '../../fixtures/index.ts';
import { readHealth } from '../../fixtures/health-formats.ts';
import { check } from '../../fixtures/tags.ts';

// A dead or stale health endpoint means the new release is not serving: critical.
test(
  'API health: status ok with a fresh timestamp',
  check({ phase: 1, kind: 'api', covers: 'p1.api-health', critical: true }),
  async ({ app, settings, measure }) => {
    const format = settings.HEALTH_FORMAT;
    const res = await app.get(settings.HEALTH_PATH, {
      headers: { accept: format === 'up' ? 'text/html' : 'application/json' },
    });
    let body: unknown = null;
    try {
      body = JSON.parse(res.text);
    } catch {
      // A proxy's or maintenance page's HTML is the usual answer here: say so, not "status null".
      if (res.status === 200 && format !== 'up') {
        const type = String(res.header('content-type') ?? 'no content type').split(';')[0];
        throw new Error(
          `API health ${settings.HEALTH_PATH} answered HTTP 200 with ${type} instead of JSON (starts "${res.text.trim().slice(0, 40)}")`,
        );
      }
    }
    const health = readHealth(format, res.status, body, Date.now());
    if (health.problem) throw new Error(`API health ${settings.HEALTH_PATH} ${health.problem}`);
    if (health.ageSeconds === undefined) {
      // Laravel's /up is rendered by the request itself: nothing in it can be stale.
      console.log(`${settings.HEALTH_PATH} answered HTTP 200 (HEALTH_FORMAT=${format} carries no timestamp)`);
      return;
    }
    measure('Health timestamp age', health.ageSeconds, 'healthAgeSeconds', `${settings.HEALTH_PATH}`);
  },
);
