// The appointment lookup (the query phase 1 fixed): its database time, as the application itself
// reports it in Server-Timing, else the whole request's time.
import { test } from '../../fixtures/index.ts';
import { serverTimingDb } from '../../fixtures/api-verdicts.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Query performance: appointment lookup',
  check({ phase: 1, kind: 'api', covers: 'p1.query-performance' }),
  async ({ app, settings, measure }) => {
    const lookup = requireSetting(
      settings.APPOINTMENT_LOOKUP_PATH,
      'APPOINTMENT_LOOKUP_PATH',
      'the appointment lookup API',
    );
    const cookies = await app.login();
    const date = new Date().toISOString().slice(0, 10);
    const res = await app.get(app.url(lookup, { date }), {
      cookies,
      headers: { accept: 'application/json' },
    });
    if (res.status !== 200) throw new Error(`Query performance: GET ${lookup} answered HTTP ${res.status}`);
    const db = serverTimingDb(res.header('server-timing'));
    const ms = Math.round(db ?? res.ms);
    measure(
      'Query performance',
      ms,
      'queryMs',
      db === undefined ? 'request time (no Server-Timing db entry)' : undefined,
    );
  },
);
