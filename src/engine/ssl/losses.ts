import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from './ntxent';

/** Identity forward, zero gradient: PyTorch's `.detach()` (tfjs has no stop-gradient op). */
const detach = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
}) as unknown as Parameters<typeof tf.customGrad>[0]);
export const stopGradient = <T extends tf.Tensor>(x: T): T => detach(x) as T;

/** Per-sample cosine similarity of rows. */
export function cosineRows(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1) as tf.Tensor1D);
}

/** SimSiam's D(p, z) = −cos(p, z) per sample (z is detached by the caller). */
export function negCosineTerms(p: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(cosineRows(p, z)) as tf.Tensor1D);
}

/** BYOL's regression loss 2 − 2·cos(q, z) per sample. */
export function byolTerms(q: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(2, tf.mul(2, cosineRows(q, z))) as tf.Tensor1D);
}

/**
 * MoCo's InfoNCE per sample: −log softmax of the positive logit q·k/τ among it and the negatives
 * q·queue/τ. `queueT` is the queue as [dim, size] (normalised keys as columns), so the product
 * needs no transpose (a transposed matMul is slow on wasm).
 */
export function infoNceTerms(q: tf.Tensor2D, k: tf.Tensor2D, queueT: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(() => {
    const qn = l2Normalize(q);
    const kn = l2Normalize(k);
    const pos = tf.div(tf.sum(tf.mul(qn, kn), 1, true), temperature);
    const neg = tf.div(tf.matMul(qn, queueT), temperature);
    const lse = tf.logSumExp(tf.concat([pos, neg], 1), 1);
    return tf.sub(lse, tf.reshape(pos, [-1])) as tf.Tensor1D;
  });
}

/** Collapse monitor: mean over dimensions of the batch std of l2-normalised outputs (1/√d when healthy, 0 collapsed). */
export function outputStd(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = l2Normalize(z);
    const { variance } = tf.moments(n, 0);
    return tf.mean(tf.sqrt(variance)) as tf.Scalar;
  });
}

export const meanOf = (t: tf.Tensor1D): tf.Scalar => tf.mean(t) as tf.Scalar;
