import * as tf from '@tensorflow/tfjs-core';
import { Cvae } from '../models/cvae';
import { INFER } from '../models/layers';
import { Decomposition } from './decompose';

export interface AttackOptions {
  /** L∞ radius in the latent (reference documented runs: 0.1). */
  eps: number;
  /** 1 = the reference's single FGSM step; k > 1 = k signed steps of eps/k, kept in the ε-ball. */
  steps: number;
  /**
   * false: `lossBefore` is NaN and nothing is read back from the device during the attack.
   * Training has no use for the value, and the webgpu backend cannot read it synchronously.
   */
  readLoss?: boolean;
}

export interface AttackResult {
  zAdv: tf.Tensor2D;
  /** x_adv = Dec(z') + R(x), detached, not clamped (as the reference). */
  xAdv: tf.Tensor4D;
  /** The attack loss at z = μ (before the first step). */
  lossBefore: number;
}

/** The first signed step of the attack at z = μ: it does not depend on ε, so it can be reused across radii. */
export interface FirstStep {
  /** sign(∇_z L) at z = μ. */
  direction: tf.Tensor2D;
  /** The attack loss at z = μ. */
  lossBefore: number;
}

/** ∇_z L(Dec(z) + R) and L at z (NaN when `readLoss` is false); the caller disposes `grad`. */
export function attackGradient(vae: Cvae, dec: Decomposition, lossOf: (xAdv: tf.Tensor4D) => tf.Scalar, z: tf.Tensor2D = dec.z, readLoss = true): { grad: tf.Tensor2D; loss: number } {
  const { value, grad } = tf.valueAndGrad((zv: tf.Tensor) => lossOf(tf.add(vae.decode(zv as tf.Tensor2D, INFER), dec.r)))(z);
  const loss = readLoss ? value.dataSync()[0] : NaN;
  value.dispose();
  return { grad: grad as tf.Tensor2D, loss };
}

/** sign(∇_z L(Dec(z) + R)) and L at z. */
function signedGradient(vae: Cvae, dec: Decomposition, lossOf: (xAdv: tf.Tensor4D) => tf.Scalar, z: tf.Tensor2D, readLoss = true): { direction: tf.Tensor2D; loss: number } {
  const { grad, loss } = attackGradient(vae, dec, lossOf, z, readLoss);
  const direction = tf.sign(grad) as tf.Tensor2D;
  grad.dispose();
  return { direction, loss };
}

/** The attack's first step at z = μ (for `latentAttack(…, first)`); the caller disposes `direction`. */
export function firstAttackStep(vae: Cvae, dec: Decomposition, lossOf: (xAdv: tf.Tensor4D) => tf.Scalar): FirstStep {
  const { direction, loss } = signedGradient(vae, dec, lossOf, dec.z);
  return { direction, lossBefore: loss };
}

/**
 * The latent attack: z' = z + ε·sign(∇_z L(Dec(z) + R)) for one step (the reference), with L the
 * SSL method's attack loss, which the caller closes over (e.g. NT-Xent of f_aux(x_i), f_aux(x_adv)).
 * `first`, from `firstAttackStep` on the same models and decomposition, skips the first gradient:
 * the inspector reuses it while only ε changes (same result as without it).
 */
export function latentAttack(vae: Cvae, dec: Decomposition, lossOf: (xAdv: tf.Tensor4D) => tf.Scalar, opts: AttackOptions, first?: FirstStep): AttackResult {
  if (!(opts.steps >= 1) || !Number.isInteger(opts.steps)) throw new Error(`attack steps must be a positive integer, got ${opts.steps}`);
  const stepSize = opts.eps / opts.steps;
  let z = tf.clone(dec.z);
  let lossBefore = NaN;
  for (let s = 0; s < opts.steps; s++) {
    const step = s === 0 && first ? { direction: first.direction, loss: first.lossBefore } : signedGradient(vae, dec, lossOf, z, s === 0 && opts.readLoss !== false);
    if (s === 0) lossBefore = step.loss;
    const next = tf.tidy(() => {
      const moved = tf.add(z, tf.mul(stepSize, step.direction));
      // Only needed for k > 1: a single step of size ε is inside the ball by construction.
      return opts.steps > 1 ? tf.minimum(tf.maximum(moved, tf.sub(dec.z, opts.eps)), tf.add(dec.z, opts.eps)) : moved;
    });
    if (step.direction !== first?.direction) step.direction.dispose();
    z.dispose();
    z = next as tf.Tensor2D;
  }
  const xAdv = tf.tidy(() => tf.add(vae.decode(z, INFER), dec.r)) as tf.Tensor4D;
  return { zAdv: z, xAdv, lossBefore };
}
