// Pure statistics for the benchmarks. The machines are shared and noisy, so every figure is a
// median over several runs and every comparison a ratio of medians taken in one invocation.

export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
}

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] as number;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] as number) + hi) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return { runs: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** candidate / baseline, rounded to 3 decimals; NaN when the baseline is not positive. */
export function ratio(candidate: number, baseline: number): number {
  if (!(baseline > 0)) return Number.NaN;
  return Math.round((candidate / baseline) * 1000) / 1000;
}

/**
 * The exponent k of cost ≈ a·n^k fitted through the first and last points: k ≤ 1 means linear or
 * better. Two points are enough to say "linear or worse" on sizes a factor 20 apart.
 */
export function growthExponent(points: readonly { n: number; cost: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const first = points[0] as { n: number; cost: number };
  const last = points[points.length - 1] as { n: number; cost: number };
  if (first.n <= 0 || last.n <= first.n || first.cost <= 0 || last.cost <= 0) return Number.NaN;
  return Math.round((Math.log(last.cost / first.cost) / Math.log(last.n / first.n)) * 100) / 100;
}

/**
 * ABAB order: round r runs every variant once, rotating the starting variant each round so that
 * drift on a shared machine lands on every variant alike.
 */
export function interleave<T>(variants: readonly T[], rounds: number): T[] {
  const order: T[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) order.push(variants[(i + r) % variants.length] as T);
  }
  return order;
}
