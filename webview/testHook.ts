/**
 * For the real-editor suite only: a read-only view of what is on screen (window.__idaaInspector).
 * Nothing in the panel calls it; reading canvases back happens only when a test asks.
 */
import { fnv1a } from '../src/common/pixels';
import { paintedAs } from './paint';

export interface CanvasReport {
  view: string;
  row: string;
  sample: number;
  width: number;
  height: number;
  /** FNV-1a of the RGBA the canvas holds, read back with getImageData. */
  checksum: number;
  /** How it was coloured (kind, gain, offset, max). */
  colouring: unknown;
}

/** Every painted image canvas in the page (optionally of one view), read back. */
export function canvasReports(view?: string): CanvasReport[] {
  const out: CanvasReport[] = [];
  for (const c of Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas.px[data-view]'))) {
    if (view && c.dataset.view !== view) continue;
    const rec = paintedAs(c);
    if (!rec) continue;
    const data = c.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, c.width, c.height).data;
    out.push({ view: c.dataset.view!, row: rec.row, sample: rec.sample, width: c.width, height: c.height, checksum: fnv1a(data), colouring: rec.colouring });
  }
  return out;
}

export function installTestHook(snapshot: () => Record<string, unknown>): void {
  (window as unknown as { __idaaInspector: unknown }).__idaaInspector = { snapshot, canvases: canvasReports };
}
