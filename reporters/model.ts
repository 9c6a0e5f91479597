// The run model (STYLE.md "A reporter"): plain data copied out of Playwright's events, then pure
// functions that turn it into counts, colours, the phase, checklist coverage and the
// recommendation. No Playwright objects, no I/O, no clock: every decision here is unit-testable.
import {
  ANNOTATION,
  causeOf,
  checklistIdsOf,
  inconclusiveCauseOf,
  measurementsOf,
  missingSettingOf,
  screenshotsOf,
  warningsOf,
  type Cause,
  type Fault,
  type ImageMeasures,
  type Measurement,
  type ScreenshotMeta,
} from '../results/index.ts';
import type { Phase } from '../phases/catalogue.ts';

// ---------------------------------------------------------------------------------------------
// Snapshot: what the reporter copies out of Playwright (reporter.ts fills it).

export interface StepSnap {
  title: string;
  category: string;
  durationMs: number;
  error?: string;
  steps: StepSnap[];
}

export interface AttachmentSnap {
  name: string;
  contentType: string;
  /** A file (in a merge: `<blob dir>/resources/<sha1>.<ext>`), or… */
  path?: string;
  /** …the bytes themselves; never both (ENVIRONMENT.md). */
  body?: Buffer;
}

export interface AttemptSnap {
  retry: number;
  status: string;
  durationMs: number;
  errors: string[];
}

export interface TestSnap {
  id: string;
  title: string;
  /** Spec file relative to the project's testDir (titlePath()[2]): the same in a merge. */
  file: string;
  line: number;
  column: number;
  project: string;
  tags: string[];
  /** test.outcome() after its last attempt. */
  outcome: 'expected' | 'unexpected' | 'flaky' | 'skipped';
  /** Annotations of the final attempt (static ones included: ENVIRONMENT.md). */
  annotations: { type: string; description?: string }[];
  /** The final attempt. */
  status: string;
  durationMs: number;
  errors: string[];
  /** Set when the error arose before the check body could decide (a fixture or before-hook). */
  crashCause?: string;
  steps: StepSnap[];
  stdout: string;
  stderr: string;
  attachments: AttachmentSnap[];
  attempts: AttemptSnap[];
}

export interface RunSnapshot {
  startedAt: string;
  durationMs: number;
  /** Playwright's own verdict on the run ('passed' | 'failed' | 'timedout' | 'interrupted'). */
  runStatus: string;
  /** DEPLOYMENT_PHASE as the config (or a shard's config) recorded it in metadata. */
  metadataPhase: number | null;
  targetVersion: string | null;
  /** Errors outside any test (a spec that does not load, a worker that dies). */
  globalErrors: string[];
  /** The preflight's lines (one per problem found before the first check, with its fix). */
  preflight?: string[];
  tests: TestSnap[];
}

// ---------------------------------------------------------------------------------------------
// Evidence: what write.ts measured in the attachments (bytes, images) for buildModel.

export interface ScreenshotPlan {
  testId: string;
  attachmentIndex: number;
  /** `<phase>_<n>_<slug>.<ext>` */
  file: string;
  name: string;
  contentType: string;
  meta: ScreenshotMeta | null;
  /** The attachment holding the thumbnail the check made (with meta.facts), if any. */
  thumbnailIndex: number | null;
}

/** A screenshot as the report shows it; width and height are null when it could not be decoded. */
export interface ScreenshotFact extends ScreenshotPlan, Omit<ImageMeasures, 'width' | 'height'> {
  width: number | null;
  height: number | null;
  /** Relative to the screenshot folder. */
  thumbnail: string | null;
  thumbnailSize: number | null;
}

export interface Evidence {
  screenshots: ScreenshotFact[];
  /** Text of each check's `browser-console` attachment, by test id. */
  consoles: Record<string, string>;
  /** The Playwright trace of each failed or inconclusive check, relative to the screenshot folder. */
  traces: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// The model.

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL' | 'INCONCLUSIVE' | 'SKIP';
/** FAIL > ERROR > WARN > PASS; ERROR: the checker could not verify (INCONCLUSIVE checks only). */
export type RunStatus = 'PASS' | 'WARN' | 'ERROR' | 'FAIL';
export type Recommendation = 'PROCEED' | 'MONITOR' | 'INCONCLUSIVE' | 'FIX_AND_RETEST' | 'ROLLBACK';

export interface Check {
  id: string;
  title: string;
  file: string;
  line: number;
  project: string;
  kind: 'api' | 'e2e';
  tags: string[];
  critical: boolean;
  /** Lowest `@phaseN` tag, or null when the check has none. */
  introducedIn: number | null;
  checklist: string[];
  status: CheckStatus;
  crashed: boolean;
  flaky: boolean;
  /** Why it is not green: warning messages, the failure cause, the skip reason. */
  warnings: string[];
  cause: string | null;
  /** Whose fault a FAIL or INCONCLUSIVE is (null when green, yellow or skipped). */
  fault: Fault | null;
  /** The checker-side cause of an INCONCLUSIVE check, with its evidence and fix. */
  inconclusive: Cause | null;
  skipReason: string | null;
  /** The setting a skip names ("Not configured: HEALTH_DETAILED_PATH …" → HEALTH_DETAILED_PATH). */
  missingSetting: string | null;
  /** The text after "Title: " in summary.txt. */
  summaryText: string;
  durationMs: number;
  retries: number;
  measurements: Measurement[];
  screenshots: ScreenshotFact[];
  errors: string[];
  steps: StepSnap[];
  stdout: string;
  stderr: string;
  browserConsole: string | null;
  /** Its Playwright trace (relative to the screenshot folder), kept for a check that did not pass. */
  trace: string | null;
  attempts: AttemptSnap[];
}

export interface Counts {
  /** Every check, skipped ones included. */
  total: number;
  /** Checks that ran (total − skipped): the denominator of "N/M checks passed". */
  executed: number;
  /** Green and yellow. */
  passed: number;
  failed: number;
  /** Checks the checker could not verify (neither passed nor failed). */
  inconclusive: number;
  warnings: number;
  skipped: number;
  flaky: number;
  criticalFailures: number;
  crashed: number;
}

/** One cause shared by several checks: the report says it once and lists the checks under it. */
export interface CauseGroup {
  status: 'FAIL' | 'INCONCLUSIVE';
  fault: Fault;
  /** "browser checks", "checks": what the listed checks have in common. */
  noun: string;
  text: string;
  fix: string | null;
  evidence: string | null;
  checks: { id: string; title: string }[];
}

export interface CoverageItem {
  id: string;
  text: string;
  phase: number;
  checks: { title: string; status: CheckStatus }[];
  /** Worst colour of its checks; 'NONE' when no check covers it. */
  status: CheckStatus | 'NONE';
}

export interface Coverage {
  items: CoverageItem[];
  covered: number;
  total: number;
  /** Share of items with at least one check that ran (not skipped), one decimal. */
  sharePct: number;
  /** Checklist ids that checks name but the catalogue does not know (a typo in a check). */
  unknownIds: string[];
}

export interface HistoryPoint {
  startedAt: string;
  status: RunStatus;
  successRate: number;
  durationMs: number;
  warnings: number;
  failed: number;
  targetVersion: string | null;
  reportDir: string;
  /** The measured values of the run, by name (absent in lines written before they were kept). */
  values?: Record<string, number>;
}

export interface NotificationOutcome {
  channel: 'slack' | 'email';
  ok: boolean;
  detail: string;
}

export interface RunModel {
  phase: number;
  phaseName: string;
  phaseSource: 'DEPLOYMENT_PHASE' | 'tags' | 'fallback';
  risk: string;
  rollbackEffort: string;
  startedAt: string;
  durationMs: number;
  runStatus: string;
  targetVersion: string | null;
  deployedBy: string;
  dirName: string;
  reportDir: string;
  screenshotDir: string;
  status: RunStatus;
  recommendation: Recommendation;
  /** For INCONCLUSIVE: what could not be verified and why, in one line. */
  verdictCause: string | null;
  counts: Counts;
  successRate: number;
  checks: Check[];
  /** Causes shared by two or more checks, biggest first. */
  causes: CauseGroup[];
  coverage: Coverage;
  screenshots: ScreenshotFact[];
  globalErrors: string[];
  preflight: string[];
  /** Earlier runs of the same phase (oldest first), then this one. */
  trend: HistoryPoint[];
  /** This run and the previous run of the phase both FAIL, on different TARGET_VERSIONs. */
  bothVersionsFailing: { previous: string; current: string } | null;
  notifications: NotificationOutcome[];
}

// ---------------------------------------------------------------------------------------------
// Pure decisions.

/** The phases of a check's `@phase1` … `@phase8` tags, ascending. */
export function phaseTagsOf(tags: readonly string[]): number[] {
  // By character, not by a regular expression: it runs for every tag of every check, twice.
  const out: number[] = [];
  for (const t of tags) {
    const digit = t.length === 7 && t.startsWith('@phase') ? t.charCodeAt(6) - 48 : 0;
    if (digit >= 1 && digit <= 8) out.push(digit);
  }
  return out.length > 1 ? out.sort((a, b) => a - b) : out;
}

/**
 * The phase a run verified (DESIGN.md "Tags and phases"): DEPLOYMENT_PHASE when set (in this
 * process, else as a shard's config recorded it), else the lowest phase whose tag every check
 * carries. Skipped checks count too: `--grep` selected them as well, so the answer does not
 * depend on which settings are missing. With no common phase tag, the highest phase tag seen
 * (or 8) is reported as `fallback`.
 */
export function resolvePhase(
  tests: readonly Pick<TestSnap, 'tags'>[],
  override: number | null,
  metadataPhase: number | null,
): { phase: number; source: RunModel['phaseSource'] } {
  if (override) return { phase: override, source: 'DEPLOYMENT_PHASE' };
  if (metadataPhase) return { phase: metadataPhase, source: 'DEPLOYMENT_PHASE' };
  let common: number[] | undefined;
  let highest = 0;
  for (const t of tests) {
    const own = phaseTagsOf(t.tags);
    for (const p of own) highest = Math.max(highest, p);
    common = common === undefined ? own : common.filter((p) => own.includes(p));
  }
  const lowest = common?.length ? Math.min(...common) : null;
  if (lowest) return { phase: lowest, source: 'tags' };
  return { phase: highest || 8, source: 'fallback' };
}

type Sortable = Pick<TestSnap, 'annotations' | 'file' | 'line' | 'column' | 'project' | 'title'>;

/**
 * The order of every listing (summary, logs, screenshot numbers): catalogue position of the
 * check's first checklist item, then file, line, column, project, title. Uses only what a merge
 * of shards still has, so both give the same order.
 */
export function compareTests<T extends Sortable>(catalogue: readonly Phase[]): (a: T, b: T) => number {
  const order = catalogueOrder(catalogue);
  // Once a test, not once a comparison: a sort of 10,000 checks compares ~130,000 times.
  const memo = new WeakMap<T, number>();
  const pos = (t: T) => {
    let p = memo.get(t);
    if (p === undefined) {
      const first = checklistIdsOf(t.annotations)[0];
      p = (first !== undefined ? order.get(first) : undefined) ?? Number.MAX_SAFE_INTEGER;
      memo.set(t, p);
    }
    return p;
  };
  return (a, b) =>
    pos(a) - pos(b) ||
    cmp(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    cmp(a.project, b.project) ||
    cmp(a.title, b.title);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function catalogueOrder(catalogue: readonly Phase[]): Map<string, number> {
  const order = new Map<string, number>();
  for (const p of catalogue) for (const item of p.checklist) order.set(item.id, order.size);
  return order;
}

/** "Login page" → "login_page": file names that survive every file system and shell. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return s.slice(0, 60) || 'screenshot';
}

/**
 * Every image attached by a check's final attempt, named `<phase>_<n>_<slug>.<ext>` with n in a
 * stable order (catalogue position of the check's first checklist item, then file/line, then
 * attachment order), so `1_1_login_page.png` is the same file on every run and in a merge.
 */
export function planScreenshots(
  snapshot: RunSnapshot,
  phase: number,
  catalogue: readonly Phase[],
): ScreenshotPlan[] {
  const plans: ScreenshotPlan[] = [];
  const used = new Set<string>();
  const tests = [...snapshot.tests].sort(compareTests(catalogue));
  for (const t of tests) {
    for (const shot of screenshotsOf(t)) {
      const { attachmentIndex, ext, name } = shot;
      const n = plans.length + 1;
      let file = `${phase}_${n}_${slug(name)}.${ext}`;
      // Two attachments of the same name in one check still get two files.
      for (let k = 2; used.has(file); k++) file = `${phase}_${n}_${slug(name)}_${k}.${ext}`;
      used.add(file);
      plans.push({
        testId: t.id,
        attachmentIndex,
        file,
        name,
        contentType: shot.contentType,
        meta: shot.meta,
        thumbnailIndex: shot.thumbnailIndex,
      });
    }
  }
  return plans;
}

/** A check's colour (DESIGN.md "The check model"), read from the result contract's annotations. */
export function checkFromSnap(t: TestSnap, shots: ScreenshotFact[], browserConsole: string | null): Check {
  const tags = t.tags;
  const phases = phaseTagsOf(tags);
  const critical = tags.includes('@critical');
  const kind: Check['kind'] =
    tags.includes('@e2e') || (!tags.includes('@api') && t.project === 'e2e') ? 'e2e' : 'api';
  const warnings = warningsOf(t.annotations);
  const skipNote = t.annotations.find((a) => a.type === ANNOTATION.skip || a.type === 'fixme');
  const checkerCause = inconclusiveCauseOf(t.annotations);
  let status: CheckStatus;
  let cause: string | null = null;
  let skipReason: string | null = null;
  let crashed = false;
  let fault: Fault | null = null;
  let inconclusive: Cause | null = null;
  const flaky = t.outcome === 'flaky';
  if (t.outcome === 'skipped') {
    status = 'SKIP';
    skipReason = (skipNote?.description ?? '').trim() || 'skipped';
  } else if (t.outcome === 'unexpected' && checkerCause?.fault === 'checker') {
    status = 'INCONCLUSIVE';
    fault = 'checker';
    inconclusive = checkerCause;
    cause = checkerCause.text;
  } else if (t.outcome === 'unexpected') {
    status = 'FAIL';
    fault = 'target';
    crashed = t.crashCause !== undefined;
    const first = t.crashCause ?? t.errors[0] ?? `ended with status ${t.status}`;
    cause =
      t.status === 'timedOut' && !/timeout/i.test(first) ? `timed out: ${causeOf(first)}` : causeOf(first);
  } else {
    status = 'PASS';
    if (flaky) {
      warnings.push(`passed only on retry ${t.attempts.length - 1} (flaky)`);
    }
    for (const s of shots) if (s.blank) warnings.push(`blank screenshot "${s.name}": ${s.blankReason}`);
    if (warnings.length) status = 'WARN';
  }
  // A failing check keeps its failure; its blank screenshots are listed with the evidence.
  const summaryText =
    status === 'PASS'
      ? 'PASS'
      : status === 'WARN'
        ? warnings.join('; ')
        : status === 'SKIP'
          ? `SKIPPED — ${skipReason}`
          : status === 'INCONCLUSIVE'
            ? `INCONCLUSIVE — ${cause}`
            : `FAIL — ${crashed ? 'crashed: ' : ''}${cause}`;
  return {
    id: t.id,
    title: t.title,
    file: t.file,
    line: t.line,
    project: t.project,
    kind,
    tags,
    critical,
    introducedIn: phases[0] ?? null,
    checklist: checklistIdsOf(t.annotations),
    status,
    crashed,
    flaky,
    warnings,
    cause,
    fault,
    inconclusive,
    skipReason,
    missingSetting: skipReason ? missingSettingOf(skipReason) : null,
    summaryText,
    durationMs: t.durationMs,
    retries: Math.max(0, t.attempts.length - 1),
    measurements: measurementsOf(t.annotations),
    screenshots: shots,
    errors: t.errors,
    steps: t.steps,
    stdout: t.stdout,
    stderr: t.stderr,
    browserConsole,
    trace: null,
    attempts: t.attempts,
  };
}

export function countChecks(checks: readonly Check[]): Counts {
  const c: Counts = {
    total: checks.length,
    executed: 0,
    passed: 0,
    failed: 0,
    inconclusive: 0,
    warnings: 0,
    skipped: 0,
    flaky: 0,
    criticalFailures: 0,
    crashed: 0,
  };
  for (const k of checks) {
    if (k.status === 'SKIP') c.skipped++;
    else c.executed++;
    if (k.status === 'PASS' || k.status === 'WARN') c.passed++;
    if (k.status === 'WARN') c.warnings++;
    if (k.status === 'FAIL') c.failed++;
    if (k.status === 'INCONCLUSIVE') c.inconclusive++;
    if (k.status === 'FAIL' && k.critical) c.criticalFailures++;
    if (k.crashed) c.crashed++;
    if (k.flaky) c.flaky++;
  }
  return c;
}

/** passed / executed, one decimal; 0 when nothing ran. */
export function successRate(c: Counts): number {
  return c.executed === 0 ? 0 : Math.round((c.passed / c.executed) * 1000) / 10;
}

/**
 * Run status and recommendation (DESIGN.md), worst first: a failed `@critical` check → ROLLBACK;
 * any other failure (or an error outside the checks, or a run whose selected checks were all
 * skipped) → FIX_AND_RETEST; checks the checker could not verify, or no check selected at all →
 * ERROR / INCONCLUSIVE (never a rollback: a real failure of the target above outranks it);
 * warnings or skipped checks → MONITOR (a skipped check verified nothing, so the run is never
 * silently green); else PROCEED.
 */
export function decide(
  c: Counts,
  globalErrors: number,
): { status: RunStatus; recommendation: Recommendation } {
  if (c.criticalFailures > 0) return { status: 'FAIL', recommendation: 'ROLLBACK' };
  // No check selected at all (a `--grep` or file filter that matches none; Playwright adds its
  // "No tests found" error), or none that loaded: the invocation or the suite failed, not the
  // target, and nothing about the target is known.
  if (c.total === 0) return { status: 'ERROR', recommendation: 'INCONCLUSIVE' };
  if (c.failed > 0 || globalErrors > 0 || c.executed === 0)
    return { status: 'FAIL', recommendation: 'FIX_AND_RETEST' };
  if (c.inconclusive > 0) return { status: 'ERROR', recommendation: 'INCONCLUSIVE' };
  if (c.warnings > 0 || c.skipped > 0) return { status: 'WARN', recommendation: 'MONITOR' };
  return { status: 'PASS', recommendation: 'PROCEED' };
}

/** The worst of two run statuses: FAIL > ERROR > WARN > PASS. */
export function worstStatus(a: RunStatus, b: RunStatus): RunStatus {
  const order: RunStatus[] = ['PASS', 'WARN', 'ERROR', 'FAIL'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

/**
 * Causes that two or more FAIL checks share, and every INCONCLUSIVE cause (the same checker-side cause, or the
 * same first line of their failure), biggest first: "10 browser checks: Chromium not found".
 */
export function groupCauses(checks: readonly Check[]): CauseGroup[] {
  const groups = new Map<string, CauseGroup>();
  for (const c of checks) {
    if ((c.status !== 'FAIL' && c.status !== 'INCONCLUSIVE') || !c.cause) continue;
    const text = c.inconclusive?.text ?? c.cause;
    const key = `${c.status}\u0000${c.inconclusive?.key ?? ''}\u0000${text}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        status: c.status,
        fault: c.fault ?? 'target',
        noun: '',
        text,
        fix: c.inconclusive?.fix ?? null,
        evidence: c.inconclusive?.evidence ?? null,
        checks: [],
      };
      groups.set(key, g);
    }
    g.checks.push({ id: c.id, title: c.title });
  }
  const byId = new Map(checks.map((c) => [c.id, c]));
  return (
    [...groups.values()]
      // An inconclusive cause is listed even for one check: its line carries the evidence and the fix.
      .filter((g) => g.checks.length > 1 || g.status === 'INCONCLUSIVE')
      .map((g) => {
        const kinds = new Set(g.checks.map((k) => byId.get(k.id)?.kind));
        const noun =
          kinds.size === 1 && kinds.has('e2e')
            ? 'browser checks'
            : kinds.size === 1
              ? 'API checks'
              : 'checks';
        return { ...g, noun };
      })
      .sort((a, b) => b.checks.length - a.checks.length || (a.text < b.text ? -1 : 1))
  );
}

const NOTHING_SELECTED =
  'no check was selected (a --grep or file filter that matches no check: see `npx playwright test --list`)';

/** "could not verify Phase 3: Chromium not found at /x (10 browser checks)". */
function verdictCauseOf(phase: number, checks: readonly Check[], groups: readonly CauseGroup[]): string {
  if (checks.length === 0) return `could not verify Phase ${phase}: ${NOTHING_SELECTED}`;
  const inconclusive = checks.filter((c) => c.status === 'INCONCLUSIVE');
  const group = groups.find((g) => g.status === 'INCONCLUSIVE');
  const first = group?.text ?? inconclusive[0]?.inconclusive?.text ?? 'the checker could not verify';
  const others = new Set(inconclusive.map((c) => c.inconclusive?.text ?? '')).size - 1;
  return `could not verify Phase ${phase}: ${first}${others > 0 ? ` (and ${others} other cause${others === 1 ? '' : 's'})` : ''}`;
}

const SEVERITY: Record<CheckStatus, number> = { SKIP: 0, PASS: 1, WARN: 2, INCONCLUSIVE: 3, FAIL: 4 };

export function coverageOf(checks: readonly Check[], phase: number, catalogue: readonly Phase[]): Coverage {
  const items: CoverageItem[] = [];
  const known = new Set<string>();
  for (const p of catalogue) {
    for (const item of p.checklist) {
      known.add(item.id);
      if (p.id > phase) continue;
      const covering = checks.filter((c) => c.checklist.includes(item.id));
      let status: CoverageItem['status'] = 'NONE';
      for (const c of covering) {
        if (status === 'NONE' || SEVERITY[c.status] > SEVERITY[status]) status = c.status;
      }
      items.push({
        id: item.id,
        text: item.text,
        phase: p.id,
        checks: covering.map((c) => ({ title: c.title, status: c.status })),
        status,
      });
    }
  }
  const covered = items.filter((i) => i.checks.some((c) => c.status !== 'SKIP')).length;
  const unknownIds = [...new Set(checks.flatMap((c) => c.checklist).filter((id) => !known.has(id)))].sort();
  return {
    items,
    covered,
    total: items.length,
    sharePct: items.length ? Math.round((covered / items.length) * 1000) / 10 : 0,
    unknownIds,
  };
}

export interface ModelContext {
  catalogue: readonly Phase[];
  /** The phase the run verified, decided once by resolvePhase (reporter.ts). */
  phase: { phase: number; source: RunModel['phaseSource'] };
  /** TARGET_VERSION of this process (a shard's metadata is used when unset). */
  targetVersion: string | null;
  deployedBy: string;
  dirName: string;
  reportDir: string;
  screenshotDir: string;
  evidence: Evidence;
  /** Earlier runs of this phase, oldest first (history.jsonl). */
  history: HistoryPoint[];
  notifications: NotificationOutcome[];
  /** How many runs the trend shows, this one included. */
  trendLength: number;
}

export function buildModel(snapshot: RunSnapshot, ctx: ModelContext): RunModel {
  const { phase, source } = ctx.phase;
  const meta = ctx.catalogue.find((p) => p.id === phase);
  const shotsByTest = new Map<string, ScreenshotFact[]>();
  for (const s of ctx.evidence.screenshots) {
    shotsByTest.set(s.testId, [...(shotsByTest.get(s.testId) ?? []), s]);
  }
  const checks = [...snapshot.tests].sort(compareTests(ctx.catalogue)).map((t) => ({
    ...checkFromSnap(t, shotsByTest.get(t.id) ?? [], ctx.evidence.consoles[t.id] ?? null),
    trace: ctx.evidence.traces[t.id] ?? null,
  }));
  const counts = countChecks(checks);
  const rate = successRate(counts);
  const { status, recommendation } = decide(counts, snapshot.globalErrors.length);
  const targetVersion = ctx.targetVersion ?? snapshot.targetVersion;
  const point: HistoryPoint = {
    startedAt: snapshot.startedAt,
    status,
    successRate: rate,
    durationMs: snapshot.durationMs,
    warnings: counts.warnings,
    failed: counts.failed,
    targetVersion,
    reportDir: ctx.reportDir,
    values: Object.fromEntries(checks.flatMap((c) => c.measurements.map((m) => [m.name, m.value]))),
  };
  const causes = groupCauses(checks);
  const previous = ctx.history[ctx.history.length - 1];
  const bothVersionsFailing =
    status === 'FAIL' &&
    previous?.status === 'FAIL' &&
    previous.targetVersion &&
    targetVersion &&
    previous.targetVersion !== targetVersion
      ? { previous: previous.targetVersion, current: targetVersion }
      : null;
  return {
    phase,
    phaseName: meta?.name ?? `Phase ${phase}`,
    phaseSource: source,
    risk: meta?.risk ?? '',
    rollbackEffort: meta?.rollbackEffort ?? '',
    startedAt: snapshot.startedAt,
    durationMs: snapshot.durationMs,
    runStatus: snapshot.runStatus,
    targetVersion,
    deployedBy: ctx.deployedBy,
    dirName: ctx.dirName,
    reportDir: ctx.reportDir,
    screenshotDir: ctx.screenshotDir,
    status,
    recommendation,
    verdictCause: recommendation === 'INCONCLUSIVE' ? verdictCauseOf(phase, checks, causes) : null,
    counts,
    successRate: rate,
    checks,
    causes,
    coverage: coverageOf(checks, phase, ctx.catalogue),
    screenshots: ctx.evidence.screenshots,
    globalErrors: snapshot.globalErrors,
    preflight: snapshot.preflight ?? [],
    trend: [...ctx.history.slice(-(ctx.trendLength - 1)), point],
    bothVersionsFailing,
    notifications: ctx.notifications,
  };
}
