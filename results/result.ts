// The one result contract between the checks (fixtures/, tests/) and the reporter (reporters/):
// plain data and pure functions, importing only phases/. A check records its result here; the
// reporter reads it back from the annotations, never from prose (STYLE.md "One result, written
// once"). Every message format has its writer and its reader side by side in messages.ts.
import {
  decodeCause,
  decodeMeasurement,
  decodeScreenshotMeta,
  encodeCause,
  encodeMeasurement,
  skipReason,
  type ScreenshotMeta,
} from './messages.ts';

/** The annotation and attachment vocabulary: the only names the two sides share. */
export const ANNOTATION = {
  /** Static, from check(): the checklist item a check covers; description = item id. */
  checklist: 'checklist',
  /** Runtime: the check passed but is yellow; description = the runbook-style message. */
  warning: 'warning',
  /** Runtime: a measured value; description = JSON of Measurement (messages.ts). */
  measurement: 'measurement',
  /** Runtime: a screenshot was attached; description = JSON of ScreenshotMeta (messages.ts). */
  screenshot: 'screenshot',
  /** Playwright's own, from test.skip(cond, reason): reason names the missing setting (messages.ts). */
  skip: 'skip',
  /**
   * Runtime: the checker could not reach a verdict (its browser, its credentials, its storage);
   * description = JSON of Cause (messages.ts). The check is INCONCLUSIVE, never FAIL.
   */
  inconclusive: 'inconclusive',
} as const;

/**
 * Config metadata key under which the global setup's preflight leaves its lines (one per problem,
 * with its fix) for the reporter: string[].
 */
export const PREFLIGHT_METADATA = 'phasegatePreflight';

/** The preflight's lines from a config's (or a shard's) metadata. */
export function preflightLinesOf(metadata: Record<string, unknown> | undefined): string[] {
  const v = metadata?.[PREFLIGHT_METADATA];
  return Array.isArray(v) ? v.filter((l): l is string => typeof l === 'string') : [];
}

/** Attachment (text/plain) holding the browser console errors and page errors of an e2e check. */
export const BROWSER_CONSOLE_ATTACHMENT = 'browser-console';

/** A threshold decision's colour. */
export type Verdict = 'green' | 'yellow' | 'red';

/** What a check can end as (DESIGN.md "The check model"). */
export type Outcome = 'pass' | 'warn' | 'fail' | 'inconclusive' | 'skip';

/** Whose fault a problem is: the deployment under test, or the machine running the checks. */
export type Fault = 'target' | 'checker';

export interface Measurement {
  /** Stable name, e.g. "Query performance", "Booking flow time", "Data consistency",
   *  "Booking success rate", "Test coverage" (sign-off reads these four by name). */
  name: string;
  value: number;
  unit: string;
  target: number;
  limit: number;
  better: 'lower' | 'higher';
  verdict: Verdict;
}

/** Why a check is not green, and whose fault that is. */
export interface Cause {
  /** Stable id of the cause, shared by every check it hits ("browser", "database"): the report
   *  says one cause once and lists the checks under it. */
  key: string;
  /** One line a release manager reads: "Chromium not found at /opt/chromium". */
  text: string;
  fault: Fault;
  /** What the verdict rests on: "the application's /api/health/detailed reports database: up". */
  evidence?: string;
  /** What to do: "run `npm run setup`", "set CHROMIUM_PATH". */
  fix?: string;
}

/** A check's result, as a check records it (record()) and the reporter reads it (readResult()). */
export interface CheckResult {
  outcome: Outcome;
  /** The message: a warning, the failure, the skip reason. */
  message?: string;
  measurements?: Measurement[];
  cause?: Cause;
}

/** The part of Playwright's TestInfo record() needs (kept structural: results/ imports no Playwright). */
export interface ResultSink {
  annotations: { type: string; description?: string }[];
  skip(condition: boolean, description?: string): void;
}

/** Thrown by record() for a red or inconclusive result: the check ends with this message. */
export class CheckFailure extends Error {}

/**
 * The one way a check records its result: measurements and warnings as annotations, a skip as
 * Playwright's own skip, a failure thrown with its message, and an inconclusive result thrown
 * after its cause is annotated (so the reporter counts it as the checker's problem, not the
 * target's).
 */
export function record(sink: ResultSink, r: CheckResult): void {
  for (const m of r.measurements ?? [])
    sink.annotations.push({ type: ANNOTATION.measurement, description: encodeMeasurement(m) });
  switch (r.outcome) {
    case 'pass':
      return;
    case 'warn':
      sink.annotations.push({ type: ANNOTATION.warning, description: r.message ?? 'warning' });
      return;
    case 'skip':
      // A skip names what is missing: skipReason(setting, what) from messages.ts.
      sink.skip(true, r.message ?? 'skipped');
      return;
    case 'fail':
      throw new CheckFailure(r.message ?? r.cause?.text ?? 'failed');
    case 'inconclusive': {
      const cause = r.cause ?? {
        key: 'checker',
        text: r.message ?? 'the checker could not verify',
        fault: 'checker',
      };
      sink.annotations.push({ type: ANNOTATION.inconclusive, description: encodeCause(cause) });
      throw new CheckFailure(inconclusiveMessage(cause));
    }
  }
}

/**
 * The error text of an inconclusive check: the cause on one short line (the evidence and the fix
 * travel in the annotation, and the report and the preflight's console line show them once).
 */
export function inconclusiveMessage(c: Cause): string {
  return `Inconclusive (the checker's side, not the target's): ${c.text}`;
}

/** Annotations as the reporter sees them. */
export type Annotations = readonly { type: string; description?: string }[];

/** The measurements a check recorded (malformed ones are dropped). */
export function measurementsOf(annotations: Annotations): Measurement[] {
  const out: Measurement[] = [];
  for (const a of annotations) {
    if (a.type !== ANNOTATION.measurement || !a.description) continue;
    const m = decodeMeasurement(a.description);
    if (m) out.push(m);
  }
  return out;
}

/** The warning messages a check recorded. */
export function warningsOf(annotations: Annotations): string[] {
  return annotations
    .filter((a) => a.type === ANNOTATION.warning)
    .map((a) => (a.description ?? '').trim() || 'warning');
}

/** The checker-side cause a check recorded, if it recorded one. */
export function inconclusiveCauseOf(annotations: Annotations): Cause | null {
  for (const a of annotations) {
    if (a.type !== ANNOTATION.inconclusive || !a.description) continue;
    const c = decodeCause(a.description);
    if (c) return c;
  }
  return null;
}

/** Checklist ids a check covers. */
export function checklistIdsOf(annotations: Annotations): string[] {
  return annotations
    .filter((a) => a.type === ANNOTATION.checklist && a.description)
    .map((a) => a.description as string);
}

/** The file extension of each image type a report keeps as a screenshot. */
const IMAGE_EXT: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

export interface ScreenshotOf {
  attachmentIndex: number;
  name: string;
  contentType: string;
  ext: string;
  meta: ScreenshotMeta | null;
  /** The thumbnail the check attached with the facts it measured, if any. */
  thumbnailIndex: number | null;
}

/**
 * The images of one check that are screenshots of their own (not the thumbnails attached beside
 * them), in attachment order: what the reporter names and files, and what a check's worker
 * measures when the check attached it without facts (fixtures/screenshot-facts.ts).
 */
export function screenshotsOf(t: {
  annotations: Annotations;
  attachments: readonly { name: string; contentType: string }[];
}): ScreenshotOf[] {
  const metas = screenshotMetas(t.annotations);
  // A thumbnail the check attached beside its screenshot is part of that screenshot's evidence.
  const thumbnails = new Set([...metas.values()].flatMap((m) => (m.facts ? [m.facts.thumbnail] : [])));
  const out: ScreenshotOf[] = [];
  t.attachments.forEach((a, attachmentIndex) => {
    const ext = IMAGE_EXT[a.contentType];
    if (!ext || thumbnails.has(a.name)) return;
    const meta = metas.get(a.name) ?? null;
    const thumbnailName = meta?.facts?.thumbnail;
    const thumbnailIndex = thumbnailName
      ? t.attachments.findIndex((b) => b.name === thumbnailName && b.contentType === 'image/png')
      : -1;
    out.push({
      attachmentIndex,
      name: a.name,
      contentType: a.contentType,
      ext,
      meta,
      thumbnailIndex: thumbnailIndex >= 0 ? thumbnailIndex : null,
    });
  });
  return out;
}

function screenshotMetas(annotations: Annotations): Map<string, ScreenshotMeta> {
  const out = new Map<string, ScreenshotMeta>();
  for (const a of annotations) {
    if (a.type !== ANNOTATION.screenshot || !a.description) continue;
    const meta = decodeScreenshotMeta(a.description);
    if (meta) out.set(meta.name, meta);
  }
  return out;
}

/** Measurement names the final sign-off reads. */
export const SIGNOFF_MEASUREMENTS = {
  bookingTime: 'Booking flow time',
  consistency: 'Data consistency',
  bookingSuccess: 'Booking success rate',
  coverage: 'Test coverage',
} as const;
