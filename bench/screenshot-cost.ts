// Section 4: screenshot processing with sharp, the reporter's heaviest per-item work. The
// reporter's own functions are timed: analyseImage (sha256, blank-page statistics, thumbnail)
// one at a time and with several in flight, and gatherEvidence (copy + analyse + thumbnail
// file) end to end at growing counts, to show per-screenshot cost and how it scales.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { RunSnapshot, ScreenshotPlan, TestSnap } from '../reporters/model.ts';
import { analyseImage } from '../fixtures/screenshot-facts.ts';
import { gatherEvidence } from '../reporters/write.ts';
import { interleave, ratio, summarize, type Summary } from './stats.ts';
import { screenshotPng } from './synthetic-suite.ts';

export interface ScreenshotResults {
  images: number;
  imageBytes: Summary;
  runs: number;
  sharpThreads: number;
  /** analyseImage, ms per screenshot, by how many are in flight at once. */
  perShotMs: Record<string, Summary>;
  speedupVsSerial: Record<string, number>;
  /** gatherEvidence end to end, ms per screenshot, by count. */
  evidencePerShotMs: Record<string, Summary>;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

export async function runScreenshotCost(o: {
  repo: string;
  images: number;
  concurrency: number[];
  evidenceCounts: number[];
  runs: number;
  log: (s: string) => void;
}): Promise<ScreenshotResults> {
  // Distinct images, as in a real run: one per screenshot of the largest count.
  const total = Math.max(o.images, ...o.evidenceCounts);
  const all = await mapLimit(
    Array.from({ length: total }, (_, k) => k),
    4,
    screenshotPng,
  );
  const images = all.slice(0, o.images);
  const dir = path.join(o.repo, '.tmp/bench-shots');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = all.map((b, k) => {
    const f = path.join(dir, `shot-${k}.png`);
    writeFileSync(f, b);
    return f;
  });
  await analyseImage(images[0] as Buffer); // loads libvips' codecs once; not counted
  const perShot = new Map<number, number[]>();
  for (const c of interleave(o.concurrency, o.runs)) {
    const t0 = performance.now();
    await mapLimit(images, c, analyseImage);
    const ms = (performance.now() - t0) / images.length;
    perShot.set(c, [...(perShot.get(c) ?? []), ms]);
    o.log(`screenshots: analyseImage x${images.length}, ${c} in flight: ${ms.toFixed(1)} ms each`);
  }
  const evidence = new Map<number, number[]>();
  for (const count of interleave(o.evidenceCounts, o.runs)) {
    const snapshot = syntheticSnapshot(files, count);
    const plans: ScreenshotPlan[] = snapshot.tests.map((t, i) => ({
      testId: t.id,
      attachmentIndex: 0,
      file: `8_${i + 1}_login_page_${i}.png`,
      name: `login page ${i}`,
      contentType: 'image/png',
      meta: null,
      thumbnailIndex: null,
    }));
    const out = path.join(dir, `evidence-${count}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const t0 = performance.now();
    await gatherEvidence(snapshot, plans, out, []);
    const ms = (performance.now() - t0) / count;
    rmSync(out, { recursive: true, force: true });
    evidence.set(count, [...(evidence.get(count) ?? []), ms]);
    o.log(`screenshots: gatherEvidence x${count}: ${ms.toFixed(1)} ms each`);
  }
  rmSync(dir, { recursive: true, force: true });
  const perShotMs = Object.fromEntries([...perShot].map(([c, v]) => [String(c), summarize(v)]));
  const serial = perShotMs['1']?.median ?? Number.NaN;
  return {
    images: images.length,
    imageBytes: summarize(all.map((b) => b.length)),
    runs: o.runs,
    sharpThreads: sharp.concurrency(),
    perShotMs,
    speedupVsSerial: Object.fromEntries(
      Object.entries(perShotMs).map(([c, s]) => [c, ratio(serial, s.median)]),
    ),
    evidencePerShotMs: Object.fromEntries([...evidence].map(([c, v]) => [String(c), summarize(v)])),
  };
}

/** The least of a run snapshot gatherEvidence reads: tests with one screenshot attached by path. */
function syntheticSnapshot(files: string[], count: number): RunSnapshot {
  const tests: TestSnap[] = Array.from({ length: count }, (_, i) => ({
    id: `t${i}`,
    title: `login page ${i}`,
    file: 'synthetic.spec.ts',
    line: 1,
    column: 1,
    project: 'e2e',
    tags: ['@phase8', '@e2e'],
    outcome: 'expected',
    annotations: [],
    status: 'passed',
    durationMs: 1,
    errors: [],
    steps: [],
    stdout: '',
    stderr: '',
    attachments: [{ name: `login page ${i}`, contentType: 'image/png', path: files[i % files.length] }],
    attempts: [],
  }));
  return {
    startedAt: new Date(0).toISOString(),
    durationMs: 0,
    runStatus: 'passed',
    metadataPhase: null,
    targetVersion: null,
    globalErrors: [],
    tests,
  };
}
