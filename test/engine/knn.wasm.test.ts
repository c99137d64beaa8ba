import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../src/engine/rng';
import { knnAccuracy, knnPredict } from '../../src/engine/eval/knn';

function features(rng: Rng, n: number, dim: number, classes: number): { f: Float32Array; l: Int32Array } {
  const f = new Float32Array(n * dim);
  const l = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    l[i] = rng.int(classes);
    for (let d = 0; d < dim; d++) f[i * dim + d] = rng.normal() + (d % classes === l[i] ? 1 : 0);
  }
  return { f, l };
}

test('wasm backend predicts like the cpu backend, and its speed on 60k x 2k', async () => {
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  const rng = new Rng(3);
  const tr = features(rng, 3000, 32, 10);
  const te = features(rng, 500, 32, 10);
  await tf.setBackend('cpu');
  const onCpu = knnPredict(tr.f, tr.l, te.f, 32, 10);
  assert.ok(await tf.setBackend('wasm'));
  const before = tf.memory().numTensors;
  const onWasm = knnPredict(tr.f, tr.l, te.f, 32, 10);
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  let same = 0;
  onCpu.forEach((p, i) => (same += p === onWasm[i] ? 1 : 0));
  // float32 sums in a different order may flip a rare near-tie.
  assert.ok(same >= onCpu.length - 2, `${onCpu.length - same} predictions differ`);
  console.log(`# cpu and wasm differ on ${onCpu.length - same} of ${onCpu.length} predictions`);

  const big = features(rng, 60000, 64, 10);
  const bigTest = features(rng, 2000, 64, 10);
  const t0 = performance.now();
  const acc = knnAccuracy(big.f, big.l, bigTest.f, bigTest.l, 64, 10);
  console.log(`# knn 60000 train x 2000 test, dim 64, K 200 on wasm: ${((performance.now() - t0) / 1000).toFixed(1)} s (accuracy ${acc.toFixed(3)})`);
});
