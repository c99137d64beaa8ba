import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Dataset } from '../../src/engine/data/types';
import { selectBackend } from '../../src/engine/backend/select';
import { encodePng } from '../../src/common/png';

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

export { syntheticDataset } from '../../src/engine/data/synthetic';

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
