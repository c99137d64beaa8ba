import * as tf from '@tensorflow/tfjs-core';
import { Dense, DualBatchNorm, ForwardMode } from './layers';
import { ParamStore } from './params';

/** One linear layer of a head, with what follows it. */
export interface MlpLayer {
  out: number;
  bias: boolean;
  /** A batch norm after the linear layer (dual: main and auxiliary sets, as the backbone's); 'fixed' has no affine part. */
  bn: 'none' | 'affine' | 'fixed';
  relu: boolean;
}

/**
 * A projector or predictor head: linear layers with optional batch norm and ReLU, named as a
 * PyTorch nn.Sequential would number them (`g.0` Linear, `g.1` BatchNorm1d, `g.2` ReLU, …), so
 * SimCLR's `g.0`/`g.2` keep the names of the checkpoints written before heads were configurable.
 */
export class Mlp {
  private readonly layers: Array<{ dense: Dense; bn?: DualBatchNorm; relu: boolean }> = [];
  readonly outDim: number;

  constructor(store: ParamStore, name: string, inDim: number, spec: readonly MlpLayer[], auxMomentum: number) {
    let index = 0;
    let d = inDim;
    for (const l of spec) {
      const dense = new Dense(store, `${name}.${index++}`, d, l.out, l.bias);
      const bn = l.bn === 'none' ? undefined : new DualBatchNorm(store, `${name}.${index++}`, l.out, auxMomentum, l.bn === 'affine');
      if (l.relu) index++;
      this.layers.push({ dense, bn, relu: l.relu });
      d = l.out;
    }
    this.outDim = d;
  }

  apply(x: tf.Tensor2D, mode: ForwardMode): tf.Tensor2D {
    let h = x;
    for (const l of this.layers) {
      h = l.dense.apply(h);
      if (l.bn) h = l.bn.apply(h, mode);
      if (l.relu) h = tf.relu(h);
    }
    return h;
  }
}
