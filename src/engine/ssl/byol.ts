import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/types';
import { ForwardMode } from '../models/layers';
import { byolTerms, meanOf, outputStd } from './losses';
import { AttackLoss, LossParts, SslMethod, StepProgress, Views } from './method';
import { emaRate, emaUpdate, mlpSpec, onlineEncoder, predictorHead, targetEncoder } from './networks';

/**
 * BYOL with IDAA. The online network (projector Linear + BN + ReLU + Linear) and its predictor q
 * regress the EMA target's projection: reg(q, z_t) = 2 − 2·cos(q, z_t), z_t without gradient.
 *   L = reg(q_i, z_t,j) + reg(q_j, z_t,i) + α·[reg(q_adv, z_t,i) + reg(q_i, z_t,adv)]
 * x_adv through the auxiliary batch norm (online and target); the attack maximises
 * reg(q(x_adv), z_t(x_i)). τ goes from emaStart to emaEnd by a cosine over the steps.
 */
export function byol(config: RunConfig): SslMethod {
  const s = config.ssl;
  const projector = (c: number) => mlpSpec([s.projectionHidden || c, s.projectionDim], { bn: true, bias: true });
  const online = onlineEncoder(config, projector);
  const pred = predictorHead(config, online.projectionDim, mlpSpec([s.predictorHidden, online.projectionDim], { bn: true, bias: true }));
  const target = targetEncoder(config, online, projector);
  const trainable = new Map([...online.store.trainable, ...pred.store.trainable]);
  const q = (x: tf.Tensor4D, mode: ForwardMode) => {
    const z = online.forward(x, mode).z;
    return { z, q: pred.head.apply(z, mode) };
  };
  let step: { xi: tf.Tensor4D; ti: tf.Tensor2D; tj: tf.Tensor2D; tAdv?: tf.Tensor2D } | undefined;
  const clear = () => {
    if (step) tf.dispose([step.ti, step.tj, ...(step.tAdv ? [step.tAdv] : [])]);
    step = undefined;
  };
  return {
    name: 'byol',
    online,
    trainable: () => trainable,
    variables: () => [...online.store.all(), ...pred.store.all(), ...target.store.all()],
    beginStep(views: Views, main: ForwardMode) {
      clear();
      step = { xi: views.xi, ti: tf.tidy(() => target.forward(views.xi, main).z), tj: tf.tidy(() => target.forward(views.xj, main).z) };
    },
    addAdversarial(xAdv: tf.Tensor4D, aux: ForwardMode) {
      if (step) step.tAdv = tf.tidy(() => target.forward(xAdv, aux).z);
    },
    trainingLoss(views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts {
      if (!step) throw new Error('BYOL: trainingLoss before beginStep');
      const reg = (a: tf.Tensor2D, b: tf.Tensor2D) => meanOf(byolTerms(a, b));
      const i = q(views.xi, main);
      const j = q(views.xj, main);
      const regression = tf.add(reg(i.q, step.tj), reg(j.q, step.ti)) as tf.Scalar;
      const std = outputStd(i.z);
      if (!views.xAdv || !step.tAdv) return { total: regression, terms: { regression, outputStd: std } };
      const a = q(views.xAdv, aux);
      const adversarial = tf.add(reg(a.q, step.ti), reg(i.q, step.tAdv)) as tf.Scalar;
      return { total: tf.add(regression, tf.mul(alpha, adversarial)) as tf.Scalar, terms: { regression, adversarial, outputStd: std } };
    },
    attackLoss(xi: tf.Tensor4D, aux: ForwardMode): AttackLoss {
      // In a training step the target's z_t(x_i) is the step's; otherwise (the inspector) computed here, main BN, no updates.
      const own = step?.xi === xi ? undefined : tf.tidy(() => target.forward(xi, { training: aux.training, bn: 'main' }).z);
      const ti = own ?? step!.ti;
      const terms = (xAdv: tf.Tensor4D) => byolTerms(q(xAdv, aux).q, ti);
      return { lossOf: (xAdv) => meanOf(terms(xAdv)), termsOf: terms, dispose: () => own?.dispose() };
    },
    afterStep(p: StepProgress) {
      clear();
      emaUpdate(online, target, emaRate(s.emaStart, s.emaEnd, p.step, p.totalSteps));
    },
    dispose: () => {
      clear();
      online.store.dispose();
      pred.store.dispose();
      target.store.dispose();
    },
  };
}
