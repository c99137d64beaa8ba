import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/types';
import { ForwardMode } from '../models/layers';
import type { ResNetEncoder } from '../models/resnet';
import { AttackLoss, LossParts, SslMethod, Views } from './method';
import { onlineEncoder, simclrProjector } from './networks';
import { ntXent, ntXentTerms } from './ntxent';

/**
 * SimCLR with IDAA as the reference trains it: NT-Xent(z_i, z_j) + α·NT-Xent(z_i, z_adv), each view
 * in its own forward (so batch statistics are per view), x_adv through the auxiliary batch norm;
 * the attack maximises NT-Xent(f_aux(x_i), f_aux(x_adv)). Projector c → c → 64 (Linear, ReLU, Linear).
 */
/** NT-Xent(f(x_i), f(x_adv)) through `aux`, as SimCLR's attack loss; also for encoders built outside a method (tests). */
export function simclrAttack(online: ResNetEncoder, temperature: number): SslMethod['attackLoss'] {
  return (xi: tf.Tensor4D, aux: ForwardMode): AttackLoss => {
    // A constant with respect to the latent: computed once, outside its gradient.
    const zi = tf.tidy(() => online.forward(xi, aux).z);
    return {
      lossOf: (xAdv) => ntXent(zi, online.forward(xAdv, aux).z, temperature),
      termsOf: (xAdv) => ntXentTerms(zi, online.forward(xAdv, aux).z, temperature),
      dispose: () => zi.dispose(),
    };
  };
}

export function simclr(config: RunConfig): SslMethod {
  const temperature = config.ssl.temperature;
  const online = onlineEncoder(config, simclrProjector(config.ssl.projectionDim, config.ssl.projectionHidden));
  return {
    name: 'simclr',
    online,
    trainable: () => online.store.trainable,
    variables: () => online.store.all(),
    beginStep() {},
    addAdversarial() {},
    trainingLoss(views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts {
      const zi = online.forward(views.xi, main).z;
      const zj = online.forward(views.xj, main).z;
      const contrastive = ntXent(zi, zj, temperature);
      if (!views.xAdv) return { total: contrastive, terms: { contrastive } };
      const zAdv = online.forward(views.xAdv, aux).z;
      const adversarial = ntXent(zi, zAdv, temperature);
      return { total: tf.add(contrastive, tf.mul(alpha, adversarial)) as tf.Scalar, terms: { contrastive, adversarial } };
    },
    attackLoss: simclrAttack(online, temperature),
    afterStep() {},
    dispose: () => online.store.dispose(),
  };
}
