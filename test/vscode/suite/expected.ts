/**
 * What the inspector's canvases must hold, computed here from the pixels the worker sent and the
 * project's one colouring (src/common/pixels.ts), independently of the webview's own drawing.
 */
import * as assert from 'node:assert/strict';
import { fnv1a, heatScale, residualGain, sampleRaster, type Colouring } from '../../../src/common/pixels';
import type { InspectorPanel } from '../../../src/extension/inspectorPanel';
import { pixelValues, ROW_KINDS, type AnyRow, type PixelBuffer } from '../../../src/protocol/webview';
import { canvases, inFrame } from './frame';

export interface CanvasReport {
  view: string;
  row: string;
  sample: number;
  width: number;
  height: number;
  checksum: number;
  colouring: Colouring;
}

/** The colouring a row must have: R(x) at its gain (× contrast, + brightness), |x_adv − x| up to max(batch max, floor). */
export function expectedColouring(row: AnyRow, images: Partial<Record<AnyRow, PixelBuffer>>, residual = { contrast: 1, brightness: 0 }): Colouring {
  const kind = ROW_KINDS[row];
  if (kind === 'signed') return { kind, gain: residualGain(pixelValues(images.r!)) * residual.contrast, offset: residual.brightness };
  if (kind === 'heat') return { kind, max: heatScale(pixelValues(images[row]!)).max };
  return { kind };
}

export function expectedRaster(p: PixelBuffer, sample: number, c: Colouring) {
  return sampleRaster(pixelValues(p), p.shape, sample, c);
}

/** Every reported canvas holds the sent pixels of its row and sample, coloured as it must be. */
export function checkReports(reports: CanvasReport[], images: Partial<Record<AnyRow, PixelBuffer>>, residual?: { contrast: number; brightness: number }): void {
  assert.ok(reports.length > 0, 'some canvases were drawn');
  const [, h, w] = images.x!.shape;
  for (const r of reports) {
    const row = r.row as AnyRow;
    const p = images[row];
    assert.ok(p, `${r.view} ${row}: a row that was sent`);
    assert.equal(r.width, w);
    assert.equal(r.height, h);
    const want = expectedColouring(row, images, residual);
    for (const [k, v] of Object.entries(want)) {
      const got = (r.colouring as unknown as Record<string, unknown>)[k];
      if (typeof v === 'number') assert.ok(typeof got === 'number' && Math.abs(got - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${r.view} ${row}[${r.sample}] ${k}: ${got} (expected ${v})`);
      else assert.equal(got, v, `${r.view} ${row}[${r.sample}] ${k}`);
    }
    assert.equal(r.checksum, fnv1a(expectedRaster(p, r.sample, r.colouring).rgba), `${r.view} ${row}[${r.sample}] on the canvas is the pixels sent, coloured by src/common/pixels.ts`);
  }
}

/** FNV-1a of every sample of a row as it must be drawn (to compare two inspections). */
export function rowChecksums(images: Partial<Record<AnyRow, PixelBuffer>>, row: AnyRow): number[] {
  const p = images[row]!;
  const c = expectedColouring(row, images);
  return Array.from({ length: p.shape[0] }, (_, i) => fnv1a(expectedRaster(p, i, c).rgba));
}

/** Every decomposition canvas in the panel's frame holds the pixels the worker sent for it, coloured by src/common/pixels.ts. */
export async function checkDecompositionCanvases(panel: InspectorPanel): Promise<void> {
  const sent = panel.lastInspect!;
  const got = (await inFrame(canvases, 'decomposition')) as CanvasReport[];
  assert.equal(got.length, Object.keys(sent.images).length * sent.samples.length, 'one canvas per row and sample');
  checkReports(got, sent.images);
}
