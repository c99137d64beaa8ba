/**
 * Parameter sampling (plain JS, seeded): every random choice of the pipeline, drawn per sample
 * in torchvision's order, as plain data applied afterwards.
 */
import { Rng } from '../rng';
import { resolveOptions, type AugmentOptions, type ColorJitterOptions } from './options';

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
