import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../src/engine/rng';
import { simclrAugment, toUnitFloat, type AugmentOptions } from '../../src/engine/augment/simclr';

const OPTS: AugmentOptions = { size: 32, mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] };

function bytes(seed: number, len: number): Uint8Array {
  const rng = new Rng(seed);
  const u8 = new Uint8Array(len);
  for (let i = 0; i < u8.length; i++) u8[i] = rng.int(256);
  return u8;
}

function augmentOn(u8: Uint8Array, n: number, c: number, size: number): Float32Array {
  const imgs = toUnitFloat(u8, n, 32, 32, c);
  const before = tf.memory().numTensors;
  const out = simclrAugment(imgs, new Rng(5), { ...OPTS, size, mean: OPTS.mean.slice(0, c), std: OPTS.std.slice(0, c) });
  const vals = out.dataSync() as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  imgs.dispose();
  return vals;
}

test('wasm backend gives the cpu backend\'s augmentations', async () => {
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  setWasmPaths(wasmDir + '/');
  for (const [c, size] of [
    [3, 32],
    [3, 24],
    [1, 32],
  ]) {
    const u8 = bytes(c * 100 + size, 16 * 32 * 32 * c);
    await tf.setBackend('cpu');
    const onCpu = augmentOn(u8, 16, c, size);
    assert.ok(await tf.setBackend('wasm'), 'wasm backend did not start');
    const onWasm = augmentOn(u8, 16, c, size);
    let m = 0;
    for (let i = 0; i < onCpu.length; i++) m = Math.max(m, Math.abs(onCpu[i] - onWasm[i]));
    assert.ok(m < 1e-4, `channels ${c}, size ${size}: max difference ${m}`);
    console.log(`# channels ${c}, size ${size}: cpu vs wasm max difference ${m.toExponential(2)}`);
  }
});

test('timing: batch of 256 at 32x32x3 on wasm', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const imgs = toUnitFloat(bytes(1, 256 * 32 * 32 * 3), 256, 32, 32, 3);
  const rng = new Rng(17);
  simclrAugment(imgs, rng, OPTS).dispose(); // warm-up
  const reps = 10;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const out = simclrAugment(imgs, rng, OPTS);
    out.dataSync();
    out.dispose();
  }
  console.log(`# simclrAugment 256x32x32x3 on wasm: ${((performance.now() - t0) / reps).toFixed(1)} ms/batch`);
  imgs.dispose();
});
