import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ntXent } from '../../src/engine/ssl/ntxent';
import { useCpu } from './helpers';

/** Direct transcription of the definition, in float64, for comparison. */
function reference(z1: number[][], z2: number[][], tau: number): number {
  const z = [...z1, ...z2].map((v) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
  const n = z1.length;
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const pos = i < n ? i + n : i - n;
    const sims = z.map((v, j) => (j === i ? -Infinity : v.reduce((s, x, k) => s + x * z[i][k], 0) / tau));
    const lse = Math.log(sims.reduce((s, x) => s + Math.exp(x), 0));
    total += lse - sims[pos];
  }
  return total / (2 * n);
}

test('NT-Xent equals the hand-computed value for orthogonal pairs', async () => {
  await useCpu();
  // Each row's positive has cosine 1 (logit 2 at τ = 0.5); its two negatives cosine 0 (logit 0):
  // loss = −log(e² / (e² + 2)) = log(1 + 2e⁻²) for every row.
  const z1 = tf.tensor2d([[1, 0], [0, 1]]);
  const z2 = tf.tensor2d([[3, 0], [0, 2]]);
  const got = ntXent(z1, z2, 0.5).dataSync()[0];
  assert.ok(Math.abs(got - Math.log(1 + 2 * Math.exp(-2))) < 1e-6, `got ${got}`);
});

test('NT-Xent matches a float64 transcription of the definition on random data', async () => {
  await useCpu();
  const a = tf.randomNormal([6, 5], 0, 1, 'float32', 1);
  const b = tf.randomNormal([6, 5], 0, 1, 'float32', 2);
  const want = reference(a.arraySync() as number[][], b.arraySync() as number[][], 0.5);
  const got = ntXent(a as tf.Tensor2D, b as tf.Tensor2D, 0.5).dataSync()[0];
  assert.ok(Math.abs(got - want) < 1e-5 * Math.max(1, want), `got ${got}, want ${want}`);
  const gotT = ntXent(a as tf.Tensor2D, b as tf.Tensor2D, 0.1).dataSync()[0];
  const wantT = reference(a.arraySync() as number[][], b.arraySync() as number[][], 0.1);
  assert.ok(Math.abs(gotT - wantT) < 1e-4 * Math.max(1, wantT), `τ = 0.1: got ${gotT}, want ${wantT}`);
});

test('NT-Xent is symmetric in its views and leaks no tensors', async () => {
  await useCpu();
  const a = tf.randomNormal([4, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
  const b = tf.randomNormal([4, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  const l1 = ntXent(a, b, 0.5);
  const l2 = ntXent(b, a, 0.5);
  assert.ok(Math.abs(l1.dataSync()[0] - l2.dataSync()[0]) < 1e-6);
  tf.dispose([l1, l2]);
  assert.equal(tf.memory().numTensors, before);
});
