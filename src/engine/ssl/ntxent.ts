import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * NT-Xent (SimCLR): cosine similarities of the 2N normalised projections at temperature τ, each
 * sample's positive is its other view, the other 2N − 2 are negatives; summed and divided by 2N.
 */
export function ntXent(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z1.shape[0];
    const z = tf.concat([z1, z2], 0);
    const zn = tf.div(z, tf.maximum(tf.norm(z, 2, 1, true), 1e-12)) as tf.Tensor2D;
    const sim = tf.div(tf.matMul(zn, zn, false, true), temperature) as tf.Tensor2D;
    // Self-similarity is excluded by a large negative on the diagonal.
    const masked = tf.sub(sim, tf.mul(tf.eye(2 * n), 1e9));
    const logProb = tf.logSoftmax(masked, 1);
    const targets = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      targets[i] = i + n;
      targets[i + n] = i;
    }
    const picked = tf.sum(tf.mul(logProb, tf.oneHot(tf.tensor1d(targets, 'int32'), 2 * n)));
    return tf.div(tf.neg(picked), 2 * n) as tf.Scalar;
  });
}

/** Row-wise L2 normalisation (the kNN monitor works on normalised projections). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)) as tf.Tensor2D);
}
