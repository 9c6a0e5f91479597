// The endpoints the release must keep answering (API_ENDPOINTS: "METHOD /path STATUS").
import { test } from '../../fixtures/index.ts';
import { parseEndpoint } from '../../fixtures/api-verdicts.ts';
import { check } from '../../fixtures/tags.ts';
import { requireSetting } from '../../fixtures/settings.ts';

test(
  'API endpoints answer as expected',
  check({ phase: 1, kind: 'api', covers: 'p1.api-endpoints' }),
  async ({ app, settings }) => {
    const endpoints = settings.API_ENDPOINTS.map(parseEndpoint);
    if (endpoints.length === 0) requireSetting(undefined, 'API_ENDPOINTS', 'the endpoints to probe');
    const wrong: string[] = [];
    for (const e of endpoints) {
      try {
        const res = await app.send(e.method, e.path, { headers: { accept: 'application/json' } });
        if (!e.statuses.includes(res.status)) {
          wrong.push(`${e.method} ${e.path} answered ${res.status} (expected ${e.statuses.join(' or ')})`);
        }
      } catch (err) {
        wrong.push((err as Error).message);
      }
    }
    if (wrong.length > 0)
      throw new Error(`API endpoints: ${wrong.length} of ${endpoints.length} wrong: ${wrong.join('; ')}`);
  },
);
