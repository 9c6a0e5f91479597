// Image facts for the screenshot folder: sha256, size, dimensions, the blank-page verdict from
// pixel statistics (the same rule the browser checks use) and a thumbnail. Bytes in, facts and
// thumbnail bytes out; write.ts owns the files.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { blankVerdict, type ImageStats } from '../fixtures/page-verdicts.ts';

export const THUMBNAIL_WIDTH = 320;

export interface ImageFacts {
  sha256: string;
  size: number;
  width: number | null;
  height: number | null;
  blank: boolean;
  blankReason: string;
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
