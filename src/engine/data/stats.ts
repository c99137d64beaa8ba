import type { Split } from './types';

export interface ChannelStats {
  /** Per-channel mean of the pixels scaled to [0, 1]. */
  readonly mean: number[];
  /** Per-channel standard deviation in [0, 1], never below MIN_STD. */
  readonly std: number[];
}

/**
 * Floor for the reported std: a constant channel (e.g. a blank test set) would otherwise make
 * normalisation divide by zero. One grey level is far below any real dataset's spread.
 */
export const MIN_STD = 1 / 255;

/**
 * Per-channel mean and std of NHWC uint8 pixels, in [0, 1]. Counts a 256-bin histogram per
 * channel (one integer add per byte) and takes the moments from it, so it is exact and fast.
 * An empty split gives mean 0 and std 1.
 */
export function channelStats(split: Split | Uint8Array, channels: 1 | 3): ChannelStats {
  const pixels = split instanceof Uint8Array ? split : split.images;
  const mean: number[] = [];
  const std: number[] = [];
  const hist = new Float64Array(256);
  for (let c = 0; c < channels; c++) {
    hist.fill(0);
    for (let i = c; i < pixels.length; i += channels) hist[pixels[i]]++;
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const k = hist[v];
      n += k;
      sum += k * v;
      sumSq += k * v * v;
    }
    if (n === 0) {
      mean.push(0);
      std.push(1);
      continue;
    }
    const m = sum / n;
    const variance = Math.max(0, sumSq / n - m * m);
    mean.push(m / 255);
    std.push(Math.max(MIN_STD, Math.sqrt(variance) / 255));
  }
  return { mean, std };
}
