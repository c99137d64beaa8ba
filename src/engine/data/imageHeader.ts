/**
 * Image dimensions read from the header alone, so that a small file declaring a huge image (a
 * 140 KB PNG that says 12000×12000 decodes to over a gigabyte) is refused before any decoder
 * allocates. One limit for every format: jpeg-js's own default of 100 megapixels, counted as the
 * 8-bit RGBA both decoders build (pngjs always returns RGBA).
 */
import { inflateSync } from 'node:zlib';

export const MAX_MEGAPIXELS = 100;
const DECODED_CHANNELS = 4;
/** width × height × channels of the decoded image may not exceed this. */
export const MAX_DECODED_BYTES = MAX_MEGAPIXELS * 1_000_000 * DECODED_CHANNELS;

export interface ImageHeader {
  readonly format: 'PNG' | 'JPEG';
  readonly width: number;
  readonly height: number;
}

const count = (n: number): string => n.toLocaleString('en-US');

export function isPng(buf: Buffer): boolean {
  return buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47;
}

export function isJpeg(buf: Buffer): boolean {
  return buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

/** PNG: the IHDR chunk must come first (8-byte signature, length, "IHDR", width, height, ...). */
export function pngHeader(buf: Buffer): ImageHeader | undefined {
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { format: 'PNG', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** JPEG: the first start-of-frame marker (SOF0..SOF15 bar DHT, JPG, DAC) before the scan data. */
export function jpegHeader(buf: Buffer): ImageHeader | undefined {
  let o = 2;
  while (o + 4 <= buf.length) {
    if (buf[o] !== 0xff) return undefined; // lost sync: the decoder will report it
    const m = buf[o + 1];
    if (m === 0xff) {
      o++; // fill byte
    } else if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      o += 2; // markers without a length
    } else if (m === 0xd9 || m === 0xda) {
      return undefined; // end of image or start of scan before any frame header
    } else {
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return o + 9 <= buf.length ? { format: 'JPEG', height: buf.readUInt16BE(o + 5), width: buf.readUInt16BE(o + 7) } : undefined;
      }
      o += 2 + buf.readUInt16BE(o + 2);
    }
  }
  return undefined;
}

/** Why an image of this declared size may not be decoded, or undefined when it may. */
export function decodedSizeProblem(h: ImageHeader): string | undefined {
  const bytes = h.width * h.height * DECODED_CHANNELS;
  if (bytes <= MAX_DECODED_BYTES) return undefined;
  return (
    `${h.format} header declares ${count(h.width)}×${count(h.height)} pixels, which would decode to ${count(bytes)} bytes ` +
    `(width × height × ${DECODED_CHANNELS} channels); the limit is ${count(MAX_DECODED_BYTES)} bytes (${MAX_MEGAPIXELS} megapixels)`
  );
}

// Adam7 passes: first column, first row, column step, row step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
const PNG_SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs inflates interlaced images without any output limit, so a tiny interlaced PNG can expand
 * to gigabytes whatever size it declares. Inflate those here first, capped at the exact size
 * the header implies, and say why when the data holds more. Non-interlaced images are inflated
 * by pngjs with that cap already.
 */
export function pngInflateProblem(buf: Buffer, h: ImageHeader): string | undefined {
  if (buf.length < 33 || buf[28] !== 1) return undefined;
  const bits = buf[24] * (PNG_SAMPLES[buf[25]] ?? 4);
  let expected = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((h.width - x0) / dx);
    const rows = Math.ceil((h.height - y0) / dy);
    if (w > 0 && rows > 0) expected += rows * (1 + Math.ceil((w * bits) / 8));
  }
  const idat: Buffer[] = [];
  for (let o = 8; o + 12 <= buf.length; ) {
    const len = buf.readUInt32BE(o);
    if (buf.toString('latin1', o + 4, o + 8) === 'IDAT') idat.push(buf.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') return undefined; // corrupt data: pngjs says how
    return `interlaced image data inflates to more than the ${count(expected)} bytes a ${count(h.width)}×${count(h.height)} image needs`;
  }
  return undefined;
}
