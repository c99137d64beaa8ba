/** Helpers for pixel buffers (plain JS: usable in Node and in a browser). */
import type { PixelBuffer } from './shapes';

export function encodePixels(shape: PixelBuffer['shape'], array: Uint8Array | Float32Array): PixelBuffer {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return { shape, dtype: array instanceof Float32Array ? 'float32' : 'uint8', data: toBase64(bytes) };
}

/**
 * An image row (values in [0, 1]) as the inspector shows it: uint8 = round(clamp(v) · 255), exactly
 * the bytes a canvas gets from the float (src/common/pixels.ts), at a quarter of the size. Kept float32
 * when a value is not finite, so NaNs still reach the screen (drawn magenta).
 */
export function encodeImagePixels(shape: PixelBuffer['shape'], values: Float32Array): PixelBuffer {
  if (!values.every(Number.isFinite)) return encodePixels(shape, values);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, values[i]!)) * 255);
  return encodePixels(shape, bytes);
}

export function decodePixels(p: PixelBuffer): Uint8Array | Float32Array {
  const bytes = fromBase64(p.data);
  return p.dtype === 'float32' ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : bytes;
}

function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(data: string): Uint8Array {
  if (typeof Buffer !== 'undefined') {
    const b = Buffer.from(data, 'base64');
    // A fresh, aligned copy so a Float32Array view is always possible.
    const out = new Uint8Array(b.length);
    out.set(b);
    return out;
  }
  const s = atob(data);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
