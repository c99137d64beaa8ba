import * as tf from '@tensorflow/tfjs-core';
import { ForwardMode } from '../models/layers';
import { ResNetEncoder } from '../models/resnet';

/** The views of one training step: two standard augmentations and, with IDAA, the adversarial one. */
export interface Views {
  xi: tf.Tensor4D;
  xj: tf.Tensor4D;
  xAdv?: tf.Tensor4D;
}

export interface LossParts {
  total: tf.Scalar;
  /** Named terms for the metrics log, e.g. { contrastive, adversarial }. */
  terms: Record<string, tf.Scalar>;
}

/**
 * A self-supervised method is one file implementing this: its training loss over the views and
 * the loss the IDAA latent attack maximises. SimSiam, BYOL or MoCo fit the same two functions.
 */
export interface SslMethod {
  readonly name: string;
  /** Loss to minimise; x_i, x_j through `main`, x_adv (if any) through `aux`. */
  trainingLoss(enc: ResNetEncoder, views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts;
  /**
   * Builds the attack loss of x_adv for anchors x_i; the anchor forward is done once, outside the
   * gradient with respect to the latent, and the returned function is differentiated through x_adv.
   */
  attackLoss(enc: ResNetEncoder, xi: tf.Tensor4D, aux: ForwardMode): { lossOf: (xAdv: tf.Tensor4D) => tf.Scalar; dispose: () => void };
}
