import * as tf from '@tensorflow/tfjs-core';
import type { SslMethodName } from '../config/types';
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
  /** Named terms for the metrics log, e.g. { contrastive, adversarial, outputStd }. */
  terms: Record<string, tf.Scalar>;
}

/** The loss the IDAA latent step maximises, for one batch of anchors x_i (computed once, outside the latent gradient). */
export interface AttackLoss {
  lossOf(xAdv: tf.Tensor4D): tf.Scalar;
  /** Per-sample terms whose mean is `lossOf` (the inspector shows them). */
  termsOf(xAdv: tf.Tensor4D): tf.Tensor1D;
  dispose(): void;
}

/** Where training stands, for schedules inside a method (the EMA rate). */
export interface StepProgress {
  /** Optimizer steps done, this one included. */
  step: number;
  totalSteps: number;
}

/**
 * A self-supervised method: one file implementing this, and a line in methods.ts. It owns its
 * networks and says what each is — `trainable()` is what the optimizer updates (the online network
 * and its heads); everything else in `variables()` is EMA-updated or a buffer (a target network, a
 * queue). The trainer composes IDAA once for every method:
 *   L = L_method(x_i, x_j) + α · L_adv(x_i, x_adv),  x_adv through the auxiliary batch norm,
 * with x_adv from the latent step that maximises `attackLoss`.
 *
 * One step: `beginStep` (targets of the clean views, outside the gradient tape), the attack,
 * `addAdversarial` (targets of x_adv), `trainingLoss` (inside the tape), the optimizer step, then
 * `afterStep` (EMA, queue) which also frees what the step kept.
 */
export interface SslMethod {
  readonly name: SslMethodName;
  /** Backbone + projector: the kNN monitor, the linear probe and the inspector read it. */
  readonly online: ResNetEncoder;
  trainable(): Map<string, tf.Variable>;
  /** Every tensor a checkpoint must hold, under stable names (optimizer state aside). */
  variables(): Array<[string, tf.Variable]>;
  beginStep(views: Views, main: ForwardMode): void;
  addAdversarial(xAdv: tf.Tensor4D, aux: ForwardMode): void;
  trainingLoss(views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts;
  /** The attack loss of anchors x_i; in a training step after `beginStep` it reuses that step's targets. */
  attackLoss(xi: tf.Tensor4D, aux: ForwardMode): AttackLoss;
  afterStep(progress: StepProgress): void;
  dispose(): void;
}
