/**
 * Drawing pixel buffers on canvases at 1:1, coloured by src/common/pixels.ts (the one colouring of
 * the project). Each canvas remembers what it shows, for the hover read-out and the test hook.
 */
import { sampleRaster, type Colouring } from '../src/common/pixels';
import type { Shape } from './readout';

export interface PaintRecord {
  row: string;
  sample: number;
  values: Float32Array | Uint8Array;
  shape: Shape;
  colouring: Colouring;
}

const records = new WeakMap<HTMLCanvasElement, PaintRecord>();

/** Draws sample `sample` of `values` on `canvas` with `colouring`. */
export function paint(canvas: HTMLCanvasElement, rec: PaintRecord): void {
  const r = sampleRaster(rec.values, rec.shape, rec.sample, rec.colouring);
  if (canvas.width !== r.width) canvas.width = r.width;
  if (canvas.height !== r.height) canvas.height = r.height;
  // willReadFrequently: the test hook reads these back; for images this small a CPU canvas costs nothing.
  canvas.getContext('2d', { willReadFrequently: true })!.putImageData(new ImageData(r.rgba, r.width, r.height), 0, 0);
  records.set(canvas, rec);
}

/** One row of a grid: every sample of `values` on its canvas. */
export function paintRow(canvases: readonly HTMLCanvasElement[], row: string, values: Float32Array | Uint8Array, shape: Shape, colouring: Colouring): void {
  canvases.forEach((c, i) => paint(c, { row, sample: i, values, shape, colouring }));
}

export function paintedAs(canvas: HTMLCanvasElement): PaintRecord | undefined {
  return records.get(canvas);
}
