/**
 * The inspector's pure helpers: colour-bar pixels, the virtual grid's visible range, chart scales.
 * No DOM, no Node APIs: the webview uses them and test/engine/webview.test.ts runs them in Node.
 * Image colouring itself is src/common/pixels.ts (shared with the sheet renderer).
 */
import { diverging, heat } from '../src/common/colormap';

/** Colour bar pixels, top = high end: `height` rows of one colour each (RGBA8, `width` wide). */
export function colourBar(kind: 'heat' | 'signed', width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const t = height === 1 ? 1 : 1 - y / (height - 1);
    const c = kind === 'heat' ? heat(t) : diverging(2 * t - 1);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = c[0];
      out[o + 1] = c[1];
      out[o + 2] = c[2];
      out[o + 3] = 255;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The Dataset view's virtual grid

export interface GridLayout {
  columns: number;
  rows: number;
  /** First and one-past-last row to render (overscan included). */
  firstRow: number;
  lastRow: number;
  /** Total scroll height. */
  height: number;
}

/** Which rows of a `count`-item grid of `cell`-px cells are visible in a viewport (plus `overscan` rows each side). */
export function gridWindow(count: number, viewportWidth: number, viewportHeight: number, scrollTop: number, cell: number, overscan = 2): GridLayout {
  const columns = Math.max(1, Math.floor(Math.max(0, viewportWidth) / cell));
  const rows = Math.ceil(count / columns);
  // A scroll position past the end (the list just got shorter) shows the last rows.
  const top = Math.max(0, Math.min(scrollTop, rows * cell - viewportHeight));
  const firstVisible = Math.floor(top / cell);
  const lastVisible = Math.ceil((top + Math.max(0, viewportHeight)) / cell);
  const firstRow = Math.max(0, Math.min(rows, firstVisible - overscan));
  const lastRow = Math.max(firstRow, Math.min(rows, lastVisible + overscan));
  return { columns, rows, firstRow, lastRow, height: rows * cell };
}

/** The sample positions (into the filtered list) that a grid window shows. */
export function windowItems(w: GridLayout, count: number): number[] {
  const out: number[] = [];
  for (let i = w.firstRow * w.columns; i < Math.min(count, w.lastRow * w.columns); i++) out.push(i);
  return out;
}

/** Indices of the split's samples whose label is `cls` (all when cls < 0). */
export function filterByClass(labels: ArrayLike<number>, total: number, cls: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < total; i++) if (cls < 0 || labels[i] === cls) out.push(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The Training view's charts

/** Round tick values (shared with the charts: src/common/ticks.ts). */
export { niceTicks } from '../src/common/ticks';

/** Finite extent of values, padded when flat; undefined when nothing is finite. */
export function extent(values: ArrayLike<number | null | undefined>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return undefined;
  if (lo === hi) return [lo - Math.abs(lo || 1) * 0.05, hi + Math.abs(hi || 1) * 0.05];
  return [lo, hi];
}

/** At most `max` points, keeping the first and last (even spacing in index). */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  const out: T[] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)] as T);
  return out;
}

/** A moving average over `window` points, NaN-tolerant (smoothing for noisy step losses). */
export function smooth(values: readonly (number | null)[], window: number): (number | null)[] {
  if (window <= 1) return values.slice();
  const out: (number | null)[] = [];
  let sum = 0;
  let n = 0;
  const q: (number | null)[] = [];
  for (const v of values) {
    q.push(v);
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      n++;
    }
    if (q.length > window) {
      const old = q.shift();
      if (typeof old === 'number' && Number.isFinite(old)) {
        sum -= old;
        n--;
      }
    }
    out.push(n > 0 ? sum / n : null);
  }
  return out;
}
