// Checks the wasm conv-gradient kernels against the cpu backend's own kernels.
// Backends are process-global: each case computes on 'cpu', downloads, then recomputes on 'wasm'.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tfjs-core alone registers no gradients
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmConvGradients, wasmConvGradientsRegistered } from '../../src/engine/backend/wasmConvGrads';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const TOLERANCE = 1e-5;

/** Deterministic values in [-1, 1) so both backends see identical inputs. */
function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function relError(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length, 'result sizes differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Runs `fn` on `backend`, returns the downloaded results, and checks that nothing leaked. */
async function onBackend(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend), `could not switch to ${backend}`);
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = tf.engine().backend.numDataIds();
  const outs = fn();
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: tensors leaked`);
  // Kernel intermediates are never Tensors, so check the backend's own storage too.
  assert.equal(tf.engine().backend.numDataIds(), dataBefore, `${backend}: backend data leaked`);
  return values;
}

async function compare(label: string, fn: () => tf.Tensor[]): Promise<void> {
  const want = await onBackend('cpu', fn);
  const got = await onBackend('wasm', fn);
  want.forEach((w, i) => {
    const err = relError(got[i], w);
    assert.ok(err <= TOLERANCE, `${label} output ${i}: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
  });
}

/** conv2d's gradients w.r.t. input and filter for a fixed upstream gradient. */
function conv2dGrads(xShape: Shape4, fShape: Shape4, stride: number, pad: Pad, seed: number): () => tf.Tensor[] {
  return () =>
    tf.tidy(() => {
      const x = tf.tensor4d(randomValues(sizeOf(xShape), seed), xShape);
      const f = tf.tensor4d(randomValues(sizeOf(fShape), seed + 1), fShape);
      const yShape = tf.conv2d(x, f, stride, pad).shape;
      const dy = tf.tensor4d(randomValues(sizeOf(yShape), seed + 2), yShape);
      return tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))([x, f], dy);
    });
}

/** conv2dTranspose forward plus its gradients w.r.t. input and filter. */
function transposeCase(xShape: Shape4, fShape: Shape4, outShape: Shape4, stride: number, pad: 'same' | 'valid', seed: number) {
  return (): tf.Tensor[] =>
    tf.tidy(() => {
      const x = tf.tensor4d(randomValues(sizeOf(xShape), seed), xShape);
      const f = tf.tensor4d(randomValues(sizeOf(fShape), seed + 1), fShape);
      const fwd = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, stride, pad);
      const y = fwd(x, f);
      assert.deepEqual(y.shape, outShape);
      const dy = tf.tensor4d(randomValues(sizeOf(outShape), seed + 2), outShape);
      return [y, ...tf.grads(fwd)([x, f], dy)];
    });
}

describe('wasm conv2d gradient kernels', () => {
  before(async () => {
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    setWasmPaths(wasmDir);
    assert.ok(await tf.setBackend('wasm'), 'wasm backend failed to initialise');
    registerWasmConvGradients();
  });

  after(async () => {
    await tf.setBackend('cpu');
  });

  it('registers both kernels, replacing the stock Conv2DBackpropInput, idempotently', () => {
    assert.ok(wasmConvGradientsRegistered());
    const filterKernel = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    const inputKernel = tf.getKernel('Conv2DBackpropInput', 'wasm');
    registerWasmConvGradients();
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc, filterKernel.kernelFunc);
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc, inputKernel.kernelFunc);
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    assert.equal(names.filter((n) => n === 'Conv2DBackpropInput').length, 1);
  });

  it('matches cpu for conv2d gradients: strides 1/2, same/valid, kernels 1/3/4/5, odd/even sizes', async () => {
    const channels: [number, number][] = [[1, 2], [3, 5], [4, 8], [2, 3]];
    let seed = 10;
    let n = 0;
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const k of [1, 3, 4, 5]) {
          for (const [h, w] of [[7, 7], [8, 9]]) {
            const [cin, cout] = channels[n % channels.length];
            const batch = 2 + (n % 2);
            const xShape: Shape4 = [batch, h, w, cin];
            const fShape: Shape4 = [k, k, cin, cout];
            await compare(`conv2d x=${xShape} f=${fShape} s=${stride} ${pad}`, conv2dGrads(xShape, fShape, stride, pad, seed));
            seed += 3;
            n++;
          }
        }
      }
    }
  });

  it('matches cpu for explicit paddings, non-square kernels and wider channels', async () => {
    const cases: [Shape4, Shape4, number, Pad][] = [
      [[2, 8, 8, 3], [3, 3, 3, 4], 1, 1],
      [[2, 9, 8, 3], [3, 3, 3, 4], 2, 2],
      [[2, 8, 7, 2], [3, 2, 2, 3], 2, [[0, 0], [1, 2], [0, 1], [0, 0]]],
      // pads wider than the kernel: some dy rows only ever see padding
      [[2, 6, 6, 2], [2, 2, 2, 3], 2, [[0, 0], [3, 0], [0, 3], [0, 0]]],
      [[2, 6, 5, 3], [5, 3, 3, 2], 3, 'same'],
      [[3, 16, 16, 16], [3, 3, 16, 32], 2, 'same'],
      // 1x1 and 2x2 maps: the phase grid has as many rows as dx, which must not be mistaken for dx
      [[2, 1, 1, 3], [3, 3, 3, 2], 2, 'same'],
      [[2, 2, 2, 3], [4, 4, 3, 2], 2, 'same'],
    ];
    let seed = 500;
    for (const [xShape, fShape, stride, pad] of cases) {
      await compare(`conv2d x=${xShape} f=${fShape} s=${stride} pad=${JSON.stringify(pad)}`, conv2dGrads(xShape, fShape, stride, pad, seed));
      seed += 3;
    }
  });

  it('matches cpu on training-sized shapes: dW over several image groups, dX one conv per stride phase', async () => {
    const cases: [Shape4, Shape4, number, Pad][] = [
      [[64, 16, 16, 16], [3, 3, 16, 16], 1, 'same'], // 16x16 outputs: 4 groups of 16 images
      [[48, 16, 16, 8], [3, 3, 8, 16], 2, 'same'], // 8x8 outputs: groups of 24 (a divisor of 48)
      [[40, 16, 16, 8], [1, 1, 8, 16], 2, 'same'], // 1x1 stride-2 shortcut: 3 of 4 phases get no tap
      [[34, 16, 16, 16], [3, 3, 16, 8], 1, 'valid'], // 14x14: groups of 17
      [[4, 9, 8, 8], [3, 3, 8, 4], 2, 'same'], // odd size, per-phase dX with 8 channels
      [[2, 6, 6, 8], [2, 2, 8, 3], 2, [[0, 0], [3, 0], [0, 3], [0, 0]]], // pads wider than the kernel, per phase
      [[2, 7, 6, 9], [5, 3, 9, 2], 3, 'same'],
    ];
    let seed = 700;
    for (const [xShape, fShape, stride, pad] of cases) {
      await compare(`conv2d x=${xShape} f=${fShape} s=${stride} pad=${JSON.stringify(pad)}`, conv2dGrads(xShape, fShape, stride, pad, seed));
      seed += 3;
    }
  });

  it('matches cpu for conv2dTranspose forward and its gradients', async () => {
    const cases: [Shape4, Shape4, Shape4, number, 'same' | 'valid'][] = [
      [[3, 4, 4, 16], [4, 4, 8, 16], [3, 8, 8, 8], 2, 'same'], // VAE decoder up-sampling block
      [[2, 7, 7, 4], [4, 4, 3, 4], [2, 14, 14, 3], 2, 'same'],
      [[2, 4, 4, 5], [3, 3, 2, 5], [2, 7, 7, 2], 2, 'same'],
      [[2, 5, 5, 3], [3, 3, 4, 3], [2, 7, 7, 4], 1, 'valid'],
      [[2, 4, 4, 3], [5, 5, 2, 3], [2, 11, 11, 2], 2, 'valid'],
      [[2, 4, 4, 3], [1, 1, 2, 3], [2, 7, 7, 2], 2, 'same'],
      [[2, 1, 1, 8], [4, 4, 3, 8], [2, 2, 2, 3], 2, 'same'], // latent 1x1 -> 2x2
      [[2, 2, 2, 8], [4, 4, 3, 8], [2, 4, 4, 3], 2, 'same'],
    ];
    let seed = 900;
    for (const [xShape, fShape, outShape, stride, pad] of cases) {
      await compare(`conv2dTranspose x=${xShape} f=${fShape} out=${outShape} s=${stride} ${pad}`,
        transposeCase(xShape, fShape, outShape, stride, pad, seed));
      seed += 3;
    }
  });

  it('rejects NCHW with a clear error and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const before = tf.engine().backend.numDataIds();
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 2, 4, 4]);
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2],
      }),
      /dataFormat 'NHWC' only, got 'NCHW'/,
    );
    tf.dispose([x, dy]);
    assert.equal(tf.engine().backend.numDataIds(), before);
  });

});
