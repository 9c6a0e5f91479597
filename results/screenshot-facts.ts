// Image facts of a screenshot: sha256, size, dimensions, the blank-page verdict from pixel
// statistics and a thumbnail, from one decode. A check measures them in its worker when it takes
// the screenshot (fixtures/screenshot-facts.ts), in parallel with the other checks; the reporter
// reuses them and measures only screenshots attached without them (BENCHMARKS.md, section 2).
// Bytes in, facts out: no file system (PNG decoded in results/png.ts; sharp loaded on first use,
// for other images).
import { createHash } from 'node:crypto';
import { decodePng, encodePng, type RawImage } from './png.ts';
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
 * it ~80 ms of CPU per screenshot against ~10 ms here (BENCHMARKS.md, section 4). A page is
 * mostly one colour in runs and rows that repeat: a run of equal pixels is added once, times its
 * length, and a row equal to the one above (given `width`) adds that row's sums again. The sums
 * are whole numbers either way, so the figures are exactly those of adding pixel by pixel.
 */
export function pixelStats(
  data: Uint8Array,
  channels: number,
  width = Math.floor(data.length / channels),
): ImageStats {
  const grey = channels < 3;
  const pixels = Math.floor(data.length / channels);
  const end = pixels * channels;
  const rowLen = Math.max(1, width) * channels;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const bins = new Uint32Array(4096);
  let sr = 0;
  let sg = 0;
  let sb = 0;
  let qr = 0;
  let qg = 0;
  let qb = 0;
  // The sums and (bin, pixels) pairs of the last row added pixel by pixel.
  let rr = 0;
  let rg = 0;
  let rb = 0;
  let rqr = 0;
  let rqg = 0;
  let rqb = 0;
  const rowBins: number[] = [];
  for (let start = 0; start < end; start += rowLen) {
    const stop = Math.min(end, start + rowLen);
    const repeat =
      start > 0 && stop - start === rowLen && bytes.compare(bytes, start, stop, start - rowLen, start) === 0;
    if (!repeat) {
      rr = rg = rb = rqr = rqg = rqb = 0;
      rowBins.length = 0;
      let r = -1;
      let g = -1;
      let b = -1;
      let n = 0;
      const add = (): void => {
        if (n === 0) return;
        rr += r * n;
        rg += g * n;
        rb += b * n;
        rqr += r * r * n;
        rqg += g * g * n;
        rqb += b * b * n;
        rowBins.push(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4), n);
      };
      for (let i = start; i < stop; i += channels) {
        const r1 = data[i] as number;
        const g1 = grey ? r1 : (data[i + 1] as number);
        const b1 = grey ? r1 : (data[i + 2] as number);
        if (r1 === r && g1 === g && b1 === b) {
          n++;
          continue;
        }
        add();
        r = r1;
        g = g1;
        b = b1;
        n = 1;
      }
      add();
    }
    sr += rr;
    sg += rg;
    sb += rb;
    qr += rqr;
    qg += rqg;
    qb += rqb;
    for (let j = 0; j < rowBins.length; j += 2) {
      const bin = rowBins[j] as number;
      bins[bin] = (bins[bin] as number) + (rowBins[j + 1] as number);
    }
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

/**
 * Averages every f×f block of raw pixels into one (a box filter, as libvips' own shrink does):
 * a thumbnail of a 1280-px page is a quarter of it each way. The last columns and rows that do
 * not fill a block are left out. Channels are averaged as they are (straight alpha).
 */
export function boxShrink(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  f: number,
): { data: Uint8Array; width: number; height: number } {
  const outW = Math.floor(width / f);
  const outH = Math.floor(height / f);
  const out = new Uint8Array(outW * outH * channels);
  const stride = width * channels;
  const outStride = outW * channels;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
  const sameRow = (a: number, b: number) => bytes.compare(bytes, a, a + stride, b, b + stride) === 0;
  const rows = new Uint32Array(stride);
  const area = f * f;
  const half = area >> 1;
  const step = f * channels;
  // A page repeats its rows (margins, bands of one colour): a block of f equal rows is summed
  // from one of them, and one equal to the block above gives the row above again. Otherwise
  // the f rows are summed byte by byte (one tight loop), then each f pixels of the sum become one.
  let previousFlat = -1;
  for (let oy = 0; oy < outH; oy++) {
    const first = oy * f * stride;
    let flat = true;
    for (let y = 1; y < f && flat; y++) flat = sameRow(first, first + y * stride);
    const dst = oy * outStride;
    if (flat && previousFlat >= 0 && sameRow(first, previousFlat)) {
      out.copyWithin(dst, dst - outStride, dst);
      previousFlat = first;
      continue;
    }
    previousFlat = flat ? first : -1;
    if (flat) {
      for (let i = 0; i < stride; i++) rows[i] = (data[first + i] as number) * f;
    } else {
      rows.fill(0);
      for (let src = first; src < first + f * stride; src += stride) {
        for (let i = 0; i < stride; i++) rows[i] = (rows[i] as number) + (data[src + i] as number);
      }
    }
    let o = dst;
    for (let x = 0; x < outW * step; x += step) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let i = x + c; i < x + step; i += channels) sum += rows[i] as number;
        out[o++] = Math.floor((sum + half) / area);
      }
    }
  }
  return { data: out, width: outW, height: outH };
}

/**
 * `image` resized to `width` × `height` by area: each output pixel the mean of the input pixels
 * of its box (never empty), for the last step of a thumbnail after an integer shrink.
 */
export function resizeArea(image: RawImage, width: number, height: number): RawImage {
  const { data, channels } = image;
  const span = (o: number, outSize: number, inSize: number): [number, number] => {
    const from = Math.floor((o * inSize) / outSize);
    return [from, Math.max(from + 1, Math.floor(((o + 1) * inSize) / outSize))];
  };
  const out = new Uint8Array(width * height * channels);
  for (let oy = 0; oy < height; oy++) {
    const [y0, y1] = span(oy, height, image.height);
    for (let ox = 0; ox < width; ox++) {
      const [x0, x1] = span(ox, width, image.width);
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let y = y0; y < y1; y++)
          for (let x = x0; x < x1; x++) sum += data[(y * image.width + x) * channels + c] as number;
        out[(oy * width + ox) * channels + c] = Math.round(sum / n);
      }
    }
  }
  return { data: out, width, height, channels };
}

let codec: Promise<typeof import('sharp')> | undefined;

/** sharp, loaded on first use: only for an image results/png.ts does not decode. */
function loadImageCodec(): Promise<typeof import('sharp')> {
  codec ??= import('sharp');
  return codec;
}

async function decodeWithSharp(bytes: Buffer): Promise<RawImage> {
  const { default: sharp } = await loadImageCodec();
  const { data, info } = await sharp(bytes).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export async function analyseImage(bytes: Buffer): Promise<ImageFacts> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // One decode: the statistics and the thumbnail both start from the raw pixels. The PNGs browsers
  // write are decoded here (results/png.ts); sharp only for the rest (a palette, 16 bits).
  const raw = decodePng(bytes) ?? (await decodeWithSharp(bytes));
  const verdict = blankVerdict(pixelStats(raw.data, raw.channels, raw.width));
  // The thumbnail from a shrink of those pixels, here: handing all of them back to sharp to
  // resize cost ~10 ms of CPU for a 1280×800 page, this ~3 ms (BENCHMARKS.md, section 4).
  const width = Math.min(THUMBNAIL_WIDTH, raw.width);
  const height = Math.max(1, Math.round((raw.height * width) / raw.width));
  const f = Math.min(Math.floor(raw.width / width), raw.height);
  let small =
    f > 1 ? { ...boxShrink(raw.data, raw.width, raw.height, raw.channels, f), channels: raw.channels } : raw;
  if (small.width !== width || small.height !== height) small = resizeArea(small, width, height);
  // Full colour at zlib's default level: ~1 ms against ~5.5 ms for a 256-colour palette at level
  // 9, for a thumbnail of ~2 KB instead of ~0.9 KB (BENCHMARKS.md, section 4).
  const thumbnail = encodePng(small);
  return {
    sha256,
    size: bytes.length,
    width: raw.width,
    height: raw.height,
    blank: verdict.blank,
    blankReason: verdict.reason,
    thumbnail,
  };
}
