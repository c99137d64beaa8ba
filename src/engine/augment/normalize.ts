/** Per-channel normalisation and its inverse. */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../common/errors';
import { onPlanes, tidyPlanes, type Planes } from './planes';

export function channelValues(values: readonly number[], channels: number, field: string): readonly number[] {
  if (values.length === channels) return values;
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]);
  throw new ConfigError(field, values, `1 or ${channels} numbers (one per channel)`);
}

export function normalizePlanes(p: Planes, mean: readonly number[], std: readonly number[]): Planes {
  const m = channelValues(mean, p.length, 'mean');
  const s = channelValues(std, p.length, 'std');
  return tidyPlanes(() => p.map((c, i) => tf.div(tf.sub(c, m[i]), s[i])));
}

/** (x - mean) / std per channel. */
export function normalize(x: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  return onPlanes(x, (p) => normalizePlanes(p, mean, std));
}

/** Inverse of normalize, e.g. to show augmented images. */
export function denormalize(x: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  return onPlanes(x, (p) => {
    const m = channelValues(mean, p.length, 'mean');
    const s = channelValues(std, p.length, 'std');
    return p.map((c, i) => tf.add(tf.mul(c, s[i]), m[i]) as tf.Tensor3D);
  });
}
