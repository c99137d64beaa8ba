/** NHWC versions of the colour ops (for callers and tests; the pipeline stays on planes). */
import * as tf from '@tensorflow/tfjs-core';
import { brightnessPlanes, contrastPlanes, grayscalePlanes, hsvToRgbPlanes, huePlanes, lumaPlane, rgbToHsvPlanes, saturationPlanes } from './colour';
import type { JitterParams } from './draws';
import { jitterOpOf, jitterOps, runGrouped, SKIP } from './grouped';
import { onPlanes } from './planes';

function checkRgb(x: tf.Tensor4D, where: string): void {
  if (x.shape[3] !== 3) throw new RangeError(`${where}: expected 3 channels, got shape [${x.shape}]`);
}

/** Luminance [N,H,W,1]; a 1-channel image is returned unchanged (as torchvision). */
export function rgbToGrayscale(x: tf.Tensor4D): tf.Tensor4D {
  return onPlanes(x, (p) => [tf.clone(lumaPlane(p))]);
}

/** Multiply by a per-sample factor, clamp to [0, 1]. */
export function adjustBrightness(x: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => brightnessPlanes(p, factors));
}

/** Blend with the mean of each sample's grayscale image. */
export function adjustContrast(x: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => contrastPlanes(p, factors));
}

/** Blend with each sample's grayscale image; identity for 1-channel images. */
export function adjustSaturation(x: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => saturationPlanes(p, factors));
}

/** Rotate the hue by a per-sample shift in [-0.5, 0.5] (in HSV); identity for 1-channel images. */
export function adjustHue(x: tf.Tensor4D, shifts: ArrayLike<number>): tf.Tensor4D {
  return onPlanes(x, (p) => huePlanes(p, shifts));
}

/** RGB -> HSV, all in [0, 1], channels last. */
export function rgbToHsv(x: tf.Tensor4D): tf.Tensor4D {
  checkRgb(x, 'rgbToHsv');
  return onPlanes(x, rgbToHsvPlanes);
}

/** HSV -> RGB, channels last. */
export function hsvToRgb(x: tf.Tensor4D): tf.Tensor4D {
  checkRgb(x, 'hsvToRgb');
  return onPlanes(x, hsvToRgbPlanes);
}

/** ColorJitter with each sample's own draw (null: not applied), channels last. */
export function applyColorJitter(x: tf.Tensor4D, params: readonly (JitterParams | null)[]): tf.Tensor4D {
  if (params.length !== x.shape[0]) throw new RangeError(`applyColorJitter: ${params.length} draws for ${x.shape[0]} images`);
  const stages = [0, 1, 2, 3].map((pos) => jitterOpOf(params, x.shape[3], pos));
  return onPlanes(x, (p) => runGrouped(p, stages, jitterOps(params)));
}

/** Replace the selected samples by their luminance in every channel. */
export function randomGrayscale(x: tf.Tensor4D, mask: readonly boolean[]): tf.Tensor4D {
  if (mask.length !== x.shape[0]) throw new RangeError(`randomGrayscale: ${mask.length} flags for ${x.shape[0]} images`);
  if (x.shape[3] === 1) return tf.clone(x);
  return onPlanes(x, (p) => runGrouped(p, [(s) => (mask[s] ? 0 : SKIP)], [grayscalePlanes]));
}
