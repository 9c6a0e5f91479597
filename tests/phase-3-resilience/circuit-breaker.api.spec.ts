// The circuit breaker around Cal.com shows its state in detailed health: closed is green,
// half-open yellow, open (or not visible at all) red.
import { test } from '../../fixtures/index.ts';
import { ANNOTATION } from '../../fixtures/annotations.ts';
import { breakerVerdict } from '../../fixtures/api-verdicts.ts';
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
    const res = await app.get(path, { headers: { accept: 'application/json' } });
    if (res.status !== 200 && res.status !== 503)
      throw new Error(`Circuit breaker: GET ${path} answered HTTP ${res.status}`);
    const v = breakerVerdict(res.json());
    if (v.verdict === 'red') throw new Error(v.message);
    if (v.verdict === 'yellow')
      testInfo.annotations.push({ type: ANNOTATION.warning, description: v.message });
  },
);
