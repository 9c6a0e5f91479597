// storage/history.jsonl: one line per run, so a report can show the trend of its phase and the
// final sign-off can find the latest run of every phase and the metrics it measured. Pure: the
// file is read and appended by write.ts.
import type { Measurement } from '../results/index.ts';
import type { HistoryPoint, Recommendation, RunModel, RunStatus } from './model.ts';

export interface HistoryEntry extends HistoryPoint {
  phase: number;
  recommendation: Recommendation;
  total: number;
  passed: number;
  skipped: number;
  flaky: number;
  criticalFailures: number;
  screenshotDir: string;
  deployedBy: string;
  measurements: Measurement[];
}

export function historyEntry(model: RunModel): HistoryEntry {
  return {
    phase: model.phase,
    startedAt: model.startedAt,
    status: model.status,
    recommendation: model.recommendation,
    successRate: model.successRate,
    durationMs: model.durationMs,
    total: model.counts.total,
    passed: model.counts.passed,
    failed: model.counts.failed,
    warnings: model.counts.warnings,
    skipped: model.counts.skipped,
    flaky: model.counts.flaky,
    criticalFailures: model.counts.criticalFailures,
    targetVersion: model.targetVersion,
    reportDir: model.reportDir,
    screenshotDir: model.screenshotDir,
    deployedBy: model.deployedBy,
    measurements: model.checks.flatMap((c) => c.measurements),
  };
}

const STATUSES: readonly RunStatus[] = ['PASS', 'WARN', 'ERROR', 'FAIL'];

/** Parses history.jsonl; a line that is not a run (a truncated write, an edit) is skipped. */
export function parseHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as HistoryEntry).phase === 'number' &&
      typeof (v as HistoryEntry).startedAt === 'string' &&
      STATUSES.includes((v as HistoryEntry).status)
    ) {
      const e = v as HistoryEntry;
      out.push({ ...e, measurements: Array.isArray(e.measurements) ? e.measurements : [] });
    }
  }
  return out;
}

/**
 * Runs of `phase`, oldest first (by start time, then file order). A run in which no check ran (a
 * `--grep` that matched nothing) verified nothing: it is kept in the file, but it is no run of the
 * phase for the trend, the sign-off or "both versions failing".
 */
export function runsOfPhase(entries: readonly HistoryEntry[], phase: number): HistoryEntry[] {
  return entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.phase === phase && e.total !== 0)
    .sort((a, b) => (a.e.startedAt < b.e.startedAt ? -1 : a.e.startedAt > b.e.startedAt ? 1 : a.i - b.i))
    .map(({ e }) => e);
}

const BARS = '▁▂▃▄▅▆▇█';

/** A text sparkline of values between `min` and `max` (pass rates: 0–100). */
export function sparkline(values: readonly number[], min = 0, max = 100): string {
  const span = max - min || 1;
  return values
    .map((v) => {
      const x = Math.min(1, Math.max(0, (v - min) / span));
      return BARS[Math.round(x * (BARS.length - 1))] ?? BARS[0];
    })
    .join('');
}

const SVG_COLOUR: Record<RunStatus, string> = {
  PASS: '#1a7f37',
  WARN: '#9a6700',
  ERROR: '#8250df',
  FAIL: '#cf222e',
};

/**
 * A small bar chart of the pass rate per run, coloured by run status, as inline SVG for
 * index.html. Built from numbers and fixed strings only, so it needs no escaping.
 */
export function trendSvg(points: readonly HistoryPoint[]): string {
  const w = 24;
  const h = 60;
  const width = Math.max(1, points.length) * w;
  const bars = points
    .map((p, i) => {
      const bh = Math.max(2, Math.round((Math.min(100, Math.max(0, p.successRate)) / 100) * h));
      const title = `${p.startedAt}: ${p.status}, ${p.successRate}% passed, ${p.warnings} warning(s), ${Math.round(p.durationMs / 1000)} s`;
      return `<rect x="${i * w + 3}" y="${h - bh}" width="${w - 6}" height="${bh}" fill="${SVG_COLOUR[p.status]}"><title>${escapeXml(title)}</title></rect>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img" aria-label="pass rate of recent runs">${bars}</svg>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
