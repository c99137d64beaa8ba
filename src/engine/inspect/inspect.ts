import * as tf from '@tensorflow/tfjs-core';
import { Dataset } from '../data/types';
import { latentAttack } from '../idaa/attack';
import { decompose, disposeDecomposition } from '../idaa/decompose';
import { Cvae } from '../models/cvae';
import { ForwardMode, INFER } from '../models/layers';
import { ResNetEncoder } from '../models/resnet';
import { l2Normalize, ntXent, ntXentTerms } from '../ssl/ntxent';
import { Rng } from '../rng';
import { gatherBatch } from '../train/batches';
import { AugmentOptions, simclrAugment, testTransform } from '../augment/simclr';

export interface InspectOptions {
  indices: number[];
  split: 'train' | 'test';
  eps: number;
  steps: number;
  temperature: number;
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
  /** Attack loss (NT-Xent of the batch against its adversarial views) before and after the step. */
  lossBefore: number;
  lossAfter: number;
  eps: number;
  steps: number;
}

/**
 * Decomposes and attacks given samples with the models in inference mode: the attack uses the
 * auxiliary batch norm's running statistics (training uses batch statistics — inspection must not
 * change the model), and f(x), f(x_adv) use the main set, as a deployed encoder would.
 */
export function inspectSamples(vae: Cvae, encoder: ResNetEncoder, ds: Dataset, opts: InspectOptions): InspectResult {
  const split = opts.split === 'train' ? ds.train : ds.test;
  const aux: ForwardMode = { training: false, bn: 'aux' };
  const raw = gatherBatch(ds, split, opts.indices, 3);
  const x = tf.tidy(() => testTransform(raw, { size: opts.imageSize, mean: opts.mean, std: opts.std }));
  const views = opts.augmentViews ? augmentedViews(raw, opts.imageSize, opts.augmentViews) : undefined;
  raw.dispose();
  const dec = decompose(vae, x);
  const anchor = tf.tidy(() => encoder.forward(x, aux).z);
  const lossOf = (xa: tf.Tensor4D): tf.Scalar => ntXent(anchor, encoder.forward(xa, aux).z, opts.temperature);
  const att = latentAttack(vae, dec, lossOf, { eps: opts.eps, steps: opts.steps });
  // One forward of x_adv gives both the per-sample terms and the batch loss (their mean).
  const terms = tf.tidy(() => ntXentTerms(anchor, encoder.forward(att.xAdv, aux).z, opts.temperature).dataSync() as Float32Array);
  const lossAfter = terms.reduce((a, b) => a + b, 0) / terms.length;

  const out = tf.tidy(() => {
    const mean = tf.tensor1d(opts.mean);
    const std = tf.tensor1d(opts.std);
    const px = (t: tf.Tensor4D) => tf.add(tf.mul(t, std), mean);
    // Inference mode uses running statistics, so x and x_adv can share one forward exactly.
    const [fx, fa] = tf.split(l2Normalize(encoder.forward(tf.concat([x, att.xAdv], 0), INFER).z), 2);
    const sim = tf.matMul(fa, fx, false, true); // row i: x_adv_i against every clean x_j
    return {
      x: px(x),
      g: px(dec.g),
      r: tf.mul(dec.r, std),
      xAdv: px(att.xAdv),
      absDiff: tf.abs(tf.mul(tf.sub(att.xAdv, x), std)),
      recon: tf.mean(tf.squaredDifference(x, dec.g), [1, 2, 3]),
      linf: tf.max(tf.abs(tf.sub(att.zAdv, dec.z)), 1),
      sim,
    };
  });
  const n = opts.indices.length;
  const sim = out.sim.dataSync();
  const recon = out.recon.dataSync();
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
    return { index, label, className: ds.classNames[label] ?? String(label), reconError: recon[i], latentLinf: linf[i], cosine: own, rank, identityKept: rank === 1, maxPixelChange: maxChange, lossTerm: terms[i] };
  });
  const [b, h, w, c] = x.shape;
  const images: InspectImages = {
    shape: [b, h, w, c],
    x: out.x.dataSync() as Float32Array,
    g: out.g.dataSync() as Float32Array,
    r: out.r.dataSync() as Float32Array,
    xAdv: out.xAdv.dataSync() as Float32Array,
    absDiff,
    ...(views ? { viewI: views[0], viewJ: views[1] } : {}),
  };
  tf.dispose([x, anchor, att.xAdv, att.zAdv, ...Object.values(out)]);
  disposeDecomposition(dec);
  return { samples, images, lossBefore: att.lossBefore, lossAfter, eps: opts.eps, steps: opts.steps };
}

/** Two SimCLR views of raw [0, 1] images, left in pixel units (mean 0, std 1); the same seed gives the same views. */
function augmentedViews(raw: tf.Tensor4D, size: number, v: AugmentViewsOptions): [Float32Array, Float32Array] {
  const rng = new Rng(v.seed);
  const opts: AugmentOptions = { ...v.options, size, mean: [0], std: [1] };
  return [0, 1].map(() => {
    const t = simclrAugment(raw, rng, opts);
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return data;
  }) as [Float32Array, Float32Array];
}
