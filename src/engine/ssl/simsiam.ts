import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/types';
import { ForwardMode } from '../models/layers';
import { meanOf, negCosineTerms, outputStd, stopGradient } from './losses';
import { AttackLoss, LossParts, SslMethod, Views } from './method';
import { mlpSpec, onlineEncoder, predictorHead } from './networks';

/**
 * SimSiam with IDAA as the authors' SimSiam code line does it. D(p, z) = −cos(p, sg(z)):
 *   L = ½[D(p_i, z_j) + D(p_j, z_i)] + α·½[D(p_i, z_adv) + D(p_adv, z_i)]
 * with p = predictor(z), z_adv and p_adv through the auxiliary batch norm (in the heads too); the
 * attack maximises D(p(x_adv), z(x_i)). Projector 3 × Linear + BN (the last BN without affine),
 * predictor Linear + BN + ReLU + Linear with a bottleneck, as the SimSiam paper's CIFAR model.
 */
export function simsiam(config: RunConfig): SslMethod {
  const s = config.ssl;
  const online = onlineEncoder(config, (c) => mlpSpec([s.projectionHidden || c, s.projectionHidden || c, s.projectionDim], { bn: true, bias: false, lastBn: 'fixed' }));
  const pred = predictorHead(config, online.projectionDim, mlpSpec([s.predictorHidden, online.projectionDim], { bn: true, bias: false, lastBias: true }));
  const trainable = new Map([...online.store.trainable, ...pred.store.trainable]);
  const both = (x: tf.Tensor4D, mode: ForwardMode) => {
    const z = online.forward(x, mode).z;
    return { z, p: pred.head.apply(z, mode) };
  };
  return {
    name: 'simsiam',
    online,
    trainable: () => trainable,
    variables: () => [...online.store.all(), ...pred.store.all()],
    beginStep() {},
    addAdversarial() {},
    trainingLoss(views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts {
      const i = both(views.xi, main);
      const j = both(views.xj, main);
      const d = (p: tf.Tensor2D, z: tf.Tensor2D) => meanOf(negCosineTerms(p, stopGradient(z)));
      const symmetric = tf.mul(0.5, tf.add(d(i.p, j.z), d(j.p, i.z))) as tf.Scalar;
      const std = outputStd(i.z);
      if (!views.xAdv) return { total: symmetric, terms: { symmetric, outputStd: std } };
      const a = both(views.xAdv, aux);
      const adversarial = tf.mul(0.5, tf.add(d(i.p, a.z), d(a.p, i.z))) as tf.Scalar;
      return { total: tf.add(symmetric, tf.mul(alpha, adversarial)) as tf.Scalar, terms: { symmetric, adversarial, outputStd: std } };
    },
    attackLoss(xi: tf.Tensor4D, aux: ForwardMode): AttackLoss {
      const zi = tf.tidy(() => online.forward(xi, aux).z);
      const terms = (xAdv: tf.Tensor4D) => negCosineTerms(both(xAdv, aux).p, zi);
      return { lossOf: (xAdv) => meanOf(terms(xAdv)), termsOf: terms, dispose: () => zi.dispose() };
    },
    afterStep() {},
    dispose: () => {
      online.store.dispose();
      pred.store.dispose();
    },
  };
}
