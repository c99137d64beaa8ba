import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Dataset, Split } from '../../src/engine/data/types';
import { Rng } from '../../src/engine/rng';
import { selectBackend } from '../../src/engine/backend/select';
import { encodePng } from '../../src/engine/inspect/png';

/** The wasm backend with the project's conv-gradient kernels: what training uses here. */
export async function useWasm(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  await selectBackend({ preference: 'wasm', log: () => undefined });
}

/** The cpu backend: deterministic and exact, for tests that compare numbers bit for bit. */
export async function useCpu(): Promise<void> {
  tf.env().set('PROD', true); // no "install tfjs-node" banner in test output
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * A small labelled dataset made here, no download: class k draws a bright bar at an angle of
 * k·45° on a noisy background, so classes are learnable and samples differ.
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
  return {
    name: 'synthetic',
    height: size,
    width: size,
    channels,
    classNames: Array.from({ length: classes }, (_, k) => `bar${k * Math.round(180 / classes)}`),
    train: make(opts.train),
    test: make(opts.test),
    mean: Array(channels).fill(0.2),
    std: Array(channels).fill(0.25),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Writes a dataset's training split as a real image folder: one subfolder of PNG files per class. */
export function writePngFolder(dir: string, ds: Dataset): void {
  const { height: h, width: w, channels: c } = ds;
  for (let n = 0; n < ds.train.count; n++) {
    const cls = join(dir, ds.classNames[ds.train.labels[n]]);
    mkdirSync(cls, { recursive: true });
    const rgba = new Uint8Array(h * w * 4);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) rgba[p * 4 + k] = ds.train.images[(n * h * w + p) * c + (c === 3 ? k : 0)];
      rgba[p * 4 + 3] = 255;
    }
    writeFileSync(join(cls, `img${n}.png`), encodePng({ width: w, height: h, rgba }));
  }
}
