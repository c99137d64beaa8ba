import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone has no gradient functions; training needs them all registered once.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { ParamStore } from './params';

/**
 * How a forward pass runs: training mode uses batch statistics and records running-statistic
 * updates (applied after the optimizer step, outside any gradient tape); inference mode uses the
 * running statistics. `bn` picks the main or the auxiliary (adversarial) batch-norm set.
 */
export interface ForwardMode {
  training: boolean;
  bn: 'main' | 'aux';
  /** Collected running-statistic updates; `tf.keep`-ed tensors the caller applies and disposes. */
  updates?: BnUpdate[];
}

export interface BnUpdate {
  mean: tf.Variable;
  variance: tf.Variable;
  batchMean: tf.Tensor;
  batchVar: tf.Tensor;
  momentum: number;
}

export const INFER: ForwardMode = { training: false, bn: 'main' };

/** conv2d with PyTorch-style explicit symmetric padding, weights [k, k, in, out]. */
export class Conv2d {
  readonly w: tf.Variable;
  readonly b: tf.Variable | null;
  constructor(
    store: ParamStore,
    name: string,
    readonly inC: number,
    readonly outC: number,
    readonly k: number,
    readonly stride: number,
    readonly pad: number,
    bias: boolean,
  ) {
    const fanIn = inC * k * k;
    this.w = store.weight(`${name}.weight`, [k, k, inC, outC], fanIn);
    this.b = bias ? store.weight(`${name}.bias`, [outC], fanIn) : null;
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const p = this.pad;
    const padding = p === 0 ? 'valid' : ([[0, 0], [p, p], [p, p], [0, 0]] as [[0, 0], [number, number], [number, number], [0, 0]]);
    const y = tf.conv2d(x, this.w as tf.Tensor4D, this.stride, padding);
    return this.b ? tf.add(y, this.b) : y;
  }
}

/** Transposed conv 4x4 stride 2 padding 1 (PyTorch) == tfjs 'same' at stride 2: output 2H. */
export class ConvTranspose2d {
  readonly w: tf.Variable;
  readonly b: tf.Variable | null;
  constructor(
    store: ParamStore,
    name: string,
    readonly inC: number,
    readonly outC: number,
    readonly k: number,
    readonly stride: number,
    bias: boolean,
  ) {
    // PyTorch computes fan_in of a transposed conv from weight dim 1 (out channels) × k × k.
    const fanIn = outC * k * k;
    this.w = store.weight(`${name}.weight`, [k, k, outC, inC], fanIn);
    this.b = bias ? store.weight(`${name}.bias`, [outC], fanIn) : null;
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w] = x.shape;
    const y = tf.conv2dTranspose(x, this.w as tf.Tensor4D, [n, h * this.stride, w * this.stride, this.outC], this.stride, 'same');
    return this.b ? tf.add(y, this.b) : y;
  }
}

export class Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable | null;
  constructor(store: ParamStore, name: string, readonly inF: number, readonly outF: number, bias = true) {
    this.w = store.weight(`${name}.weight`, [inF, outF], inF);
    this.b = bias ? store.weight(`${name}.bias`, [outF], inF) : null;
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y = tf.matMul(x, this.w as tf.Tensor2D) as tf.Tensor2D;
    return this.b ? tf.add(y, this.b) : y;
  }
}

/**
 * Batch norm written from moments and broadcasting: tf.batchNorm's gradient goes through a Tile
 * kernel that is slow on wasm. PyTorch semantics: normalise with the biased batch variance, update
 * the running variance with the unbiased one, eps 1e-5, running = (1 − m)·running + m·batch.
 */
export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  constructor(
    store: ParamStore,
    name: string,
    readonly channels: number,
    readonly momentum = 0.1,
    readonly eps = 1e-5,
    affine = true,
  ) {
    // affine = false (SimSiam's last projector layer): γ = 1 and β = 0 stay fixed, kept as state.
    this.gamma = store.constant(`${name}.weight`, [channels], 1, affine);
    this.beta = store.constant(`${name}.bias`, [channels], 0, affine);
    this.runningMean = store.constant(`${name}.running_mean`, [channels], 0, false);
    this.runningVar = store.constant(`${name}.running_var`, [channels], 1, false);
  }
  apply<T extends tf.Tensor>(x: T, mode: ForwardMode): T {
    const axes = x.rank === 4 ? [0, 1, 2] : [0];
    if (!mode.training) {
      const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.eps)));
      const shift = tf.sub(this.beta, tf.mul(this.runningMean, scale));
      return tf.add(tf.mul(x, scale), shift) as T;
    }
    const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
    const { y, mean, variance } = batchNormTraining(x, this.gamma, this.beta, axes, this.eps);
    if (mode.updates) {
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      mode.updates.push({
        mean: this.runningMean,
        variance: this.runningVar,
        batchMean: tf.keep(mean),
        batchVar: tf.keep(unbiased),
        momentum: this.momentum,
      });
    }
    return y;
  }
}

/**
 * x·scale + shift per channel (last axis). On wasm one XNNPACK depthwise 1x1 conv with bias (one
 * kernel instead of a broadcast multiply and a broadcast add); elsewhere the two ops. Only used
 * inside batchNormTraining's customGrad, so its own gradient is never needed.
 */
function channelAffine(x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.add(tf.mul(x, scale), shift);
  const c = x.shape[x.rank - 1];
  const x4 = tf.reshape(x, [1, x.size / c, 1, c]) as tf.Tensor4D;
  const y = tf.fused.depthwiseConv2d({ x: x4, filter: tf.reshape(scale, [1, 1, c, 1]) as tf.Tensor4D, strides: 1, pad: 'valid', bias: tf.reshape(shift, [c]) });
  return tf.reshape(y, x.shape);
}

/**
 * Training-mode batch norm with its gradient written out (one customGrad node instead of the ~20
 * broadcast ops autograd records for moments → normalise → scale). With xc = x − μ and σ⁻¹ =
 * (mean(xc²) + eps)^−½, y = xc·(γσ⁻¹) + β, and
 *   dβ = Σ dy, S = Σ dy·xc, dγ = σ⁻¹·S, dx = dy·(γσ⁻¹) + xc·(−γσ⁻³·S/n) + (−γσ⁻¹·dβ/n),
 * so x̂ is never materialised and each direction has two or three full-size per-channel ops.
 * The batch moments come back too, for the running statistics.
 */
export function batchNormTraining<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, axes: number[], eps: number): { y: T; mean: tf.Tensor; variance: tf.Tensor } {
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  let mean: tf.Tensor | undefined;
  let variance: tf.Tensor | undefined;
  const fwd = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const mu = tf.mean(xs, axes);
    const xc = tf.sub(xs, mu);
    const v = tf.mean(tf.square(xc), axes);
    mean = tf.keep(mu);
    variance = tf.keep(v);
    const invStd = tf.rsqrt(tf.add(v, eps));
    save([xc, invStd, g]);
    return {
      value: channelAffine(xc, tf.mul(g, invStd), b),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const [xcS, inv, gm] = saved;
        const dBeta = tf.sum(d, axes);
        const sxc = tf.sum(tf.mul(d, xcS), axes);
        const dGamma = tf.mul(sxc, inv);
        const a = tf.mul(gm, inv); // γσ⁻¹
        const bCoef = tf.mul(tf.mul(a, tf.square(inv)), tf.mul(sxc, -1 / n)); // −γσ⁻³·S/n
        const cCoef = tf.mul(a, tf.mul(dBeta, -1 / n)); // −γσ⁻¹·dβ/n
        return [tf.add(tf.mul(d, a), channelAffine(xcS, bCoef, cCoef)), dGamma, dBeta];
      },
    };
  };
  const f = tf.customGrad(fwd as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = f(x, gamma, beta) as T;
  // Kept inside customGrad so they outlive its scope; the caller's tidy (or update list) owns them now.
  const out = { y, mean: tf.clone(mean!), variance: tf.clone(variance!) };
  tf.dispose([mean!, variance!]);
  return out;
}

/** Two batch-norm sets over the same activations (AdvProp/CLAE): main for clean, aux for adversarial views. */
export class DualBatchNorm {
  readonly main: BatchNorm;
  readonly aux: BatchNorm;
  constructor(store: ParamStore, name: string, channels: number, auxMomentum: number, affine = true) {
    this.main = new BatchNorm(store, `${name}.main`, channels, 0.1, 1e-5, affine);
    this.aux = new BatchNorm(store, `${name}.aux`, channels, auxMomentum, 1e-5, affine);
  }
  apply<T extends tf.Tensor>(x: T, mode: ForwardMode): T {
    return (mode.bn === 'aux' ? this.aux : this.main).apply(x, mode);
  }
}

/** Applies the recorded running-statistic updates in order and frees their tensors. */
export function applyBnUpdates(updates: BnUpdate[]): void {
  for (const u of updates) {
    tf.tidy(() => {
      u.mean.assign(tf.add(tf.mul(u.mean, 1 - u.momentum), tf.mul(u.batchMean, u.momentum)));
      u.variance.assign(tf.add(tf.mul(u.variance, 1 - u.momentum), tf.mul(u.batchVar, u.momentum)));
    });
    u.batchMean.dispose();
    u.batchVar.dispose();
  }
  updates.length = 0;
}

export function disposeBnUpdates(updates: BnUpdate[]): void {
  for (const u of updates) {
    u.batchMean.dispose();
    u.batchVar.dispose();
  }
  updates.length = 0;
}

export const leakyRelu = (x: tf.Tensor4D): tf.Tensor4D => tf.leakyRelu(x, 0.01);
