import { Rng } from '../rng';
import { channelStats } from './stats';
import type { Dataset, Split } from './types';

/**
 * A labelled dataset made on the spot, no download, for tests and benchmarks: class k draws a
 * bright bar at an angle of k·180°/classes on a noisy background (tinted per sample when RGB), so
 * the classes are learnable and the samples differ.
 */
export function syntheticDataset(opts: { train: number; test: number; size?: number; classes?: number; channels?: 1 | 3; seed?: number }): Dataset {
  const size = opts.size ?? 16;
  const classes = opts.classes ?? 4;
  const channels = opts.channels ?? 1;
  const rng = new Rng(opts.seed ?? 7);
  const make = (count: number): Split => {
    const images = new Uint8Array(count * size * size * channels);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      const k = n % classes;
      labels[n] = k;
      const angle = (k * Math.PI) / classes;
      const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
      const off = rng.uniform(-2, 2);
      const tint = [rng.uniform(0.5, 1), rng.uniform(0.5, 1), rng.uniform(0.5, 1)];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const d = Math.abs((x - size / 2) * dy - (y - size / 2) * dx - off);
          const v = Math.max(0, 1 - d / 2) * 0.8 + rng.uniform(0, 0.2);
          for (let c = 0; c < channels; c++) images[((n * size + y) * size + x) * channels + c] = Math.round(255 * Math.min(1, v * (channels === 3 ? tint[c] : 1)));
        }
      }
    }
    return { images, labels, count };
  };
  const train = make(opts.train);
  const stats = channelStats(train, channels);
  return {
    name: `synthetic-${size}x${size}x${channels}`,
    height: size,
    width: size,
    channels,
    classNames: Array.from({ length: classes }, (_, k) => `bar${k * Math.round(180 / classes)}`),
    train,
    test: make(opts.test),
    mean: stats.mean,
    std: stats.std,
  };
}
