/**
 * PNG encoding of RGBA rasters (contact sheets, plots). pngjs and the file system only, no tfjs: the
 * extension host's PNG export uses it as the CLI does. Decoding, which must check untrusted headers
 * first, stays with the engine's image readers (src/engine/inspect/png.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { RGBA } from './font';

function checkRaster(img: RGBA): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new RangeError(`PNG size ${img.width}x${img.height} must be positive integers`);
  }
  if (img.rgba.length !== img.width * img.height * 4) {
    throw new RangeError(`RGBA buffer has ${img.rgba.length} bytes, expected ${img.width}x${img.height}x4`);
  }
}

/** Encode as 8-bit PNG; RGB when fully opaque (sheets always are: a quarter smaller), else RGBA. */
export function encodePng(img: RGBA): Buffer {
  checkRaster(img);
  let opaque = true;
  for (let i = 3; i < img.rgba.length; i += 4) {
    if (img.rgba[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.rgba.buffer, img.rgba.byteOffset, img.rgba.byteLength);
  return PNG.sync.write(png, { colorType: opaque ? 2 : 6, inputColorType: 6, inputHasAlpha: true });
}

/** Write a PNG file, creating its folder if needed. */
export function writePng(file: string, img: RGBA): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encodePng(img));
}
