/** The hover read-out's numbers: one pixel of one sample in pixel units (plain functions, tested in Node). */
import { formatNumber } from '../src/common/pixels';

export type Shape = readonly [number, number, number, number];

/** Channel values at (x, y) of sample `i`; uint8 rows are displayed bytes, so k → k / 255. */
export function pixelAt(values: Float32Array | Uint8Array, shape: Shape, i: number, x: number, y: number): number[] {
  const [, h, w, c] = shape;
  if (x < 0 || y < 0 || x >= w || y >= h) return [];
  const o = ((i * h + y) * w + x) * c;
  const out: number[] = [];
  for (let k = 0; k < c; k++) {
    const v = values[o + k] as number;
    out.push(values instanceof Uint8Array ? v / 255 : v);
  }
  return out;
}

/** "0.42" for grey, "(0.42, 0.1, 0)" for RGB; signed rows keep their sign. */
export function formatPixel(v: readonly number[], signed = false): string {
  const f = (x: number) => (signed && x > 0 ? `+${formatNumber(x)}` : formatNumber(x));
  return v.length === 1 ? f(v[0]!) : `(${v.map(f).join(', ')})`;
}

/** The image pixel under a point of a canvas drawn at any CSS size. */
export function pixelUnder(offsetX: number, offsetY: number, cssWidth: number, cssHeight: number, width: number, height: number): [number, number] {
  const x = Math.min(width - 1, Math.max(0, Math.floor((offsetX / Math.max(1, cssWidth)) * width)));
  const y = Math.min(height - 1, Math.max(0, Math.floor((offsetY / Math.max(1, cssHeight)) * height)));
  return [x, y];
}

/** The zoom that makes the enlarged sample's larger side about `target` CSS pixels. */
export function detailZoom(height: number, width: number, target = 224): number {
  return Math.max(1, Math.min(64, Math.floor(target / Math.max(1, height, width))));
}
