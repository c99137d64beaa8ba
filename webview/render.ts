/**
 * The inspector's pure rendering helpers: pixel buffers → RGBA8 per sample (the same colouring as
 * the engine's contact sheets: src/engine/inspect/sheet.ts and colormap.ts), the checksum of what
 * a canvas must hold, the virtual grid's visible range, chart scales. No DOM, no Node APIs: the
 * webview draws with them, the host computes the checksums it sends with them, and the unit tests
 * (test/engine/webview*.test.ts) run them in plain Node.
 */
import { diverging, heat } from '../src/engine/inspect/colormap';
import { fnv1a, pixelValues, type ImageKind, type ImagePayload, type PixelBuffer } from '../src/protocol/webview';

const NAN_RGB = [255, 0, 255] as const;

export interface SampleRaster {
  width: number;
  height: number;
  /** RGBA8, alpha always 255 (so a canvas gives the same bytes back). */
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/**
 * Colours sample `i` of an NHWC buffer at 1:1.
 * - 'image': values in [0, 1] (float32) or 0..255 (uint8); one channel shows grey.
 * - 'signed': value × gain, channels averaged, on the blue–white–red diverging map (±1 saturates).
 * - 'heat': the channel of largest magnitude ÷ max on 'inferno' (0 → black end).
 * Non-finite values are magenta, so NaNs cannot hide.
 */
export function sampleToRgba(values: Float32Array | Uint8Array, shape: PixelBuffer['shape'], i: number, kind: ImageKind, gain = 1, max = 1): SampleRaster {
  const [, h, w, c] = shape;
  const n = h * w;
  const per = n * c;
  const base = i * per;
  const rgba = new Uint8ClampedArray(n * 4);
  const isByte = values instanceof Uint8Array;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    rgba[o + 3] = 255;
    const s = base + p * c;
    if (kind === 'image') {
      for (let k = 0; k < 3; k++) {
        const v = values[s + (c === 1 ? 0 : k)] as number;
        if (isByte) rgba[o + k] = v;
        else if (!Number.isFinite(v)) {
          rgba[o] = NAN_RGB[0];
          rgba[o + 1] = NAN_RGB[1];
          rgba[o + 2] = NAN_RGB[2];
          break;
        } else rgba[o + k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
      continue;
    }
    let v: number;
    if (c === 1) v = values[s] as number;
    else if (kind === 'signed') v = ((values[s] as number) + (values[s + 1] as number) + (values[s + 2] as number)) / 3;
    else {
      const r = values[s] as number;
      const g = values[s + 1] as number;
      const b = values[s + 2] as number;
      v = r;
      if (Math.abs(g) > Math.abs(v) || Number.isNaN(g)) v = g;
      if (Math.abs(b) > Math.abs(v) || Number.isNaN(b)) v = b;
      if (Number.isNaN(r)) v = r;
    }
    const rgb = !Number.isFinite(v) ? NAN_RGB : kind === 'signed' ? diverging(v * gain) : heat(max > 0 ? Math.max(0, v) / max : 0);
    rgba[o] = rgb[0];
    rgba[o + 1] = rgb[1];
    rgba[o + 2] = rgb[2];
  }
  return { width: w, height: h, rgba };
}

/** Every sample of a payload, coloured. */
export function payloadRasters(p: ImagePayload, values: Float32Array | Uint8Array = pixelValues(p.pixels)): SampleRaster[] {
  return Array.from({ length: p.pixels.shape[0] }, (_, i) => sampleToRgba(values, p.pixels.shape, i, p.kind, p.gain, p.max));
}

/** The checksum of a raster's bytes (what `ImagePayload.checksums` carries). */
export function rasterChecksum(r: { rgba: ArrayLike<number> }): number {
  return fnv1a(r.rgba);
}

/** A gain for R(x) that makes its largest magnitude fill the diverging map: 1, 2 or 5 × 10^k. */
export function residualGain(r: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < r.length; i++) {
    const v = Math.abs(r[i] as number);
    if (Number.isFinite(v) && v > max) max = v;
  }
  if (max === 0) return 1;
  const raw = 1 / max;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/** The largest finite per-pixel heat value of a buffer (max over channels), the top of its colour scale. */
export function heatMax(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

/** "×5", "×0.2": how R(x) was amplified. */
export function formatGain(g: number): string {
  return `×${g >= 1 ? String(Math.round(g)) : String(Number(g.toPrecision(1)))}`;
}

/** Compact numbers for read-outs: 3 significant digits, exponent form when tiny or huge. */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return 'NaN';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('-', '−');
  return String(Number(v.toPrecision(digits))).replace('-', '−');
}

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

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  if (hi < lo) [lo, hi] = [hi, lo];
  const raw = (hi - lo) / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

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
