import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import { Conv2d, DualBatchNorm, ForwardMode } from './layers';
import { Mlp, MlpLayer } from './mlp';
import { ParamStore } from './params';

export interface ResNetOptions {
  /** Multiplies the CIFAR ResNet-18 widths 64-128-256-512 (0.25 gives 16-32-64-128). */
  widthMultiplier: number;
  channels: number;
  /** The projector after the backbone; default SimCLR's c → c → 64 (Linear, ReLU, Linear). */
  projector: (featureDim: number) => readonly MlpLayer[];
  /** Momentum of the auxiliary (adversarial) batch norm; the main one uses PyTorch's 0.1. */
  auxBnMomentum: number;
  /** Blocks per stage; ResNet-18 is [2, 2, 2, 2]. */
  blocks?: number[];
}

class BasicBlock {
  private readonly c1: Conv2d;
  private readonly n1: DualBatchNorm;
  private readonly c2: Conv2d;
  private readonly n2: DualBatchNorm;
  private readonly sc: { conv: Conv2d; bn: DualBatchNorm } | null;
  constructor(s: ParamStore, name: string, inC: number, outC: number, stride: number, auxM: number) {
    this.c1 = new Conv2d(s, `${name}.conv1`, inC, outC, 3, stride, 1, false);
    this.n1 = new DualBatchNorm(s, `${name}.bn1`, outC, auxM);
    this.c2 = new Conv2d(s, `${name}.conv2`, outC, outC, 3, 1, 1, false);
    this.n2 = new DualBatchNorm(s, `${name}.bn2`, outC, auxM);
    this.sc =
      stride !== 1 || inC !== outC
        ? { conv: new Conv2d(s, `${name}.shortcut.0`, inC, outC, 1, stride, 0, false), bn: new DualBatchNorm(s, `${name}.shortcut.1`, outC, auxM) }
        : null;
  }
  apply(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D {
    const h = this.n2.apply(this.c2.apply(tf.relu(this.n1.apply(this.c1.apply(x), mode))), mode);
    const short = this.sc ? this.sc.bn.apply(this.sc.conv.apply(x), mode) : x;
    return tf.relu(tf.add(h, short)) as tf.Tensor4D;
  }
}

/**
 * The CIFAR ResNet-18 of the reference (3x3 stride-1 stem, no max-pool, average pool over the last
 * 4x4 map) with a dual batch norm everywhere, followed by the method's projector.
 */
export class ResNetEncoder {
  readonly store: ParamStore;
  readonly featureDim: number;
  private readonly stem: Conv2d;
  private readonly stemBn: DualBatchNorm;
  private readonly blocks: BasicBlock[] = [];
  private readonly projector: Mlp;

  constructor(
    readonly opts: ResNetOptions,
    rng: Rng,
    prefix = 'encoder',
  ) {
    const s = new ParamStore(prefix, rng);
    this.store = s;
    const widths = [64, 128, 256, 512].map((w) => Math.max(1, Math.round(w * opts.widthMultiplier)));
    const counts = opts.blocks ?? [2, 2, 2, 2];
    this.stem = new Conv2d(s, 'conv1', opts.channels, widths[0], 3, 1, 1, false);
    this.stemBn = new DualBatchNorm(s, 'bn1', widths[0], opts.auxBnMomentum);
    let inC = widths[0];
    widths.forEach((w, stage) => {
      for (let b = 0; b < counts[stage]; b++) {
        const stride = b === 0 && stage > 0 ? 2 : 1;
        this.blocks.push(new BasicBlock(s, `layer${stage + 1}.${b}`, inC, w, stride, opts.auxBnMomentum));
        inC = w;
      }
    });
    this.featureDim = inC;
    this.projector = new Mlp(s, 'g', inC, opts.projector(inC), opts.auxBnMomentum);
    this.projectionDim = this.projector.outDim;
  }

  readonly projectionDim: number;

  /** h: the backbone feature (global average pool; equals the reference's 4x4 pool at 32x32). */
  features(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    let h = tf.relu(this.stemBn.apply(this.stem.apply(x), mode));
    for (const b of this.blocks) h = b.apply(h, mode);
    return tf.mean(h, [1, 2]) as tf.Tensor2D;
  }

  /** The projection head's output (not yet normalised; the losses and kNN normalise it). */
  project(h: tf.Tensor2D, mode: ForwardMode): tf.Tensor2D {
    return this.projector.apply(h, mode);
  }

  forward(x: tf.Tensor4D, mode: ForwardMode): { h: tf.Tensor2D; z: tf.Tensor2D } {
    const h = this.features(x, mode);
    return { h, z: this.project(h, mode) };
  }
}
