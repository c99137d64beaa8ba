/** Colour ops on planes (torchvision _functional_tensor semantics, per-sample factors). */
import * as tf from '@tensorflow/tfjs-core';
import { tidyPlanes, type Planes } from './planes';

/** ITU-R 601-2 luma, as torchvision's rgb_to_grayscale and PIL's convert('L'). */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

function perSample(values: ArrayLike<number>, n: number, name: string): tf.Tensor3D {
  if (values.length !== n) throw new RangeError(`${name}: ${values.length} factors for ${n} images`);
  return tf.tensor3d(Float32Array.from(values), [n, 1, 1]);
}

export function lumaPlane(p: Planes): tf.Tensor3D {
  if (p.length === 1) return p[0];
  // Same summation order as torchvision: (0.299 r + 0.587 g) + 0.114 b.
  return tf.add(tf.add(tf.mul(p[0], LUMA_WEIGHTS[0]), tf.mul(p[1], LUMA_WEIGHTS[1])), tf.mul(p[2], LUMA_WEIGHTS[2])) as tf.Tensor3D;
}

/** torchvision _blend: (f * a + (1 - f) * b).clamp(0, 1); 1 - f is formed in double, as in Python. */
function blendPlanes(p: Planes, other: tf.Tensor3D, factors: ArrayLike<number>): Planes {
  const n = p[0].shape[0];
  const f = perSample(factors, n, 'blend');
  const g = perSample(Array.from(factors, (v) => 1 - v), n, 'blend');
  const b = tf.mul(other, g);
  return p.map((c) => tf.clipByValue(tf.add(tf.mul(c, f), b), 0, 1) as tf.Tensor3D);
}

export function brightnessPlanes(p: Planes, factors: ArrayLike<number>): Planes {
  return tidyPlanes(() => {
    const f = perSample(factors, p[0].shape[0], 'adjustBrightness');
    return p.map((c) => tf.clipByValue(tf.mul(c, f), 0, 1));
  });
}

export function contrastPlanes(p: Planes, factors: ArrayLike<number>): Planes {
  return tidyPlanes(() => blendPlanes(p, tf.mean(lumaPlane(p), [1, 2], true) as tf.Tensor3D, factors));
}

export function saturationPlanes(p: Planes, factors: ArrayLike<number>): Planes {
  return tidyPlanes(() => (p.length === 1 ? p.map((c) => tf.clone(c)) : blendPlanes(p, lumaPlane(p), factors)));
}

/** torchvision _rgb2hsv. */
export function rgbToHsvPlanes(p: Planes): Planes {
  return tidyPlanes(() => {
    const [r, g, b] = p;
    const maxc = tf.maximum(tf.maximum(r, g), b);
    const minc = tf.minimum(tf.minimum(r, g), b);
    const eqc = tf.equal(maxc, minc);
    const cr = tf.sub(maxc, minc);
    const ones = tf.onesLike(maxc);
    const s = tf.div(cr, tf.where(eqc, ones, maxc));
    const crDivisor = tf.where(eqc, ones, cr);
    const rc = tf.div(tf.sub(maxc, r), crDivisor);
    const gc = tf.div(tf.sub(maxc, g), crDivisor);
    const bc = tf.div(tf.sub(maxc, b), crDivisor);
    // torchvision sums three masked terms of which exactly one is selected.
    const hue = tf.where(
      tf.equal(maxc, r),
      tf.sub(bc, gc),
      tf.where(tf.equal(maxc, g), tf.sub(tf.add(rc, 2), bc), tf.sub(tf.add(gc, 4), rc)),
    );
    // fmod(h / 6 + 1, 1) with a positive argument.
    const h0 = tf.add(tf.div(hue, 6), 1);
    return [tf.sub(h0, tf.floor(h0)), s, maxc];
  });
}

/** torchvision _hsv2rgb. */
export function hsvToRgbPlanes(p: Planes): Planes {
  return tidyPlanes(() => {
    const [h, s, v] = p;
    const h6 = tf.mul(h, 6);
    const i = tf.floor(h6);
    const f = tf.sub(h6, i);
    const pp = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
    const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, f))), 0, 1);
    const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, f)))), 0, 1);
    const sector = tf.mod(i, 6);
    const m = [0, 1, 2, 3, 4].map((k) => tf.equal(sector, k));
    const pick = (vals: readonly tf.Tensor[]): tf.Tensor =>
      tf.where(m[0], vals[0], tf.where(m[1], vals[1], tf.where(m[2], vals[2], tf.where(m[3], vals[3], tf.where(m[4], vals[4], vals[5])))));
    return [pick([v, q, pp, pp, t, v]), pick([t, v, v, q, pp, pp]), pick([pp, pp, t, v, v, q])];
  });
}

export function huePlanes(p: Planes, shifts: ArrayLike<number>): Planes {
  return tidyPlanes(() => {
    if (p.length === 1) return p.map((c) => tf.clone(c));
    const [h, s, v] = rgbToHsvPlanes(p);
    const shifted = tf.add(h, perSample(shifts, h.shape[0], 'adjustHue'));
    // Python's % 1.0 (floor mod).
    return hsvToRgbPlanes([tf.sub(shifted, tf.floor(shifted)) as tf.Tensor3D, s, v]);
  });
}

export function grayscalePlanes(p: Planes): Planes {
  return tidyPlanes(() => {
    const g = lumaPlane(p);
    return p.map(() => tf.clone(g));
  });
}
