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
        // Enqueue both views' keys at the pointer, on the device: the pointer is never read back,
        // which a GPU backend would have to wait for (webgpu cannot read synchronously at all).
        // Column j of the new queue is key (j − ptr) mod Q when that is below the key count, else
        // the old column: the same values as slicing at the pointer.
        const keys = step.ki.shape[0] * 2;
        const size = s.queueSize;
        tf.tidy(() => {
          const k = tf.transpose(l2Normalize(tf.concat([step!.ki, step!.kj], 0) as tf.Tensor2D));
          // int32 scalars: a plain number would turn the index arithmetic into float32.
          const int = (n: number) => tf.scalar(n, 'int32');
          const at = tf.cast(ptr, 'int32');
          const rel = tf.mod(tf.add(tf.sub(tf.range(0, size, 1, 'int32'), at), int(size)), int(size));
          const fresh = tf.broadcastTo(tf.reshape(tf.less(rel, int(keys)), [1, size]), [dim, size]);
          const placed = tf.gather(k, tf.minimum(rel, int(keys - 1)), 1);
          queue.assign(tf.where(fresh, placed, queue as tf.Tensor2D));
          ptr.assign(tf.cast(tf.mod(tf.add(at, int(keys)), int(size)), 'float32'));
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
