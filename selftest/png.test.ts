// results/png.ts against sharp (libvips), the decoder it replaces for the PNGs browsers write:
// the same pixels, byte for byte, for every colour type and row filter; null for what it leaves
// to sharp (a palette, 16 bits, interlacing); its thumbnails decode back to what was encoded; and
// analyseImage gives the same verdict either way.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { decodePng, encodePng } from '../results/png.ts';
import { analyseImage, blankVerdict, pixelStats, resizeArea } from '../results/screenshot-facts.ts';

/** A page-like picture with noise (so libpng picks every row filter) in `channels` channels. */
async function picture(width: number, height: number, channels: 1 | 2 | 3 | 4, seed: number) {
  const data = Buffer.alloc(width * height * channels);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const band = y < height / 5 ? 40 : 250; // a header bar, then white
      const noise = (x + y) % 7 === 0 ? s >>> 24 : 0;
      for (let c = 0; c < channels; c++)
        data[(y * width + x) * channels + c] = (band + noise + c * 17) & 0xff;
    }
  }
  return { data, raw: { width, height, channels } };
}

async function sharpRaw(png: Buffer) {
  const { data, info } = await sharp(png).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

describe('PNG decoding without sharp', () => {
  test('decodes grey, grey + alpha, RGB and RGBA, with every row filter, exactly as sharp', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      for (const [w, h] of [
        [1280, 800],
        [97, 31],
      ] as const) {
        const { data, raw } = await picture(w, h, channels, channels * 7 + w);
        for (const adaptiveFiltering of [true, false]) {
          const png = await sharp(data, { raw }).png({ adaptiveFiltering, compressionLevel: 6 }).toBuffer();
          const mine = decodePng(png);
          assert.ok(mine, `${channels} channels ${w}x${h}: not decoded`);
          assert.deepEqual(mine, await sharpRaw(png), `${channels} channels ${w}x${h}`);
        }
      }
    }
  });

  test('leaves palettes, 16-bit and interlaced images (and non-PNGs) to sharp', async () => {
    const { data, raw } = await picture(64, 40, 3, 1);
    const palette = await sharp(data, { raw }).png({ palette: true }).toBuffer();
    const deep = await sharp(data, { raw }).toColourspace('rgb16').png().toBuffer();
    const interlaced = await sharp(data, { raw }).png({ progressive: true }).toBuffer();
    const jpeg = await sharp(data, { raw }).jpeg().toBuffer();
    for (const [what, png] of [
      ['palette', palette],
      ['16-bit', deep],
      ['interlaced', interlaced],
      ['jpeg', jpeg],
    ] as const) {
      assert.equal(decodePng(png), null, what);
      // analyseImage still measures it, through sharp.
      const facts = await analyseImage(png);
      assert.equal(facts.width, 64, what);
      assert.equal(facts.blank, false, what);
    }
  });

  test('encodes what decodes back to the same pixels; resizes by area', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const { data } = await picture(50, 20, channels, 3);
      const image = { data: new Uint8Array(data), width: 50, height: 20, channels };
      const png = encodePng(image);
      assert.deepEqual(decodePng(png), image);
      // A valid PNG to another decoder too (sharp turns grey into RGB on the way out).
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.width, meta.height, meta.channels], [50, 20, channels]);
      if (channels >= 3) assert.deepEqual(await sharpRaw(png), image);
    }
    const two = {
      data: new Uint8Array([0, 10, 20, 30, 100, 110, 120, 130]),
      width: 4,
      height: 2,
      channels: 1,
    };
    assert.deepEqual(resizeArea(two, 2, 1).data, new Uint8Array([55, 75]));
    assert.deepEqual(resizeArea(two, 3, 2).width, 3);
  });

  test('analyseImage: the same verdict as from sharp pixels, a 320-px thumbnail', async () => {
    for (const blank of [true, false]) {
      const { data, raw } = await picture(1366, 768, 3, 5);
      if (blank) data.fill(255);
      const png = await sharp(data, { raw }).png().toBuffer();
      const facts = await analyseImage(png);
      const viaSharp = blankVerdict(pixelStats((await sharpRaw(png)).data, 3, 1366));
      assert.equal(facts.blank, viaSharp.blank);
      assert.equal(facts.blankReason, viaSharp.reason);
      const thumb = await sharpRaw(facts.thumbnail);
      assert.deepEqual([thumb.width, thumb.height], [320, 180]);
    }
  });
});
