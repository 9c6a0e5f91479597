// Interleaved comparison of variants of one command: ABAB rounds, medians per variant, ratios
// against a baseline measured in the same rounds. Used by the reporter and merge sections.
import type { Measured } from './measure-process.ts';
import { interleave, ratio, summarize, type Summary } from './stats.ts';

export interface VariantResult {
  wall: Summary;
  /** CPU time of the runner process (the reporters run in it). */
  cpuMs: Summary;
  rootPeakMiB: Summary;
}

export interface Comparison<V extends string> {
  runs: number;
  baseline: V;
  variants: Partial<Record<V, VariantResult>>;
  /** Median over median: variant / baseline. */
  vsBaseline: Partial<Record<V, { wall: number; cpu: number; rootPeak: number }>>;
  /** Median wall of the variant minus the baseline's, ms. */
  overheadMs: Partial<Record<V, number>>;
  invalid: string[];
}

/**
 * Runs every variant `runs` times in rotating order. A run whose `problem` is non-null (a wrong
 * exit code, a missing or wrong report) is left out and listed, never averaged in.
 */
export async function compare<V extends string>(o: {
  variants: V[];
  baseline: V;
  runs: number;
  runOnce: (v: V) => Promise<{ m: Measured; problem: string | null }>;
  label: string;
  log: (s: string) => void;
}): Promise<Comparison<V>> {
  const raw = new Map<V, { wall: number; cpu: number; root: number }[]>();
  const invalid: string[] = [];
  for (const v of interleave(o.variants, o.runs)) {
    const { m, problem } = await o.runOnce(v);
    if (problem) {
      invalid.push(`${o.label}, ${v}: ${problem}\n${m.output.slice(-1200)}`);
      o.log(`${o.label} ${v}: INVALID (${problem})`);
      continue;
    }
    o.log(
      `${o.label} ${v}: ${(m.wallMs / 1000).toFixed(2)} s wall, runner ${((m.rootCpuMs ?? 0) / 1000).toFixed(2)} s CPU, ` +
        `${m.rootPeakMiB?.toFixed(0)} MiB peak`,
    );
    const list = raw.get(v) ?? [];
    list.push({ wall: m.wallMs, cpu: m.rootCpuMs ?? Number.NaN, root: m.rootPeakMiB ?? Number.NaN });
    raw.set(v, list);
  }
  const out: Comparison<V> = {
    runs: o.runs,
    baseline: o.baseline,
    variants: {},
    vsBaseline: {},
    overheadMs: {},
    invalid,
  };
  for (const v of o.variants) {
    const list = raw.get(v);
    if (!list?.length) continue;
    out.variants[v] = {
      wall: summarize(list.map((r) => r.wall)),
      cpuMs: summarize(list.map((r) => r.cpu)),
      rootPeakMiB: summarize(list.map((r) => r.root)),
    };
  }
  const base = out.variants[o.baseline];
  if (base) {
    for (const v of o.variants) {
      const r = out.variants[v];
      if (!r) continue;
      out.vsBaseline[v] = {
        wall: ratio(r.wall.median, base.wall.median),
        cpu: ratio(r.cpuMs.median, base.cpuMs.median),
        rootPeak: ratio(r.rootPeakMiB.median, base.rootPeakMiB.median),
      };
      out.overheadMs[v] = Math.round(r.wall.median - base.wall.median);
    }
  }
  return out;
}
