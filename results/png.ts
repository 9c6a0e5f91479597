// PNG in plain Node (zlib) for the screenshot facts: the 8-bit, non-interlaced images browsers
// write (grey, grey + alpha, RGB, RGBA) decoded to raw pixels, and a thumbnail encoded. sharp
// (libvips) did both before, but its decoders kept ~80 MiB of native memory in the reporter for
// a run with plain screenshots (BENCHMARKS.md, section 6); anything else (a palette, 16 bits,
// Adam7 interlacing) is left to sharp: decodePng answers null.
import { crc32, deflateSync, inflateSync } from 'node:zlib';

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA: what sharp's raw output gives for the same file. */
  channels: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Colour type → channels, for the types decoded here (3, a palette, is not). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** The pixels of an 8-bit non-interlaced grey/RGB(A) PNG, or null for any other image. */
export function decodePng(bytes: Uint8Array): RawImage | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(SIGNATURE)) return null;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const body = buf.subarray(at + 8, at + 8 + length);
    if (body.length !== length) return null;
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      channels = CHANNELS[body[9] as number] ?? 0;
      const interlace = body[12];
      if (depth !== 8 || channels === 0 || interlace !== 0 || width === 0 || height === 0) return null;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    at += 12 + length;
  }
  if (channels === 0 || idat.length === 0) return null;
  const stride = width * channels;
  let filtered: Buffer;
  try {
    // The whole output in one chunk: zlib's default 16 KB chunks, joined at the end, cost a copy
    // of the 4 MB of a page's pixels and a few hundred allocations.
    filtered = inflateSync(idat.length === 1 ? (idat[0] as Buffer) : Buffer.concat(idat), {
      chunkSize: Math.max(64, height * (stride + 1) + 1),
    });
  } catch {
    return null;
  }
  if (filtered.length < height * (stride + 1)) return null;
  // Unfiltered in place: row y's pixels move down to y * stride, over its own filter byte and
  // the start of its filtered bytes, each byte written only after it was read. A second 4 MB
  // buffer for a page's pixels cost more than the work: fresh memory is slow to touch here
  // (BENCHMARKS.md, section 9).
  const out = filtered;
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    switch (filter) {
      case 0:
        out.copyWithin(dst, src, src + stride);
        break;
      case 1: // Sub
        out.copyWithin(dst, src, src + channels);
        for (let i = channels; i < stride; i++) {
          out[dst + i] = ((filtered[src + i] as number) + (out[dst + i - channels] as number)) & 0xff;
        }
        break;
      case 2: // Up
        if (y === 0) {
          out.copyWithin(dst, src, src + stride);
          break;
        }
        for (let i = 0; i < stride; i++) {
          out[dst + i] = ((filtered[src + i] as number) + (out[up + i] as number)) & 0xff;
        }
        break;
      case 3: // Average
        for (let i = 0; i < stride; i++) {
          const left = i >= channels ? (out[dst + i - channels] as number) : 0;
          const above = y > 0 ? (out[up + i] as number) : 0;
          out[dst + i] = ((filtered[src + i] as number) + ((left + above) >> 1)) & 0xff;
        }
        break;
      case 4: // Paeth
        for (let i = 0; i < stride; i++) {
          const a = i >= channels ? (out[dst + i - channels] as number) : 0;
          const b = y > 0 ? (out[up + i] as number) : 0;
          const c = y > 0 && i >= channels ? (out[up + i - channels] as number) : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          out[dst + i] = ((filtered[src + i] as number) + pred) & 0xff;
        }
        break;
      default:
        return null;
    }
  }
  return { data: new Uint8Array(out.buffer, out.byteOffset, height * stride), width, height, channels };
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** An 8-bit PNG of `image` (each row filtered Up: pages repeat their rows), zlib level 6. */
export function encodePng(image: RawImage): Buffer {
  const { data, width, height, channels } = image;
  const colourType = Object.entries(CHANNELS).find(([, c]) => c === channels)?.[0];
  if (colourType === undefined) throw new Error(`encodePng: ${channels} channels`);
  const stride = width * channels;
  const filtered = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    filtered[at] = 2;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const above = y > 0 ? (data[row - stride + i] as number) : 0;
      filtered[at + 1 + i] = ((data[row + i] as number) - above) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = Number(colourType);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(filtered, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
