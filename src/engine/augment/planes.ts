/**
 * Channel planes: the colour ops work on one [N,H,W] tensor per channel, because slicing or
 * concatenating the last axis of NHWC is slow on the cpu and wasm backends.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Planes = tf.Tensor3D[];

/** tf.tidy for functions returning planes (tidy's typing wants a mutable container). */
export function tidyPlanes(fn: () => tf.Tensor[]): Planes {
  return tf.tidy(fn) as Planes;
}

export function toPlanes(x: tf.Tensor4D): Planes {
  const [n, h, w, c] = x.shape;
  if (c === 1) return [tf.reshape(x, [n, h, w])];
  return tf.unstack(tf.transpose(x, [3, 0, 1, 2])) as tf.Tensor3D[];
}

export function fromPlanes(planes: Planes): tf.Tensor4D {
  const [n, h, w] = planes[0].shape;
  if (planes.length === 1) return tf.reshape(planes[0], [n, h, w, 1]);
  return tf.transpose(tf.stack(planes, 0), [1, 2, 3, 0]) as tf.Tensor4D;
}

/** An op on planes applied to NHWC images. */
export function onPlanes(x: tf.Tensor4D, f: (p: Planes) => Planes): tf.Tensor4D {
  return tf.tidy(() => fromPlanes(f(toPlanes(x))));
}
