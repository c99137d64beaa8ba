import * as tf from '@tensorflow/tfjs-core';

/**
 * CLAE's attack (Ho & Vasconcelos 2020), the IDAA paper's adversarial baseline: an FGSM step in
 * pixel space instead of the VAE latent,
 *   x_adv = x_i + ε · sign(∇_x L(x)) at x = x_i,
 * with L the SSL method's attack loss (its anchors computed once from x_i, so only the second
 * argument carries the gradient, as the reference's separate leaf `x_j_adv`).
 *
 * Units: the step is taken on the *normalised* input the encoder sees, as both references do
 * (the IDAA authors' `SimCLR/main_clae.py` after Normalize(CIFAR mean, std), ε 0.03; CLAE's own
 * code after Normalize(0.5, 0.5)). One ε there is ε·std in [0, 1] pixels. No random start, no
 * clamping to the valid pixel range, no projection for one step (none of the references has them).
 */
export interface PixelAttackOptions {
  /** L∞ radius in normalised-pixel units (reference CLAE runs: 0.03). */
  eps: number;
  /** 1 = the reference's single FGSM step; k > 1 = k signed steps of eps/k, kept in the ε-ball around x_i. */
  steps: number;
}

export interface PixelAttackResult {
  /** x_adv, detached. */
  xAdv: tf.Tensor4D;
  /** The attack loss at x = x_i (before the first step). */
  lossBefore: number;
}

export function pixelAttack(xi: tf.Tensor4D, lossOf: (xAdv: tf.Tensor4D) => tf.Scalar, opts: PixelAttackOptions): PixelAttackResult {
  if (!(opts.steps >= 1) || !Number.isInteger(opts.steps)) throw new Error(`attack steps must be a positive integer, got ${opts.steps}`);
  const stepSize = opts.eps / opts.steps;
  let x = tf.clone(xi);
  let lossBefore = NaN;
  for (let s = 0; s < opts.steps; s++) {
    const { value, grad } = tf.valueAndGrad((xv: tf.Tensor) => lossOf(xv as tf.Tensor4D))(x);
    if (s === 0) lossBefore = value.dataSync()[0];
    const next = tf.tidy(() => {
      const moved = tf.add(x, tf.mul(stepSize, tf.sign(grad)));
      // Only needed for k > 1: a single step of size ε is inside the ball by construction.
      return opts.steps > 1 ? tf.minimum(tf.maximum(moved, tf.sub(xi, opts.eps)), tf.add(xi, opts.eps)) : moved;
    }) as tf.Tensor4D;
    tf.dispose([value, grad, x]);
    x = next;
  }
  return { xAdv: x, lossBefore };
}
