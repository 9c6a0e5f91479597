// The threshold decision, pure (DESIGN.md "probe, then decide"): a probe measures, this decides.
// The sentence that goes with it is thresholdMessage in messages.ts.
import type { Threshold } from '../phases/catalogue.ts';
import type { Measurement, Verdict } from './result.ts';

/** `value <= target` green, `target < value <= limit` yellow, beyond the limit red (mirrored when higher is better). */
export function decide(value: number, t: Threshold): Verdict {
  if (!Number.isFinite(value)) return 'red';
  if (t.better === 'higher') {
    if (value >= t.target) return 'green';
    return value >= t.limit ? 'yellow' : 'red';
  }
  if (value <= t.target) return 'green';
  return value <= t.limit ? 'yellow' : 'red';
}

export function measurementOf(name: string, value: number, t: Threshold): Measurement {
  return {
    name,
    value,
    unit: t.unit,
    target: t.target,
    limit: t.limit,
    better: t.better,
    verdict: decide(value, t),
  };
}

/** The p-th percentile (nearest rank) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
