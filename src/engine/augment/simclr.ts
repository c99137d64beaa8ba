/**
 * SimCLR augmentations as batched tensor ops, following the reference pipeline (torchvision):
 *
 *   RandomResizedCrop(size, scale, ratio) -> RandomHorizontalFlip(0.5)
 *   -> RandomApply([ColorJitter(b, c, s, h)], p) -> RandomGrayscale(p) -> ToTensor -> Normalize
 *
 * Every random choice is drawn per sample from the seeded `Rng`, on the CPU, in the order the
 * torchvision pipeline draws them, so a run is reproducible and resumes from a saved generator
 * state. The drawn parameters are plain data (`SampleAugParams`), applied afterwards in a few
 * batched ops.
 *
 * Where this differs from the reference (which applies the ops to 8-bit PIL images):
 * - values stay float32 in [0, 1] between ops (torchvision's tensor path); PIL rounds to uint8
 *   after the resize, each jitter op and the grayscale, and its contrast mean and hue are 8-bit;
 * - the random numbers come from our generator, not torch's, so the draws differ while their
 *   distributions are the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../common/errors';
import { Rng } from '../rng';

/** torchvision ColorJitter strengths plus the RandomApply probability around it. */
export interface ColorJitterOptions {
  /** Factor drawn from [max(0, 1 - b), 1 + b]; 0 disables the op. */
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  /** Shift drawn from [-h, h], 0 <= h <= 0.5; 0 disables the op. */
  readonly hue: number;
  /** Probability that the jitter is applied to a sample at all. */
  readonly p: number;
}

export interface AugmentOptions {
  /** Output height and width. */
  readonly size: number;
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  readonly scale?: readonly [number, number];
  /** Range of the crop's width / height (default [3/4, 4/3]). */
  readonly ratio?: readonly [number, number];
  /** Horizontal flip with probability 0.5 (default true). */
  readonly flip?: boolean;
  /** null turns jitter off (default: SIMCLR_DEFAULTS.jitter). */
  readonly jitter?: ColorJitterOptions | null;
  /** Probability of converting to grayscale (default 0.2). */
  readonly grayscaleP?: number;
  /** Per-channel normalisation, length 1 or C. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The pipeline's random stages, in order; the inspector can turn each off. */
export const AUGMENT_STAGES = ['crop', 'flip', 'jitter', 'grayscale'] as const;
export type AugmentStage = (typeof AUGMENT_STAGES)[number];

/**
 * `opts` with the given stages turned off, for images of `height` × `width`: no crop means the
 * whole image resized (scale 1 at the image's own aspect ratio), and the others are never applied.
 * Fewer stages draw fewer random numbers, so the remaining stages' draws change too.
 */
export function withoutStages(opts: AugmentOptions, off: readonly AugmentStage[], height: number, width: number): AugmentOptions {
  const aspect = width / height;
  return {
    ...opts,
    ...(off.includes('crop') ? { scale: [1, 1] as const, ratio: [aspect, aspect] as const } : {}),
    ...(off.includes('flip') ? { flip: false } : {}),
    ...(off.includes('jitter') ? { jitter: null } : {}),
    ...(off.includes('grayscale') ? { grayscaleP: 0 } : {}),
  };
}

/** The reference's settings: ColorJitter(0.8, 0.8, 0.8, 0.2) applied with p = 0.8, no blur. */
export const SIMCLR_DEFAULTS: {
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  readonly flip: boolean;
  readonly jitter: ColorJitterOptions;
  readonly grayscaleP: number;
} = Object.freeze({
  scale: Object.freeze([0.08, 1.0] as [number, number]),
  ratio: Object.freeze([3 / 4, 4 / 3] as [number, number]),
  flip: true,
  jitter: Object.freeze({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2, p: 0.8 }),
  grayscaleP: 0.2,
});

/** A crop in pixels of the source image (torchvision's i, j, h, w). */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** torchvision's ColorJitter fn_idx numbering. */
export const JitterOp = { Brightness: 0, Contrast: 1, Saturation: 2, Hue: 3 } as const;
export type JitterOp = (typeof JitterOp)[keyof typeof JitterOp];

/** One sample's ColorJitter draw; a null factor means the op is disabled (strength 0). */
export interface JitterParams {
  /** A permutation of the four ops: the order they are applied in. */
  readonly order: readonly JitterOp[];
  readonly brightness: number | null;
  readonly contrast: number | null;
  readonly saturation: number | null;
  readonly hue: number | null;
}

/** Everything drawn for one sample. */
export interface SampleAugParams {
  readonly crop: CropBox;
  readonly flip: boolean;
  /** null when RandomApply skipped the jitter (or jitter is off). */
  readonly jitter: JitterParams | null;
  readonly grayscale: boolean;
}

/** ITU-R 601-2 luma, as torchvision's rgb_to_grayscale and PIL's convert('L'). */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

// ---------------------------------------------------------------------------------------------
// Parameter sampling (plain JS, seeded)

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** torchvision RandomResizedCrop.get_params: 10 tries of area / log-ratio sampling, then a centre crop. */
export function sampleCropBox(
  rng: Rng,
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  // Fallback: the largest centred crop whose aspect ratio is clamped into the range.
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    w = width;
    h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    h = height;
    w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  } else {
    w = width;
    h = height;
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

interface ResolvedOptions {
  size: number;
  scale: readonly [number, number];
  ratio: readonly [number, number];
  flip: boolean;
  jitter: ColorJitterOptions | null;
  grayscaleP: number;
  mean: readonly number[];
  std: readonly number[];
}

function checkProbability(field: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ConfigError(field, p, 'a probability in [0, 1]');
}

function resolveOptions(opts: AugmentOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    size: opts.size,
    scale: opts.scale ?? SIMCLR_DEFAULTS.scale,
    ratio: opts.ratio ?? SIMCLR_DEFAULTS.ratio,
    flip: opts.flip ?? SIMCLR_DEFAULTS.flip,
    jitter: opts.jitter === undefined ? SIMCLR_DEFAULTS.jitter : opts.jitter,
    grayscaleP: opts.grayscaleP ?? SIMCLR_DEFAULTS.grayscaleP,
    mean: opts.mean,
    std: opts.std,
  };
  if (!Number.isInteger(r.size) || r.size < 1) throw new ConfigError('augment.size', r.size, 'a positive integer');
  const [s0, s1] = r.scale;
  if (!(s0 > 0 && s0 <= s1 && s1 <= 1)) throw new ConfigError('augment.scale', r.scale, '[lo, hi] with 0 < lo <= hi <= 1');
  const [r0, r1] = r.ratio;
  if (!(r0 > 0 && r0 <= r1 && Number.isFinite(r1))) throw new ConfigError('augment.ratio', r.ratio, '[lo, hi] with 0 < lo <= hi');
  checkProbability('augment.grayscaleP', r.grayscaleP);
  if (r.jitter) {
    const j = r.jitter;
    for (const k of ['brightness', 'contrast', 'saturation'] as const) {
      if (!(j[k] >= 0 && Number.isFinite(j[k]))) throw new ConfigError(`augment.jitter.${k}`, j[k], 'a number >= 0');
    }
    if (!(j.hue >= 0 && j.hue <= 0.5)) throw new ConfigError('augment.jitter.hue', j.hue, 'a number in [0, 0.5]');
    checkProbability('augment.jitter.p', j.p);
  }
  if (r.std.some((s) => !(s > 0))) throw new ConfigError('augment.std', r.std, 'positive numbers');
  return r;
}

function sampleJitter(rng: Rng, j: ColorJitterOptions): JitterParams {
  // torchvision ColorJitter.get_params: the permutation first, then each enabled factor.
  const order = Array.from(rng.permutation(4)) as JitterOp[];
  const factor = (s: number): number | null => (s > 0 ? rng.uniform(Math.max(0, 1 - s), 1 + s) : null);
  const brightness = factor(j.brightness);
  const contrast = factor(j.contrast);
  const saturation = factor(j.saturation);
  const hue = j.hue > 0 ? rng.uniform(-j.hue, j.hue) : null;
  return { order, brightness, contrast, saturation, hue };
}

/** Draw every sample's parameters, per sample in pipeline order (crop, flip, jitter, grayscale). */
export function sampleAugmentParams(
  n: number,
  height: number,
  width: number,
  rng: Rng,
  opts: AugmentOptions,
): SampleAugParams[] {
  const o = resolveOptions(opts);
  const out: SampleAugParams[] = [];
  for (let i = 0; i < n; i++) {
    const crop = sampleCropBox(rng, height, width, o.scale, o.ratio);
    const flip = o.flip ? rng.bernoulli(0.5) : false;
    let jitter: JitterParams | null = null;
    if (o.jitter && rng.bernoulli(o.jitter.p)) jitter = sampleJitter(rng, o.jitter);
    const grayscale = o.grayscaleP > 0 ? rng.bernoulli(o.grayscaleP) : false;
    out.push({ crop, flip, jitter, grayscale });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Channel planes: the colour ops work on one [N,H,W] tensor per channel, because slicing or
// concatenating the last axis of NHWC is slow on the cpu and wasm backends.

type Planes = tf.Tensor3D[];

/** tf.tidy for functions returning planes (tidy's typing wants a mutable container). */
function tidyPlanes(fn: () => tf.Tensor[]): Planes {
  return tf.tidy(fn) as Planes;
}

function toPlanes(x: tf.Tensor4D): Planes {
  const [n, h, w, c] = x.shape;
  if (c === 1) return [tf.reshape(x, [n, h, w])];
  return tf.unstack(tf.transpose(x, [3, 0, 1, 2])) as tf.Tensor3D[];
}

function fromPlanes(planes: Planes): tf.Tensor4D {
  const [n, h, w] = planes[0].shape;
  if (planes.length === 1) return tf.reshape(planes[0], [n, h, w, 1]);
  return tf.transpose(tf.stack(planes, 0), [1, 2, 3, 0]) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------------------------
// Geometry

/**
 * One axis of PIL's bilinear resize (precompute_coeffs), as a dense [outSize, inSize] matrix
 * (entry (o, x) at out[offset + o * oStride + x * xStride]):
 * output o is centred at (o + 0.5) * scale inside the crop, the triangle filter's support widens
 * by the shrink factor when downscaling (antialias), taps outside the crop are dropped and the
 * rest renormalised (which clamps at the crop's edges). torchvision's tensor resize with
 * antialias=True computes the same weights. A flip reverses the rows.
 */
function resampleWeights(
  out: Float32Array,
  offset: number,
  oStride: number,
  xStride: number,
  start: number,
  len: number,
  outSize: number,
  flip: boolean,
): void {
  const scale = len / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), len);
    taps.length = 0;
    let total = 0;
    for (let x = xmin; x < xmax; x++) {
      const d = Math.abs((x - center + 0.5) / filterScale);
      const wgt = d < 1 ? 1 - d : 0;
      taps.push(wgt);
      total += wgt;
    }
    const row = offset + (flip ? outSize - 1 - o : o) * oStride + (start + xmin) * xStride;
    for (let k = 0; k < taps.length; k++) out[row + k * xStride] = total !== 0 ? taps[k] / total : 0;
  }
}

/** Crop + resize every sample as planes [C][N,size,size], via two batched matrix products. */
function resizePlanes(images: tf.Tensor4D, crops: readonly CropBox[], flips: readonly boolean[] | null, size: number): Planes {
  const [n, height, width, channels] = images.shape;
  if (crops.length !== n) throw new RangeError(`resizedCrop: ${crops.length} boxes for ${n} images`);
  // Per sample: ry is [size, height], rxT is [width, size] (pre-transposed: wasm's matMul is much
  // slower with transposeB).
  const ry = new Float32Array(n * size * height);
  const rxT = new Float32Array(n * width * size);
  for (let i = 0; i < n; i++) {
    const c = crops[i];
    if (!(c.top >= 0 && c.left >= 0 && c.height >= 1 && c.width >= 1 && c.top + c.height <= height && c.left + c.width <= width)) {
      throw new RangeError(`resizedCrop: box ${JSON.stringify(c)} is not inside a ${height}x${width} image`);
    }
    resampleWeights(ry, i * size * height, height, 1, c.top, c.height, size, false);
    resampleWeights(rxT, i * width * size, 1, size, c.left, c.width, size, flips !== null && flips[i]);
  }
  return tidyPlanes(() => {
    const chw = channels === 1 ? tf.reshape(images, [1, n, height, width]) : tf.transpose(images, [3, 0, 1, 2]);
    // [C,N,H,W] -> rows [C,N,S,W] -> columns [C,N,S,S]; the weight matrices broadcast over C.
    const rows = tf.matMul(tf.tensor4d(ry, [1, n, size, height]), chw);
    const both = tf.matMul(rows, tf.tensor4d(rxT, [1, n, width, size]));
    // Weights are >= 0 and sum to 1, so only float rounding can leave [0, 1].
    return tf.unstack(tf.clipByValue(both, 0, 1));
  });
}

/**
 * Crop each sample's box and resize it to size x size (bilinear, PIL / torchvision weights),
 * optionally flipped left-right. float32 NHWC in, NHWC out.
 *
 * This is a pair of batched matrix products rather than tf.image.cropAndResize: cropAndResize
 * samples at align-corners positions and interpolates across the crop's edge into the pixels
 * outside it, where torchvision crops first and clamps at the crop's edge; it also cannot
 * antialias.
 */
export function resizedCrop(
  images: tf.Tensor4D,
  crops: readonly CropBox[],
  flips: readonly boolean[] | null,
  size: number,
): tf.Tensor4D {
  return tf.tidy(() => fromPlanes(resizePlanes(images, crops, flips, size)));
}

// ---------------------------------------------------------------------------------------------
// Colour ops on planes (torchvision _functional_tensor semantics, per-sample factors)

function perSample(values: ArrayLike<number>, n: number, name: string): tf.Tensor3D {
  if (values.length !== n) throw new RangeError(`${name}: ${values.length} factors for ${n} images`);
  return tf.tensor3d(Float32Array.from(values), [n, 1, 1]);
}

function lumaPlane(p: Planes): tf.Tensor3D {
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

function brightnessPlanes(p: Planes, factors: ArrayLike<number>): Planes {
  return tidyPlanes(() => {
    const f = perSample(factors, p[0].shape[0], 'adjustBrightness');
    return p.map((c) => tf.clipByValue(tf.mul(c, f), 0, 1));
  });
}

function contrastPlanes(p: Planes, factors: ArrayLike<number>): Planes {
  return tidyPlanes(() => blendPlanes(p, tf.mean(lumaPlane(p), [1, 2], true) as tf.Tensor3D, factors));
}

function saturationPlanes(p: Planes, factors: ArrayLike<number>): Planes {
  return tidyPlanes(() => (p.length === 1 ? p.map((c) => tf.clone(c)) : blendPlanes(p, lumaPlane(p), factors)));
}

/** torchvision _rgb2hsv. */
function rgbToHsvPlanes(p: Planes): Planes {
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
function hsvToRgbPlanes(p: Planes): Planes {
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

function huePlanes(p: Planes, shifts: ArrayLike<number>): Planes {
  return tidyPlanes(() => {
    if (p.length === 1) return p.map((c) => tf.clone(c));
    const [h, s, v] = rgbToHsvPlanes(p);
    const shifted = tf.add(h, perSample(shifts, h.shape[0], 'adjustHue'));
    // Python's % 1.0 (floor mod).
    return hsvToRgbPlanes([tf.sub(shifted, tf.floor(shifted)) as tf.Tensor3D, s, v]);
  });
}

function grayscalePlanes(p: Planes): Planes {
  return tidyPlanes(() => {
    const g = lumaPlane(p);
    return p.map(() => tf.clone(g));
  });
}

/** Per-sample op applied to a group of samples. */
type GroupOp = (p: Planes, samples: readonly number[]) => Planes;

/** A stage's choice for a sample that gets no op. */
const SKIP = -1;

/**
 * Run a sequence of stages; at each stage every sample gets one of `ops` (or none). The rows are
 * regrouped by op (a scatter, which is much faster than gather on both backends), each group gets
 * its op on a contiguous slice, and a last scatter restores the original order. Each sample thus
 * gets exactly its own ops in its own order, and each op only computes on the samples that need it.
 */
function runGrouped(planes: Planes, stages: readonly ((sample: number) => number)[], ops: readonly GroupOp[]): Planes {
  const n = planes[0].shape[0];
  const none = ops.length;
  const permute = (p: Planes, dest: Int32Array): Planes =>
    tidyPlanes(() => {
      const idx = tf.tensor2d(dest, [n, 1], 'int32');
      return p.map((c) => tf.scatterND(idx, c, c.shape) as tf.Tensor3D);
    });
  return tidyPlanes(() => {
    let cur: Planes = planes;
    // order[r]: the sample held in row r of `cur`.
    let order = Int32Array.from({ length: n }, (_, i) => i);
    for (const opOf of stages) {
      const groups: number[][] = Array.from({ length: none + 1 }, () => []);
      for (const s of order) {
        const op = opOf(s);
        groups[op === SKIP ? none : op].push(s);
      }
      if (groups[none].length === n) continue;
      const newOrder = Int32Array.from(groups.flat());
      if (newOrder.some((s, r) => s !== order[r])) {
        const newRowOf = new Int32Array(n);
        newOrder.forEach((s, r) => (newRowOf[s] = r));
        cur = permute(cur, Int32Array.from(order, (s) => newRowOf[s]));
      }
      const parts: Planes[] = [];
      let offset = 0;
      for (let op = 0; op <= none; op++) {
        const g = groups[op];
        if (g.length === 0) continue;
        const slice = g.length === n ? cur : cur.map((c) => tf.slice(c, [offset, 0, 0], [g.length, -1, -1]));
        offset += g.length;
        parts.push(op === none ? slice : ops[op](slice, g));
      }
      const channels = cur.length;
      cur = parts.length === 1 ? parts[0] : Array.from({ length: channels }, (_, c) => tf.concat(parts.map((part) => part[c]), 0));
      order = newOrder;
    }
    if (order.some((s, r) => s !== r)) cur = permute(cur, order);
    return cur === planes ? planes.map((c) => tf.clone(c)) : cur;
  });
}

function jitterOpOf(params: readonly (JitterParams | null)[], channels: number, pos: number): (s: number) => number {
  return (s) => {
    const j = params[s];
    if (!j) return SKIP;
    const op = j.order[pos];
    // Disabled ops, and saturation / hue on grayscale images, are skipped as torchvision does.
    if (jitterFactor(j, op) === null || (channels === 1 && (op === JitterOp.Saturation || op === JitterOp.Hue))) return SKIP;
    return op;
  };
}

function jitterFactor(j: JitterParams, op: number): number | null {
  return op === JitterOp.Brightness ? j.brightness : op === JitterOp.Contrast ? j.contrast : op === JitterOp.Saturation ? j.saturation : j.hue;
}

function jitterOps(params: readonly (JitterParams | null)[]): GroupOp[] {
  const factors = (samples: readonly number[], op: number): number[] =>
    samples.map((s) => jitterFactor(params[s] as JitterParams, op) as number);
  return [
    (p, g) => brightnessPlanes(p, factors(g, JitterOp.Brightness)),
    (p, g) => contrastPlanes(p, factors(g, JitterOp.Contrast)),
    (p, g) => saturationPlanes(p, factors(g, JitterOp.Saturation)),
    (p, g) => huePlanes(p, factors(g, JitterOp.Hue)),
  ];
}

// ---------------------------------------------------------------------------------------------
// NHWC versions of the colour ops (for callers and tests; the pipeline stays on planes)

function onPlanes(x: tf.Tensor4D, f: (p: Planes) => Planes): tf.Tensor4D {
  return tf.tidy(() => fromPlanes(f(toPlanes(x))));
}

function checkRgb(x: tf.Tensor4D, where: string): void {
  if (x.shape[3] !== 3) throw new RangeError(`${where}: expected 3 channels, got shape [${x.shape}]`);
}

/** Luminance [N,H,W,1]; a 1-channel image is returned unchanged (as torchvision). */
export function rgbToGrayscale(x: tf.Tensor4D): tf.Tensor4D {
  return onPlanes(x, (p) => [tf.clone(lumaPlane(p))]);
}

/** Multiply by a per-sample factor, clamp to [0, 1]. */
export function adjustBrightness(x: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => brightnessPlanes(p, factors));
}

/** Blend with the mean of each sample's grayscale image. */
export function adjustContrast(x: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => contrastPlanes(p, factors));
}

/** Blend with each sample's grayscale image; identity for 1-channel images. */
export function adjustSaturation(x: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => saturationPlanes(p, factors));
}

/** Rotate the hue by a per-sample shift in [-0.5, 0.5] (in HSV); identity for 1-channel images. */
export function adjustHue(x: tf.Tensor4D, shifts: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => huePlanes(p, shifts));
}

/** RGB -> HSV, all in [0, 1], channels last. */
export function rgbToHsv(x: tf.Tensor4D): tf.Tensor4D {
  checkRgb(x, 'rgbToHsv');
  return onPlanes(x, rgbToHsvPlanes);
}

/** HSV -> RGB, channels last. */
export function hsvToRgb(x: tf.Tensor4D): tf.Tensor4D {
  checkRgb(x, 'hsvToRgb');
  return onPlanes(x, hsvToRgbPlanes);
}

/** ColorJitter with each sample's own draw (null: not applied), channels last. */
export function applyColorJitter(x: tf.Tensor4D, params: readonly (JitterParams | null)[]): tf.Tensor4D {
  if (params.length !== x.shape[0]) throw new RangeError(`applyColorJitter: ${params.length} draws for ${x.shape[0]} images`);
  const stages = [0, 1, 2, 3].map((pos) => jitterOpOf(params, x.shape[3], pos));
  return onPlanes(x, (p) => runGrouped(p, stages, jitterOps(params)));
}

/** Replace the selected samples by their luminance in every channel. */
export function randomGrayscale(x: tf.Tensor4D, mask: readonly boolean[]): tf.Tensor4D {
  if (mask.length !== x.shape[0]) throw new RangeError(`randomGrayscale: ${mask.length} flags for ${x.shape[0]} images`);
  if (x.shape[3] === 1) return tf.clone(x);
  return onPlanes(x, (p) => runGrouped(p, [(s) => (mask[s] ? 0 : SKIP)], [grayscalePlanes]));
}

// ---------------------------------------------------------------------------------------------
// Normalisation and entry points

function channelValues(values: readonly number[], channels: number, field: string): readonly number[] {
  if (values.length === channels) return values;
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]);
  throw new ConfigError(field, values, `1 or ${channels} numbers (one per channel)`);
}

function normalizePlanes(p: Planes, mean: readonly number[], std: readonly number[]): Planes {
  const m = channelValues(mean, p.length, 'mean');
  const s = channelValues(std, p.length, 'std');
  return tidyPlanes(() => p.map((c, i) => tf.div(tf.sub(c, m[i]), s[i])));
}

/** (x - mean) / std per channel. */
export function normalize(x: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  return onPlanes(x, (p) => normalizePlanes(p, mean, std));
}

/** Inverse of normalize, e.g. to show augmented images. */
export function denormalize(x: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  return onPlanes(x, (p) => {
    const m = channelValues(mean, p.length, 'mean');
    const s = channelValues(std, p.length, 'std');
    return p.map((c, i) => tf.add(tf.mul(c, s[i]), m[i]) as tf.Tensor3D);
  });
}

function checkImages(images: tf.Tensor4D, where: string): void {
  if (images.rank !== 4 || (images.shape[3] !== 1 && images.shape[3] !== 3)) {
    throw new RangeError(`${where}: expected NHWC images with 1 or 3 channels, got shape [${images.shape}]`);
  }
}

/** Apply already-drawn parameters; the batched half of simclrAugment. */
export function applyAugmentParams(images: tf.Tensor4D, params: readonly SampleAugParams[], opts: AugmentOptions): tf.Tensor4D {
  checkImages(images, 'applyAugmentParams');
  if (params.length !== images.shape[0]) throw new RangeError(`applyAugmentParams: ${params.length} draws for ${images.shape[0]} images`);
  const o = resolveOptions(opts);
  const channels = images.shape[3];
  channelValues(o.mean, channels, 'augment.mean');
  channelValues(o.std, channels, 'augment.std');
  return tf.tidy(() => {
    const planes = resizePlanes(
      images,
      params.map((p) => p.crop),
      params.map((p) => p.flip),
      o.size,
    );
    const jit = params.map((p) => p.jitter);
    // Four jitter positions, then grayscale as a fifth op, all in one regrouping pass.
    const stages = [0, 1, 2, 3].map((pos) => jitterOpOf(jit, channels, pos));
    const ops = jitterOps(jit);
    if (channels === 3) {
      const gray = ops.push(grayscalePlanes) - 1;
      stages.push((s) => (params[s].grayscale ? gray : SKIP));
    }
    const colour = runGrouped(planes, stages, ops);
    return fromPlanes(normalizePlanes(colour, o.mean, o.std));
  });
}

/**
 * One SimCLR view of each image. `images`: float32 NHWC in [0, 1], 1 or 3 channels.
 * Returns normalised [N, size, size, C]. Advances `rng` by the draws of every sample.
 */
export function simclrAugment(images: tf.Tensor4D, rng: Rng, opts: AugmentOptions): tf.Tensor4D {
  checkImages(images, 'simclrAugment');
  const [n, h, w] = images.shape;
  const params = sampleAugmentParams(n, h, w, rng, opts);
  return applyAugmentParams(images, params, opts);
}

/** Evaluation transform: resize to size x size if needed (same resampling), then normalise. */
export function testTransform(
  images: tf.Tensor4D,
  opts: { readonly size: number; readonly mean: readonly number[]; readonly std: readonly number[] },
): tf.Tensor4D {
  checkImages(images, 'testTransform');
  const [n, h, w] = images.shape;
  return tf.tidy(() => {
    const planes =
      h === opts.size && w === opts.size
        ? toPlanes(images)
        : resizePlanes(images, Array.from({ length: n }, () => ({ top: 0, left: 0, height: h, width: w })), null, opts.size);
    return fromPlanes(normalizePlanes(planes, opts.mean, opts.std));
  });
}

/** uint8 NHWC bytes -> float32 in [0, 1] (ToTensor's scaling). */
export function toUnitFloat(u8: Uint8Array, n: number, h: number, w: number, c: number): tf.Tensor4D {
  if (u8.length !== n * h * w * c) {
    throw new RangeError(`toUnitFloat: ${u8.length} bytes for ${n}x${h}x${w}x${c}`);
  }
  const f = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255;
  return tf.tensor4d(f, [n, h, w, c]);
}
