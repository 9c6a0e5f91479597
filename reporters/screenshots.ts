// Image facts for the screenshot folder: sha256, size, dimensions, the blank-page verdict from
// sharp's pixel statistics (the same rule the browser checks use) and a thumbnail. Bytes in,
// facts and thumbnail bytes out; write.ts owns the files.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { blankVerdict } from '../fixtures/page-verdicts.ts';

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

export async function analyseImage(bytes: Buffer): Promise<ImageFacts> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const image = sharp(bytes);
  const [meta, stats] = await Promise.all([image.metadata(), image.stats()]);
  const verdict = blankVerdict({
    channels: stats.channels.map((c) => ({ mean: c.mean, stdev: c.stdev })),
    dominant: stats.dominant,
  });
  const thumbnail = await sharp(bytes)
    .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
  return {
    sha256,
    size: bytes.length,
    width: meta.width ?? null,
    height: meta.height ?? null,
    blank: verdict.blank,
    blankReason: verdict.reason,
    thumbnail,
  };
}
