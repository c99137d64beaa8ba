import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * NT-Xent (SimCLR): cosine similarities of the 2N normalised projections at temperature τ, each
 * sample's positive is its other view, the other 2N − 2 are negatives; summed and divided by 2N.
 * Written as logsumexp − positive logit: no one-hot targets (tfjs 4.22's float32 oneHot returns
 * zeros on wasm) and no transposed matMul (several times slower on wasm than a transpose first).
 */
export function ntXent(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => tf.mean(ntXentTerms(z1, z2, temperature)) as tf.Scalar);
}

/** Row-wise L2 normalisation (the kNN monitor works on normalised projections). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)) as tf.Tensor2D);
}

/**
 * The per-sample terms of NT-Xent: for pair i, the mean of its two rows' −log softmax of the
 * positive among the 2N − 1 others; the loss is their mean.
 */
export function ntXentTerms(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(() => {
    const n = z1.shape[0];
    const a = l2Normalize(z1);
    const b = l2Normalize(z2);
    const z = tf.concat([a, b], 0);
    const sim = tf.div(tf.matMul(z, tf.transpose(z)), temperature) as tf.Tensor2D;
    const masked = tf.sub(sim, tf.mul(tf.eye(2 * n), 1e9));
    const lse = tf.logSumExp(masked, 1);
    const pos = tf.div(tf.sum(tf.mul(a, b), 1), temperature);
    const [l1, l2] = tf.split(lse, 2);
    return tf.div(tf.sub(tf.add(l1!, l2!), tf.mul(2, pos)), 2) as tf.Tensor1D;
  });
}
