// Section 2: what our reporter costs on synthetic suites of 500, 2,000 and 10,000 tests (no
// browser), against the same run with Playwright's dot reporter (the baseline) and its html,
// junit and blob reporters. Runs are interleaved so drift lands on every variant alike.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PLAYWRIGHT_CLI, runNode } from './measure-process.ts';
import { reportProblem } from './report-check.ts';
import { countKinds, planSuite, writeSuite } from './synthetic-suite.ts';
import { growthExponent, interleave, ratio, summarize, type Summary } from './stats.ts';

export type Variant = 'dot' | 'phasegate' | 'html' | 'junit' | 'blob';

export interface VariantResult {
  wall: Summary;
  rootPeakMiB: Summary;
  treeMaxPeakMiB: Summary;
}

export interface SizeResult {
  tests: number;
  mix: Record<string, number>;
  variants: Partial<Record<Variant, VariantResult>>;
  /** Median ratios against dot measured in the same invocation. */
  vsDot: Partial<Record<Variant, { wall: number; rootPeak: number }>>;
  /** Median wall of the variant minus dot's, ms: the reporter's own cost in absolute terms. */
  overheadMs: Partial<Record<Variant, number>>;
}

export interface ReporterCostResults {
  runs: Record<number, number>;
  sizes: SizeResult[];
  /** Exponent k of overhead ≈ a·n^k across the sizes (≤ 1: linear or better). */
  growth: Partial<Record<Variant, { wall: number; overhead: number; rootPeak: number }>>;
  invalidRuns: string[];
}

export const PHASEGATE_REPORTER = 'reporters/reporter.ts';

export function reporterArg(v: Variant, repo: string): string {
  return v === 'phasegate' ? path.join(repo, PHASEGATE_REPORTER) : v;
}

/** Per-run output folders, so every run writes from scratch as a fresh CI job does. */
export function outputEnv(runDir: string): Record<string, string> {
  return {
    CI: 'true',
    STORAGE_DIR: path.join(runDir, 'storage'),
    PLAYWRIGHT_HTML_OUTPUT_DIR: path.join(runDir, 'html'),
    PLAYWRIGHT_HTML_OPEN: 'never',
    PLAYWRIGHT_JUNIT_OUTPUT_FILE: path.join(runDir, 'junit.xml'),
    PLAYWRIGHT_BLOB_OUTPUT_DIR: path.join(runDir, 'blob'),
  };
}

export async function runReporterCost(o: {
  repo: string;
  sizes: number[];
  runsFor: (size: number) => number;
  variantsFor: (size: number) => Variant[];
  log: (s: string) => void;
}): Promise<ReporterCostResults> {
  const invalidRuns: string[] = [];
  const sizes: SizeResult[] = [];
  const runs: Record<number, number> = {};
  const ours = existsSync(path.join(o.repo, PHASEGATE_REPORTER));
  for (const size of o.sizes) {
    const plan = planSuite(size);
    const mix = countKinds(plan);
    const dir = path.join(o.repo, `.tmp/bench-syn-${size}`);
    rmSync(dir, { recursive: true, force: true });
    await writeSuite(dir, plan, o.repo);
    const variants = o.variantsFor(size).filter((v) => v !== 'phasegate' || ours);
    if (!ours) invalidRuns.push(`${PHASEGATE_REPORTER} does not exist yet: our reporter not measured`);
    const n = o.runsFor(size);
    runs[size] = n;
    let k = 0;
    const runOnce = async (v: Variant) => {
      const runDir = path.join(dir, 'out', `${v}-${k++}`);
      mkdirSync(runDir, { recursive: true });
      const m = await runNode([PLAYWRIGHT_CLI, 'test', `--reporter=${reporterArg(v, o.repo)}`], {
        cwd: dir,
        env: { ...process.env, ...outputEnv(runDir) },
        timeoutMs: 1_200_000,
      });
      let problem: string | null =
        m.exitCode === 1 ? null : `exit ${m.exitCode} (expected 1: the suite has failures)`;
      if (!problem && v === 'phasegate') {
        problem = reportProblem(path.join(runDir, 'storage'), {
          total: size,
          failed: mix.fail,
          warnings: mix.warn,
        });
      }
      rmSync(runDir, { recursive: true, force: true });
      return { m, problem };
    };
    // Fills Playwright's transform cache for the specs and our reporter; not counted.
    for (const v of variants.filter((x) => x === 'dot' || x === 'phasegate')) await runOnce(v);
    const raw = new Map<Variant, { wall: number; root: number; tree: number }[]>();
    for (const v of interleave(variants, n)) {
      const { m, problem } = await runOnce(v);
      if (problem) {
        invalidRuns.push(`${size} tests, ${v}: ${problem}\n${m.output.slice(-1200)}`);
        o.log(`reporter ${size} ${v}: INVALID (${problem})`);
        continue;
      }
      o.log(
        `reporter ${size} ${v}: ${(m.wallMs / 1000).toFixed(2)} s, runner peak ${m.rootPeakMiB?.toFixed(0)} MiB`,
      );
      const list = raw.get(v) ?? [];
      list.push({ wall: m.wallMs, root: m.rootPeakMiB ?? Number.NaN, tree: m.treeMaxPeakMiB ?? Number.NaN });
      raw.set(v, list);
    }
    const result: SizeResult = { tests: size, mix, variants: {}, vsDot: {}, overheadMs: {} };
    for (const [v, list] of raw) {
      result.variants[v] = {
        wall: summarize(list.map((r) => r.wall)),
        rootPeakMiB: summarize(list.map((r) => r.root)),
        treeMaxPeakMiB: summarize(list.map((r) => r.tree)),
      };
    }
    const dot = result.variants.dot;
    if (dot) {
      for (const [v, r] of Object.entries(result.variants) as [Variant, VariantResult][]) {
        result.vsDot[v] = {
          wall: ratio(r.wall.median, dot.wall.median),
          rootPeak: ratio(r.rootPeakMiB.median, dot.rootPeakMiB.median),
        };
        result.overheadMs[v] = Math.round(r.wall.median - dot.wall.median);
      }
    }
    sizes.push(result);
    rmSync(dir, { recursive: true, force: true });
  }
  const growth: ReporterCostResults['growth'] = {};
  for (const v of ['dot', 'phasegate', 'html', 'junit', 'blob'] as Variant[]) {
    const pts = sizes.filter((s) => s.variants[v]);
    if (pts.length < 2) continue;
    growth[v] = {
      wall: growthExponent(pts.map((s) => ({ n: s.tests, cost: s.variants[v]?.wall.median ?? 0 }))),
      overhead: growthExponent(pts.map((s) => ({ n: s.tests, cost: s.overheadMs[v] ?? 0 }))),
      rootPeak: growthExponent(
        pts.map((s) => ({ n: s.tests, cost: s.variants[v]?.rootPeakMiB.median ?? 0 })),
      ),
    };
  }
  return { runs, sizes, growth, invalidRuns };
}
