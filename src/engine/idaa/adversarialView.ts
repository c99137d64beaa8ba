import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/types';
import type { Cvae } from '../models/cvae';
import type { ForwardMode } from '../models/layers';
import type { SslMethod } from '../ssl/method';
import { latentAttack } from './attack';
import { decompose, disposeDecomposition } from './decompose';
import { pixelAttack } from './pixelAttack';

export interface AdversarialView {
  xAdv: tf.Tensor4D;
  /** Everything the caller frees after the step (x_adv included). */
  tensors: tf.Tensor[];
}

/**
 * The third view of a training step, by `idaa.adversary`: IDAA's latent FGSM step
 * (x_adv = Dec(z') + R(x_i)) or CLAE's pixel FGSM step (x_adv = x_i + ε·sign(∇_x L)), both on the
 * method's attack loss through the auxiliary batch norm in training mode, as the references.
 * At ε = 0 both steps are zero and x_adv = x_i (exactly for pixels; for the latent up to float
 * rounding of Dec(μ) + (x − Dec(μ))), so no attack is computed: the row "IDAA with ε = 0" then
 * measures the extra view alone, at the extra view's cost.
 */
export function adversarialView(vae: Cvae, method: SslMethod, xi: tf.Tensor4D, aux: ForwardMode, idaa: RunConfig['idaa']): AdversarialView {
  if (idaa.eps === 0) {
    const xAdv = tf.clone(xi);
    return { xAdv, tensors: [xAdv] };
  }
  // readLoss false: training never uses the loss before the attack, and reading it synchronously stalls a GPU (webgpu cannot at all).
  const opts = { eps: idaa.eps, steps: idaa.steps, readLoss: false };
  if (idaa.adversary === 'pixel') {
    const att = method.attackLoss(xi, aux);
    try {
      const res = pixelAttack(xi, att.lossOf, opts);
      return { xAdv: res.xAdv, tensors: [res.xAdv] };
    } finally {
      att.dispose();
    }
  }
  const dec = decompose(vae, xi);
  // Training mode, as the reference: its forwards move the auxiliary running statistics as PyTorch's do.
  const att = method.attackLoss(xi, aux);
  try {
    const res = latentAttack(vae, dec, att.lossOf, opts);
    return { xAdv: res.xAdv, tensors: [res.zAdv, res.xAdv] };
  } finally {
    att.dispose();
    disposeDecomposition(dec);
  }
}
