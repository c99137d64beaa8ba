/**
 * PNG decoding (tests, saved sheets), with the header checked against the decode limit first, as
 * for dataset images. Encoding lives in src/common/png.ts (the extension host uses it too).
 */
import { PNG } from 'pngjs';
import { FileError } from '../../common/errors';
import type { RGBA } from '../../common/font';
import { decodedSizeProblem, pngHeader, pngInflateProblem } from '../data/imageHeader';

/** Decode any PNG to 8-bit RGBA; `name` names the data in a size error. */
export function decodePng(buf: Uint8Array, name = 'PNG data'): RGBA {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = pngHeader(bytes);
  const tooBig = header && (decodedSizeProblem(header) ?? pngInflateProblem(bytes, header));
  if (tooBig) throw new FileError(name, tooBig);
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}
