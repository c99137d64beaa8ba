/**
 * The "peer shapes" of ../shared/bench/torch_peer.py, rebuilt in tfjs from the engine's own
 * layer classes, so that a tfjs/PyTorch ratio compares the same arithmetic:
 *
 * - VAE (not the reference CVAE): conv3x3 s2 p1 3→32→64→128 + ReLU, dense 2048 → 2×128 (μ, log σ²);
 *   decoder dense 128 → 2048 + ReLU, reshape 4×4×128, convT 4×4 s2 128→64→32→3, ReLU between,
 *   sigmoid last. Loss MSE + 0.1·KL_sum/(B·3·128).
 * - ResNet: stem conv3x3 16 + BN + ReLU; 4 stages × 2 basic blocks, widths 16/32/64/128, stride 2
 *   at the first block of stages 2-4 with a 1×1 conv + BN shortcut; global mean; projector c→c
 *   (ReLU) →64. Both views go through ONE forward (a concat of 2B images), as in torch_peer.py.
 * - One Adam over the parameters of both models (parameters without a gradient are skipped).
 *
 * Inputs are fixed uniform [0, 1) batches, NHWC (tfjs) where the peer uses NCHW.
 */
import * as tf from '@tensorflow/tfjs-core';
import { vaeLoss } from '../src/engine/models/cvae';
import { applyBnUpdates, BatchNorm, BnUpdate, Conv2d, ConvTranspose2d, Dense, ForwardMode } from '../src/engine/models/layers';
import { ParamStore } from '../src/engine/models/params';
import { Rng } from '../src/engine/rng';
import { ntXent } from '../src/engine/ssl/ntxent';
import { Adam } from '../src/engine/train/optim';
import type { BnVariant } from './types';

export const PEER_BATCH = 64;
export const PEER_LATENT = 128;
export const PEER_TEMPERATURE = 0.5;
export const PEER_ADV_EPS = 0.05;

export type { BnVariant };

/** Running-statistic bookkeeping shared by the bench's own formulations (as the engine's BatchNorm does it). */
function recordUpdate(bn: BatchNorm, x: tf.Tensor, axes: number[], mean: tf.Tensor, variance: tf.Tensor, mode: ForwardMode): void {
  if (!mode.updates) return;
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  mode.updates.push({
    mean: bn.runningMean,
    variance: bn.runningVar,
    batchMean: tf.keep(mean),
    batchVar: tf.keep(tf.mul(variance, n / (n - 1))),
    momentum: bn.momentum,
  });
}

/** tf.batchNorm over batch moments. */
function tfBatchNorm<T extends tf.Tensor>(bn: BatchNorm, x: T, mode: ForwardMode): T {
  const axes = x.rank === 4 ? [0, 1, 2] : [0];
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, bn.beta, bn.gamma, bn.eps) as T;
  recordUpdate(bn, x, axes, mean, variance, mode);
  return y;
}

/** (x − μ)·γ/√(σ² + ε) + β from tf.moments and broadcasting, gradient by autograd. */
function momentsBatchNorm<T extends tf.Tensor>(bn: BatchNorm, x: T, mode: ForwardMode): T {
  const axes = x.rank === 4 ? [0, 1, 2] : [0];
  const { mean, variance } = tf.moments(x, axes);
  const scale = tf.mul(bn.gamma, tf.rsqrt(tf.add(variance, bn.eps)));
  const y = tf.add(tf.mul(tf.sub(x, mean), scale), bn.beta) as T;
  recordUpdate(bn, x, axes, mean, variance, mode);
  return y;
}

class PeerBn {
  readonly bn: BatchNorm;
  constructor(
    store: ParamStore,
    name: string,
    channels: number,
    private readonly variant: BnVariant,
  ) {
    this.bn = new BatchNorm(store, name, channels);
  }
  apply(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D {
    if (!mode.training || this.variant === 'engine') return this.bn.apply(x, mode);
    return this.variant === 'tf' ? tfBatchNorm(this.bn, x, mode) : momentsBatchNorm(this.bn, x, mode);
  }
}

export class PeerVae {
  readonly store: ParamStore;
  private readonly e1: Conv2d;
  private readonly e2: Conv2d;
  private readonly e3: Conv2d;
  private readonly fc: Dense;
  private readonly dfc: Dense;
  private readonly d1: ConvTranspose2d;
  private readonly d2: ConvTranspose2d;
  private readonly d3: ConvTranspose2d;

  constructor(rng: Rng) {
    const s = new ParamStore('peer-vae', rng);
    this.store = s;
    this.e1 = new Conv2d(s, 'e.0', 3, 32, 3, 2, 1, true);
    this.e2 = new Conv2d(s, 'e.2', 32, 64, 3, 2, 1, true);
    this.e3 = new Conv2d(s, 'e.4', 64, 128, 3, 2, 1, true);
    this.fc = new Dense(s, 'fc', 2048, 2 * PEER_LATENT);
    this.dfc = new Dense(s, 'dfc', PEER_LATENT, 2048);
    this.d1 = new ConvTranspose2d(s, 'd.0', 128, 64, 4, 2, true);
    this.d2 = new ConvTranspose2d(s, 'd.2', 64, 32, 4, 2, true);
    this.d3 = new ConvTranspose2d(s, 'd.4', 32, 3, 4, 2, true);
  }

  encode(x: tf.Tensor4D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    let h = tf.relu(this.e1.apply(x));
    h = tf.relu(this.e2.apply(h));
    h = tf.relu(this.e3.apply(h));
    const out = this.fc.apply(tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D);
    const [mu, logvar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { mu, logvar };
  }

  decode(z: tf.Tensor2D): tf.Tensor4D {
    let h = tf.reshape(tf.relu(this.dfc.apply(z)), [z.shape[0], 4, 4, 128]) as tf.Tensor4D;
    h = tf.relu(this.d1.apply(h));
    h = tf.relu(this.d2.apply(h));
    return tf.sigmoid(this.d3.apply(h));
  }
}

class PeerBlock {
  private readonly c1: Conv2d;
  private readonly n1: PeerBn;
  private readonly c2: Conv2d;
  private readonly n2: PeerBn;
  private readonly sc: { conv: Conv2d; bn: PeerBn } | null;
  constructor(s: ParamStore, name: string, inC: number, outC: number, stride: number, variant: BnVariant) {
    this.c1 = new Conv2d(s, `${name}.c1`, inC, outC, 3, stride, 1, false);
    this.n1 = new PeerBn(s, `${name}.n1`, outC, variant);
    this.c2 = new Conv2d(s, `${name}.c2`, outC, outC, 3, 1, 1, false);
    this.n2 = new PeerBn(s, `${name}.n2`, outC, variant);
    this.sc =
      inC === outC && stride === 1
        ? null
        : { conv: new Conv2d(s, `${name}.sc.0`, inC, outC, 1, stride, 0, false), bn: new PeerBn(s, `${name}.sc.1`, outC, variant) };
  }
  apply(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D {
    const y = this.n2.apply(this.c2.apply(tf.relu(this.n1.apply(this.c1.apply(x), mode))), mode);
    const short = this.sc ? this.sc.bn.apply(this.sc.conv.apply(x), mode) : x;
    return tf.relu(tf.add(y, short)) as tf.Tensor4D;
  }
}

export class PeerResNet {
  readonly store: ParamStore;
  private readonly stem: Conv2d;
  private readonly stemBn: PeerBn;
  private readonly blocks: PeerBlock[] = [];
  private readonly h1: Dense;
  private readonly h2: Dense;

  constructor(rng: Rng, variant: BnVariant, widths: readonly number[] = [16, 32, 64, 128]) {
    const s = new ParamStore('peer-res', rng);
    this.store = s;
    this.stem = new Conv2d(s, 'stem.0', 3, widths[0], 3, 1, 1, false);
    this.stemBn = new PeerBn(s, 'stem.1', widths[0], variant);
    let c = widths[0];
    widths.forEach((o, i) => {
      this.blocks.push(new PeerBlock(s, `blocks.${2 * i}`, c, o, i === 0 ? 1 : 2, variant));
      this.blocks.push(new PeerBlock(s, `blocks.${2 * i + 1}`, o, o, 1, variant));
      c = o;
    });
    this.h1 = new Dense(s, 'h.0', c, c);
    this.h2 = new Dense(s, 'h.2', c, 64);
  }

  apply(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    let h = tf.relu(this.stemBn.apply(this.stem.apply(x), mode));
    for (const b of this.blocks) h = b.apply(h, mode);
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return this.h2.apply(tf.relu(this.h1.apply(pooled)));
  }
}

/** NT-Xent of the first and second halves of one forward's output. */
function halvesLoss(h: tf.Tensor2D, b: number): tf.Scalar {
  const [h1, h2] = tf.split(h, [b, h.shape[0] - b], 0) as [tf.Tensor2D, tf.Tensor2D];
  return ntXent(h1, h2, PEER_TEMPERATURE);
}

/** Both peer models, their optimizer and the fixed inputs; each step returns the images it processed. */
export class PeerBench {
  readonly vae: PeerVae;
  readonly res: PeerResNet;
  readonly opt: Adam;
  readonly x1: tf.Tensor4D;
  readonly x2: tf.Tensor4D;
  readonly x12: tf.Tensor4D;
  private readonly lr = 1e-3;

  constructor(
    readonly variant: BnVariant,
    readonly batch = PEER_BATCH,
  ) {
    this.vae = new PeerVae(new Rng('peer/vae'));
    this.res = new PeerResNet(new Rng('peer/res'), variant);
    const all = new Map<string, tf.Variable>([...this.vae.store.trainable, ...this.res.store.trainable]);
    this.opt = new Adam(all, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    this.x1 = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
    this.x2 = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 2);
    this.x12 = tf.concat([this.x1, this.x2], 0);
  }

  /** VAE training step on x1: B images. Steps end on an asynchronous read (webgpu has no other). */
  async vaeStep(): Promise<number> {
    const { value, grads } = tf.variableGrads(() => {
      const { mu, logvar } = this.vae.encode(this.x1);
      const z = tf.add(mu, tf.mul(tf.randomNormal(mu.shape), tf.exp(tf.mul(0.5, logvar)))) as tf.Tensor2D;
      return vaeLoss(this.x1, this.vae.decode(z), mu, logvar, 0.1).total;
    }, this.vae.store.trainableList());
    this.opt.apply(grads, this.lr);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
    return this.batch;
  }

  /** SimCLR step with both views in one forward: 2B images. */
  async encStep(): Promise<number> {
    await this.simclrOn(this.x12);
    return 2 * this.batch;
  }

  private async simclrOn(views: tf.Tensor4D): Promise<void> {
    const updates: BnUpdate[] = [];
    const mode: ForwardMode = { training: true, bn: 'main', updates };
    const { value, grads } = tf.variableGrads(() => halvesLoss(this.res.apply(views, mode), this.batch), this.res.store.trainableList());
    this.opt.apply(grads, this.lr);
    applyBnUpdates(updates);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  }

  /** The adversarial latent step of torch_peer.py; returns x_adv (caller disposes). */
  async adversarial(): Promise<tf.Tensor4D> {
    const updates: BnUpdate[] = [];
    const mode: ForwardMode = { training: true, bn: 'main', updates };
    const [z0, r] = tf.tidy(() => {
      const mu = this.vae.encode(this.x1).mu;
      return [mu, tf.sub(this.x1, this.vae.decode(mu)) as tf.Tensor4D];
    });
    const g = tf.grad((z: tf.Tensor) => halvesLoss(this.res.apply(tf.concat([tf.add(this.vae.decode(z as tf.Tensor2D), r) as tf.Tensor4D, this.x2], 0), mode), this.batch))(z0);
    // The peer's ResNet is in training mode, so its batch norms update their running statistics.
    applyBnUpdates(updates);
    const out = tf.tidy(() => tf.add(this.vae.decode(tf.add(z0, tf.mul(PEER_ADV_EPS, tf.sign(g))) as tf.Tensor2D), r) as tf.Tensor4D);
    await out.data();
    tf.dispose([z0, r, g]);
    return out;
  }

  async advStep(): Promise<number> {
    (await this.adversarial()).dispose();
    return this.batch;
  }

  /**
   * A full IDAA step at peer shapes: the adversarial step, then a SimCLR step (one forward of the
   * 2B clean views, as encStep). B source images per step. torch_peer.py has no such mode; its
   * equivalent is adv + enc time.
   */
  async idaaStep(): Promise<number> {
    (await this.adversarial()).dispose();
    await this.simclrOn(this.x12);
    return this.batch;
  }

  dispose(): void {
    this.opt.dispose();
    this.vae.store.dispose();
    this.res.store.dispose();
    tf.dispose([this.x1, this.x2, this.x12]);
  }
}
