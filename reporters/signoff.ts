// The runbook's sign-off blocks (RUNBOOK.md Step 6 and "Final sign-off"), as pure functions of
// the run model and the run history. The reporter appends the per-run block to
// storage/deployment.log; scripts/signoff.ts appends the final one.
import { SIGNOFF_MEASUREMENTS, type Measurement } from '../results/index.ts';
import type { Phase } from '../phases/catalogue.ts';
import type { HistoryEntry } from './history.ts';
import { runsOfPhase } from './history.ts';
import type { RunModel } from './model.ts';

const RULE = '═'.repeat(59);

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** Whether a run verified its phase: PASS or WARN. FAIL did not, and ERROR could not tell. */
export function isVerified(status: RunModel['status']): boolean {
  return status === 'PASS' || status === 'WARN';
}

/**
 * The block a run appends to deployment.log: VERIFIED (PASS, WARN), FAILED, or INCONCLUSIVE
 * (ERROR: the checker could not verify; never VERIFIED, never a rollback).
 */
export function deploymentBlock(model: RunModel, now: Date): string {
  const verified = isVerified(model.status);
  const inconclusive = model.status === 'ERROR';
  const c = model.counts;
  const checks = verified
    ? `${c.passed}/${c.executed} PASSED`
    : `${c.passed}/${c.executed} PASSED, ${c.failed} FAILED${c.criticalFailures ? ` (${c.criticalFailures} critical)` : ''}${c.inconclusive ? `, ${c.inconclusive} INCONCLUSIVE` : ''}`;
  const lines = [
    '',
    RULE,
    `PHASE ${model.phase} DEPLOYMENT - ${now.toISOString()}`,
    RULE,
    `Status: ${verified ? '✅ VERIFIED' : inconclusive ? '❔ INCONCLUSIVE (not verified)' : '❌ FAILED'}`,
    `Phase: ${model.phase} (${model.phaseName})`,
    `Recommendation: ${model.recommendation}`,
    `Health Checks: ${checks}`,
    `Warnings: ${c.warnings}, Skipped: ${c.skipped}, Flaky: ${c.flaky}`,
    `Screenshots: ${model.screenshots.length ? `CAPTURED (${model.screenshots.length})` : 'NONE'}`,
    `Links: ${model.reportDir}/`,
    `       ${model.screenshotDir}/`,
  ];
  if (model.targetVersion) lines.push(`Target Version: ${model.targetVersion}`);
  lines.push(
    '',
    `Deployed by: ${model.deployedBy}`,
    `Duration: ${formatDuration(model.durationMs)}`,
    inconclusive
      ? `Rollback Plan: none - do not roll back on this result; ${model.verdictCause ?? 'the checker could not verify'}`
      : `Rollback Plan: RUNBOOK.md "IF TESTS FAIL (Rollback Procedure)"; rollback effort ${model.rollbackEffort || 'unknown'}`,
    '',
    inconclusive
      ? `Next Step: fix the runner and re-run the Phase ${model.phase} checks`
      : model.phase < 8
        ? `Next Phase: Phase ${model.phase + 1}`
        : 'Next Phase: final sign-off (npm run signoff)',
  );
  if (model.bothVersionsFailing) {
    lines.push(
      `⚠️ Both versions failing — investigate infrastructure (${model.bothVersionsFailing.previous} and ${model.bothVersionsFailing.current})`,
    );
  }
  lines.push(RULE, '');
  return lines.join('\n') + '\n';
}

export interface FinalMetric {
  label: string;
  name: string;
  measurement: Measurement | null;
  /** Met its target (null: not measured). */
  ok: boolean | null;
  text: string;
}

export interface FinalSignoff {
  ok: boolean;
  /** The release the latest runs verified, when they recorded one and agree. */
  version: string | null;
  phases: { phase: number; name: string; latest: HistoryEntry | null; verified: boolean }[];
  problems: string[];
  metrics: FinalMetric[];
}

const METRICS: { label: string; name: string }[] = [
  { label: 'Booking Time', name: SIGNOFF_MEASUREMENTS.bookingTime },
  { label: 'Data Consistency', name: SIGNOFF_MEASUREMENTS.consistency },
  { label: 'Booking Success Rate', name: SIGNOFF_MEASUREMENTS.bookingSuccess },
  { label: 'Test Coverage', name: SIGNOFF_MEASUREMENTS.coverage },
];

function metTarget(m: Measurement): boolean {
  return m.better === 'higher' ? m.value >= m.target : m.value <= m.target;
}

function formatMeasurement(m: Measurement): string {
  const seconds = m.unit === 'ms' && (m.value >= 1000 || m.target >= 1000);
  const v = seconds
    ? `${round1(m.value / 1000)} s`
    : `${round1(m.value)}${m.unit === '%' ? '%' : ` ${m.unit}`}`;
  const t = seconds
    ? `${round1(m.target / 1000)} s`
    : `${round1(m.target)}${m.unit === '%' ? '%' : ` ${m.unit}`}`;
  const op = m.better === 'higher' ? '≥' : '≤';
  return `${v} (target ${op} ${t})`;
}

function round1(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * Whether every phase 1–8 has a latest run that is VERIFIED (PASS or WARN), and the four final
 * metrics from the latest runs that measured them. A metric that misses its target fails the
 * sign-off; a metric no check measured is listed as "not measured" and does not.
 *
 * One release is signed off, not a mix: with `targetVersion` (TARGET_VERSION at sign-off) only
 * the runs of that version count; without it, latest runs of different versions are refused
 * (runs that recorded no version mix with none).
 */
export function evaluateFinal(
  entries: readonly HistoryEntry[],
  catalogue: readonly Phase[],
  opts: { targetVersion?: string | null } = {},
): FinalSignoff {
  const problems: string[] = [];
  const wanted = opts.targetVersion || null;
  const phases = catalogue.map((p) => {
    const all = runsOfPhase(entries, p.id);
    const runs = wanted ? all.filter((r) => r.targetVersion === wanted) : all;
    const latest = runs[runs.length - 1] ?? null;
    const verified = latest !== null && isVerified(latest.status);
    const other = all[all.length - 1];
    if (!latest && wanted && other) {
      problems.push(
        `Phase ${p.id} (${p.name}): no run of version ${wanted} recorded (the latest, at ${other.startedAt}, verified ${other.targetVersion ?? 'no recorded version'}); run it on ${wanted}`,
      );
    } else if (!latest) problems.push(`Phase ${p.id} (${p.name}): no run recorded`);
    else if (latest.status === 'ERROR') {
      problems.push(
        `Phase ${p.id} (${p.name}): INCONCLUSIVE (the checker could not verify) at ${latest.startedAt}; fix the runner and re-run; see ${latest.reportDir}/INDEX.md`,
      );
    } else if (!verified) {
      problems.push(
        `Phase ${p.id} (${p.name}): FAILED (${latest.failed} failed, ${latest.recommendation}) at ${latest.startedAt}; see ${latest.reportDir}/INDEX.md`,
      );
    }
    return { phase: p.id, name: p.name, latest, verified };
  });
  // With TARGET_VERSION every latest run is of that version; without it they may be of several.
  const byVersion = new Map<string | null, number[]>();
  for (const p of phases) {
    if (!p.latest) continue;
    // A line written before versions were kept has none.
    const v = p.latest.targetVersion ?? null;
    byVersion.set(v, [...(byVersion.get(v) ?? []), p.phase]);
  }
  if (byVersion.size > 1) {
    const list = [...byVersion].map(
      ([v, ps]) => `${v ?? 'no recorded version'}: phase${ps.length > 1 ? 's' : ''} ${ps.join(', ')}`,
    );
    problems.push(
      `The latest runs verified different versions (${list.join('; ')}): set TARGET_VERSION to the release being signed off, and run the phases that lack it`,
    );
  }
  const version = byVersion.size === 1 ? ([...byVersion.keys()][0] ?? null) : null;
  const latestRuns = phases
    .map((p) => p.latest)
    .filter((e): e is HistoryEntry => e !== null)
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  const metrics = METRICS.map(({ label, name }): FinalMetric => {
    const measurement = latestRuns.flatMap((r) => r.measurements.filter((m) => m.name === name))[0] ?? null;
    if (!measurement) return { label, name, measurement, ok: null, text: `${label}: not measured ⚠️` };
    const ok = metTarget(measurement);
    if (!ok) problems.push(`${label}: ${formatMeasurement(measurement)} misses its target`);
    return {
      label,
      name,
      measurement,
      ok,
      text: `${label}: ${formatMeasurement(measurement)} ${ok ? '✅' : '❌'}`,
    };
  });
  return { ok: problems.length === 0, version, phases, problems, metrics };
}

/** The final block (only when evaluateFinal said ok). */
export function finalBlock(f: FinalSignoff, who: string, now: Date): string {
  const unmeasured = f.metrics.filter((m) => m.ok === null).length;
  return (
    [
      '',
      RULE,
      '🎉 ALL 8 PHASES DEPLOYED & VERIFIED',
      RULE,
      '',
      ...f.phases.map(
        (p) =>
          `Phase ${p.phase}: ${p.name} → ✅ ${p.latest?.status === 'WARN' ? 'VERIFIED (monitor)' : 'VERIFIED'} ${p.latest?.reportDir ?? ''}`,
      ),
      '',
      ...f.metrics.map((m) => m.text),
      `Production Ready: YES ✅${unmeasured ? ` (${unmeasured} metric(s) not measured)` : ''}`,
      '',
      'System is now production-grade and ready for operation!',
      '',
      RULE,
      `Deployment Completed: ${now.toISOString()}`,
      ...(f.version ? [`Target Version: ${f.version}`] : []),
      `Verified by: ${who}`,
      RULE,
      '',
    ].join('\n') + '\n'
  );
}
