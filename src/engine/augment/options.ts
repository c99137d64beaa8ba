/** The augmentation's options: their shape, the reference defaults, stages turned off, validation. */
import { ConfigError } from '../../common/errors';

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

export interface ResolvedOptions {
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

export function resolveOptions(opts: AugmentOptions): ResolvedOptions {
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
