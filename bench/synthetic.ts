import { Dataset, Split } from '../src/engine/data/types';
import { channelStats } from '../src/engine/data/stats';
import { Rng } from '../src/engine/rng';

/**
 * An in-memory labelled dataset, no download: class k is a bright bar at angle k·180°/classes on a
 * noisy background (tinted per sample when RGB). Content does not matter for speed; shapes do.
 */
export function syntheticDataset(opts: { train: number; test: number; size: number; channels: 1 | 3; classes?: number; seed?: number }): Dataset {
  const { size, channels } = opts;
  const classes = opts.classes ?? 10;
  const rng = new Rng(opts.seed ?? 11);
  const make = (count: number): Split => {
    const images = new Uint8Array(count * size * size * channels);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      const k = n % classes;
      labels[n] = k;
      const angle = (k * Math.PI) / classes;
      const dx = Math.cos(angle);
      const dy = Math.sin(angle);
      const off = rng.uniform(-3, 3);
      const tint = [rng.uniform(0.4, 1), rng.uniform(0.4, 1), rng.uniform(0.4, 1)];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const d = Math.abs((x - size / 2) * dy - (y - size / 2) * dx - off);
          const v = Math.max(0, 1 - d / 3) * 0.8 + rng.uniform(0, 0.2);
          for (let c = 0; c < channels; c++) {
            images[((n * size + y) * size + x) * channels + c] = Math.round(255 * Math.min(1, v * (channels === 3 ? tint[c] : 1)));
          }
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
    classNames: Array.from({ length: classes }, (_, k) => `bar${k}`),
    train,
    test: make(opts.test),
    mean: stats.mean,
    std: stats.std,
  };
}
