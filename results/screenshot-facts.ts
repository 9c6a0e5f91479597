// Image facts of a screenshot: sha256, size, dimensions, the blank-page verdict from pixel
// statistics and a thumbnail, from one decode. A check measures them in its worker when it takes
// the screenshot (fixtures/screenshot-facts.ts), in parallel with the other checks; the reporter
// reuses them and measures only screenshots attached without them (BENCHMARKS.md, section 2).
// Bytes in, facts out: no file system (sharp is loaded on first use).
import { createHash } from 'node:crypto';
import type { ImageMeasures } from './messages.ts';

/** The part of sharp's `stats()` result the blank-page decision reads. */
export interface ImageStats {
  channels: { mean: number; stdev: number }[];
  dominant?: { r: number; g: number; b: number };
}

export interface BlankVerdict {
  blank: boolean;
  /** Why, in words: "the whole page is one colour (rgb(255, 255, 255))". */
  reason: string;
}

/**
 * A page is blank when every colour channel is flat: a rendered form (text, borders, inputs) puts
 * a standard deviation of well over 10 into at least one channel even on a white page, while an
 * everything-hidden page measures 0. The tolerance absorbs compression noise, not content.
 */
export function blankVerdict(stats: ImageStats, maxStdev = 2): BlankVerdict {
  const colour = stats.channels.slice(0, 3);
  if (colour.length === 0) return { blank: true, reason: 'the screenshot has no colour channels' };
  const spread = Math.max(...colour.map((c) => c.stdev));
  const rgb = stats.dominant
    ? `rgb(${stats.dominant.r}, ${stats.dominant.g}, ${stats.dominant.b})`
    : `mean ${colour.map((c) => Math.round(c.mean)).join('/')}`;
  if (spread <= maxStdev) {
    return {
      blank: true,
      reason: `the whole page is one colour (${rgb}, pixel spread ${spread.toFixed(2)})`,
    };
  }
  return { blank: false, reason: `the page has visible content (pixel spread ${spread.toFixed(1)})` };
}
export const THUMBNAIL_WIDTH = 320;

export interface ImageFacts extends ImageMeasures {
  thumbnail: Buffer;
}

/**
 * What sharp's `stats()` reports for the colour channels (mean, sample standard deviation) and
 * its dominant colour (the fullest of 16×16×16 RGB bins, as the bin's centre), from 8-bit pixels.
 * stats() also computes entropy and a Laplacian sharpness that the verdict never reads: they made
 * it ~80 ms of CPU per screenshot against ~10 ms here (BENCHMARKS.md, section 4).
 */
export function pixelStats(data: Uint8Array, channels: number): ImageStats {
  const grey = channels < 3;
  const pixels = Math.floor(data.length / channels);
  const bins = new Uint32Array(4096);
  let sr = 0;
  let sg = 0;
  let sb = 0;
  let qr = 0;
  let qg = 0;
  let qb = 0;
  for (let i = 0; i + channels <= data.length; i += channels) {
    const r = data[i] as number;
    const g = grey ? r : (data[i + 1] as number);
    const b = grey ? r : (data[i + 2] as number);
    sr += r;
    sg += g;
    sb += b;
    qr += r * r;
    qg += g * g;
    qb += b * b;
    const bin = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    bins[bin] = (bins[bin] as number) + 1;
  }
  let best = 0;
  for (let k = 1; k < bins.length; k++) if ((bins[k] as number) > (bins[best] as number)) best = k;
  const channel = (sum: number, squares: number) => {
    const mean = pixels > 0 ? sum / pixels : 0;
    const variance = pixels > 1 ? (squares - sum * mean) / (pixels - 1) : 0;
    return { mean, stdev: Math.sqrt(Math.max(0, variance)) };
  };
  return {
    channels: grey ? [channel(sr, qr)] : [channel(sr, qr), channel(sg, qg), channel(sb, qb)],
    dominant: { r: (best >> 8) * 16 + 8, g: ((best >> 4) & 15) * 16 + 8, b: (best & 15) * 16 + 8 },
  };
}

export async function analyseImage(bytes: Buffer): Promise<ImageFacts> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // One decode: the statistics and the thumbnail both start from the raw pixels.
  // Loaded on first use: a reporter whose screenshots were all measured at capture never needs it.
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(bytes).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const verdict = blankVerdict(pixelStats(data, info.channels));
  const thumbnail = await sharp(data, {
    raw: { width: info.width, height: info.height, channels: info.channels },
  })
    .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
  return {
    sha256,
    size: bytes.length,
    width: info.width,
    height: info.height,
    blank: verdict.blank,
    blankReason: verdict.reason,
    thumbnail,
  };
}
