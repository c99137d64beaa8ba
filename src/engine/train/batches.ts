import * as tf from '@tensorflow/tfjs-core';
import { Dataset, Split } from '../data/types';
import { Rng } from '../rng';

/**
 * Gathers a batch of samples as float32 NHWC in [0, 1] with the model's channel count (grayscale
 * repeated to RGB), straight from the uint8 store, one copy per batch.
 */
export function gatherBatch(ds: Dataset, split: Split, indices: ArrayLike<number>, channels: number): tf.Tensor4D {
  const { height: h, width: w } = ds;
  const inC = ds.channels;
  const px = h * w;
  const out = new Float32Array(indices.length * px * channels);
  for (let b = 0; b < indices.length; b++) {
    const idx = indices[b];
    if (idx < 0 || idx >= split.count) throw new RangeError(`sample index ${idx} outside 0..${split.count - 1} of ${ds.name}`);
    const src = idx * px * inC;
    const dst = b * px * channels;
    if (inC === channels) {
      for (let i = 0; i < px * inC; i++) out[dst + i] = split.images[src + i] / 255;
    } else if (inC === 1) {
      for (let i = 0; i < px; i++) {
        const v = split.images[src + i] / 255;
        for (let c = 0; c < channels; c++) out[dst + i * channels + c] = v;
      }
    } else {
      for (let i = 0; i < px; i++) {
        const o = src + i * 3;
        out[dst + i] = (0.299 * split.images[o] + 0.587 * split.images[o + 1] + 0.114 * split.images[o + 2]) / 255;
      }
    }
  }
  return tf.tensor4d(out, [indices.length, h, w, channels], 'float32');
}

/** The data order of one epoch: a permutation that depends only on (seed, phase, epoch), so a resumed run sees the same order. */
export function epochOrder(seed: number, phase: string, epoch: number, n: number): Int32Array {
  return new Rng(`${seed}/order/${phase}/${epoch}`).permutation(n);
}

/** Number of full batches (drop-last, as the reference). */
export function batchesPerEpoch(n: number, batchSize: number): number {
  return Math.floor(n / batchSize);
}

/** Normalisation constants broadcast to the model's channel count. */
export function channelStats(ds: Dataset, channels: number): { mean: number[]; std: number[] } {
  if (ds.channels === channels) return { mean: [...ds.mean], std: [...ds.std] };
  if (ds.channels === 1) return { mean: Array(channels).fill(ds.mean[0]), std: Array(channels).fill(ds.std[0]) };
  const m = 0.299 * ds.mean[0] + 0.587 * ds.mean[1] + 0.114 * ds.mean[2];
  const s = 0.299 * ds.std[0] + 0.587 * ds.std[1] + 0.114 * ds.std[2];
  return { mean: [m], std: [s] };
}
