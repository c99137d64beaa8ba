import * as tf from '@tensorflow/tfjs-core';
import { Dataset } from '../data/types';
import { attackGradient, FirstStep, latentAttack } from '../idaa/attack';
import { decompose, Decomposition, disposeDecomposition } from '../idaa/decompose';
import { Cvae } from '../models/cvae';
import { INFER } from '../models/layers';
import { ResNetEncoder } from '../models/resnet';
import { l2Normalize } from '../ssl/ntxent';
import type { AttackLoss, SslMethod } from '../ssl/method';
import { Rng } from '../rng';
import { gatherBatch } from '../train/batches';
import { MODEL_CHANNELS } from '../ssl/networks';
import { AugmentOptions, AugmentStage, simclrAugment, testTransform, withoutStages } from '../augment/simclr';
import { attackBatch } from './batch';
import { ATTACK_MODES, AttackMode, auxMode, compareGradients, ModeAgreement } from './modes';

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
  /** 'training' (default): the auxiliary batch norm with the attack batch's statistics, as every training step; 'inference': its running statistics. */
  mode?: AttackMode;
  /**
   * The attack batch: the shown samples, then others of the split drawn with `batchSeed`, up to
   * this size (the run's batch size reproduces training; default: the shown samples alone).
   */
  batchSize?: number;
  batchSeed?: number;
  /**
   * Attack the run's augmentation of the batch, as training does: view i (drawn first from
   * `Rng(seed)`) is the attacked input, view j (drawn next) is shown beside it. Absent: the clean
   * test transform is attacked.
   */
  views?: TrainingViewsOptions;
}

/** The run's augmentation for the inspector's views (size and normalisation are the inspector's). */
export interface TrainingViewsOptions {
  seed: number;
  options?: Omit<AugmentOptions, 'size' | 'mean' | 'std'>;
  /** Stages left out of both views (default: none; any left out means the views are no longer the training ones). */
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
  /** Rank of x among the attack batch's clean images for x_adv (1 = its own x is the nearest: identity kept). */
  rank: number;
  identityKept: boolean;
  /** Max |x_adv − x| in pixel units (after de-normalising). */
  maxPixelChange: number;
  /** This sample's term of the attack loss at x_adv (the batch's terms average to `lossAfter`). */
  lossTerm: number;
}

/** Images of the shown samples in pixel units ([0, 1] for x, G(x), x_adv; signed for R(x)), NHWC. */
export interface InspectImages {
  shape: [number, number, number, number];
  /** The clean test-transformed image. */
  x: Float32Array;
  /** G, R, x_adv and |x_adv − input| of the attacked input: x, or view i with `views`. */
  g: Float32Array;
  r: Float32Array;
  xAdv: Float32Array;
  absDiff: Float32Array;
  /** With `views`: the attacked training view x_i and the other view x_j. */
  viewI?: Float32Array;
  viewJ?: Float32Array;
}

/** How the attack was made: which mode, over which batch, and how far the other mode's gradient disagrees. */
export interface AttackInfo {
  mode: AttackMode;
  /** Every index of the attack batch, the shown samples first. */
  batch: number[];
  /** Whether the attacked inputs are the run's training views. */
  views: boolean;
  agreement: ModeAgreement;
}

export interface InspectResult {
  samples: SampleNumbers[];
  images: InspectImages;
  /** The run's attack loss (its method's: NT-Xent, −cos, BYOL's regression, InfoNCE) over the attack batch, before and after the step. */
  lossBefore: number;
  lossAfter: number;
  eps: number;
  steps: number;
  attack: AttackInfo;
}

/** One mode's attack loss and first step at z = μ. */
interface ModeState {
  attack: AttackLoss;
  first: FirstStep;
}

/** What an inspection computes before the latent step; none of it depends on ε or the number of steps. */
interface Prepared {
  key: string;
  batch: number[];
  /** The attacked input of the whole batch (normalised). */
  x: tf.Tensor4D;
  dec: Decomposition;
  modes: Record<AttackMode, ModeState>;
  agreement: ModeAgreement;
  /** l2-normalised f(input) of the whole batch with the main batch norm (inference): the rank's candidates. */
  fx: tf.Tensor2D;
  /** Pixel units, the shown rows: clean x, G, R, the views; and the reconstruction error. */
  xPx: Float32Array;
  gPx: Float32Array;
  rPx: Float32Array;
  viewI?: Float32Array;
  viewJ?: Float32Array;
  recon: Float32Array;
}

/**
 * Decomposes and attacks samples with fixed models. By default the attack is the training one:
 * the shown samples inside a batch of the run's size, the auxiliary batch norm normalising with
 * that batch's statistics (no running statistic is changed: inspection must not change the model);
 * the inference-mode attack (running statistics) is an option. f(x), f(x_adv) use the main set in
 * inference, as a deployed encoder would.
 *
 * It keeps the last batch's decomposition, features and both modes' first attack directions, so a
 * new ε or mode (the inspector's controls) costs one decode and two encoder forwards instead of the
 * whole pipeline; the results equal a fresh inspector's. The models must not change while it is in
 * use (the worker keeps one per opened checkpoint). Dispose it to free the kept tensors.
 */
export class SampleInspector {
  private prepared: Prepared | undefined;

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
    const mode = opts.mode ?? 'training';
    const st = p.modes[mode];
    const n = opts.indices.length;
    const att = latentAttack(this.vae, p.dec, st.attack.lossOf, { eps: opts.eps, steps: opts.steps }, st.first);
    // One forward of the batch's x_adv gives the shown samples' terms and the batch loss (their mean).
    const terms = tf.tidy(() => st.attack.termsOf(att.xAdv).dataSync() as Float32Array);
    const lossAfter = terms.reduce((a, b) => a + b, 0) / terms.length;
    const out = tf.tidy(() => {
      const mean = tf.tensor1d(opts.mean);
      const std = tf.tensor1d(opts.std);
      const shown = <T extends tf.Tensor>(t: T): T => (t.shape[0] === n ? t : (tf.slice(t, 0, n) as T));
      const xAdv = shown(att.xAdv);
      // Inference mode uses running statistics: f(x_adv) does not depend on the rest of the batch.
      const fa = l2Normalize(this.encoder.forward(xAdv, INFER).z);
      return {
        xAdv: tf.add(tf.mul(xAdv, std), mean),
        absDiff: tf.abs(tf.mul(tf.sub(xAdv, shown(p.x)), std)),
        linf: tf.max(tf.abs(tf.sub(shown(att.zAdv), shown(p.dec.z))), 1),
        sim: tf.matMul(fa, p.fx, false, true), // row i: x_adv_i against every clean input of the batch
      };
    });
    const b = p.batch.length;
    const sim = out.sim.dataSync();
    const linf = out.linf.dataSync();
    const absDiff = out.absDiff.dataSync() as Float32Array;
    const per = absDiff.length / n;
    const samples: SampleNumbers[] = opts.indices.map((index, i) => {
      const own = sim[i * b + i];
      let rank = 1;
      for (let j = 0; j < b; j++) if (j !== i && sim[i * b + j] > own) rank++;
      let maxChange = 0;
      for (let k = i * per; k < (i + 1) * per; k++) maxChange = Math.max(maxChange, absDiff[k]);
      const label = split.labels[index];
      return { index, label, className: this.ds.classNames[label] ?? String(label), reconError: p.recon[i], latentLinf: linf[i], cosine: own, rank, identityKept: rank === 1, maxPixelChange: maxChange, lossTerm: terms[i] };
    });
    const images: InspectImages = {
      shape: [n, ...(p.x.shape.slice(1) as [number, number, number])],
      x: p.xPx,
      g: p.gPx,
      r: p.rPx,
      xAdv: out.xAdv.dataSync() as Float32Array,
      absDiff,
      ...(p.viewI && p.viewJ ? { viewI: p.viewI, viewJ: p.viewJ } : {}),
    };
    tf.dispose([att.xAdv, att.zAdv, ...Object.values(out)]);
    return {
      samples,
      images,
      lossBefore: att.lossBefore,
      lossAfter,
      eps: opts.eps,
      steps: opts.steps,
      attack: { mode, batch: [...p.batch], views: !!opts.views, agreement: p.agreement },
    };
  }

  dispose(): void {
    const p = this.prepared;
    if (!p) return;
    for (const m of ATTACK_MODES) {
      p.modes[m].attack.dispose();
      p.modes[m].first.direction.dispose();
    }
    tf.dispose([p.x, p.fx]);
    disposeDecomposition(p.dec);
    this.prepared = undefined;
  }

  private prepare(opts: InspectOptions): Prepared {
    const split = opts.split === 'train' ? this.ds.train : this.ds.test;
    const batch = attackBatch(opts.indices, split.count, opts.batchSize ?? opts.indices.length, opts.batchSeed ?? 0);
    const key = JSON.stringify([opts.split, batch, opts.imageSize, opts.mean, opts.std, opts.views ?? null]);
    if (this.prepared?.key === key) return this.prepared;
    this.dispose();
    const n = opts.indices.length;
    const input = this.inputs(opts, batch);
    const x = input.x;
    const dec = decompose(this.vae, x);
    const modes = {} as Record<AttackMode, ModeState>;
    const grads: tf.Tensor2D[] = [];
    for (const m of ATTACK_MODES) {
      const attack = this.method.attackLoss(x, auxMode(m));
      const { grad, loss } = attackGradient(this.vae, dec, attack.lossOf);
      grads.push(grad);
      modes[m] = { attack, first: { direction: tf.sign(grad) as tf.Tensor2D, lossBefore: loss } };
    }
    const agreement = compareGradients(grads[0], grads[1], n);
    tf.dispose(grads);
    const fx = tf.tidy(() => l2Normalize(this.encoder.forward(x, INFER).z));
    const px = tf.tidy(() => {
      const mean = tf.tensor1d(opts.mean);
      const std = tf.tensor1d(opts.std);
      const shown = (t: tf.Tensor4D) => (t.shape[0] === n ? t : tf.slice(t, 0, n));
      const xs = shown(x);
      const gs = shown(dec.g);
      return [tf.add(tf.mul(gs, std), mean), tf.mul(shown(dec.r), std), tf.mean(tf.squaredDifference(xs, gs), [1, 2, 3])];
    });
    const [gPx, rPx, recon] = px.map((t) => t.dataSync() as Float32Array);
    tf.dispose(px);
    this.prepared = { key, batch, x, dec, modes, agreement, fx, xPx: input.cleanPx, gPx, rPx, recon, ...(input.views ? { viewI: input.views[0], viewJ: input.views[1] } : {}) };
    return this.prepared;
  }

  /** The batch's attacked input (normalised) and the shown samples' clean x and views in pixel units. */
  private inputs(opts: InspectOptions, batch: number[]): { x: tf.Tensor4D; cleanPx: Float32Array; views?: [Float32Array, Float32Array] } {
    const n = opts.indices.length;
    const split = opts.split === 'train' ? this.ds.train : this.ds.test;
    const size = opts.imageSize;
    const out = tf.tidy(() => {
      const mean = tf.tensor1d(opts.mean);
      const std = tf.tensor1d(opts.std);
      const raw = gatherBatch(this.ds, split, batch, MODEL_CHANNELS);
      const clean = testTransform(raw, { size, mean: opts.mean, std: opts.std });
      const toPx = (t: tf.Tensor4D) => tf.add(tf.mul(t.shape[0] === n ? t : tf.slice(t, 0, n), std), mean);
      const cleanPx = toPx(clean);
      const v = opts.views;
      if (!v) return { x: clean, cleanPx };
      // As Trainer.sslStep draws a step's views: x_i first, then x_j, from one generator.
      const rng = new Rng(v.seed);
      const [, height, width] = raw.shape;
      const o = withoutStages({ ...v.options, size, mean: opts.mean, std: opts.std }, v.off ?? [], height, width);
      const xi = simclrAugment(raw, rng, o);
      const xj = simclrAugment(raw, rng, o);
      return { x: xi, cleanPx, viewI: toPx(xi), viewJ: toPx(xj) };
    });
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    const result = { x: out.x, cleanPx: read(out.cleanPx), ...(out.viewI && out.viewJ ? { views: [read(out.viewI), read(out.viewJ)] as [Float32Array, Float32Array] } : {}) };
    tf.dispose([out.cleanPx, ...(out.viewI ? [out.viewI] : []), ...(out.viewJ ? [out.viewJ] : [])]);
    return result;
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
