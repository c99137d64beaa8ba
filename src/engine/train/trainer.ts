import * as tf from '@tensorflow/tfjs-core';
import { simclrAugment, testTransform } from '../augment/simclr';
import { KnnFeatures, RunConfig } from '../config/types';
import { Dataset, Split } from '../data/types';
import { knnAccuracy } from '../eval/knn';
import { adversarialView } from '../idaa/adversarialView';
import { Cvae, vaeLoss } from '../models/cvae';
import { applyBnUpdates, BnUpdate, ForwardMode, INFER } from '../models/layers';
import type { ResNetEncoder } from '../models/resnet';
import { Rng, RngState } from '../rng';
import { SslMethod, Views } from '../ssl/method';
import { l2Normalize } from '../ssl/ntxent';
import { sslMethodFor } from '../ssl/methods';
import { MODEL_CHANNELS } from '../ssl/networks';
import { channelStats, gatherBatch } from './batches';
import { Adam, Optimizer, Sgd } from './optim';
import { StepLosses } from './stepLosses';

export { MODEL_CHANNELS };

export type Phase = 'vae' | 'ssl';

export interface StepResult {
  loss: number;
  terms: Record<string, number>;
}

export interface TrainerRngState {
  augment: RngState;
  noise: RngState;
}

/** The models, optimizers and random streams of one run, and one training step of each phase. */
export class Trainer {
  readonly vae: Cvae;
  readonly encoder: ResNetEncoder;
  readonly vaeOpt: Adam;
  readonly sslOpt: Optimizer;
  readonly method: SslMethod;
  readonly augRng: Rng;
  readonly noiseRng: Rng;
  readonly mean: number[];
  readonly std: number[];

  constructor(
    readonly config: RunConfig,
    readonly dataset: Dataset,
  ) {
    const seed = config.seed;
    this.vae = new Cvae({ width: config.vae.width, latentDim: config.vae.latentDim, channels: MODEL_CHANNELS, imageSize: config.data.imageSize }, new Rng(`${seed}/init/vae`));
    this.method = sslMethodFor(config);
    this.encoder = this.method.online;
    const [b1, b2] = config.vae.betas;
    this.vaeOpt = new Adam(this.vae.store.trainable, { beta1: b1, beta2: b2, eps: 1e-8, weightDecay: config.vae.weightDecay });
    const s = config.ssl;
    this.sslOpt = s.optimizer === 'sgd' ? new Sgd(this.method.trainable(), { momentum: s.momentum, weightDecay: s.weightDecay }) : new Adam(this.method.trainable(), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: s.weightDecay });
    this.augRng = new Rng(`${seed}/augment`);
    this.noiseRng = new Rng(`${seed}/noise`);
    ({ mean: this.mean, std: this.std } = channelStats(dataset, MODEL_CHANNELS));
  }

  augmentOptions() {
    const a = this.config.augment;
    return {
      size: this.config.data.imageSize,
      scale: a.cropScale,
      ratio: a.cropRatio,
      flip: a.flip,
      jitter: { brightness: a.jitter[0], contrast: a.jitter[1], saturation: a.jitter[2], hue: a.jitter[3], p: a.jitterP },
      grayscaleP: a.grayscaleP,
      mean: this.mean,
      std: this.std,
    };
  }

  /** One VAE step on SimCLR-augmented, normalised images (the reference trains G on them). */
  vaeStep(indices: ArrayLike<number>, lr: number): StepResult {
    return this.vaeStepLosses(indices, lr).readSync();
  }

  /** vaeStep with its losses read asynchronously: the only read the webgpu backend can do. */
  vaeStepAsync(indices: ArrayLike<number>, lr: number): Promise<StepResult> {
    return this.vaeStepLosses(indices, lr).read();
  }

  private vaeStepLosses(indices: ArrayLike<number>, lr: number): StepLosses {
    const updates: BnUpdate[] = [];
    const mode: ForwardMode = { training: true, bn: 'main', updates };
    const kept: { mse?: tf.Scalar; kl?: tf.Scalar } = {};
    const x = tf.tidy(() => simclrAugment(gatherBatch(this.dataset, this.dataset.train, indices, MODEL_CHANNELS), this.augRng, this.augmentOptions()));
    const noise = this.normalNoise(indices.length * this.config.vae.latentDim, [indices.length, this.config.vae.latentDim]);
    const { value, grads } = tf.variableGrads(() => {
      const { mu, logvar } = this.vae.encode(x, mode);
      const z = tf.add(mu, tf.mul(noise, tf.exp(tf.mul(0.5, logvar)))) as tf.Tensor2D;
      const recon = this.vae.decode(z, mode);
      const l = vaeLoss(x, recon, mu, logvar, this.config.vae.beta);
      kept.mse = tf.keep(l.mse);
      kept.kl = tf.keep(l.kl);
      return l.total;
    }, this.vae.store.trainableList());
    this.vaeOpt.apply(grads, lr);
    applyBnUpdates(updates);
    const losses = new StepLosses(value, { mse: kept.mse!, kl: kept.kl! });
    tf.dispose([x, noise, ...Object.values(grads)]);
    return losses;
  }

  /**
   * One step of the run's SSL method, with the IDAA adversarial view when enabled: the method's
   * targets of the clean views, the latent attack on its attack loss, the loss with x_adv through
   * the auxiliary batch norm, the optimizer step, then the method's update (EMA, queue).
   * `totalSteps` (of the SSL phase) drives schedules inside the method. `observe` sees the step's
   * views before they are freed (tests compare the inspector's x_adv with training's).
   */
  sslStep(indices: ArrayLike<number>, lr: number, totalSteps = 0, observe?: (views: Views) => void): StepResult {
    return this.sslStepLosses(indices, lr, totalSteps, observe).readSync();
  }

  /** sslStep with its losses read asynchronously: the only read the webgpu backend can do. */
  sslStepAsync(indices: ArrayLike<number>, lr: number, totalSteps = 0, observe?: (views: Views) => void): Promise<StepResult> {
    return this.sslStepLosses(indices, lr, totalSteps, observe).read();
  }

  private sslStepLosses(indices: ArrayLike<number>, lr: number, totalSteps: number, observe?: (views: Views) => void): StepLosses {
    const cfg = this.config;
    const updates: BnUpdate[] = [];
    const main: ForwardMode = { training: true, bn: 'main', updates };
    const aux: ForwardMode = { training: true, bn: 'aux', updates };
    const [xi, xj] = tf.tidy(() => {
      const x = gatherBatch(this.dataset, this.dataset.train, indices, MODEL_CHANNELS);
      const o = this.augmentOptions();
      return [simclrAugment(x, this.augRng, o), simclrAugment(x, this.augRng, o)];
    });
    this.method.beginStep({ xi, xj }, main);
    let xAdv: tf.Tensor4D | undefined;
    const extra: tf.Tensor[] = [];
    if (cfg.idaa.enabled) {
      // IDAA's latent step, CLAE's pixel step (idaa.adversary), or x_adv = x_i at ε = 0.
      const adv = adversarialView(this.vae, this.method, xi, aux, cfg.idaa);
      xAdv = adv.xAdv;
      extra.push(...adv.tensors);
      this.method.addAdversarial(xAdv, aux);
    }
    observe?.({ xi, xj, ...(xAdv ? { xAdv } : {}) });
    const kept: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const parts = this.method.trainingLoss({ xi, xj, xAdv }, main, aux, cfg.idaa.alpha);
      for (const [k, t] of Object.entries(parts.terms)) kept[k] = tf.keep(t);
      return parts.total;
    }, [...this.method.trainable().values()]);
    this.sslOpt.apply(grads, lr);
    applyBnUpdates(updates);
    this.method.afterStep({ step: this.sslOpt.step, totalSteps });
    tf.dispose([xi, xj, ...extra, ...Object.values(grads)]);
    return new StepLosses(value, kept);
  }

  private normalNoise(n: number, shape: [number, number]): tf.Tensor2D {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.noiseRng.normal();
    return tf.tensor2d(v, shape);
  }

  /** A split's features under the test transform (encoder in inference mode, main BN): L2-normalised projections, or backbone h. */
  async features(split: Split, batchSize = 256, use: KnnFeatures = 'projection'): Promise<{ data: Float32Array; dim: number }> {
    const dim = use === 'projection' ? this.encoder.projectionDim : this.encoder.featureDim;
    const out = new Float32Array(split.count * dim);
    for (let start = 0; start < split.count; start += batchSize) {
      const idx = Array.from({ length: Math.min(batchSize, split.count - start) }, (_, i) => start + i);
      const f = tf.tidy(() => {
        const x = testTransform(gatherBatch(this.dataset, split, idx, MODEL_CHANNELS), { size: this.config.data.imageSize, mean: this.mean, std: this.std });
        const h = this.encoder.features(x, INFER);
        return use === 'projection' ? l2Normalize(this.encoder.project(h, INFER)) : h;
      });
      out.set(await f.data(), start * dim);
      f.dispose();
      await new Promise((r) => setImmediate(r));
    }
    return { data: out, dim };
  }

  /** What the kNN monitor compares (eval.knnFeatures: the reference's projection, or the backbone). */
  knnFeatures(split: Split): Promise<{ data: Float32Array; dim: number }> {
    return this.features(split, 256, this.config.eval.knnFeatures);
  }

  /** The reference's weighted kNN monitor, on the features eval.knnFeatures names. */
  async knnAccuracy(): Promise<number> {
    const tr = await this.knnFeatures(this.dataset.train);
    const te = await this.knnFeatures(this.dataset.test);
    return knnAccuracy(tr.data, this.dataset.train.labels, te.data, this.dataset.test.labels, tr.dim, this.dataset.classNames.length, {
      k: this.config.eval.knnK,
      sigma: this.config.eval.knnSigma,
    });
  }

  rngState(): TrainerRngState {
    return { augment: this.augRng.getState(), noise: this.noiseRng.getState() };
  }

  setRngState(s: TrainerRngState): void {
    this.augRng.setState(s.augment);
    this.noiseRng.setState(s.noise);
  }

  /** Every variable a checkpoint must hold, under stable names. */
  variables(): Array<[string, tf.Variable]> {
    const prefixed = (p: string, list: Array<[string, tf.Variable]>): Array<[string, tf.Variable]> => list.map(([n, v]) => [`${p}${n}`, v]);
    return [...this.vae.store.all(), ...this.method.variables(), ...prefixed('vaeOpt:', this.vaeOpt.stateTensors()), ...prefixed('sslOpt:', this.sslOpt.stateTensors())];
  }

  dispose(): void {
    this.vaeOpt.dispose();
    this.sslOpt.dispose();
    this.vae.store.dispose();
    this.method.dispose();
  }
}
