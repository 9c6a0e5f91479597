// Every message format of the result contract, each with its writer and its reader side by side,
// so the two can never drift apart: the skip reason, the measurement (data and prose), the crash
// cause, the inconclusive cause, the screenshot facts. Pure; imports only phases/.
import type { Threshold } from '../phases/catalogue.ts';
import type { Cause, Fault, Measurement, Verdict } from './result.ts';

// ---------------------------------------------------------------------------------------------
// Skip reason: "Not configured: HEALTH_DETAILED_PATH (the detailed health endpoint)".

const NOT_CONFIGURED = 'Not configured:';

/** The reason a check skips with when the setting `name` is missing; `what` says what it is. */
export function skipReason(name: string, what: string): string {
  return `${NOT_CONFIGURED} ${name} (${what})`;
}

/** The setting a skip reason names ("Not configured: HEALTH_DETAILED_PATH …" → HEALTH_DETAILED_PATH). */
export function missingSettingOf(reason: string): string | null {
  const text = reason.trim();
  if (!text.startsWith(NOT_CONFIGURED)) return null;
  const m = /^[A-Z][A-Z0-9_]*/.exec(text.slice(NOT_CONFIGURED.length).trimStart());
  return m?.[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Measurement: JSON in a `measurement` annotation, and the runbook's sentence for people.

export function encodeMeasurement(m: Measurement): string {
  return JSON.stringify(m);
}

export function decodeMeasurement(text: string): Measurement | null {
  const m = parseJson(text);
  if (
    !isRecord(m) ||
    typeof m.name !== 'string' ||
    typeof m.value !== 'number' ||
    typeof m.target !== 'number' ||
    typeof m.limit !== 'number'
  )
    return null;
  return {
    name: m.name,
    value: m.value,
    unit: typeof m.unit === 'string' ? m.unit : '',
    target: m.target,
    limit: m.limit,
    better: m.better === 'higher' ? 'higher' : 'lower',
    verdict: isVerdict(m.verdict) ? m.verdict : 'green',
  };
}

/** "1480 ms", "93.4%", "12 jobs": whole numbers stay whole, others keep one decimal. */
export function formatValue(value: number, unit: string): string {
  const n = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/** "Query performance: 1480 ms (target < 1000 ms, limit 2000 ms)". */
export function thresholdMessage(name: string, value: number, t: Threshold): string {
  const cmp = t.better === 'higher' ? '≥' : '<';
  return `${name}: ${formatValue(value, t.unit)} (target ${cmp} ${formatValue(t.target, t.unit)}, limit ${formatValue(t.limit, t.unit)})`;
}

/** The same sentence from a recorded measurement (the reporter's side of thresholdMessage). */
export function measurementMessage(m: Measurement): string {
  return thresholdMessage(m.name, m.value, m);
}

// ---------------------------------------------------------------------------------------------
// Crash cause: "<fixture or hook step>: <first line of its error>".

/** First line of an error, without the "Error: " prefix: what summary.txt shows. */
export function causeOf(error: string): string {
  const first = error.split('\n').find((l) => l.trim() !== '') ?? error;
  return first.replace(/^\s*(Error|TypeError|RangeError|AssertionError|CheckFailure):\s*/, '').trim();
}

/** The cause of a check that crashed before it could decide: where, then why. */
export function crashCause(step: string, error: string): string {
  return `${step}: ${causeOf(error)}`;
}

// ---------------------------------------------------------------------------------------------
// Inconclusive cause: JSON of Cause in an `inconclusive` annotation.

export function encodeCause(c: Cause): string {
  const { key, text, fault, evidence, fix } = c;
  return JSON.stringify({ key, text, fault, evidence, fix });
}

export function decodeCause(text: string): Cause | null {
  const c = parseJson(text);
  if (!isRecord(c) || typeof c.key !== 'string' || typeof c.text !== 'string') return null;
  const fault: Fault = c.fault === 'target' ? 'target' : 'checker';
  return {
    key: c.key,
    text: c.text,
    fault,
    ...(typeof c.evidence === 'string' ? { evidence: c.evidence } : {}),
    ...(typeof c.fix === 'string' ? { fix: c.fix } : {}),
  };
}

/** "Chromium not found at /x — fix: run `npm run setup`": a cause on one line. */
export function causeLine(c: Cause): string {
  return `${c.text}${c.evidence ? ` (evidence: ${c.evidence})` : ''}${c.fix ? ` — fix: ${c.fix}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Screenshot facts: JSON of ScreenshotMeta in a `screenshot` annotation.

/** What is measured of a screenshot: its bytes, its size in pixels, the blank-page verdict. */
export interface ImageMeasures {
  sha256: string;
  size: number;
  width: number;
  height: number;
  blank: boolean;
  blankReason: string;
}

/**
 * Image facts measured in the worker at capture time, so that the reporter copies the image
 * instead of decoding it again. The reporter trusts them only while the attachment's sha256
 * still matches; otherwise it measures the image itself.
 */
export interface CapturedFacts extends ImageMeasures {
  /** Name of the attachment holding the thumbnail (see thumbnailAttachmentName). */
  thumbnail: string;
}

export interface ScreenshotMeta {
  /** The attachment's name (also the basis of its file name: "login page" → 1_1_login_page.png). */
  name: string;
  /** The page URL, secrets redacted. */
  url: string;
  viewport: { width: number; height: number } | null;
  /** What the check measured when it took the screenshot (absent on a plain attachment). */
  facts?: CapturedFacts;
}

/** The attachment name of a screenshot's thumbnail: "login page" → "login page (thumbnail)". */
export function thumbnailAttachmentName(screenshot: string): string {
  return `${screenshot} (thumbnail)`;
}

export function encodeScreenshotMeta(meta: ScreenshotMeta): string {
  return JSON.stringify(meta);
}

export function decodeScreenshotMeta(text: string): ScreenshotMeta | null {
  const meta = parseJson(text);
  if (!isRecord(meta) || typeof meta.name !== 'string') return null;
  return {
    name: meta.name,
    url: typeof meta.url === 'string' ? meta.url : '',
    viewport: isViewport(meta.viewport) ? meta.viewport : null,
    ...(isCapturedFacts(meta.facts) ? { facts: meta.facts } : {}),
  };
}

// ---------------------------------------------------------------------------------------------

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

function isVerdict(v: unknown): v is Verdict {
  return v === 'green' || v === 'yellow' || v === 'red';
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
