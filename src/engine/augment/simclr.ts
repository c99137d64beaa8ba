/**
 * SimCLR augmentations as batched tensor ops, following the reference pipeline (torchvision):
 *
 *   RandomResizedCrop(size, scale, ratio) -> RandomHorizontalFlip(0.5)
 *   -> RandomApply([ColorJitter(b, c, s, h)], p) -> RandomGrayscale(p) -> ToTensor -> Normalize
 *
 * Every random choice is drawn per sample from the seeded `Rng`, on the CPU, in the order the
 * torchvision pipeline draws them, so a run is reproducible and resumes from a saved generator
 * state. The drawn parameters are plain data (`SampleAugParams`), applied afterwards in a few
 * batched ops.
 *
 * Where this differs from the reference (which applies the ops to 8-bit PIL images):
 * - values stay float32 in [0, 1] between ops (torchvision's tensor path); PIL rounds to uint8
 *   after the resize, each jitter op and the grayscale, and its contrast mean and hue are 8-bit;
 * - the random numbers come from our generator, not torch's, so the draws differ while their
 *   distributions are the same.
 *
 * The stages live beside this module, one file per area; this module composes them into the
 * training view and the test transform and re-exports the public names, so importers use this path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import { grayscalePlanes } from './colour';
import { resizePlanes } from './crop';
import { sampleAugmentParams, type SampleAugParams } from './draws';
import { jitterOpOf, jitterOps, runGrouped, SKIP } from './grouped';
import { channelValues, normalizePlanes } from './normalize';
import { resolveOptions, type AugmentOptions } from './options';
import { fromPlanes, toPlanes } from './planes';

export { AUGMENT_STAGES, SIMCLR_DEFAULTS, withoutStages, type AugmentOptions, type AugmentStage, type ColorJitterOptions } from './options';
export { JitterOp, sampleAugmentParams, sampleCropBox, type CropBox, type JitterParams, type SampleAugParams } from './draws';
export { resizedCrop } from './crop';
export { LUMA_WEIGHTS } from './colour';
export { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, applyColorJitter, hsvToRgb, randomGrayscale, rgbToGrayscale, rgbToHsv } from './colourNhwc';
export { denormalize, normalize } from './normalize';

function checkImages(images: tf.Tensor4D, where: string): void {
  if (images.rank !== 4 || (images.shape[3] !== 1 && images.shape[3] !== 3)) {
    throw new RangeError(`${where}: expected NHWC images with 1 or 3 channels, got shape [${images.shape}]`);
  }
}

/** Apply already-drawn parameters; the batched half of simclrAugment. */
export function applyAugmentParams(images: tf.Tensor4D, params: readonly SampleAugParams[], opts: AugmentOptions): tf.Tensor4D {
  checkImages(images, 'applyAugmentParams');
  if (params.length !== images.shape[0]) throw new RangeError(`applyAugmentParams: ${params.length} draws for ${images.shape[0]} images`);
  const o = resolveOptions(opts);
  const channels = images.shape[3];
  channelValues(o.mean, channels, 'augment.mean');
  channelValues(o.std, channels, 'augment.std');
  return tf.tidy(() => {
    const planes = resizePlanes(
      images,
      params.map((p) => p.crop),
      params.map((p) => p.flip),
      o.size,
    );
    const jit = params.map((p) => p.jitter);
    // Four jitter positions, then grayscale as a fifth op, all in one regrouping pass.
    const stages = [0, 1, 2, 3].map((pos) => jitterOpOf(jit, channels, pos));
    const ops = jitterOps(jit);
    if (channels === 3) {
      const gray = ops.push(grayscalePlanes) - 1;
      stages.push((s) => (params[s].grayscale ? gray : SKIP));
    }
    const colour = runGrouped(planes, stages, ops);
    return fromPlanes(normalizePlanes(colour, o.mean, o.std));
  });
}

/**
 * One SimCLR view of each image. `images`: float32 NHWC in [0, 1], 1 or 3 channels.
 * Returns normalised [N, size, size, C]. Advances `rng` by the draws of every sample.
 */
export function simclrAugment(images: tf.Tensor4D, rng: Rng, opts: AugmentOptions): tf.Tensor4D {
  checkImages(images, 'simclrAugment');
  const [n, h, w] = images.shape;
  const params = sampleAugmentParams(n, h, w, rng, opts);
  return applyAugmentParams(images, params, opts);
}

/** Evaluation transform: resize to size x size if needed (same resampling), then normalise. */
export function testTransform(
  images: tf.Tensor4D,
  opts: { readonly size: number; readonly mean: readonly number[]; readonly std: readonly number[] },
): tf.Tensor4D {
  checkImages(images, 'testTransform');
  const [n, h, w] = images.shape;
  return tf.tidy(() => {
    const planes =
      h === opts.size && w === opts.size
        ? toPlanes(images)
        : resizePlanes(images, Array.from({ length: n }, () => ({ top: 0, left: 0, height: h, width: w })), null, opts.size);
    return fromPlanes(normalizePlanes(planes, opts.mean, opts.std));
  });
}

/** uint8 NHWC bytes -> float32 in [0, 1] (ToTensor's scaling). */
export function toUnitFloat(u8: Uint8Array, n: number, h: number, w: number, c: number): tf.Tensor4D {
  if (u8.length !== n * h * w * c) {
    throw new RangeError(`toUnitFloat: ${u8.length} bytes for ${n}x${h}x${w}x${c}`);
  }
  const f = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255;
  return tf.tensor4d(f, [n, h, w, c]);
}
