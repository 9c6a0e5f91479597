// The run model (STYLE.md "A reporter"): plain data copied out of Playwright's events, then pure
// functions that turn it into counts, colours, the phase, checklist coverage and the
// recommendation. No Playwright objects, no I/O, no clock: every decision here is unit-testable.
import {
  ANNOTATION,
  type CapturedFacts,
  type ImageMeasures,
  type Measurement,
  type ScreenshotMeta,
} from '../fixtures/annotations.ts';
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
}

// ---------------------------------------------------------------------------------------------
// The model.

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';
export type RunStatus = 'PASS' | 'WARN' | 'FAIL';
export type Recommendation = 'PROCEED' | 'MONITOR' | 'FIX_AND_RETEST' | 'ROLLBACK';

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
  warnings: number;
  skipped: number;
  flaky: number;
  criticalFailures: number;
  crashed: number;
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
  counts: Counts;
  successRate: number;
  checks: Check[];
  coverage: Coverage;
  screenshots: ScreenshotFact[];
  globalErrors: string[];
  /** Earlier runs of the same phase (oldest first), then this one. */
  trend: HistoryPoint[];
  /** This run and the previous run of the phase both FAIL, on different TARGET_VERSIONs. */
  bothVersionsFailing: { previous: string; current: string } | null;
  notifications: NotificationOutcome[];
}

// ---------------------------------------------------------------------------------------------
// Pure decisions.

const PHASE_TAG = /^@phase([1-8])$/;

export function phaseTagsOf(tags: readonly string[]): number[] {
  const out: number[] = [];
  for (const t of tags) {
    const m = PHASE_TAG.exec(t);
    if (m?.[1]) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
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
      const first = checklistIds(t.annotations)[0];
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

function checklistIds(annotations: TestSnap['annotations']): string[] {
  return annotations
    .filter((a) => a.type === ANNOTATION.checklist && a.description)
    .map((a) => a.description as string);
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

const IMAGE_EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

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
    const metas = screenshotMetas(t.annotations);
    // A thumbnail the check attached beside its screenshot is part of that screenshot's evidence.
    const thumbnails = new Set([...metas.values()].flatMap((m) => (m.facts ? [m.facts.thumbnail] : [])));
    t.attachments.forEach((a, attachmentIndex) => {
      const ext = IMAGE_EXT[a.contentType];
      if (!ext || thumbnails.has(a.name)) return;
      const meta = metas.get(a.name) ?? null;
      const thumbnailName = meta?.facts?.thumbnail;
      const thumbnailIndex = thumbnailName
        ? t.attachments.findIndex((b) => b.name === thumbnailName && b.contentType === 'image/png')
        : -1;
      const n = plans.length + 1;
      let file = `${phase}_${n}_${slug(a.name)}.${ext}`;
      // Two attachments of the same name in one check still get two files.
      for (let k = 2; used.has(file); k++) file = `${phase}_${n}_${slug(a.name)}_${k}.${ext}`;
      used.add(file);
      plans.push({
        testId: t.id,
        attachmentIndex,
        file,
        name: a.name,
        contentType: a.contentType,
        meta,
        thumbnailIndex: thumbnailIndex >= 0 ? thumbnailIndex : null,
      });
    });
  }
  return plans;
}

function screenshotMetas(annotations: TestSnap['annotations']): Map<string, ScreenshotMeta> {
  const out = new Map<string, ScreenshotMeta>();
  for (const a of annotations) {
    if (a.type !== ANNOTATION.screenshot || !a.description) continue;
    const meta = parseJson(a.description);
    if (isRecord(meta) && typeof meta.name === 'string') {
      out.set(meta.name, {
        name: meta.name,
        url: typeof meta.url === 'string' ? meta.url : '',
        viewport: isViewport(meta.viewport) ? meta.viewport : null,
        ...(isCapturedFacts(meta.facts) ? { facts: meta.facts } : {}),
      });
    }
  }
  return out;
}

function measurementsOf(annotations: TestSnap['annotations']): Measurement[] {
  const out: Measurement[] = [];
  for (const a of annotations) {
    if (a.type !== ANNOTATION.measurement || !a.description) continue;
    const m = parseJson(a.description);
    if (
      isRecord(m) &&
      typeof m.name === 'string' &&
      typeof m.value === 'number' &&
      typeof m.target === 'number' &&
      typeof m.limit === 'number'
    ) {
      out.push({
        name: m.name,
        value: m.value,
        unit: typeof m.unit === 'string' ? m.unit : '',
        target: m.target,
        limit: m.limit,
        better: m.better === 'higher' ? 'higher' : 'lower',
        verdict: m.verdict === 'red' || m.verdict === 'yellow' ? m.verdict : 'green',
      });
    }
  }
  return out;
}

/** "Not configured: HEALTH_DETAILED_PATH is none" → HEALTH_DETAILED_PATH. */
export function missingSettingOf(reason: string): string | null {
  const m = /^Not configured:\s*([A-Z][A-Z0-9_]*)/.exec(reason.trim());
  return m?.[1] ?? null;
}

/** First line of an error, without Playwright's "Error: " prefix: what summary.txt shows. */
export function causeOf(error: string): string {
  const first = error.split('\n').find((l) => l.trim() !== '') ?? error;
  return first.replace(/^\s*(Error|TypeError|RangeError|AssertionError):\s*/, '').trim();
}

/** A check's colour (DESIGN.md "The check model"). */
export function checkFromSnap(t: TestSnap, shots: ScreenshotFact[], browserConsole: string | null): Check {
  const tags = t.tags;
  const phases = phaseTagsOf(tags);
  const critical = tags.includes('@critical');
  const kind: Check['kind'] =
    tags.includes('@e2e') || (!tags.includes('@api') && t.project === 'e2e') ? 'e2e' : 'api';
  const warnings = t.annotations
    .filter((a) => a.type === ANNOTATION.warning)
    .map((a) => (a.description ?? '').trim() || 'warning');
  const skipNote = t.annotations.find((a) => a.type === ANNOTATION.skip || a.type === 'fixme');
  let status: CheckStatus;
  let cause: string | null = null;
  let skipReason: string | null = null;
  let crashed = false;
  const flaky = t.outcome === 'flaky';
  if (t.outcome === 'skipped') {
    status = 'SKIP';
    skipReason = (skipNote?.description ?? '').trim() || 'skipped';
  } else if (t.outcome === 'unexpected') {
    status = 'FAIL';
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
    checklist: checklistIds(t.annotations),
    status,
    crashed,
    flaky,
    warnings,
    cause,
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
    attempts: t.attempts,
  };
}

export function countChecks(checks: readonly Check[]): Counts {
  const c: Counts = {
    total: checks.length,
    executed: 0,
    passed: 0,
    failed: 0,
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
 * Run status and recommendation (DESIGN.md): a failed `@critical` check → ROLLBACK; any other
 * failure (or an error outside the checks, or a run where no check ran) → FIX_AND_RETEST;
 * warnings or skipped checks → MONITOR (a skipped check verified nothing, so the run is never
 * silently green); else PROCEED.
 */
export function decide(
  c: Counts,
  globalErrors: number,
): { status: RunStatus; recommendation: Recommendation } {
  if (c.criticalFailures > 0) return { status: 'FAIL', recommendation: 'ROLLBACK' };
  if (c.failed > 0 || globalErrors > 0 || c.executed === 0)
    return { status: 'FAIL', recommendation: 'FIX_AND_RETEST' };
  if (c.warnings > 0 || c.skipped > 0) return { status: 'WARN', recommendation: 'MONITOR' };
  return { status: 'PASS', recommendation: 'PROCEED' };
}

const SEVERITY: Record<CheckStatus, number> = { SKIP: 0, PASS: 1, WARN: 2, FAIL: 3 };

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
  /** DEPLOYMENT_PHASE of this process. */
  phaseOverride: number | null;
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
  const { phase, source } = resolvePhase(snapshot.tests, ctx.phaseOverride, snapshot.metadataPhase);
  const meta = ctx.catalogue.find((p) => p.id === phase);
  const shotsByTest = new Map<string, ScreenshotFact[]>();
  for (const s of ctx.evidence.screenshots) {
    shotsByTest.set(s.testId, [...(shotsByTest.get(s.testId) ?? []), s]);
  }
  const checks = [...snapshot.tests]
    .sort(compareTests(ctx.catalogue))
    .map((t) => checkFromSnap(t, shotsByTest.get(t.id) ?? [], ctx.evidence.consoles[t.id] ?? null));
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
  };
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
    counts,
    successRate: rate,
    checks,
    coverage: coverageOf(checks, phase, ctx.catalogue),
    screenshots: ctx.evidence.screenshots,
    globalErrors: snapshot.globalErrors,
    trend: [...ctx.history.slice(-(ctx.trendLength - 1)), point],
    bothVersionsFailing,
    notifications: ctx.notifications,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCapturedFacts(v: unknown): v is CapturedFacts {
  return (
    isRecord(v) &&
    typeof v.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(v.sha256) &&
    typeof v.size === 'number' &&
    typeof v.width === 'number' &&
    typeof v.height === 'number' &&
    typeof v.blank === 'boolean' &&
    typeof v.blankReason === 'string' &&
    typeof v.thumbnail === 'string'
  );
}

function isViewport(v: unknown): v is { width: number; height: number } {
  return isRecord(v) && typeof v.width === 'number' && typeof v.height === 'number';
}
