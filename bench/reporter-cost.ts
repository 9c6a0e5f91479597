// Section 2: what our reporter costs on synthetic suites (no browser; ~10% screenshots, ~5%
// warnings, ~2% failures), against Playwright's dot reporter (the baseline) and its html, junit
// and blob reporters. Two measurements:
// - run: the whole `playwright test` with each reporter, the figure the targets speak of;
// - replay: the suite runs once into a blob, then each reporter consumes the very same events
//   through `merge-reports`. No test execution in the timing, so the reporter's own cost stands
//   out even when a shared machine's load makes whole runs swing by tens of seconds.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, type Comparison } from './compare.ts';
import { PLAYWRIGHT_CLI, runNode, type Measured } from './measure-process.ts';
import { reportProblem } from './report-check.ts';
import { growthExponent } from './stats.ts';
import { countKinds, planSuite, writeSuite, type ShotStyle } from './synthetic-suite.ts';

export type Variant = 'dot' | 'phasegate' | 'empty' | 'html' | 'junit' | 'blob';
export const VARIANTS: readonly Variant[] = ['dot', 'phasegate', 'empty', 'html', 'junit', 'blob'];
export type Mode = 'run' | 'replay';

export interface SizeResult extends Comparison<Variant> {
  tests: number;
  mode: Mode;
  mix: Record<string, number>;
}

export interface ReporterCostResults {
  sizes: SizeResult[];
  /** Exponent k of cost ≈ a·n^k across the replay sizes (≤ 1: linear or better). */
  growth: Partial<Record<Variant, { wall: number; cpu: number; rootPeak: number }>>;
  notes: string[];
}

export const PHASEGATE_REPORTER = 'reporters/reporter.ts';
/** A reporter file that does nothing: the fixed cost of any (bench/empty-reporter.ts). */
const EMPTY_REPORTER = fileURLToPath(new URL('./empty-reporter.ts', import.meta.url));

export function reporterArg(v: Variant, repo: string): string {
  if (v === 'phasegate') return path.join(repo, PHASEGATE_REPORTER);
  return v === 'empty' ? EMPTY_REPORTER : v;
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

export interface SizePlan {
  tests: number;
  run: { variants: Variant[]; runs: number } | null;
  replay: { variants: Variant[]; runs: number } | null;
}

export async function runReporterCost(o: {
  repo: string;
  sizes: SizePlan[];
  log: (s: string) => void;
  /** How the screenshot tests attach their PNG (default: measured, as our browser checks do). */
  shotStyle?: ShotStyle;
}): Promise<ReporterCostResults> {
  const notes: string[] = [];
  const sizes: SizeResult[] = [];
  const ours = existsSync(path.join(o.repo, PHASEGATE_REPORTER));
  if (!ours) notes.push(`${PHASEGATE_REPORTER} does not exist yet: our reporter not measured`);
  const keep = (vs: Variant[]) => vs.filter((v) => v !== 'phasegate' || ours);
  for (const size of o.sizes) {
    const plan = planSuite(size.tests, o.shotStyle);
    const mix = countKinds(plan);
    const expect = { total: size.tests, failed: mix.fail, warnings: mix.warn };
    const dir = path.join(o.repo, `.tmp/bench-syn-${size.tests}-${plan.shotStyle}`);
    rmSync(dir, { recursive: true, force: true });
    await writeSuite(dir, plan, o.repo);
    let k = 0;
    const measured = async (v: Variant, args: string[], okExit: number) => {
      const runDir = path.join(dir, 'out', `${v}-${k++}`);
      mkdirSync(runDir, { recursive: true });
      const m: Measured = await runNode([PLAYWRIGHT_CLI, ...args], {
        cwd: dir,
        env: { ...process.env, ...outputEnv(runDir) },
        timeoutMs: 1_800_000,
      });
      let problem: string | null = m.exitCode === okExit ? null : `exit ${m.exitCode} (expected ${okExit})`;
      if (!problem && v === 'phasegate') problem = reportProblem(path.join(runDir, 'storage'), expect);
      rmSync(runDir, { recursive: true, force: true });
      return { m, problem };
    };
    if (size.run) {
      const variants = keep(size.run.variants);
      // Fills Playwright's transform cache for the specs and our reporter; not counted.
      for (const v of variants.filter((x) => x === 'dot' || x === 'phasegate')) {
        await measured(v, ['test', `--reporter=${reporterArg(v, o.repo)}`], 1);
      }
      const c = await compare({
        variants,
        baseline: 'dot',
        runs: size.run.runs,
        // The suite has failures, so `playwright test` exits 1 with every reporter.
        runOnce: (v) => measured(v, ['test', `--reporter=${reporterArg(v, o.repo)}`], 1),
        label: `run ${size.tests}`,
        log: o.log,
      });
      sizes.push({ ...c, tests: size.tests, mode: 'run', mix });
    }
    if (size.replay) {
      const blobs = path.join(dir, 'blob-once');
      // The events are the same whatever the worker count; two workers only make the one-off
      // recording quicker.
      const rec = await runNode([PLAYWRIGHT_CLI, 'test', '--reporter=blob', '--workers=2'], {
        cwd: dir,
        env: { ...process.env, ...outputEnv(dir), PLAYWRIGHT_BLOB_OUTPUT_DIR: blobs },
        timeoutMs: 1_800_000,
      });
      const zips = existsSync(blobs) ? readdirSync(blobs).filter((f) => f.endsWith('.zip')) : [];
      if (zips.length !== 1) {
        notes.push(
          `replay ${size.tests}: recording the blob failed (exit ${rec.exitCode})\n${rec.output.slice(-1500)}`,
        );
      } else {
        o.log(`replay ${size.tests}: blob recorded in ${(rec.wallMs / 1000).toFixed(1)} s`);
        const variants = keep(size.replay.variants);
        // merge-reports exits 0 even when tests failed (ENVIRONMENT.md).
        const replay = (v: Variant) =>
          measured(v, ['merge-reports', `--reporter=${reporterArg(v, o.repo)}`, blobs], 0);
        if (variants.includes('phasegate')) await replay('phasegate');
        const c = await compare({
          variants,
          baseline: 'dot',
          runs: size.replay.runs,
          runOnce: replay,
          label: `replay ${size.tests}`,
          log: o.log,
        });
        sizes.push({ ...c, tests: size.tests, mode: 'replay', mix });
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const growth: ReporterCostResults['growth'] = {};
  const replays = sizes.filter((s) => s.mode === 'replay');
  for (const v of VARIANTS) {
    const pts = replays.filter((s) => s.variants[v]);
    if (pts.length < 2) continue;
    const fit = (f: (s: SizeResult) => number) =>
      growthExponent(pts.map((s) => ({ n: s.tests, cost: f(s) })));
    growth[v] = {
      wall: fit((s) => s.variants[v]?.wall.median ?? 0),
      cpu: fit((s) => s.variants[v]?.cpuMs.median ?? 0),
      rootPeak: fit((s) => s.variants[v]?.rootPeakMiB.median ?? 0),
    };
  }
  return { sizes, growth, notes };
}
