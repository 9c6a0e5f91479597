// The pure parts of the benchmark harness (bench/): statistics, the synthetic suite's mix, the
// timeline split, the status.env reader and the targets tables; and the compare section's
// worktree and its refusal of a bad ref. No timing is asserted here.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { growthExponent, interleave, median, ratio, summarize } from '../bench/stats.ts';
import { countKinds, kindOf, planSuite, renderSpec, writeSuite } from '../bench/synthetic-suite.ts';
import { parseStatusEnv } from '../bench/report-check.ts';
import { splitTimeline, suiteConfig } from '../bench/suite-runs.ts';
import { renderResults, type BenchResults } from '../bench/render-results.ts';
import { mapLimit } from '../bench/screenshot-cost.ts';
import sharp from 'sharp';
import { pixelStats } from '../fixtures/screenshot-facts.ts';
import { screenshotPng } from '../bench/synthetic-suite.ts';
import { createBaselineTree, resolveRef } from '../bench/compare-worktree.ts';
import { goalRows, renderCompare } from '../bench/compare-render.ts';
import type { CompareResults } from '../bench/compare-run.ts';
import { reporterArg, VARIANTS, type SizeResult } from '../bench/reporter-cost.ts';
import type { MergeResults } from '../bench/merge-cost.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

describe('bench reporter variants', () => {
  test('each is a built-in reporter or a file that default-exports a reporter class', async () => {
    const builtIn = new Set(['dot', 'html', 'junit', 'blob']);
    for (const v of VARIANTS) {
      const arg = reporterArg(v, repo);
      if (builtIn.has(v)) {
        assert.equal(arg, v);
        continue;
      }
      assert.ok(path.isAbsolute(arg) && existsSync(arg), `${v}: ${arg}`);
      const mod = (await import(arg)) as { default?: unknown };
      assert.equal(typeof mod.default, 'function', `${v}: no default export`);
    }
    // `empty` does nothing: no hook but printsToStdio, which keeps the console to the runner.
    const { default: Empty } = (await import(reporterArg('empty', repo))) as {
      default: new () => Record<string, unknown>;
    };
    const proto = Object.getOwnPropertyNames(Empty.prototype).filter((n) => n !== 'constructor');
    assert.deepEqual(proto, ['printsToStdio']);
  });
});

describe('bench statistics', () => {
  test('median of odd and even counts, unsorted input', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), /no values/);
  });

  test('summarize keeps min and max', () => {
    assert.deepEqual(summarize([3, 9, 1]), { runs: 3, median: 3, min: 1, max: 9 });
  });

  test('ratio against a baseline, NaN without one', () => {
    assert.equal(ratio(11, 10), 1.1);
    assert.ok(Number.isNaN(ratio(1, 0)));
  });

  test('growth exponent: linear is 1, quadratic is 2', () => {
    assert.equal(
      growthExponent([
        { n: 500, cost: 5 },
        { n: 10000, cost: 100 },
      ]),
      1,
    );
    assert.equal(
      growthExponent([
        { n: 10, cost: 1 },
        { n: 100, cost: 100 },
      ]),
      2,
    );
    assert.ok(Number.isNaN(growthExponent([{ n: 10, cost: 1 }])));
  });

  test('interleave rotates the starting variant every round', () => {
    assert.deepEqual(interleave(['a', 'b'], 3), ['a', 'b', 'b', 'a', 'a', 'b']);
    assert.deepEqual(interleave(['a', 'b', 'c'], 2), ['a', 'b', 'c', 'b', 'c', 'a']);
  });

  test('mapLimit keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(out, [10, 20, 30, 40, 50, 60, 70]);
    assert.equal(peak, 3);
  });
});

describe('synthetic suite', () => {
  test('the mix is exactly 10% screenshots, 5% warnings, 2% failures per 100 tests', () => {
    for (const n of [500, 2000, 10000]) {
      const plan = planSuite(n);
      assert.deepEqual(countKinds(plan), {
        shot: n / 10,
        warn: n / 20,
        fail: n / 50,
        pass: n - n / 10 - n / 20 - n / 50,
      });
      assert.equal(plan.files.flat().length, n);
      assert.equal(plan.screenshots, n / 10);
    }
  });

  test('kinds never overlap and every screenshot is a distinct file', () => {
    const plan = planSuite(2000);
    const shots = plan.files
      .flat()
      .filter((t) => t.kind === 'shot')
      .map((t) => t.shot);
    assert.equal(new Set(shots).size, shots.length);
    assert.equal(kindOf(0), 'shot');
    assert.equal(kindOf(3), 'warn');
    assert.equal(kindOf(7), 'fail');
    assert.equal(kindOf(1), 'pass');
  });

  test('tests cover every phase and real checklist ids; a quarter of failures are critical', () => {
    const tests = planSuite(2000).files.flat();
    assert.deepEqual([...new Set(tests.map((t) => t.phase))].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(tests.every((t) => new RegExp(`^p${t.phase}\\.`).test(t.covers)));
    const fails = tests.filter((t) => t.kind === 'fail');
    assert.equal(fails.filter((t) => t.critical).length, fails.length / 4);
  });

  test('a spec imports the project fixtures by a path relative to itself', () => {
    const dir = path.join(repo, '.tmp/bench-x');
    const spec = renderSpec(planSuite(100).files[0] ?? [], dir, repo);
    assert.match(spec, /from '\.\.\/\.\.\/\.\.\/fixtures\/tags\.ts'/);
    assert.match(spec, /ANNOTATION\.warning/);
    // Screenshots go through the checks' own capture path (measured in the worker).
    assert.match(spec, /from '\.\.\/\.\.\/\.\.\/fixtures\/screenshot-facts\.ts'/);
    assert.match(spec, /await attachScreenshot\(testInfo, png, meta\)/);
    // Plain attachments, as testInfo.attach in a QA engineer's check: written with our `test`
    // (whose worker measures them), or with bare Playwright (the reporter measures them).
    const plain = renderSpec(planSuite(100, 'plain').files[0] ?? [], dir, repo, 'plain');
    const foreign = renderSpec(planSuite(100, 'foreign').files[0] ?? [], dir, repo, 'foreign');
    for (const s of [plain, foreign]) {
      assert.doesNotMatch(s, /await attachScreenshot\(/);
      assert.match(
        s,
        /await testInfo\.attach\(`login page \$\{shot\}`, \{ body: png, contentType: 'image\/png' \}\)/,
      );
    }
    assert.match(plain, /import \{ test \} from '\.\.\/\.\.\/\.\.\/fixtures\/index\.ts'/);
    assert.match(foreign, /import \{ test, expect \} from '@playwright\/test'/);
  });

  const dir = path.join(repo, `.tmp/bench-smoke-${randomBytes(4).toString('hex')}`);
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the generated suite loads in Playwright with the planned tests and tags', async () => {
    const plan = planSuite(100);
    await writeSuite(dir, plan, repo);
    const out = execFileSync(
      process.execPath,
      [path.join(repo, 'node_modules/@playwright/test/cli.js'), 'test', '--list', '--reporter=json'],
      {
        cwd: dir,
        env: { ...process.env, CI: 'true' },
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 64 << 20,
      },
    );
    interface Spec {
      title: string;
      tags: string[];
    }
    const report = JSON.parse(out) as { suites: { specs: Spec[] }[] };
    const specs = report.suites.flatMap((s) => s.specs);
    assert.equal(report.suites.length, 5);
    assert.equal(specs.length, 100);
    const byTitle = new Map(specs.map((s) => [s.title, s.tags]));
    assert.deepEqual(byTitle.get('synthetic check 00007'), ['phase8', 'api', 'critical']);
    assert.deepEqual(byTitle.get('synthetic check 00000'), [
      'phase1',
      'phase2',
      'phase3',
      'phase4',
      'phase5',
      'phase6',
      'phase7',
      'phase8',
      'e2e',
    ]);
  });
});

describe('timeline and reports', () => {
  test('a run is split into stages that add up to its wall time', () => {
    const t = {
      configured: 1_000,
      begin: 3_000,
      firstTestBegin: 3_100,
      lastTestEnd: 9_000,
      end: 9_500,
      exit: 10_200,
      tests: 3,
      fixtureMs: {},
      slowest: [],
    };
    const split = splitTimeline(t, 600, 9_800);
    assert.deepEqual(split, {
      startup: 400,
      sandboxAndLoad: 2000,
      checks: 6000,
      shutdown: 500,
      report: 700,
      exit: 200,
    });
    assert.equal(
      Object.values(split).reduce((a, b) => a + b, 0),
      9_800,
    );
  });

  test('status.env values, quoted or not, with comments', () => {
    const env = parseStatusEnv(
      "PHASE=8\nSTATUS=FAIL            # PASS | WARN | FAIL\nTOTAL=2000\nREPORT_DIR='storage/reports/x y'\n# note\n",
    );
    assert.deepEqual(env, { PHASE: '8', STATUS: 'FAIL', TOTAL: '2000', REPORT_DIR: 'storage/reports/x y' });
  });

  test('targets are marked met or missed from the medians', () => {
    const s = (median: number) => ({ runs: 3, median, min: median, max: median });
    const r: BenchResults = {
      startedAt: 'a',
      finishedAt: 'b',
      mode: 'latest',
      machine: { cpus: 2, cpuModel: 'cpu', memGiB: 1, os: 'os', node: 'v20', playwright: '1', sharp: '0' },
      args: [],
      load: [{ at: 'a', what: 'start', loadavg: [1, 1, 1] }],
      suite: null,
      reporter: {
        sizes: [
          {
            tests: 2000,
            mode: 'run',
            mix: { shot: 200, warn: 100, fail: 40, pass: 1660 },
            runs: 3,
            baseline: 'dot',
            variants: {
              dot: { wall: s(10_000), cpuMs: s(5_000), rootPeakMiB: s(100) },
              phasegate: { wall: s(12_000), cpuMs: s(6_000), rootPeakMiB: s(120) },
              html: { wall: s(13_000), cpuMs: s(7_000), rootPeakMiB: s(110) },
            },
            vsBaseline: {
              dot: { wall: 1, cpu: 1, rootPeak: 1 },
              phasegate: { wall: 1.2, cpu: 1.2, rootPeak: 1.2 },
              html: { wall: 1.3, cpu: 1.4, rootPeak: 1.1 },
            },
            overheadMs: { dot: 0, phasegate: 2000, html: 3000 },
            invalid: [],
          },
        ],
        growth: {},
        notes: [],
      },
      merge: null,
      screenshots: null,
    };
    const md = renderResults(r);
    assert.match(md, /reporter on 2,000 tests < 1\.1× dot wall \(whole run\) \| 1\.20× \| \*\*missed\*\*/);
    assert.match(md, /no slower than html \(whole run\) \| 0\.92× html \| met/);
    assert.match(md, /peak memory < 1\.5× dot \(whole run\) \| 1\.20× \| met/);
    assert.match(md, /\| 2000 tests \| phasegate \| 3 \| 12\.00 \(12\.00–12\.00\) \| 1\.20× \| 2000 \|/);
  });
});

describe('the measured screenshot optimisation keeps the numbers', () => {
  // reporters/screenshots.ts computes the blank-page statistics from raw pixels instead of
  // sharp's stats() (BENCHMARKS.md, section 4): the figures the verdict reads must not move.
  test('pixelStats equals sharp stats() on a page, a white page, a grey image and a transparent one', async () => {
    const images = [
      await screenshotPng(3),
      await sharp({ create: { width: 640, height: 400, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
      await sharp({ create: { width: 64, height: 40, channels: 3, background: '#336699' } })
        .composite([
          { input: await screenshotPng(1).then((b) => sharp(b).resize(32).toBuffer()), top: 2, left: 2 },
        ])
        .greyscale()
        .png()
        .toBuffer(),
      await sharp({
        create: { width: 64, height: 40, channels: 4, background: { r: 9, g: 20, b: 30, alpha: 0.5 } },
      })
        .png()
        .toBuffer(),
    ];
    for (const png of images) {
      const want = await sharp(png).stats();
      const { data, info } = await sharp(png).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      const got = pixelStats(data, info.channels, info.width);
      const colour = info.channels < 3 ? 1 : 3;
      assert.equal(got.channels.length, colour);
      got.channels.forEach((c, i) => {
        assert.ok(Math.abs(c.mean - (want.channels[i]?.mean ?? NaN)) < 1e-6, `mean of channel ${i}`);
        assert.ok(Math.abs(c.stdev - (want.channels[i]?.stdev ?? NaN)) < 1e-6, `stdev of channel ${i}`);
      });
      assert.deepEqual(got.dominant, want.dominant);
    }
  });
});

describe('bench compare: the earlier tree', () => {
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();

  test('a worktree at the resolved sha, with node_modules, reused while there, removed afterwards', () => {
    const ref = resolveRef(repo, 'HEAD');
    assert.equal(ref.sha, git('rev-parse', 'HEAD'));
    const lines: string[] = [];
    const tree = createBaselineTree(repo, ref, (s) => lines.push(s));
    try {
      assert.equal(tree.dir, path.join(repo, '.tmp/bench-worktrees', ref.short));
      assert.equal(
        execFileSync('git', ['-C', tree.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
        ref.sha,
      );
      // The lock files are the same commit's: this repo's node_modules, linked.
      assert.equal(tree.nodeModules, 'symlink');
      assert.ok(lstatSync(path.join(tree.dir, 'node_modules')).isSymbolicLink());
      assert.equal(
        realpathSync(path.join(tree.dir, 'node_modules')),
        realpathSync(path.join(repo, 'node_modules')),
      );
      assert.deepEqual(tree.copied, []);
      assert.match(git('worktree', 'list', '--porcelain'), new RegExp(`worktree ${tree.dir}\n`));
      const again = createBaselineTree(repo, ref, (s) => lines.push(s));
      assert.equal(again.dir, tree.dir);
      assert.match(lines.join('\n'), /reusing the worktree/);
    } finally {
      tree.remove();
    }
    assert.equal(existsSync(tree.dir), false);
    assert.doesNotMatch(git('worktree', 'list', '--porcelain'), new RegExp(`worktree ${tree.dir}\n`));
    // This repo's node_modules survived the removal of the link to it.
    assert.ok(existsSync(path.join(repo, 'node_modules/@playwright/test/package.json')));
  });

  test("a commit without the bench harness gets this tree's copy, which loads that commit's config", () => {
    // The first commit with bench/suite-config.ts; its parent has the same package-lock.json.
    const added = git('log', '--diff-filter=A', '--format=%H', '--', 'bench/suite-config.ts')
      .split('\n')
      .pop();
    assert.ok(added);
    const tree = createBaselineTree(repo, resolveRef(repo, `${added}~1`), () => {});
    try {
      assert.deepEqual(tree.copied, ['bench/suite-config.ts', 'bench/timing-reporter.ts']);
      const config = suiteConfig(tree.dir);
      assert.equal(config, path.join(tree.dir, '.tmp/bench-harness/suite-config.ts'));
      const out = execFileSync(
        process.execPath,
        [
          path.join(repo, 'node_modules/@playwright/test/cli.js'),
          'test',
          '-c',
          config,
          '--list',
          '--reporter=json',
        ],
        {
          cwd: tree.dir,
          env: { ...process.env, CI: 'true', BENCH_REPO: tree.dir },
          encoding: 'utf8',
          timeout: 120_000,
          maxBuffer: 64 << 20,
        },
      );
      const report = JSON.parse(out) as { config: { projects: { testDir: string }[] } };
      assert.ok(report.config.projects.length > 0);
      for (const p of report.config.projects) assert.equal(p.testDir, path.join(tree.dir, 'tests'));
    } finally {
      tree.remove();
    }
    assert.equal(existsSync(tree.dir), false);
  });

  test('a bad ref: one line on stderr, exit 2, nothing measured', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--compare', 'no-such-ref-for-bench-smoke'],
      { cwd: repo, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 2);
    const err = r.stderr.trim().split('\n');
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0] ?? '', /^bench: --compare: "no-such-ref-for-bench-smoke" is not a commit/);
    assert.equal(r.stdout, '');
  });
});

describe('bench compare: the goal table', () => {
  const s = (median: number) => ({ runs: 2, median, min: median, max: median });
  const size = (
    mode: 'run' | 'replay',
    pgVsDot: number,
    htmlVsDot: number,
    peak: { phasegate: number; html: number },
  ): SizeResult => ({
    tests: 2000,
    mode,
    mix: {},
    runs: 2,
    baseline: 'dot',
    variants: {
      dot: { wall: s(10_000), cpuMs: s(5_000), rootPeakMiB: s(100) },
      phasegate: { wall: s(10_000 * pgVsDot), cpuMs: s(5_000), rootPeakMiB: s(peak.phasegate) },
      html: { wall: s(10_000 * htmlVsDot), cpuMs: s(5_000), rootPeakMiB: s(peak.html) },
    },
    vsBaseline: {
      dot: { wall: 1, cpu: 1, rootPeak: 1 },
      phasegate: { wall: pgVsDot, cpu: 1, rootPeak: 1 },
      html: { wall: htmlVsDot, cpu: 1, rootPeak: 1 },
    },
    overheadMs: {},
    invalid: [],
  });
  const merge = (pgVsHtml: number): MergeResults => ({
    tests: 2000,
    shards: 4,
    shardWall: null,
    notes: [],
    runs: 2,
    baseline: 'html',
    variants: {},
    vsBaseline: {
      html: { wall: 1, cpu: 1, rootPeak: 1 },
      phasegate: { wall: pgVsHtml, cpu: 1, rootPeak: 1 },
    },
    overheadMs: {},
    invalid: [],
  });
  const suite = (ms: number) => ({ wall: s(ms), treeCpuMs: s(ms / 2), tests: [34, 34], exitCodes: [0, 0] });
  const results: CompareResults = {
    startedAt: 'a',
    finishedAt: 'b',
    machine: { cpus: 2, cpuModel: 'cpu', memGiB: 1, os: 'os', node: 'v20', playwright: '1' },
    args: ['--compare', 'ad985d8'],
    load: [{ at: 'a', what: 'start', loadavg: [3, 1, 1] }],
    current: { sha: 'f'.repeat(40), short: 'fffffff', dirty: false },
    baseline: { ref: 'ad985d8', sha: 'a'.repeat(40), short: 'aaaaaaa', nodeModules: 'symlink', copied: [] },
    runs: 2,
    suite: {
      targets: [
        { target: 'full', grep: null, trees: { baseline: suite(20_000), this: suite(11_000) } },
        { target: 'phase1', grep: '@phase1\\b', trees: { baseline: suite(10_000), this: suite(7_000) } },
      ],
      notes: [],
    },
    demo: {
      trees: { baseline: { wall: s(90_000), exitCodes: [0] }, this: { wall: s(46_000), exitCodes: [0] } },
      notes: [],
    },
    reporter: {
      baseline: { sizes: [size('run', 1.5, 1.2, { phasegate: 280, html: 190 })], growth: {}, notes: [] },
      this: {
        sizes: [
          size('run', 1.1, 1.2, { phasegate: 200, html: 190 }),
          size('replay', 1.3, 1.2, { phasegate: 250, html: 200 }),
        ],
        growth: {},
        notes: [],
      },
    },
    merge: { baseline: merge(1.4), this: merge(0.9) },
  };

  test("each goal is met or not from the ratios, with both trees' figures", () => {
    const rows = goalRows(results);
    const row = (re: RegExp) => {
      const r = rows.find((x) => re.test(x.what));
      assert.ok(r, `no row ${re}`);
      return r;
    };
    const full = row(/all checks\), wall/);
    assert.deepEqual([full.baseline, full.current, full.ratio, full.met], [20_000, 11_000, 0.55, true]);
    assert.equal(row(/@phase1.*wall/).met, false);
    assert.equal(row(/all checks\), CPU/).met, null);
    const demo = row(/npm run demo/);
    assert.ok(Math.abs((demo.ratio ?? 0) - 46 / 90) < 1e-9);
    assert.equal(demo.met, false);
    const run = row(/whole run\): phasegate ÷ dot/);
    assert.deepEqual([run.baseline, run.current, run.met], [1.5, 1.1, true]);
    assert.equal(row(/replay\): phasegate ÷ dot/).met, false);
    const peak = row(/whole run\): phasegate ÷ html, runner peak/);
    assert.ok(Math.abs((peak.current ?? 0) - 200 / 190) < 1e-9);
    assert.equal(peak.met, true);
    assert.equal(row(/replay\): phasegate ÷ html, runner peak/).met, false);
    const mg = row(/merge of 4 shards/);
    assert.deepEqual([mg.current, mg.met], [0.9, true]);
  });

  test('the Markdown names both commits, the load and marks rows met / not met', () => {
    const md = renderCompare(results);
    assert.match(md, /this tree \(fffffff\) against ad985d8 \(aaaaaaa\)/);
    assert.match(md, /start 3\.0/);
    assert.match(
      md,
      /\| `playwright test` \(all checks\), wall \| 20\.00 s \| 11\.00 s \| 0\.55× \| ≤ 0\.60× baseline \| met \|/,
    );
    assert.match(
      md,
      /`npm run demo`, wall \| 90\.00 s \| 46\.00 s \| 0\.51× \| ≤ 0\.50× baseline \| \*\*not met\*\* \|/,
    );
    assert.match(
      md,
      /whole run\): phasegate ÷ dot, wall \| 1\.50× \| 1\.10× \| 0\.73× \| ≤ html ÷ dot \(1\.20×\) \| met \|/,
    );
    assert.match(
      md,
      /merge of 4 shards, 2000 results: phasegate ÷ html, wall \| 1\.40× \| 0\.90× \| 0\.64× \| ≤ 1\.00× \| met \|/,
    );
  });
});

describe('the bench command line', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'bench', 'run.ts'), ...args], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });

  test('--help prints the usage; an unknown option says which, with the usage, and no stack trace', () => {
    const help = bench('--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: npm run bench .*--compare <ref>/s);
    const bad = bench('--bogus');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^bench: Unknown option '--bogus'.*\nusage: npm run bench/s);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
