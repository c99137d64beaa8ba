/** Geometry: crop, resize (PIL / torchvision bilinear weights) and horizontal flip. */
import * as tf from '@tensorflow/tfjs-core';
import type { CropBox } from './draws';
import { fromPlanes, tidyPlanes, type Planes } from './planes';

/**
 * One axis of PIL's bilinear resize (precompute_coeffs), as a dense [outSize, inSize] matrix
 * (entry (o, x) at out[offset + o * oStride + x * xStride]):
 * output o is centred at (o + 0.5) * scale inside the crop, the triangle filter's support widens
 * by the shrink factor when downscaling (antialias), taps outside the crop are dropped and the
 * rest renormalised (which clamps at the crop's edges). torchvision's tensor resize with
 * antialias=True computes the same weights. A flip reverses the rows.
 */
function resampleWeights(
  out: Float32Array,
  offset: number,
  oStride: number,
  xStride: number,
  start: number,
  len: number,
  outSize: number,
  flip: boolean,
): void {
  const scale = len / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), len);
    taps.length = 0;
    let total = 0;
    for (let x = xmin; x < xmax; x++) {
      const d = Math.abs((x - center + 0.5) / filterScale);
      const wgt = d < 1 ? 1 - d : 0;
      taps.push(wgt);
      total += wgt;
    }
    const row = offset + (flip ? outSize - 1 - o : o) * oStride + (start + xmin) * xStride;
    for (let k = 0; k < taps.length; k++) out[row + k * xStride] = total !== 0 ? taps[k] / total : 0;
  }
}

/** Crop + resize every sample as planes [C][N,size,size], via two batched matrix products. */
export function resizePlanes(images: tf.Tensor4D, crops: readonly CropBox[], flips: readonly boolean[] | null, size: number): Planes {
  const [n, height, width, channels] = images.shape;
  if (crops.length !== n) throw new RangeError(`resizedCrop: ${crops.length} boxes for ${n} images`);
  // Per sample: ry is [size, height], rxT is [width, size] (pre-transposed: wasm's matMul is much
  // slower with transposeB).
  const ry = new Float32Array(n * size * height);
  const rxT = new Float32Array(n * width * size);
  for (let i = 0; i < n; i++) {
    const c = crops[i];
    if (!(c.top >= 0 && c.left >= 0 && c.height >= 1 && c.width >= 1 && c.top + c.height <= height && c.left + c.width <= width)) {
      throw new RangeError(`resizedCrop: box ${JSON.stringify(c)} is not inside a ${height}x${width} image`);
    }
    resampleWeights(ry, i * size * height, height, 1, c.top, c.height, size, false);
    resampleWeights(rxT, i * width * size, 1, size, c.left, c.width, size, flips !== null && flips[i]);
  }
  return tidyPlanes(() => {
    const chw = channels === 1 ? tf.reshape(images, [1, n, height, width]) : tf.transpose(images, [3, 0, 1, 2]);
    // [C,N,H,W] -> rows [C,N,S,W] -> columns [C,N,S,S]; the weight matrices broadcast over C.
    const rows = tf.matMul(tf.tensor4d(ry, [1, n, size, height]), chw);
    const both = tf.matMul(rows, tf.tensor4d(rxT, [1, n, width, size]));
    // Weights are >= 0 and sum to 1, so only float rounding can leave [0, 1].
    return tf.unstack(tf.clipByValue(both, 0, 1));
  });
}

/**
 * Crop each sample's box and resize it to size x size (bilinear, PIL / torchvision weights),
 * optionally flipped left-right. float32 NHWC in, NHWC out.
 *
 * This is a pair of batched matrix products rather than tf.image.cropAndResize: cropAndResize
 * samples at align-corners positions and interpolates across the crop's edge into the pixels
 * outside it, where torchvision crops first and clamps at the crop's edge; it also cannot
 * antialias.
 */
export function resizedCrop(
  images: tf.Tensor4D,
  crops: readonly CropBox[],
  flips: readonly boolean[] | null,
  size: number,
): tf.Tensor4D {
  return tf.tidy(() => fromPlanes(resizePlanes(images, crops, flips, size)));
}
