// The only part of the reporter that touches the file system (STYLE.md "A reporter"): run
// folders (exclusive mkdir), screenshot files and thumbnails, the rendered files (temp file +
// rename), history.jsonl and deployment.log, and status.env last so that a gate which finds it
// knows the report is complete. Every text written passes through redact().
import {
  appendFileSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  writeSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
  existsSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { link, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redact } from '../config/env.ts';
import { BROWSER_CONSOLE_ATTACHMENT, type ImageMeasures } from '../results/index.ts';
import type { HistoryEntry } from './history.ts';
import { parseHistory } from './history.ts';
import { slug } from './model.ts';
import type {
  AttachmentSnap,
  Evidence,
  RunModel,
  RunSnapshot,
  ScreenshotFact,
  ScreenshotPlan,
} from './model.ts';
import type { Chunks, RenderedRun, Templates, TemplateSpecs } from './render.ts';
import { analyseImage, type ImageFacts } from '../results/screenshot-facts.ts';

export const TEMPLATE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');

/** A failed file operation, named by its path (STYLE.md: errors name the path). */
function fileError(what: string, file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new Error(`cannot ${what} ${file}: ${code}`, { cause: err });
}

/** Runs a file operation; a failure is rethrown named by its path. */
function at<T>(what: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fileError(what, file, err);
  }
}

export function loadTemplates(dir = TEMPLATE_DIR): Templates {
  const out: Templates = {};
  for (const name of at('read', dir, () => readdirSync(dir))) {
    if (name.endsWith('.hbs'))
      out[name] = at('read', path.join(dir, name), () => readFileSync(path.join(dir, name), 'utf8'));
  }
  return out;
}

/** Where compiled templates are kept between runs (the usual home of a package's caches). */
export const TEMPLATE_SPEC_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'node_modules',
  '.cache',
  'phasegate',
  'templates',
);

/**
 * Compiled templates on disk, one file a template: `<template>-<hash>.js`, the hash render.ts
 * takes of handlebars' version, the template's name, options and source, so an edited template is
 * compiled again and its older entry removed when the new one is written. Only a speed-up: an
 * entry that cannot be read is compiled again, one that cannot be written is not kept, and
 * neither is an error.
 */
export function templateSpecCache(dir = TEMPLATE_SPEC_DIR): TemplateSpecs {
  const prefix = (name: string) => `${name.replace(/[^A-Za-z0-9]+/g, '_')}-`;
  const file = (name: string, hash: string) => path.join(dir, `${prefix(name)}${hash}.js`);
  return {
    get(name, hash) {
      try {
        return readFileSync(file(name, hash), 'utf8');
      } catch {
        return undefined;
      }
    },
    set(name, hash, spec) {
      const kept = file(name, hash);
      try {
        atomicWrite(kept, spec);
      } catch {
        // A read-only checkout compiles its templates every run, as before this cache.
        return;
      }
      // The same template's older entries (an edited template, another handlebars) go.
      try {
        for (const entry of readdirSync(dir)) {
          if (entry.startsWith(prefix(name)) && entry.endsWith('.js') && path.join(dir, entry) !== kept) {
            rmSync(path.join(dir, entry), { force: true });
          }
        }
      } catch {
        // Only disk space is at stake.
      }
    },
  };
}

export interface RunDirs {
  dirName: string;
  /** As configured (relative to the working directory when STORAGE_DIR is relative). */
  reportDir: string;
  screenshotDir: string;
}

/** `phase_3_20261126_141503` from the run's start (UTC). */
export function runDirName(phase: number, startedAt: string): string {
  const d = new Date(startedAt);
  const p = (n: number) => String(n).padStart(2, '0');
  return `phase_${phase}_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * Creates the report and screenshot folders with an exclusive mkdir, so two runs in the same
 * second never share one: the second gets `_2`, then `_3`…
 */
export function createRunDirs(storageDir: string, phase: number, startedAt: string): RunDirs {
  const reportsRoot = path.join(storageDir, 'reports');
  const shotsRoot = path.join(storageDir, 'screenshots');
  at('create', reportsRoot, () => mkdirSync(reportsRoot, { recursive: true }));
  at('create', shotsRoot, () => mkdirSync(shotsRoot, { recursive: true }));
  const base = runDirName(phase, startedAt);
  for (let n = 1; n < 1000; n++) {
    const dirName = n === 1 ? base : `${base}_${n}`;
    const reportDir = path.join(reportsRoot, dirName);
    const screenshotDir = path.join(shotsRoot, dirName);
    if (!tryMkdir(reportDir)) continue;
    if (!tryMkdir(screenshotDir)) {
      at('remove', reportDir, () => rmdirSync(reportDir));
      continue;
    }
    return { dirName, reportDir, screenshotDir };
  }
  throw new Error(`cannot create a run folder under ${reportsRoot}: ${base}_1…999 all exist`);
}

function tryMkdir(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
}

function attachmentBytes(a: AttachmentSnap): Buffer {
  if (a.body) return a.body;
  if (a.path) return at('read attachment', a.path, () => readFileSync(a.path as string));
  throw new Error(`attachment "${a.name}" has neither a path nor a body`);
}

/**
 * Copies every planned screenshot into the screenshot folder with a thumbnail next to it
 * (`thumbnails/<file>.png`), measures it, and reads each check's browser-console text.
 */
export async function gatherEvidence(
  snapshot: RunSnapshot,
  plans: readonly ScreenshotPlan[],
  screenshotDir: string,
  secrets: readonly string[],
  measure: (bytes: Buffer) => Promise<ImageFacts> = analyseImage,
  linkable: (file: string) => boolean = () => false,
): Promise<Evidence> {
  const byId = new Map(snapshot.tests.map((t) => [t.id, t]));
  if (plans.length)
    at('create', path.join(screenshotDir, 'thumbnails'), () =>
      mkdirSync(path.join(screenshotDir, 'thumbnails'), { recursive: true }),
    );
  const one = async (plan: ScreenshotPlan): Promise<ScreenshotFact> => {
    const a = byId.get(plan.testId)?.attachments[plan.attachmentIndex];
    if (!a)
      throw new Error(
        `screenshot ${plan.file}: attachment ${plan.attachmentIndex} of test ${plan.testId} vanished`,
      );
    // A screenshot that cannot be read or decoded is flagged like a blank one (nobody can see
    // the page in it), and the report goes on: one bad attachment must not cost the whole tree.
    let bytes: Buffer;
    try {
      bytes = attachmentBytes(a);
    } catch (err) {
      return unreadable(plan, Buffer.alloc(0), (err as Error).message);
    }
    const copied = placeInFolder(path.join(screenshotDir, plan.file), a, bytes, linkable);
    // Awaited below on every path; handled now, so a failure while the image is measured is not
    // an unhandled rejection meanwhile.
    copied.catch(() => undefined);
    const thumbnail = `thumbnails/${plan.file.replace(/\.[a-z]+$/, '')}.png`;
    let measured: { measures: ImageMeasures; thumbnail: Buffer; source: AttachmentSnap | null } | null =
      capturedFacts(byId.get(plan.testId)?.attachments ?? [], plan, bytes);
    if (!measured) {
      try {
        const { thumbnail: thumbBytes, ...measures } = await measure(bytes);
        measured = { measures, thumbnail: thumbBytes, source: null };
      } catch (err) {
        await copied;
        return unreadable(plan, bytes, `not a readable image: ${(err as Error).message}`);
      }
    }
    await Promise.all([
      copied,
      placeInFolder(path.join(screenshotDir, thumbnail), measured.source, measured.thumbnail, linkable),
    ]);
    return { ...plan, ...measured.measures, thumbnail, thumbnailSize: measured.thumbnail.length };
  };
  const screenshots = await inPlanOrder(plans, SCREENSHOTS_IN_FLIGHT, one);
  const consoles: Record<string, string> = {};
  for (const t of snapshot.tests) {
    const texts = t.attachments
      .filter((a) => a.name === BROWSER_CONSOLE_ATTACHMENT)
      .map((a) => {
        try {
          return redact(attachmentBytes(a).toString('utf8'), secrets);
        } catch (err) {
          return `(the browser console could not be read: ${redact((err as Error).message, secrets)})`;
        }
      });
    if (texts.length) consoles[t.id] = texts.join('\n');
  }
  return { screenshots, consoles, traces: copyTraces(snapshot, screenshotDir, linkable) };
}

/**
 * Screenshots measured while the run goes on: a check's images are queued as it ends, and at most
 * `limit` are decoded at once, so the work overlaps the checks still running instead of all
 * coming after the last one (a plain attachment costs ~9 ms of CPU; 200 of them were seconds
 * at the end of the run). Keyed by the bytes' sha256: gatherEvidence reads each screenshot again
 * to copy it and takes the facts measured early only for the very same bytes.
 */
export class EarlyAnalyses {
  private readonly byHash = new Map<string, Promise<ImageFacts>>();
  private readonly queue: AttachmentSnap[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit = EARLY_IN_FLIGHT) {}

  /** Queues an image attachment; one that cannot be read now is left to gatherEvidence. */
  add(a: AttachmentSnap): void {
    this.queue.push(a);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const a = this.queue.shift() as AttachmentSnap;
      this.running++;
      void this.start(a).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const w of this.waiting.splice(0)) w();
      });
    }
  }

  private async start(a: AttachmentSnap): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = attachmentBytes(a);
    } catch {
      return; // gatherEvidence reads it again and reports what it finds then
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (this.byHash.has(hash)) return;
    const facts = analyseImage(bytes);
    this.byHash.set(hash, facts);
    // A rejection is kept for gatherEvidence, which reports it; here it only ends the slot.
    await facts.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Every queued image measured. */
  private idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The facts of these bytes: measured early, or now. */
  readonly measure = async (bytes: Buffer): Promise<ImageFacts> => {
    await this.idle();
    const hash = createHash('sha256').update(bytes).digest('hex');
    return this.byHash.get(hash) ?? analyseImage(bytes);
  };
}

/** Playwright's name for the trace attachment (`trace: 'retain-on-failure'`). */
const TRACE_ATTACHMENT = 'trace';

/**
 * Copies the trace of every check that did not pass into `traces/` beside the screenshots, so
 * the report links to it after Playwright's test-results folder is gone. Named after the check
 * (and its id, for two checks of one title) from what a merge of shards still has.
 */
function copyTraces(
  snapshot: RunSnapshot,
  screenshotDir: string,
  linkable: (file: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of snapshot.tests) {
    if (t.outcome !== 'unexpected') continue;
    const a = t.attachments.find((x) => x.name === TRACE_ATTACHMENT && x.contentType === 'application/zip');
    if (!a) continue;
    const rel = `traces/${slug(t.title)}_${t.id.slice(0, 8)}.zip`;
    const file = path.join(screenshotDir, rel);
    const own = ownFile(a, linkable);
    if (!(own && tryLink(own, file))) {
      let bytes: Buffer;
      try {
        bytes = attachmentBytes(a);
      } catch {
        continue; // the check's evidence is its error; a vanished trace is not worth the report
      }
      atomicWrite(file, bytes);
    }
    out[t.id] = rel;
  }
  return out;
}

/**
 * The facts the check measured when it took the screenshot, and its thumbnail, while they still
 * describe these bytes (same sha256 and size); null sends the image to analyseImage instead.
 */
function capturedFacts(
  attachments: readonly AttachmentSnap[],
  plan: ScreenshotPlan,
  bytes: Buffer,
): { measures: ImageMeasures; thumbnail: Buffer; source: AttachmentSnap } | null {
  const facts = plan.meta?.facts;
  if (!facts || plan.thumbnailIndex === null || facts.size !== bytes.length) return null;
  if (createHash('sha256').update(bytes).digest('hex') !== facts.sha256) return null;
  const a = attachments[plan.thumbnailIndex];
  if (!a) return null;
  let thumbnail: Buffer;
  try {
    thumbnail = attachmentBytes(a);
  } catch {
    return null;
  }
  const { thumbnail: _name, ...measures } = facts;
  return { measures, thumbnail, source: a };
}

function unreadable(plan: ScreenshotPlan, bytes: Buffer, reason: string): ScreenshotFact {
  return {
    ...plan,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    width: null,
    height: null,
    blank: true,
    blankReason: reason,
    thumbnail: null,
    thumbnailSize: null,
  };
}

/**
 * Screenshots analysed at once. sharp runs each image's work on libuv's thread pool (4 threads by
 * default) with one libvips thread per image here, so one at a time left a core idle: 4 in flight
 * keeps the pool full (BENCHMARKS.md, section 4).
 */
const SCREENSHOTS_IN_FLIGHT = 4;

/**
 * Screenshots measured at once while the checks run. One: the runner shares the cores with the
 * workers then, and in a replay of 2,000 results (200 plain screenshots) two at once peaked
 * 20–40 MiB higher (more of sharp's threads holding memory) for the same CPU (BENCHMARKS.md,
 * section 6).
 */
const EARLY_IN_FLIGHT = 1;

/** Maps with at most `limit` calls in flight; the results keep the order of `items`. */
async function inPlanOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

export function historyFile(storageDir: string): string {
  return path.join(storageDir, 'history.jsonl');
}

export function deploymentLogFile(storageDir: string): string {
  return path.join(storageDir, 'deployment.log');
}

export function readHistory(storageDir: string): HistoryEntry[] {
  const file = historyFile(storageDir);
  if (!existsSync(file)) return [];
  return parseHistory(at('read', file, () => readFileSync(file, 'utf8')));
}

const TEMP_FILE = /\.tmp-(\d+)-[0-9a-f]*$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files of atomicWrite that a run killed mid-write left behind (a living
 * writer's are left alone). They never look final, but nobody needs them. Only unfinished runs
 * are looked into: status.env is written last, so a run that has one wrote everything else
 * first, and the sweep stays cheap however many runs the storage folder holds. Returns how many
 * were removed; a folder that cannot be read is passed over.
 */
export function sweepStaleTemps(storageDir: string): number {
  let removed = 0;
  const sweep = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth > 0) sweep(file, depth - 1);
        continue;
      }
      const m = TEMP_FILE.exec(e.name);
      if (m && !processAlive(Number(m[1]))) {
        try {
          rmSync(file, { force: true });
          removed++;
        } catch {
          // not ours to fight over
        }
      }
    }
  };
  const reports = path.join(storageDir, 'reports');
  let runs: string[];
  try {
    runs = readdirSync(reports);
  } catch {
    return 0;
  }
  for (const run of runs) {
    if (existsSync(path.join(reports, run, 'status.env'))) continue;
    // reports/<run>/ and coverage/; screenshots/<run>/ and thumbnails/
    sweep(path.join(reports, run), 1);
    sweep(path.join(storageDir, 'screenshots', run), 1);
  }
  return removed;
}

function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
}

/** Temp file in the same folder, then rename: a reader never sees half a file. */
export function atomicWrite(file: string, content: string | Buffer | Chunks): void {
  const tmp = tempName(file);
  at('create', path.dirname(file), () => mkdirSync(path.dirname(file), { recursive: true }));
  if (typeof content === 'function') at('write', file, () => writeChunks(tmp, content));
  else at('write', file, () => writeFileSync(tmp, content));
  at('write', file, () => renameSync(tmp, file));
}

/** The pieces written as they come, ~64 KB at a time; removes its temp file if writing fails. */
function writeChunks(file: string, chunks: Chunks): void {
  const fd = openSync(file, 'w');
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = () => {
      writeSync(fd, pending.join(''));
      pending = [];
      size = 0;
    };
    for (const c of chunks()) {
      pending.push(c);
      size += c.length;
      if (size >= 65_536) flush();
    }
    flush();
  } catch (err) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw err;
  }
  closeSync(fd);
}

/** Every text, piece by piece too, through redact(). */
function redacted(content: string | Chunks, secrets: readonly string[]): string | Chunks {
  if (typeof content === 'string') return redact(content, secrets);
  return function* () {
    for (const c of content()) yield redact(c, secrets);
  };
}

/**
 * atomicWrite into a folder that exists, off the main thread: the screenshots' copies and
 * thumbnails are hundreds of new files, and creating a file blocked the reporter for 0.1–0.3 ms
 * each while the disk was busy (BENCHMARKS.md, section 11); libuv's threads create them side by side.
 */
async function atomicWriteInFolder(file: string, content: Buffer): Promise<void> {
  const tmp = tempName(file);
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    throw fileError('write', file, err);
  }
}

/**
 * Files only Playwright writes, each once, while the run is on: what a check attaches by path
 * (`testInfo.attach` copies it under the project's output folder) and what a merge of shards
 * unpacks (`<blob folder>/resources/<sha1>.<ext>`). Such a file is hard-linked into the report:
 * a new name for the same bytes, where a copy cost ~0.75 ms a file on these disks (BENCHMARKS.md,
 * section 13). Anything else, such as a file of the QA engineer's own pushed into
 * `testInfo.attachments`, is copied: it may be rewritten in place later, and a link would change
 * an old report's evidence with it.
 */
export function playwrightOwnedFiles(outputDirs: readonly string[]): (file: string) => boolean {
  const roots = outputDirs.map((d) => path.resolve(d) + path.sep);
  return (file) => {
    const abs = path.resolve(file);
    if (roots.some((r) => abs.startsWith(r))) return true;
    return (
      path.basename(path.dirname(abs)) === 'resources' && /^[0-9a-f]{40}\.[a-z0-9]+$/.test(path.basename(abs))
    );
  };
}

/** The attachment's file when it is one of Playwright's own (`linkable`), to link instead of copy. */
function ownFile(a: AttachmentSnap, linkable: (file: string) => boolean): string | undefined {
  return a.path && !a.body && linkable(a.path) ? a.path : undefined;
}

/** A hard link, or false when this file system will not make one (another device, no links). */
function tryLink(from: string, to: string): boolean {
  try {
    at('create', path.dirname(to), () => mkdirSync(path.dirname(to), { recursive: true }));
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/**
 * The attachment's file linked in when `linkable` allows it and the file system can; else its
 * bytes (already read, or made here: a thumbnail with no attachment) written.
 */
async function placeInFolder(
  file: string,
  a: AttachmentSnap | null,
  bytes: Buffer,
  linkable: (file: string) => boolean,
): Promise<void> {
  const own = a && ownFile(a, linkable);
  if (own) {
    try {
      await link(own, file);
      return;
    } catch {
      // another device, or links not allowed here: the bytes already read are written instead
    }
  }
  await atomicWriteInFolder(file, bytes);
}

export function appendText(file: string, text: string, secrets: readonly string[]): void {
  at('create', path.dirname(file), () => mkdirSync(path.dirname(file), { recursive: true }));
  at('append to', file, () => appendFileSync(file, redact(text, secrets)));
}

export interface WriteOptions {
  storageDir: string;
  secrets: readonly string[];
  /** GITHUB_STEP_SUMMARY: a file the rendered step summary is appended to. */
  stepSummaryFile?: string;
}

/**
 * Writes the rendered run: every report file but status.env, the screenshot report, the
 * history line and the deployment.log block, the step summary, and status.env last.
 */
export function writeRun(model: RunModel, rendered: RenderedRun, o: WriteOptions): void {
  for (const [rel, content] of rendered.report) {
    if (rel === 'status.env') continue;
    atomicWrite(path.join(model.reportDir, rel), redacted(content, o.secrets));
  }
  for (const [rel, content] of rendered.screenshots) {
    atomicWrite(path.join(model.screenshotDir, rel), redact(content, o.secrets));
  }
  appendText(historyFile(o.storageDir), rendered.historyLine, o.secrets);
  appendText(deploymentLogFile(o.storageDir), rendered.deploymentBlock, o.secrets);
  if (o.stepSummaryFile) appendText(o.stepSummaryFile, rendered.stepSummary, o.secrets);
  const status = rendered.report.get('status.env');
  if (typeof status !== 'string') throw new Error('render produced no status.env');
  atomicWrite(path.join(model.reportDir, 'status.env'), redact(status, o.secrets));
}

/** The report pages that list the notifications' outcomes, written again once they are known. */
export const PAGES_WITH_NOTIFICATIONS = ['INDEX.md', 'index.html'];

export function rewriteReportPages(model: RunModel, rendered: RenderedRun, o: WriteOptions): void {
  for (const rel of PAGES_WITH_NOTIFICATIONS) {
    const content = rendered.report.get(rel);
    if (content !== undefined) atomicWrite(path.join(model.reportDir, rel), redacted(content, o.secrets));
  }
}
