import * as tf from '@tensorflow/tfjs-core';
import { Dataset } from '../data/types';
import { firstAttackStep, FirstStep, latentAttack } from '../idaa/attack';
import { decompose, Decomposition, disposeDecomposition } from '../idaa/decompose';
import { Cvae } from '../models/cvae';
import { ForwardMode, INFER } from '../models/layers';
import { ResNetEncoder } from '../models/resnet';
import { l2Normalize } from '../ssl/ntxent';
import type { AttackLoss, SslMethod } from '../ssl/method';
import { Rng } from '../rng';
import { gatherBatch } from '../train/batches';
import { AugmentOptions, AugmentStage, simclrAugment, testTransform, withoutStages } from '../augment/simclr';

/** What the inspector needs of a method: its online network and its attack loss. */
export type Attacker = Pick<SslMethod, 'online' | 'attackLoss'>;

export interface InspectOptions {
  indices: number[];
  split: 'train' | 'test';
  eps: number;
  steps: number;
  imageSize: number;
  mean: number[];
  std: number[];
  /** Also make the two standard-augmentation views of each sample, drawn from `Rng(seed)`. */
  augmentViews?: AugmentViewsOptions;
}

/** The SimCLR pipeline's settings for the inspector's views (size and normalisation are the inspector's). */
export interface AugmentViewsOptions {
  seed: number;
  options?: Omit<AugmentOptions, 'size' | 'mean' | 'std'>;
  /** Stages left out of both views (default: none). */
  off?: readonly AugmentStage[];
}

export interface SampleNumbers {
  index: number;
  label: number;
  className: string;
  /** Mean squared error of G(x) against x, in normalised-input units. */
  reconError: number;
  /** ‖z' − z‖∞ in the latent. */
  latentLinf: number;
  /** cos(f(x), f(x_adv)) on the projections. */
  cosine: number;
  /** Rank of x among the batch's clean images for x_adv (1 = its own x is the nearest: identity kept). */
  rank: number;
  identityKept: boolean;
  /** Max |x_adv − x| in pixel units (after de-normalising). */
  maxPixelChange: number;
  /** This sample's NT-Xent term of the attack loss at x_adv (their mean is `lossAfter`). */
  lossTerm: number;
}

/** Images in pixel units ([0, 1] for x, G(x), x_adv; signed for R(x)), NHWC. */
export interface InspectImages {
  shape: [number, number, number, number];
  x: Float32Array;
  g: Float32Array;
  r: Float32Array;
  xAdv: Float32Array;
  absDiff: Float32Array;
  /** With `augmentViews`: the two SimCLR views of the raw images, in [0, 1]. */
  viewI?: Float32Array;
  viewJ?: Float32Array;
}

export interface InspectResult {
  samples: SampleNumbers[];
  images: InspectImages;
  /** The run's attack loss (its method's: NT-Xent, −cos, BYOL's regression, InfoNCE) before and after the step. */
  lossBefore: number;
  lossAfter: number;
  eps: number;
  steps: number;
}

/** What an inspection computes before the latent step; none of it depends on ε or the number of steps. */
interface Prepared {
  key: string;
  x: tf.Tensor4D;
  dec: Decomposition;
  /** The method's attack loss of x (its anchors computed once). */
  attack: AttackLoss;
  /** l2-normalised f(x) with the main batch norm (inference). */
  fx: tf.Tensor2D;
  first: FirstStep;
  /** Pixel units: x, G(x), R(x); and the reconstruction error per sample. */
  xPx: Float32Array;
  gPx: Float32Array;
  rPx: Float32Array;
  recon: Float32Array;
}

/**
 * Decomposes and attacks samples with fixed models in inference mode: the attack uses the
 * auxiliary batch norm's running statistics (training uses batch statistics — inspection must not
 * change the model), and f(x), f(x_adv) use the main set, as a deployed encoder would.
 *
 * It keeps the last samples' decomposition, features and first attack direction, so a new ε (the
 * inspector's slider) costs one decode and two encoder forwards of x_adv instead of the whole
 * pipeline; the results are the same as a fresh inspector's. The models must not change while it
 * is in use (the worker keeps one per opened checkpoint). Dispose it to free the kept tensors.
 */
export class SampleInspector {
  private prepared: Prepared | undefined;
  private views: { key: string; data: [Float32Array, Float32Array] } | undefined;

  constructor(
    private readonly vae: Cvae,
    private readonly method: Attacker,
    private readonly ds: Dataset,
  ) {}

  private get encoder(): ResNetEncoder {
    return this.method.online;
  }

  inspect(opts: InspectOptions): InspectResult {
    const split = opts.split === 'train' ? this.ds.train : this.ds.test;
    const p = this.prepare(opts);
    const att = latentAttack(this.vae, p.dec, p.attack.lossOf, { eps: opts.eps, steps: opts.steps }, p.first);
    // One forward of x_adv gives both the per-sample terms and the batch loss (their mean).
    const terms = tf.tidy(() => p.attack.termsOf(att.xAdv).dataSync() as Float32Array);
    const lossAfter = terms.reduce((a, b) => a + b, 0) / terms.length;
    const out = tf.tidy(() => {
      const mean = tf.tensor1d(opts.mean);
      const std = tf.tensor1d(opts.std);
      // Inference mode uses running statistics: f(x_adv) does not depend on the rest of the batch.
      const fa = l2Normalize(this.encoder.forward(att.xAdv, INFER).z);
      return {
        xAdv: tf.add(tf.mul(att.xAdv, std), mean),
        absDiff: tf.abs(tf.mul(tf.sub(att.xAdv, p.x), std)),
        linf: tf.max(tf.abs(tf.sub(att.zAdv, p.dec.z)), 1),
        sim: tf.matMul(fa, p.fx, false, true), // row i: x_adv_i against every clean x_j
      };
    });
    const n = opts.indices.length;
    const sim = out.sim.dataSync();
    const linf = out.linf.dataSync();
    const absDiff = out.absDiff.dataSync() as Float32Array;
    const per = absDiff.length / n;
    const samples: SampleNumbers[] = opts.indices.map((index, i) => {
      const own = sim[i * n + i];
      let rank = 1;
      for (let j = 0; j < n; j++) if (j !== i && sim[i * n + j] > own) rank++;
      let maxChange = 0;
      for (let k = i * per; k < (i + 1) * per; k++) maxChange = Math.max(maxChange, absDiff[k]);
      const label = split.labels[index];
      return { index, label, className: this.ds.classNames[label] ?? String(label), reconError: p.recon[i], latentLinf: linf[i], cosine: own, rank, identityKept: rank === 1, maxPixelChange: maxChange, lossTerm: terms[i] };
    });
    const views = opts.augmentViews ? this.augmentedViews(opts, opts.augmentViews) : undefined;
    const images: InspectImages = {
      shape: p.x.shape,
      x: p.xPx,
      g: p.gPx,
      r: p.rPx,
      xAdv: out.xAdv.dataSync() as Float32Array,
      absDiff,
      ...(views ? { viewI: views[0], viewJ: views[1] } : {}),
    };
    tf.dispose([att.xAdv, att.zAdv, ...Object.values(out)]);
    return { samples, images, lossBefore: att.lossBefore, lossAfter, eps: opts.eps, steps: opts.steps };
  }

  dispose(): void {
    this.release();
    this.views = undefined;
  }

  private release(): void {
    const p = this.prepared;
    if (!p) return;
    p.attack.dispose();
    tf.dispose([p.x, p.fx, p.first.direction]);
    disposeDecomposition(p.dec);
    this.prepared = undefined;
  }

  private prepare(opts: InspectOptions): Prepared {
    const key = JSON.stringify([opts.split, opts.indices, opts.imageSize, opts.mean, opts.std]);
    if (this.prepared?.key === key) return this.prepared;
    this.release();
    const split = opts.split === 'train' ? this.ds.train : this.ds.test;
    const aux: ForwardMode = { training: false, bn: 'aux' };
    const x = tf.tidy(() => {
      const raw = gatherBatch(this.ds, split, opts.indices, 3);
      return testTransform(raw, { size: opts.imageSize, mean: opts.mean, std: opts.std });
    });
    const dec = decompose(this.vae, x);
    const attack = this.method.attackLoss(x, aux);
    const first = firstAttackStep(this.vae, dec, attack.lossOf);
    const fx = tf.tidy(() => l2Normalize(this.encoder.forward(x, INFER).z));
    const px = tf.tidy(() => {
      const mean = tf.tensor1d(opts.mean);
      const std = tf.tensor1d(opts.std);
      return [tf.add(tf.mul(x, std), mean), tf.add(tf.mul(dec.g, std), mean), tf.mul(dec.r, std), tf.mean(tf.squaredDifference(x, dec.g), [1, 2, 3])];
    });
    const [xPx, gPx, rPx, recon] = px.map((t) => t.dataSync() as Float32Array);
    tf.dispose(px);
    this.prepared = { key, x, dec, attack, fx, first, xPx, gPx, rPx, recon };
    return this.prepared;
  }

  private augmentedViews(opts: InspectOptions, v: AugmentViewsOptions): [Float32Array, Float32Array] {
    const key = JSON.stringify([opts.split, opts.indices, opts.imageSize, v]);
    if (this.views?.key !== key) {
      const split = opts.split === 'train' ? this.ds.train : this.ds.test;
      const raw = gatherBatch(this.ds, split, opts.indices, 3);
      try {
        this.views = { key, data: augmentedViews(raw, opts.imageSize, v) };
      } finally {
        raw.dispose();
      }
    }
    return this.views.data;
  }
}

/** One inspection with a fresh `SampleInspector` (nothing kept). */
export function inspectSamples(vae: Cvae, method: Attacker, ds: Dataset, opts: InspectOptions): InspectResult {
  const inspector = new SampleInspector(vae, method, ds);
  try {
    return inspector.inspect(opts);
  } finally {
    inspector.dispose();
  }
}

/** Two SimCLR views of raw [0, 1] images, left in pixel units (mean 0, std 1); the same seed gives the same views. */
function augmentedViews(raw: tf.Tensor4D, size: number, v: AugmentViewsOptions): [Float32Array, Float32Array] {
  const rng = new Rng(v.seed);
  const [, height, width] = raw.shape;
  const opts = withoutStages({ ...v.options, size, mean: [0], std: [1] }, v.off ?? [], height, width);
  return [0, 1].map(() => {
    const t = simclrAugment(raw, rng, opts);
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return data;
  }) as [Float32Array, Float32Array];
}
