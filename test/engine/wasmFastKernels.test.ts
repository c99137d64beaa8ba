// The wasm backend's replacement kernels (src/engine/backend/wasmFastKernels.ts) against the stock
// kernels they replace, and the wasm batch norm (depthwise scale-and-shift) against the cpu backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmFastKernels, restoreStockWasmKernels, wasmFastKernelsRegistered } from '../../src/engine/backend/wasmFastKernels';
import { batchNormTraining } from '../../src/engine/models/layers';
import { maxAbsDiff, useCpu, useWasm } from './helpers';

/** Deterministic values in [-1, 1) (times `scale`, plus `offset`), the same on every backend. */
function values(size: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale + offset;
  }
  return out;
}

/** The same computation with the stock kernels and with ours; both results, downloaded. */
function stockAndFast(fn: () => tf.Tensor): { stock: Float32Array; fast: Float32Array } {
  restoreStockWasmKernels();
  const a = tf.tidy(fn);
  const stock = a.dataSync() as Float32Array;
  a.dispose();
  registerWasmFastKernels();
  const b = tf.tidy(fn);
  const fast = b.dataSync() as Float32Array;
  b.dispose();
  return { stock, fast };
}

test('wasm fast kernels: registered by backend selection, and leak nothing', async () => {
  await useWasm();
  assert.ok(wasmFastKernelsRegistered(), 'selectBackend registers them');
  const before = tf.engine().backend.numDataIds();
  const x = tf.tensor4d(values(16 * 16 * 16 * 32, 1), [16, 16, 16, 32]);
  const v = tf.tensor1d(values(32, 2));
  const outs = [tf.mean(x, [0, 1, 2]), tf.sum(x, [0, 1, 2], true), tf.mul(x, v), tf.add(v, x), tf.sub(x, v), tf.sub(v, x), tf.clone(x), tf.cast(x, 'float32')];
  tf.dispose([x, v, ...outs]);
  assert.equal(tf.engine().backend.numDataIds(), before, 'backend buffers all freed');
});

test('wasm fast kernels: Sum and Mean over leading axes agree with a float64 sum (and beat the stock kernel)', async () => {
  await useWasm();
  const cases: Array<{ shape: number[]; axes: number[]; keepDims: boolean }> = [
    { shape: [32, 16, 16, 16], axes: [0, 1, 2], keepDims: false },
    { shape: [64, 8, 8, 32], axes: [0, 1, 2], keepDims: true },
    { shape: [4096, 24], axes: [0], keepDims: false },
    { shape: [7, 13, 11, 48], axes: [0, 1, 2], keepDims: false }, // outer 1001 = 7·11·13: uneven split
    { shape: [128, 64], axes: [-2], keepDims: false },
  ];
  for (const { shape, axes, keepDims } of cases) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = values(size, size, 2, 0.5);
    const inner = shape.slice(axes.length).reduce((a, b) => a * b, 1);
    const outer = size / inner;
    const sum64 = new Float64Array(inner);
    for (let i = 0; i < size; i++) sum64[i % inner] += data[i];
    for (const op of ['sum', 'mean'] as const) {
      const want = Array.from(sum64, (s) => (op === 'sum' ? s : s / outer));
      const { stock, fast } = stockAndFast(() => tf[op](tf.tensor(data, shape), axes, keepDims));
      const scale = Math.max(...want.map(Math.abs));
      const errFast = maxAbsDiff(fast, want) / scale;
      const errStock = maxAbsDiff(stock, want) / scale;
      assert.ok(errFast <= 2e-6, `${op} ${shape} over ${axes}: relative error ${errFast}`);
      assert.ok(errFast <= errStock * 1.5 + 1e-7, `${op} ${shape}: no worse than the stock kernel (${errFast} vs ${errStock})`);
    }
  }
  // Axes that are not leading go to the stock kernel: bit-identical.
  const x = values(16 * 8 * 8 * 16, 9);
  const { stock, fast } = stockAndFast(() => tf.mean(tf.tensor4d(x, [16, 8, 8, 16]), [1, 2]));
  assert.deepEqual(fast, stock);
});

test('wasm fast kernels: per-channel Multiply, Add, Sub are bit-identical to the stock kernels, either operand order', async () => {
  await useWasm();
  const shapes = [[8, 16, 16, 32], [4, 32, 32, 16], [512, 128]];
  for (const shape of shapes) {
    const c = shape[shape.length - 1];
    const size = shape.reduce((a, b) => a * b, 1);
    const x = values(size, c, 3);
    const v = values(c, c + 1, 2);
    for (const vShape of [[c], [...shape.map(() => 1).slice(1), c]]) {
      for (const op of ['mul', 'add', 'sub'] as const) {
        for (const vecFirst of [false, true]) {
          const { stock, fast } = stockAndFast(() => {
            const full = tf.tensor(x, shape);
            const vec = tf.tensor(v, vShape);
            return vecFirst ? tf[op](vec, full) : tf[op](full, vec);
          });
          assert.deepEqual(fast, stock, `${op} ${vecFirst ? 'v, x' : 'x, v'} x=${shape} v=${vShape}`);
        }
      }
    }
  }
});

test('wasm fast kernels: Identity and Cast share the buffer, and each tensor stays valid after the other is disposed', async () => {
  await useWasm();
  const before = tf.engine().backend.numDataIds();
  const x = tf.tensor2d(values(64, 5), [8, 8]);
  const want = x.dataSync().slice();
  const copy = tf.clone(x);
  const cast = tf.cast(x, 'float32');
  assert.equal(tf.engine().backend.numDataIds(), before + 1, 'one buffer for all three');
  x.dispose();
  assert.deepEqual(copy.dataSync(), want, 'the clone outlives its source');
  copy.dispose();
  assert.deepEqual(cast.dataSync(), want, 'so does the cast');
  // A real cast still converts.
  const ints = tf.cast(cast, 'int32');
  assert.deepEqual(Array.from(ints.dataSync()), Array.from(want, (v) => Math.trunc(v) || 0)); // || 0: no −0 in int32
  tf.dispose([cast, ints]);
  assert.equal(tf.engine().backend.numDataIds(), before);
});

test('batch norm on wasm (depthwise scale-and-shift, fast reductions) matches the cpu backend, values and gradients', async () => {
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(values(16 * 8 * 8 * 32, 31, 2, 0.7), [16, 8, 8, 32]);
      const gamma = tf.tensor1d(values(32, 32, 0.3, 1));
      const beta = tf.tensor1d(values(32, 33, 0.3));
      const dy = tf.tensor4d(values(16 * 8 * 8 * 32, 34), [16, 8, 8, 32]);
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTraining(a, g, b, [0, 1, 2], 1e-5).y;
      const r = batchNormTraining(x, gamma, beta, [0, 1, 2], 1e-5);
      return [f(x, gamma, beta), ...tf.grads(f)([x, gamma, beta], dy), r.mean, r.variance].map((t) => t.dataSync() as Float32Array);
    });
  await useWasm();
  const got = run();
  await useCpu();
  const want = run();
  const names = ['y', 'dx', 'dγ', 'dβ', 'mean', 'variance'];
  want.forEach((w, i) => {
    const scale = Math.max(1, ...Array.from(w, Math.abs));
    const err = maxAbsDiff(got[i], w) / scale;
    assert.ok(err <= 1e-5, `${names[i]}: relative error ${err}`);
  });
});
