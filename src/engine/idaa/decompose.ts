import * as tf from '@tensorflow/tfjs-core';
import { Cvae } from '../models/cvae';
import { INFER } from '../models/layers';

/** x = G(x) + R(x), with G in inference mode (z = μ); called outside any gradient, so all three are constants. */
export interface Decomposition {
  /** z = μ(x). */
  z: tf.Tensor2D;
  /** G(x) = Dec(μ(x)). */
  g: tf.Tensor4D;
  /** R(x) = x − G(x), the identity-carrying residual. */
  r: tf.Tensor4D;
}

export function decompose(vae: Cvae, x: tf.Tensor4D): Decomposition {
  return tf.tidy(() => {
    const z = vae.encode(x, INFER).mu;
    const g = vae.decode(z, INFER);
    return { z, g, r: tf.sub(x, g) as tf.Tensor4D };
  });
}

export function disposeDecomposition(d: Decomposition): void {
  d.z.dispose();
  d.g.dispose();
  d.r.dispose();
}
