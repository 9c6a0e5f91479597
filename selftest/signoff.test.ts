// The sign-off path end to end: real phase runs of an inline project (one check introduced per
// phase, the four final metrics measured), then `npm run signoff`. Eight VERIFIED phases → the
// final block with the metrics; a phase whose latest run FAILED → named, non-zero. The same
// phase failing on two TARGET_VERSIONs → "Both versions failing".
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  REPO,
  configSource,
  createProject,
  expectCode,
  fromProject,
  read,
} from './helpers/inline-project.ts';

const TAGS = fromProject('fixtures/tags.ts');

const measurement = (
  name: string,
  value: number,
  unit: string,
  target: number,
  limit: number,
  better: string,
) => JSON.stringify({ name, value, unit, target, limit, better, verdict: 'green' });

const CHECKS: { phase: number; covers: string; title: string; measure?: string }[] = [
  { phase: 1, covers: 'p1.api-health', title: 'API health' },
  {
    phase: 2,
    covers: 'p2.calcom-consistency',
    title: 'Cal.com and local DB consistent',
    measure: measurement('Data consistency', 99.6, '%', 99, 95, 'higher'),
  },
  { phase: 3, covers: 'p3.circuit-breaker', title: 'Circuit breaker status visible' },
  {
    phase: 4,
    covers: 'p4.booking-flow-time',
    title: 'Booking flow time',
    measure: measurement('Booking flow time', 42000, 'ms', 45000, 60000, 'lower'),
  },
  {
    phase: 5,
    covers: 'p5.services-processing',
    title: 'Services processing',
    measure: measurement('Booking success rate', 97.5, '%', 95, 90, 'higher'),
  },
  {
    phase: 6,
    covers: 'p6.coverage',
    title: 'Test coverage 90%+',
    measure: measurement('Test coverage', 91.2, '%', 90, 85, 'higher'),
  },
  { phase: 7, covers: 'p7.monitoring-active', title: 'Monitoring active' },
  { phase: 8, covers: 'p8.openapi', title: 'OpenAPI lists the booking endpoints' },
];

const spec = `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
${CHECKS.map(
  (
    c,
  ) => `test(${JSON.stringify(c.title)}, check({ phase: ${c.phase}, kind: 'api', covers: '${c.covers}' }), async ({}, info) => {
  ${c.measure ? `info.annotations.push({ type: 'measurement', description: ${JSON.stringify(c.measure)} });` : ''}
  // BREAK_PHASE makes the check of that phase fail, as a bad deploy would.
  expect(process.env.BREAK_PHASE, 'the deploy of phase ${c.phase} is broken').not.toBe('${c.phase}');
});`,
).join('\n')}
`;

const p = createProject('signoff');
after(() => p.cleanup());

const runPhase = (phase: number, env: Record<string, string> = {}) =>
  p.test(['--grep', `@phase${phase}\\b`], { ...env });
const signoff = () => p.exec('npm', ['--prefix', REPO, '--silent', 'run', 'signoff'], {});

test(
  'eight VERIFIED phases sign off; a failed phase is named; both versions failing',
  { timeout: 290_000 },
  async () => {
    p.write({ 'playwright.config.ts': configSource('workers: 1,'), 'checks.spec.ts': spec });
    const runs = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => runPhase(n, { TARGET_VERSION: 'v2.0.0' })),
    );
    runs.forEach((r, i) => expectCode(r, 0, `phase ${i + 1}`));
    const dirs = p.reportDirs().map((d) => path.basename(d));
    for (let n = 1; n <= 8; n++)
      assert.equal(dirs.filter((d) => d.startsWith(`phase_${n}_`)).length, 1, dirs.join());
    const perRun = read(path.join(p.storage, 'deployment.log'));
    assert.equal(perRun.match(/Status: ✅ VERIFIED/g)?.length, 8);
    assert.match(perRun, /Target Version: v2\.0\.0/);

    const ok = await signoff();
    expectCode(ok, 0, 'signoff after eight verified phases');
    const log = read(path.join(p.storage, 'deployment.log'));
    const final = log.slice(log.indexOf('🎉 ALL 8 PHASES DEPLOYED & VERIFIED'));
    assert.ok(final.length > 0 && log.includes('🎉 ALL 8 PHASES DEPLOYED & VERIFIED'), log);
    assert.match(final, /Booking Time: 42 s \(target ≤ 45 s\) ✅/);
    assert.match(final, /Data Consistency: 99\.6% \(target ≥ 99%\) ✅/);
    assert.match(final, /Booking Success Rate: 97\.5% \(target ≥ 95%\) ✅/);
    assert.match(final, /Test Coverage: 91\.2% \(target ≥ 90%\) ✅/);
    assert.match(final, /Production Ready: YES ✅\n/);
    assert.match(final, /Verified by: selftest/);
    assert.match(final, /\nTarget Version: v2\.0\.0\n/);
    for (let n = 1; n <= 8; n++) assert.match(final, new RegExp(`Phase ${n}: \\w+ → ✅ VERIFIED`));

    // A new release of phase 3 fails: the latest phase-3 run is FAILED, so no sign-off.
    const broken = await runPhase(3, { BREAK_PHASE: '3', TARGET_VERSION: 'v2.0.1' });
    expectCode(broken, 1, 'broken phase 3');
    const refused = await signoff();
    expectCode(refused, 1, 'signoff with a failed phase');
    assert.match(refused.output, /Phase 3 \(Resilience\): FAILED/);
    // One release is signed off: the latest runs are of two.
    assert.match(
      refused.output,
      /different versions \(v2\.0\.0: phases 1, 2, 4, 5, 6, 7, 8; v2\.0\.1: phase 3\)/,
    );
    assert.doesNotMatch(refused.output, /Phase [1245678] \([A-Za-z]+\): FAILED/);
    assert.equal(read(path.join(p.storage, 'deployment.log')).match(/🎉 ALL 8 PHASES/g)?.length, 1);

    // Rolled back to the previous version, which fails too: infrastructure, not code.
    const rolledBack = await runPhase(3, { BREAK_PHASE: '3', TARGET_VERSION: 'v2.0.0' });
    expectCode(rolledBack, 1, 'rolled-back phase 3');
    const latest = p
      .reportDirs()
      .filter((d) => path.basename(d).startsWith('phase_3_'))
      .sort()
      .at(-1) as string;
    assert.match(
      read(path.join(latest, 'summary.txt')),
      /⚠️ Both versions failing — investigate infrastructure \(v2\.0\.1 and v2\.0\.0\)/,
    );
    const index = read(path.join(latest, 'INDEX.md'));
    assert.match(index, /Both versions failing — investigate infrastructure/);
    // The trend of phase 3 over its three runs: green, red, red.
    assert.match(index, /## Trend \(phase 3, last 3 runs\)\n\nPass rate `█▆▆` \(100% → 66\.7%\)/);
    const svg =
      /<svg[^>]*aria-label="pass rate of recent runs"[^]*?<\/svg>/.exec(
        read(path.join(latest, 'index.html')),
      )?.[0] ?? '';
    assert.equal(svg.match(/<rect /g)?.length, 3);
    assert.equal(svg.match(/fill="#cf222e"/g)?.length, 2);
    assert.match(
      read(path.join(p.storage, 'deployment.log')),
      /⚠️ Both versions failing — investigate infrastructure/,
    );
  },
);
