// The circuit breaker around Cal.com shows its state in detailed health: closed is green,
// half-open yellow, open (or not visible at all) red. Where it is depends on the health format
// (HEALTH_DETAILED_FORMAT, HEALTH_BREAKER_PATH).
import { test } from '../../fixtures/index.ts';
import { ANNOTATION } from '../../fixtures/annotations.ts';
import { breakerVerdict, healthMapping } from '../../fixtures/health-formats.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Circuit breaker status visible',
  check({ phase: 3, kind: 'api', covers: 'p3.circuit-breaker' }),
  async ({ app, settings }, testInfo) => {
    const path = requireSetting(
      settings.HEALTH_DETAILED_PATH,
      'HEALTH_DETAILED_PATH',
      'the detailed health endpoint',
    );
    const mapping = healthMapping(settings);
    requireSetting(
      mapping.breakerPath,
      'HEALTH_BREAKER_PATH',
      `where the circuit breaker's state is in the detailed health; HEALTH_DETAILED_FORMAT=${settings.HEALTH_DETAILED_FORMAT} has none`,
    );
    const res = await app.get(path, { headers: { accept: 'application/json' } });
    if (res.status !== 200 && res.status !== 503)
      throw new Error(`Circuit breaker: GET ${path} answered HTTP ${res.status}`);
    const v = breakerVerdict(res.json(), mapping);
    if (v.verdict === 'red') throw new Error(v.message);
    if (v.verdict === 'yellow')
      testInfo.annotations.push({ type: ANNOTATION.warning, description: v.message });
  },
);
