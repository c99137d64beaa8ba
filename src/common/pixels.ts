/**
 * How inspection pixels become colours, once for every side: the webview's canvases and the
 * contact-sheet renderer (sheet.ts, used by the CLI and by the extension's PNG export) colour with
 * these functions, so a canvas and a sheet cell of the same buffer hold the same bytes.
 * No DOM, no Node APIs, no tfjs.
 */
import { diverging, heat, type RGB8 } from './colormap';

/** How one row of images is coloured. */
export type ImageKind = 'image' | 'signed' | 'heat';

/** Non-finite values are drawn magenta in every kind, so NaNs cannot hide. */
export const NAN_RGB: Readonly<RGB8> = [255, 0, 255];

/**
 * The smallest top of the |x_adv − x| colour scale: one 8-bit grey level. A change below it cannot
 * show in x_adv either, so float noise (4e−8 at ε = 0) stays black instead of filling the scale.
 */
export const HEAT_FLOOR = 1 / 255;
export const HEAT_FLOOR_LABEL = '1/255';

export interface Colouring {
  kind: ImageKind;
  /** 'signed': v · gain + offset is coloured (±1 saturates). */
  gain?: number;
  offset?: number;
  /** 'heat': the value at the top of the scale. */
  max?: number;
  /**
   * How 3-channel 'signed'/'heat' pixels become one value: the channel 'mean', or the channel of
   * largest magnitude ('max', sign kept). Default: 'mean' for 'signed', 'max' for 'heat' (a change
   * in any one channel shows).
   */
  reduce?: 'mean' | 'max';
}

/** One value for a pixel's channels (see `Colouring.reduce`); NaN propagates so it is still flagged. */
export function reducePixel(values: ArrayLike<number>, s: number, channels: number, mode: 'mean' | 'max'): number {
  if (channels === 1) return values[s] as number;
  const r = values[s] as number;
  const g = values[s + 1] as number;
  const b = values[s + 2] as number;
  if (mode === 'mean') return (r + g + b) / 3;
  let m = r;
  if (Math.abs(g) > Math.abs(m) || Number.isNaN(g)) m = g;
  if (Math.abs(b) > Math.abs(m) || Number.isNaN(b)) m = b;
  return Number.isNaN(r) ? r : m;
}

/**
 * Colours `pixels` pixels of an HWC buffer starting at value `start` into RGBA8 (alpha 255).
 * 'image': values in [0, 1] (float) or 0..255 (uint8 bytes, as they are); one channel shows grey.
 */
export function colourPixels(values: Float32Array | Uint8Array, start: number, pixels: number, channels: number, c: Colouring): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(pixels * 4);
  const isByte = values instanceof Uint8Array;
  const gain = c.gain ?? 1;
  const offset = c.offset ?? 0;
  const max = c.max ?? 1;
  const reduce = c.reduce ?? (c.kind === 'heat' ? 'max' : 'mean');
  for (let p = 0; p < pixels; p++) {
    const o = p * 4;
    rgba[o + 3] = 255;
    const s = start + p * channels;
    if (c.kind === 'image') {
      for (let k = 0; k < 3; k++) {
        const v = values[s + (channels === 1 ? 0 : k)] as number;
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
    const v = reducePixel(values, s, channels, reduce);
    const rgb = !Number.isFinite(v) ? NAN_RGB : c.kind === 'signed' ? diverging(v * gain + offset) : heat(max > 0 ? Math.max(0, v) / max : 0);
    rgba[o] = rgb[0];
    rgba[o + 1] = rgb[1];
    rgba[o + 2] = rgb[2];
  }
  return rgba;
}

export interface SampleRaster {
  width: number;
  height: number;
  /** RGBA8, alpha always 255 (so a canvas gives the same bytes back). */
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** Sample `i` of an NHWC buffer, coloured at 1:1. */
export function sampleRaster(values: Float32Array | Uint8Array, shape: readonly [number, number, number, number], i: number, c: Colouring): SampleRaster {
  const [, h, w, ch] = shape;
  return { width: w, height: h, rgba: colourPixels(values, i * h * w * ch, h * w, ch, c) };
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

/** The largest finite value of a buffer (0 when none is positive). */
export function largest(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

export interface HeatScale {
  /** The top of the scale: max(batch maximum, floor). */
  max: number;
  /** The batch's own largest value. */
  batchMax: number;
  /** True when the floor, not the batch, sets the top. */
  floored: boolean;
}

/** The |x_adv − x| scale of a batch: its maximum, but never below `floor` (HEAT_FLOOR). */
export function heatScale(values: ArrayLike<number>, floor = HEAT_FLOOR): HeatScale {
  const batchMax = largest(values);
  return { max: Math.max(batchMax, floor), batchMax, floored: batchMax < floor };
}

/** FNV-1a, 32-bit, over bytes: the checksum tests compare a canvas's pixels with. */
export function fnv1a(bytes: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** "×5", "×0.2": how R(x) was amplified. */
export function formatGain(g: number): string {
  return `×${g >= 1 ? String(Math.round(g)) : String(Number(g.toPrecision(1)))}`;
}

/** Compact numbers for read-outs and legends: 3 significant digits, exponent form when tiny or huge. */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return 'NaN';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('-', '−');
  return String(Number(v.toPrecision(digits))).replace('-', '−');
}
