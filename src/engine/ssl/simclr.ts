import * as tf from '@tensorflow/tfjs-core';
import { ForwardMode } from '../models/layers';
import { ResNetEncoder } from '../models/resnet';
import { LossParts, SslMethod, Views } from './method';
import { ntXent } from './ntxent';

/**
 * SimCLR with IDAA as the reference trains it: NT-Xent(z_i, z_j) + α·NT-Xent(z_i, z_adv), each view
 * in its own forward (so batch statistics are per view), x_adv through the auxiliary batch norm;
 * the attack maximises NT-Xent(f_aux(x_i), f_aux(x_adv)).
 */
export function simclr(temperature: number): SslMethod {
  return {
    name: 'simclr',
    trainingLoss(enc: ResNetEncoder, views: Views, main: ForwardMode, aux: ForwardMode, alpha: number): LossParts {
      const zi = enc.forward(views.xi, main).z;
      const zj = enc.forward(views.xj, main).z;
      const contrastive = ntXent(zi, zj, temperature);
      if (!views.xAdv) return { total: contrastive, terms: { contrastive } };
      const zAdv = enc.forward(views.xAdv, aux).z;
      const adversarial = ntXent(zi, zAdv, temperature);
      return { total: tf.add(contrastive, tf.mul(alpha, adversarial)) as tf.Scalar, terms: { contrastive, adversarial } };
    },
    attackLoss(enc: ResNetEncoder, xi: tf.Tensor4D, aux: ForwardMode) {
      // Computed outside the gradient with respect to the latent, so it is a constant there.
      const zi = tf.tidy(() => enc.forward(xi, aux).z);
      return {
        lossOf: (xAdv: tf.Tensor4D) => ntXent(zi, enc.forward(xAdv, aux).z, temperature),
        dispose: () => zi.dispose(),
      };
    },
  };
}
