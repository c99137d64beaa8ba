import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/types';
import { ForwardMode } from '../models/layers';
import { ParamStore } from '../models/params';
import { Rng } from '../rng';
import { infoNceTerms, meanOf } from './losses';
import { AttackLoss, LossParts, SslMethod, StepProgress, Views } from './method';
import { emaRate, emaUpdate, mlpSpec, onlineEncoder, targetEncoder } from './networks';
import { l2Normalize } from './ntxent';

/**
 * MoCo v2 with IDAA. Queries q from the online network (projector Linear + ReLU + Linear), keys k
 * from its momentum copy; InfoNCE at τ against a queue of earlier keys:
 *   L = ½[InfoNCE(q_i, k_j) + InfoNCE(q_j, k_i)] + α·InfoNCE(q_adv, k_i)
 * (symmetric, as solo-learn's MoCo v2+), q_adv through the auxiliary batch norm; the attack
 * maximises InfoNCE(q(x_adv), k(x_i)). After each step both views' keys enter the queue.
 */
export function mocov2(config: RunConfig): SslMethod {
  const s = config.ssl;
  const projector = (c: number) => mlpSpec([s.projectionHidden || c, s.projectionDim], { bn: false, bias: true });
  const online = onlineEncoder(config, projector);
  const target = targetEncoder(config, online, projector);
  const dim = online.projectionDim;
  // The queue as [dim, size]: normalised random keys at first (as MoCo), then the newest keys.
  const qs = new ParamStore('queue', new Rng(`${config.seed}/init/queue`));
  const queue = qs.constant('keys', [dim, s.queueSize], 0, false);
  const ptr = qs.constant('ptr', [1], 0, false);
  const rng = new Rng(`${config.seed}/init/queue`);
  const init = new Float32Array(dim * s.queueSize);
  for (let i = 0; i < init.length; i++) init[i] = rng.normal();
  tf.tidy(() => queue.assign(tf.transpose(l2Normalize(tf.transpose(tf.tensor2d(init, [dim, s.queueSize])) as tf.Tensor2D))));
  let step: { xi: tf.Tensor4D; ki: tf.Tensor2D; kj: tf.Tensor2D } | undefined;
  const clear = () => {
    if (step) tf.dispose([step.ki, step.kj]);
    step = undefined;
  };
  const nce = (qv: tf.Tensor2D, k: tf.Tensor2D) => infoNceTerms(qv, k, queue as tf.Tensor2D, s.temperature);
  return {
    name: 'mocov2',
    online,
    trainable: () => online.store.trainable,
    variables: () => [...online.store.all(), ...target.store.all(), ...qs.all()],
    beginStep(views: Views, main: ForwardMode) {
      clear();
      step = { xi: views.xi, ki: tf.tidy(() => target.forward(views.xi, main).z), kj: tf.tidy(() => target.forward(views.xj, main).z) };
    },
    addAdversarial() {},
    trainingLoss(views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts {
      if (!step) throw new Error('MoCo: trainingLoss before beginStep');
      const qi = online.forward(views.xi, main).z;
      const qj = online.forward(views.xj, main).z;
      const contrastive = tf.mul(0.5, tf.add(meanOf(nce(qi, step.kj)), meanOf(nce(qj, step.ki)))) as tf.Scalar;
      if (!views.xAdv) return { total: contrastive, terms: { contrastive } };
      const adversarial = meanOf(nce(online.forward(views.xAdv, aux).z, step.ki));
      return { total: tf.add(contrastive, tf.mul(alpha, adversarial)) as tf.Scalar, terms: { contrastive, adversarial } };
    },
    attackLoss(xi: tf.Tensor4D, aux: ForwardMode): AttackLoss {
      const own = step?.xi === xi ? undefined : tf.tidy(() => target.forward(xi, { training: aux.training, bn: 'main' }).z);
      const ki = own ?? step!.ki;
      const terms = (xAdv: tf.Tensor4D) => nce(online.forward(xAdv, aux).z, ki);
      return { lossOf: (xAdv) => meanOf(terms(xAdv)), termsOf: terms, dispose: () => own?.dispose() };
    },
    afterStep(p: StepProgress) {
      if (step) {
        // Enqueue both views' keys at the pointer (the queue size is a multiple of 2·batch, checked before training).
        const keys = step.ki.shape[0] * 2;
        const at = ptr.dataSync()[0]!;
        tf.tidy(() => {
          const k = tf.transpose(l2Normalize(tf.concat([step!.ki, step!.kj], 0) as tf.Tensor2D));
          const parts = [at > 0 ? tf.slice(queue, [0, 0], [dim, at]) : undefined, k, at + keys < s.queueSize ? tf.slice(queue, [0, at + keys], [dim, s.queueSize - at - keys]) : undefined];
          queue.assign(tf.concat(parts.filter((t): t is tf.Tensor2D => t !== undefined), 1));
          ptr.assign(tf.tensor1d([(at + keys) % s.queueSize]));
        });
      }
      clear();
      emaUpdate(online, target, emaRate(s.emaStart, s.emaEnd, p.step, p.totalSteps));
    },
    dispose: () => {
      clear();
      online.store.dispose();
      target.store.dispose();
      qs.dispose();
    },
  };
}
