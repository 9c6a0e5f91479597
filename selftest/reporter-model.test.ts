// The reporter's pure decisions without Playwright: the phase of a run, the recommendation, the
// summary formats, shell quoting (proved by bash), sparklines, run folders that never collide.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { phaseTags } from '../fixtures/tags.ts';
import { phases } from '../phases/catalogue.ts';
import { parseHistory, sparkline } from '../reporters/history.ts';
import {
  buildModel,
  checkFromSnap,
  countChecks,
  decide,
  groupCauses,
  phaseTagsOf,
  resolvePhase,
  slug,
  worstStatus,
  type Check,
  type RunModel,
  type TestSnap,
} from '../reporters/model.ts';
import { causeOf, missingSettingOf, record, type Cause } from '../results/index.ts';
import { formatRate, prettyJsonChunks, render, resultLine, shellQuote } from '../reporters/render.ts';
import { deploymentBlock, evaluateFinal, finalBlock } from '../reporters/signoff.ts';
import { hasChannel, runMessage, shouldNotify } from '../reporters/notify.ts';
import {
  atomicWrite,
  createRunDirs,
  loadTemplates,
  runDirName,
  sweepStaleTemps,
  templateSpecCache,
} from '../reporters/write.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'phasegate-model-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const tagged = (...introduced: number[]) => introduced.map((n) => ({ tags: [...phaseTags(n), '@api'] }));

describe('phase of a run', () => {
  test('--grep "@phase3\\b" selects checks of phases 1–3: phase 3', () => {
    assert.deepEqual(resolvePhase(tagged(1, 2, 3, 3), null, null), { phase: 3, source: 'tags' });
  });
  test('every check: phase 8', () => {
    assert.deepEqual(resolvePhase(tagged(1, 2, 3, 4, 5, 6, 7, 8), null, null), { phase: 8, source: 'tags' });
  });
  test('DEPLOYMENT_PHASE wins, then a shard’s recorded DEPLOYMENT_PHASE', () => {
    assert.equal(resolvePhase(tagged(1), 5, 2).phase, 5);
    assert.deepEqual(resolvePhase(tagged(1), null, 2), { phase: 2, source: 'DEPLOYMENT_PHASE' });
  });
  test('no common phase tag: the highest seen, as a fallback', () => {
    assert.deepEqual(resolvePhase([{ tags: ['@phase2'] }, { tags: ['@phase4'] }], null, null), {
      phase: 4,
      source: 'fallback',
    });
    assert.deepEqual(resolvePhase([{ tags: ['@api'] }], null, null), { phase: 8, source: 'fallback' });
  });
  test('@phase10-like tags are not phase tags', () => {
    assert.equal(resolvePhase([{ tags: ['@phase10', '@phase1'] }], null, null).phase, 1);
    assert.deepEqual(
      phaseTagsOf([
        '@phase3',
        '@api',
        '@phase10',
        '@phase',
        '@phase9',
        '@phase0',
        '@Phase2',
        'x@phase4',
        '@phase1',
      ]),
      [1, 3],
    );
  });
});

describe('recommendation', () => {
  const checks = (...statuses: [Check['status'], boolean?][]) =>
    statuses.map(
      ([status, critical]) => ({ status, critical: !!critical, crashed: false, flaky: false }) as Check,
    );
  test('green → PROCEED; warning or skip → MONITOR; failure → FIX_AND_RETEST; critical → ROLLBACK', () => {
    assert.deepEqual(decide(countChecks(checks(['PASS'], ['PASS'])), 0), {
      status: 'PASS',
      recommendation: 'PROCEED',
    });
    assert.deepEqual(decide(countChecks(checks(['PASS'], ['WARN'])), 0), {
      status: 'WARN',
      recommendation: 'MONITOR',
    });
    assert.deepEqual(decide(countChecks(checks(['PASS'], ['SKIP'])), 0), {
      status: 'WARN',
      recommendation: 'MONITOR',
    });
    assert.deepEqual(decide(countChecks(checks(['WARN'], ['FAIL'])), 0), {
      status: 'FAIL',
      recommendation: 'FIX_AND_RETEST',
    });
    assert.deepEqual(decide(countChecks(checks(['FAIL'], ['FAIL', true])), 0), {
      status: 'FAIL',
      recommendation: 'ROLLBACK',
    });
  });
  test('an error outside the checks, or nothing run, is never green', () => {
    assert.equal(decide(countChecks(checks(['PASS'])), 1).status, 'FAIL');
    assert.equal(decide(countChecks(checks(['SKIP'])), 0).status, 'FAIL');
  });
  test('no check selected at all: INCONCLUSIVE, the invocation is at fault, not the target', () => {
    // Playwright reports "No tests found" as an error outside the checks: still not the target's.
    for (const errors of [0, 1])
      assert.deepEqual(decide(countChecks([]), errors), { status: 'ERROR', recommendation: 'INCONCLUSIVE' });
  });
});

describe('formats', () => {
  test('success rate: whole numbers bare, otherwise one decimal', () => {
    assert.equal(formatRate(100), '100%');
    assert.equal(formatRate(66.7), '66.7%');
    assert.equal(formatRate(0), '0%');
  });
  test('causes and settings', () => {
    assert.equal(
      causeOf('Error: Missing column: idempotency_key\n    at x.ts:1'),
      'Missing column: idempotency_key',
    );
    assert.equal(missingSettingOf('Not configured: HEALTH_DETAILED_PATH is none'), 'HEALTH_DETAILED_PATH');
    assert.equal(missingSettingOf('flaky on CI'), null);
    assert.equal(slug('Login page'), 'login_page');
    assert.equal(slug('Rendez-vous: café / form!'), 'rendez_vous_cafe_form');
    assert.equal(slug('***'), 'screenshot');
  });
  test('shell quoting survives bash', () => {
    const values = [
      'plain',
      'it\'s $HOME `id` "q" ; rm -rf /',
      'a b',
      '',
      'storage/reports/phase_3_20261126_141503',
    ];
    const file = path.join(tmp, 'quote.env');
    writeFileSync(file, values.map((v, i) => `V${i}=${shellQuote(v)}`).join('\n') + '\n');
    const out = execFileSync(
      'bash',
      ['-c', `source "$1"; printf '%s\\0' "$V0" "$V1" "$V2" "$V3" "$V4"`, 'bash', file],
      {
        env: { PATH: process.env.PATH },
      },
    ).toString();
    assert.deepEqual(out.split('\0').slice(0, 5), values);
  });
  test('sparkline spans the range', () => {
    assert.equal(sparkline([0, 50, 100]), '▁▅█');
  });
});

describe('run folders', () => {
  test('named phase_X_YYYYMMDD_HHMMSS in UTC; the same second twice never shares a folder', () => {
    const started = '2026-11-26T14:15:03Z';
    assert.equal(runDirName(3, started), 'phase_3_20261126_141503');
    const a = createRunDirs(tmp, 3, started);
    const b = createRunDirs(tmp, 3, started);
    assert.equal(a.dirName, 'phase_3_20261126_141503');
    assert.equal(b.dirName, 'phase_3_20261126_141503_2');
    assert.equal(b.screenshotDir, path.join(tmp, 'screenshots', 'phase_3_20261126_141503_2'));
  });

  test("a killed writer's temp files are swept; a living one's and the finished files stay", () => {
    const storage = mkdtempSync(path.join(os.tmpdir(), 'phasegate-temps-'));
    try {
      const run = createRunDirs(storage, 2, '2026-11-26T10:00:00Z');
      atomicWrite(path.join(run.reportDir, 'summary.txt'), 'done\n');
      // A process that has exited: its pid names a writer that is gone.
      const gone = Number(
        execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']),
      );
      const stale = [
        path.join(run.reportDir, `INDEX.md.tmp-${gone}-ab12`),
        path.join(run.reportDir, 'coverage', `index.html.tmp-${gone}-cd34`),
        path.join(run.screenshotDir, 'thumbnails', `2_1_login_page.png.tmp-${gone}-ef56`),
      ];
      const living = path.join(run.screenshotDir, `2_1_login_page.png.tmp-${process.pid}-0a0b`);
      for (const f of [...stale, living]) {
        mkdirSync(path.dirname(f), { recursive: true });
        writeFileSync(f, 'half');
      }
      assert.equal(sweepStaleTemps(storage), 3);
      for (const f of stale) assert.equal(existsSync(f), false, f);
      assert.equal(existsSync(living), true);
      assert.equal(readFileSync(path.join(run.reportDir, 'summary.txt'), 'utf8'), 'done\n');
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
  });
});

describe('final sign-off decision', () => {
  const run = (phase: number, status: string, startedAt: string) =>
    JSON.stringify({
      phase,
      status,
      startedAt,
      failed: status === 'FAIL' ? 1 : 0,
      reportDir: `r/${phase}`,
      recommendation: 'X',
    });
  test('the latest run of each phase counts; a torn line is ignored', () => {
    const lines = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => run(n, 'PASS', `2026-11-2${n % 9}T10:00:00Z`));
    lines.push('{"phase": 3, "status": "PA'); // a torn write
    const okRuns = parseHistory(lines.join('\n'));
    assert.equal(okRuns.length, 8);
    assert.equal(evaluateFinal(okRuns, phases).ok, true);
    const failedAgain = parseHistory([...lines, run(5, 'FAIL', '2026-11-30T10:00:00Z')].join('\n'));
    const f = evaluateFinal(failedAgain, phases);
    assert.equal(f.ok, false);
    assert.deepEqual(
      f.problems.map((p) => p.split(':')[0]),
      ['Phase 5 (Architecture)'],
    );
    // A later run in which no check ran (a --grep that matched nothing) verified nothing.
    const noOp = JSON.stringify({
      ...(JSON.parse(run(8, 'FAIL', '2026-11-30T11:00:00Z')) as object),
      total: 0,
    });
    assert.equal(evaluateFinal(parseHistory([...lines, noOp].join('\n')), phases).ok, true);
    const missing = evaluateFinal(parseHistory(lines.slice(0, 7).join('\n')), phases);
    assert.match(missing.problems.join('\n'), /Phase 8 \(Documentation\): no run recorded/);
  });
  test('one release is signed off: runs of another version do not count', () => {
    const at = (n: number) => `2026-11-2${n}T10:00:00Z`;
    const v = (phase: number, version: string | null, startedAt: string, status = 'PASS') => ({
      ...(JSON.parse(run(phase, status, startedAt)) as object),
      targetVersion: version,
    });
    const v1 = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => v(n, 'v1', at(n)));
    const text = (runs: object[]) => parseHistory(runs.map((r) => JSON.stringify(r)).join('\n'));
    const signed = evaluateFinal(text(v1), phases);
    assert.equal(signed.ok, true, signed.problems.join('\n'));
    assert.match(finalBlock(signed, 'me', new Date(0)), /\nTarget Version: v1\n/);
    // Phase 3 verified again on v2: the latest runs are of two releases.
    const mixed = text([...v1, v(3, 'v2', '2026-11-29T10:00:00Z')]);
    const refused = evaluateFinal(mixed, phases);
    assert.deepEqual(refused.problems, [
      'The latest runs verified different versions (v1: phases 1, 2, 4, 5, 6, 7, 8; v2: phase 3): set TARGET_VERSION to the release being signed off, and run the phases that lack it',
    ]);
    // TARGET_VERSION names the release: v1's runs sign off; v2 lacks seven phases.
    assert.equal(evaluateFinal(mixed, phases, { targetVersion: 'v1' }).ok, true);
    const v2 = evaluateFinal(mixed, phases, { targetVersion: 'v2' });
    assert.equal(v2.problems.length, 7);
    assert.match(
      v2.problems[0] ?? '',
      /^Phase 1 \(Hotfixes\): no run of version v2 recorded \(the latest, at 2026-11-21T10:00:00Z, verified v1\); run it on v2$/,
    );
    // A failed v1 run after v2's pass counts when v1 is signed off: phase 3 is FAILED for v1.
    const failedV1 = text([
      ...v1,
      v(3, 'v2', '2026-11-29T10:00:00Z'),
      v(3, 'v1', '2026-11-30T10:00:00Z', 'FAIL'),
    ]);
    assert.match(
      evaluateFinal(failedV1, phases, { targetVersion: 'v1' }).problems.join('\n'),
      /Phase 3 \(Resilience\): FAILED/,
    );
    // Runs that record no version at all are one release, as before.
    const none = evaluateFinal(text([1, 2, 3, 4, 5, 6, 7, 8].map((n) => v(n, null, at(n)))), phases);
    assert.equal(none.ok, true, none.problems.join('\n'));
    assert.doesNotMatch(finalBlock(none, 'me', new Date(0)), /Target Version/);
    // A run with a version and one without are two.
    const half = evaluateFinal(text([...v1.slice(0, 7), v(8, null, at(9))]), phases);
    assert.match(half.problems.join('\n'), /v1: phases 1, 2, 3, 4, 5, 6, 7; no recorded version: phase 8/);
  });
});

describe('result line', () => {
  // resultLine reads the recommendation and the phase only.
  const line = (recommendation: RunModel['recommendation'], phase: number) =>
    resultLine({ recommendation, phase } as RunModel);
  test('phases 1-7 proceed to the next phase; the last one goes to the final sign-off', () => {
    for (let p = 1; p <= 7; p++) assert.equal(line('PROCEED', p), 'Result: PROCEED TO NEXT PHASE ✅');
    assert.equal(line('PROCEED', 8), 'Result: ALL PHASES VERIFIED - PROCEED TO FINAL SIGN-OFF ✅');
    assert.equal(line('MONITOR', 8), 'Result: Acceptable for Phase 8, monitor');
    assert.equal(line('FIX_AND_RETEST', 8), 'Result: DO NOT PROCEED - FIX & RETEST ❌');
    assert.match(line('ROLLBACK', 8), /^Result: ROLLBACK - critical check failed, revert Phase 8 ❌$/);
  });
});

/**
 * A check as the reporter copies it out of Playwright's events: a red @e2e check of phase 1,
 * unless `o` says otherwise.
 */
const testSnap = (id: string, o: Partial<TestSnap> = {}): TestSnap => ({
  id,
  title: `check ${id}`,
  file: 'a.spec.ts',
  line: 1,
  column: 1,
  project: 'e2e',
  tags: [...phaseTags(1), '@e2e'],
  outcome: 'unexpected',
  annotations: [],
  status: 'failed',
  durationMs: 1,
  errors: ['Error: boom'],
  steps: [],
  stdout: '',
  stderr: '',
  attachments: [],
  attempts: [],
  ...o,
});

describe('INCONCLUSIVE: the checker could not verify', () => {
  const snap = testSnap;
  const browser: Cause = {
    key: 'browser',
    text: 'Chromium not found at /x',
    fault: 'checker',
    fix: 'run `npm run setup`',
  };
  const inconclusive = (id: string, critical = false) => {
    const sink = { annotations: [] as { type: string; description?: string }[], skip: () => undefined };
    assert.throws(
      () => record(sink, { outcome: 'inconclusive', cause: browser }),
      /Chromium not found at \/x/,
    );
    return snap(id, {
      annotations: sink.annotations,
      tags: [...phaseTags(1), '@e2e', ...(critical ? ['@critical'] : [])],
    });
  };

  test('a check that recorded a checker-side cause is INCONCLUSIVE, whose fault it is: the checker', () => {
    const c = checkFromSnap(inconclusive('a', true), [], null);
    assert.equal(c.status, 'INCONCLUSIVE');
    assert.equal(c.fault, 'checker');
    assert.equal(c.summaryText, 'INCONCLUSIVE — Chromium not found at /x');
    const f = checkFromSnap(snap('b'), [], null);
    assert.equal(f.status, 'FAIL');
    assert.equal(f.fault, 'target');
  });

  test('inconclusive only → ERROR / INCONCLUSIVE, never ROLLBACK (even @critical); a real failure wins', () => {
    const only = [inconclusive('a', true), inconclusive('b')].map((t) => checkFromSnap(t, [], null));
    const counts = countChecks(only);
    assert.equal(counts.inconclusive, 2);
    assert.equal(counts.failed, 0);
    assert.equal(counts.criticalFailures, 0);
    assert.deepEqual(decide(counts, 0), { status: 'ERROR', recommendation: 'INCONCLUSIVE' });
    const withCritical = [
      ...only,
      checkFromSnap(snap('c', { tags: [...phaseTags(1), '@api', '@critical'] }), [], null),
    ];
    assert.deepEqual(decide(countChecks(withCritical), 0), { status: 'FAIL', recommendation: 'ROLLBACK' });
    const withFailure = [...only, checkFromSnap(snap('d'), [], null)];
    assert.deepEqual(decide(countChecks(withFailure), 0), {
      status: 'FAIL',
      recommendation: 'FIX_AND_RETEST',
    });
    assert.equal(worstStatus('ERROR', 'WARN'), 'ERROR');
    assert.equal(worstStatus('ERROR', 'FAIL'), 'FAIL');
  });

  test('one cause, one line: the checks sharing it are grouped, counts exact', () => {
    const checks = ['a', 'b', 'c'].map((id) => checkFromSnap(inconclusive(id), [], null));
    checks.push(checkFromSnap(snap('d'), [], null));
    const groups = groupCauses(checks);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.checks.length, 3);
    assert.equal(groups[0]?.noun, 'browser checks');
    assert.equal(groups[0]?.fix, 'run `npm run setup`');
  });

  test('deployment.log: never VERIFIED, never a rollback plan; the sign-off never counts the run', () => {
    const block = deploymentBlock(
      {
        phase: 3,
        phaseName: 'Resilience',
        status: 'ERROR',
        recommendation: 'INCONCLUSIVE',
        verdictCause: 'could not verify Phase 3: Chromium not found at /x',
        counts: countChecks([checkFromSnap(inconclusive('a'), [], null)]),
        screenshots: [],
        reportDir: 'r',
        screenshotDir: 's',
        targetVersion: null,
        deployedBy: 'me',
        durationMs: 1,
        rollbackEffort: 'EASY',
        bothVersionsFailing: null,
      } as unknown as RunModel,
      new Date(0),
    );
    assert.match(block, /Status: ❔ INCONCLUSIVE \(not verified\)/);
    assert.doesNotMatch(block, /✅ VERIFIED|Rollback Procedure/);
    assert.match(block, /do not roll back on this result/);
    const lines = [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
      JSON.stringify({
        phase: n,
        status: n === 3 ? 'ERROR' : 'PASS',
        startedAt: `2026-11-2${n}T10:00:00Z`,
        failed: 0,
        reportDir: `r/${n}`,
        recommendation: 'X',
      }),
    );
    const f = evaluateFinal(parseHistory(lines.join('\n')), phases);
    assert.equal(f.ok, false);
    assert.match(f.problems.join('\n'), /^Phase 3 \(Resilience\): INCONCLUSIVE/m);
  });

  test('the result line says what could not be verified and not to roll back', () => {
    assert.equal(
      resultLine({
        recommendation: 'INCONCLUSIVE',
        phase: 3,
        verdictCause: 'could not verify Phase 3: Chromium not found at /x',
      } as RunModel),
      'Result: INCONCLUSIVE - could not verify Phase 3: Chromium not found at /x; fix the runner and re-run; do not roll back on this result ❔',
    );
  });
});

describe('the inconclusive message', () => {
  test('its own template: not verified, do not roll back, the cause and the link', () => {
    const model = {
      phase: 3,
      status: 'ERROR',
      recommendation: 'INCONCLUSIVE',
      verdictCause: 'could not verify Phase 3: Chromium not found at /x',
      counts: { inconclusive: 10, executed: 30 },
      causes: [
        {
          status: 'INCONCLUSIVE',
          noun: 'browser checks',
          text: 'Chromium not found at /x',
          fix: 'run `npm run setup`',
          checks: new Array(10).fill({}),
        },
      ],
      checks: [],
      reportDir: 'storage/reports/phase_3_x',
      deployedBy: 'me',
    } as unknown as RunModel;
    assert.equal(shouldNotify(model, 'failure'), true);
    const m = runMessage(model, loadTemplates(), 'https://ci.example.test');
    assert.equal(m.subject, 'Deployment: Phase 3 INCONCLUSIVE - not verified, do not roll back');
    assert.match(m.text, /^❔ Phase 3 Deployment - INCONCLUSIVE \(not verified\)\n/);
    assert.match(m.text, /Cause: could not verify Phase 3: Chromium not found at \/x/);
    assert.match(m.text, /- 10 browser checks: Chromium not found at \/x \(fix: run `npm run setup`\)/);
    assert.match(m.text, /Do not roll back on this result/);
    assert.match(m.text, /https:\/\/ci\.example\.test\/storage\/reports\/phase_3_x\/INDEX\.md/);
    assert.doesNotMatch(m.text, /ROLLBACK REQUIRED|Deployment Complete/);
  });

  test('a message is composed only when a channel can carry it', () => {
    assert.equal(hasChannel({}), false);
    // SMTP without a recipient sends nothing (the settings refuse it; the reporter must not try).
    assert.equal(hasChannel({ smtpUrl: 'smtp://127.0.0.1:2525' }), false);
    assert.equal(hasChannel({ smtpUrl: 'smtp://127.0.0.1:2525', emailTo: 'ops@example.test' }), true);
    assert.equal(hasChannel({ slackWebhookUrl: 'https://hooks.example.test/x' }), true);
  });
});

describe('compiled templates kept between runs', () => {
  const test1 = (id: string, o: Partial<TestSnap>): TestSnap =>
    testSnap(id, {
      title: `check ${id} <b>&`,
      project: 'api',
      tags: [...phaseTags(2), '@api'],
      outcome: 'expected',
      status: 'passed',
      durationMs: 12,
      errors: [],
      ...o,
    });
  const model = buildModel(
    {
      startedAt: '2026-11-28T05:00:00Z',
      durationMs: 3210,
      runStatus: 'failed',
      metadataPhase: null,
      targetVersion: 'v2.4.1',
      globalErrors: [],
      tests: [
        test1('a', {}),
        test1('b', {
          outcome: 'unexpected',
          status: 'failed',
          errors: ['Error: expected 200, got 503 | <x>'],
        }),
      ],
    },
    {
      catalogue: phases,
      phase: { phase: 2, source: 'tags' },
      targetVersion: null,
      deployedBy: 'me',
      dirName: 'phase_2_20261128_050000',
      reportDir: 'storage/reports/phase_2_20261128_050000',
      screenshotDir: 'storage/screenshots/phase_2_20261128_050000',
      evidence: { screenshots: [], consoles: {}, traces: {} },
      history: [],
      notifications: [],
      trendLength: 10,
    },
  );
  const templates = loadTemplates();
  const now = new Date('2026-11-28T05:00:04Z');
  const pages = (r: ReturnType<typeof render>) =>
    ['INDEX.md', 'index.html', 'coverage/index.html'].map((f) => {
      const page = r.report.get(f);
      return typeof page === 'string' ? page : undefined;
    });

  test('report.json written check by check is exactly JSON.stringify of the model', () => {
    const whole = (x: Record<string, unknown>) => JSON.stringify(x, null, 2) + '\n';
    const pieces = (x: Record<string, unknown>) => [...prettyJsonChunks(x, 'checks')];
    const full = { ...model, generatedAt: now.toISOString() };
    assert.ok(model.checks.length > 1);
    assert.equal(pieces(full).join(''), whole(full));
    // Long lists go a batch at a time (three batches here), each item as deep as in the whole.
    const long = {
      head: 1,
      checks: Array.from({ length: 250 }, (_, i) =>
        i % 50 === 7 ? undefined : { i, nested: { list: [i, 'x\ny'], empty: {} }, gone: undefined },
      ),
      tail: [{ t: true }],
    };
    assert.equal(pieces(long).join(''), whole(long));
    assert.equal(pieces(long).filter((p) => p.includes('"nested"')).length, 3);
    for (const odd of [
      {},
      { checks: [] },
      { checks: 'not a list', n: 1 },
      {
        a: undefined,
        checks: [{ x: 'two\nlines "quoted"', y: [1, [2, {}]], z: undefined }, undefined, null, 3],
      },
      { before: { deep: { er: [] } }, checks: [{}], after: () => 1, last: '✅' },
    ] as Record<string, unknown>[]) {
      assert.equal(pieces(odd).join(''), whole(odd), JSON.stringify(odd));
    }
  });

  test('a compiled template renders every page exactly as one compiled from its source; a damaged or outdated entry is compiled again', () => {
    const dir = path.join(tmp, 'specs');
    const fresh = pages(render(model, { templates, now }));
    assert.match(fresh[1] ?? '', /check b &lt;b&gt;&amp;/, 'the html page escapes');
    assert.match(
      fresh[0] ?? '',
      /\*\*check b &lt;b>&\*\*/,
      'INDEX.md escapes only what Markdown would read as HTML',
    );
    // First run: compiled and kept, one entry a page; second run: read back.
    assert.deepEqual(pages(render(model, { templates, now, specs: templateSpecCache(dir) })), fresh);
    const entries = readdirSync(dir).sort();
    assert.equal(entries.length, 3);
    let compiled = 0;
    const counting = templateSpecCache(dir);
    const spy = {
      get: counting.get,
      set: (n: string, h: string, v: string) => (compiled++, counting.set(n, h, v)),
    };
    assert.deepEqual(pages(render(model, { templates, now, specs: spy })), fresh);
    assert.equal(compiled, 0, 'every page came from the cache');
    // A damaged entry: the page is compiled again, and the entry replaced.
    writeFileSync(path.join(dir, entries[0] as string), '{ not a template');
    assert.deepEqual(pages(render(model, { templates, now, specs: spy })), fresh);
    assert.equal(compiled, 1);
    assert.notEqual(readFileSync(path.join(dir, entries[0] as string), 'utf8'), '{ not a template');
    // An edited template is a new entry that replaces the old one, and renders the edit.
    const edited = { ...templates, 'INDEX.md.hbs': `EDITED\n${templates['INDEX.md.hbs']}` };
    const out = pages(render(model, { templates: edited, now, specs: spy }));
    assert.match(out[0] ?? '', /^EDITED\n/);
    const after = readdirSync(dir).sort();
    assert.equal(after.length, 3, after.join(', '));
    const index = after.filter((e) => e.startsWith('INDEX_md_hbs-'));
    assert.equal(index.length, 1, after.join(', '));
    assert.ok(!entries.includes(index[0] as string), 'the edited template has a new entry');
    // A cache that cannot be written is no error: the pages are as before.
    const blocked = path.join(tmp, 'not-a-dir');
    writeFileSync(blocked, 'x');
    assert.deepEqual(pages(render(model, { templates, now, specs: templateSpecCache(blocked) })), fresh);
  });
});
