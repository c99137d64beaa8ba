import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import { BatchNorm, Conv2d, ConvTranspose2d, Dense, ForwardMode, leakyRelu } from './layers';
import { ParamStore } from './params';

export interface CvaeOptions {
  /** Channels of the 8x8 bottleneck feature map (the reference's d = 128). */
  width: number;
  /** Latent dimension (reference runs: 512; the script default 128). */
  latentDim: number;
  /** Image channels (3: grayscale data is repeated to RGB before the model). */
  channels: number;
  /** Input side; the encoder downsamples twice, so it must be divisible by 4. */
  imageSize: number;
}

/** ResBlock(c) with bn=True: x + Conv1x1(LeakyReLU(BN(Conv3x3(LeakyReLU(x))))). */
class ResBlock {
  private readonly c1: Conv2d;
  private readonly bn: BatchNorm;
  private readonly c2: Conv2d;
  constructor(store: ParamStore, name: string, c: number) {
    this.c1 = new Conv2d(store, `${name}.conv1`, c, c, 3, 1, 1, true);
    this.bn = new BatchNorm(store, `${name}.bn`, c);
    this.c2 = new Conv2d(store, `${name}.conv2`, c, c, 1, 1, 0, true);
  }
  apply(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D {
    const h = this.c2.apply(leakyRelu(this.bn.apply(this.c1.apply(leakyRelu(x)), mode)));
    return tf.add(x, h);
  }
}

/**
 * The reference CVAE (CVAE_cifar_withbn of the authors' code), layer for layer. Its output passes
 * through tanh and then a BatchNorm over the image channels, so G(x) lives in normalised-input space.
 */
export class Cvae {
  readonly store: ParamStore;
  private readonly enc1: Conv2d;
  private readonly encBn1: BatchNorm;
  private readonly enc2: Conv2d;
  private readonly encBn2: BatchNorm;
  private readonly encRes1: ResBlock;
  private readonly encBn3: BatchNorm;
  private readonly encRes2: ResBlock;
  private readonly fcMu: Dense;
  private readonly fcLogvar: Dense;
  private readonly fcDec: Dense;
  private readonly decRes1: ResBlock;
  private readonly decBn1: BatchNorm;
  private readonly decRes2: ResBlock;
  private readonly decBn2: BatchNorm;
  private readonly dec1: ConvTranspose2d;
  private readonly decBn3: BatchNorm;
  private readonly dec2: ConvTranspose2d;
  private readonly outBn: BatchNorm;
  readonly feat: number;

  constructor(
    readonly opts: CvaeOptions,
    rng: Rng,
  ) {
    if (opts.imageSize % 4 !== 0) throw new Error(`the CVAE needs an image size divisible by 4, got ${opts.imageSize}`);
    const d = opts.width;
    const s = new ParamStore('vae', rng);
    this.store = s;
    this.feat = opts.imageSize / 4;
    const flat = d * this.feat * this.feat;
    this.enc1 = new Conv2d(s, 'encoder.0', opts.channels, d / 2, 4, 2, 1, false);
    this.encBn1 = new BatchNorm(s, 'encoder.1', d / 2);
    this.enc2 = new Conv2d(s, 'encoder.3', d / 2, d, 4, 2, 1, false);
    this.encBn2 = new BatchNorm(s, 'encoder.4', d);
    this.encRes1 = new ResBlock(s, 'encoder.6', d);
    this.encBn3 = new BatchNorm(s, 'encoder.7', d);
    this.encRes2 = new ResBlock(s, 'encoder.8', d);
    this.fcMu = new Dense(s, 'fc11', flat, opts.latentDim);
    this.fcLogvar = new Dense(s, 'fc12', flat, opts.latentDim);
    this.fcDec = new Dense(s, 'fc21', opts.latentDim, flat);
    this.decRes1 = new ResBlock(s, 'decoder.0', d);
    this.decBn1 = new BatchNorm(s, 'decoder.1', d);
    this.decRes2 = new ResBlock(s, 'decoder.2', d);
    this.decBn2 = new BatchNorm(s, 'decoder.3', d);
    this.dec1 = new ConvTranspose2d(s, 'decoder.4', d, d / 2, 4, 2, false);
    this.decBn3 = new BatchNorm(s, 'decoder.5', d / 2);
    this.dec2 = new ConvTranspose2d(s, 'decoder.7', d / 2, opts.channels, 4, 2, false);
    this.outBn = new BatchNorm(s, 'xi_bn', opts.channels);
  }

  encode(x: tf.Tensor4D, mode: ForwardMode): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    let h = tf.relu(this.encBn1.apply(this.enc1.apply(x), mode));
    h = tf.relu(this.encBn2.apply(this.enc2.apply(h), mode));
    h = this.encRes2.apply(this.encBn3.apply(this.encRes1.apply(h, mode), mode), mode);
    const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
    return { mu: this.fcMu.apply(flat), logvar: this.fcLogvar.apply(flat) };
  }

  /** Dec(z): fc21 → decoder → tanh → xi_bn. */
  decode(z: tf.Tensor2D, mode: ForwardMode): tf.Tensor4D {
    const d = this.opts.width;
    let h = tf.reshape(this.fcDec.apply(z), [z.shape[0], this.feat, this.feat, d]) as tf.Tensor4D;
    h = this.decBn1.apply(this.decRes1.apply(h, mode), mode);
    h = this.decBn2.apply(this.decRes2.apply(h, mode), mode);
    h = leakyRelu(this.decBn3.apply(this.dec1.apply(h), mode));
    return this.outBn.apply(tf.tanh(this.dec2.apply(h)), mode);
  }
}

/**
 * VAE loss of the reference: MSE(x, G(x)) + β · KL_sum / (batch · 3 · dim); the 3 is the reference's
 * constant (image channels) whatever the data.
 */
export function vaeLoss(x: tf.Tensor4D, recon: tf.Tensor4D, mu: tf.Tensor2D, logvar: tf.Tensor2D, beta: number): { total: tf.Scalar; mse: tf.Scalar; kl: tf.Scalar } {
  const mse = tf.mean(tf.squaredDifference(x, recon)) as tf.Scalar;
  const klSum = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar))))) as tf.Scalar;
  const kl = tf.div(klSum, mu.shape[0] * 3 * mu.shape[1]) as tf.Scalar;
  return { total: tf.add(mse, tf.mul(beta, kl)) as tf.Scalar, mse, kl };
}
