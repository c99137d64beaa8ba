import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/engine/rng';
import { knnAccuracy, knnPredict } from '../../src/engine/eval/knn';

/** The reference algorithm in plain float64 JS, one test row at a time. */
function bruteForce(
  train: Float32Array,
  labels: Int32Array,
  testF: Float32Array,
  dim: number,
  classes: number,
  k: number,
  sigma: number,
): Int32Array {
  const unit = (f: Float32Array, i: number): number[] => {
    const v = Array.from(f.subarray(i * dim, (i + 1) * dim));
    const n = Math.max(Math.hypot(...v), 1e-12);
    return v.map((x) => x / n);
  };
  const nTrain = labels.length;
  const bank = Array.from({ length: nTrain }, (_, i) => unit(train, i));
  const nTest = testF.length / dim;
  const out = new Int32Array(nTest);
  for (let t = 0; t < nTest; t++) {
    const q = unit(testF, t);
    const sims = bank.map((b, i) => ({ i, s: b.reduce((acc, x, d) => acc + x * q[d], 0) }));
    sims.sort((a, b) => b.s - a.s);
    const scores = new Array<number>(classes).fill(0);
    for (const { i, s } of sims.slice(0, Math.min(k, nTrain))) scores[labels[i]] += Math.exp(s / sigma);
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[c] > scores[best]) best = c;
    out[t] = best;
  }
  return out;
}

function randomProblem(seed: number, nTrain: number, nTest: number, dim: number, classes: number) {
  const rng = new Rng(seed);
  // Class-dependent means so that predictions are not all one class.
  const means = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal()));
  const make = (n: number) => {
    const f = new Float32Array(n * dim);
    const l = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      l[i] = rng.int(classes);
      for (let d = 0; d < dim; d++) f[i * dim + d] = means[l[i]][d] + 1.5 * rng.normal();
    }
    return { f, l };
  };
  return { train: make(nTrain), test: make(nTest) };
}

test('setup cpu backend', async () => {
  await tf.setBackend('cpu');
});

test('matches a brute-force implementation on random data', () => {
  for (const [seed, k, sigma, classes, chunk] of [
    [1, 200, 0.5, 10, undefined],
    [2, 20, 0.1, 5, 7],
    [3, 1, 0.5, 3, 64],
  ] as const) {
    const { train, test: te } = randomProblem(seed, 600, 150, 16, classes);
    const before = tf.memory().numTensors;
    const got = knnPredict(train.f, train.l, te.f, 16, classes, { k, sigma, chunk });
    assert.equal(tf.memory().numTensors, before, 'tensor leak');
    const want = bruteForce(train.f, train.l, te.f, 16, classes, k, sigma);
    assert.deepEqual(Array.from(got), Array.from(want), `seed ${seed}`);
    assert.ok(new Set(got).size > 1);
    const acc = knnAccuracy(train.f, train.l, te.f, te.l, 16, classes, { k, sigma, chunk });
    let correct = 0;
    want.forEach((p, i) => (correct += p === te.l[i] ? 1 : 0));
    assert.equal(acc, correct / want.length);
  }
});

test('chunk size does not change the predictions', () => {
  const { train, test: te } = randomProblem(4, 300, 101, 8, 4);
  const a = knnPredict(train.f, train.l, te.f, 8, 4, { k: 30 });
  const b = knnPredict(train.f, train.l, te.f, 8, 4, { k: 30, chunk: 1 });
  const c = knnPredict(train.f, train.l, te.f, 8, 4, { k: 30, chunk: 13 });
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
});

test('hand-made case with a known answer', () => {
  // Train on the unit circle: class 0 near 0°, class 1 near 90°, class 2 at 180°.
  const deg = (a: number): number[] => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
  const trainPts = [deg(0), deg(10), deg(80), deg(90), deg(100), deg(180)];
  const train = Float32Array.from(trainPts.flat());
  const labels = Int32Array.from([0, 0, 1, 1, 1, 2]);
  // Lengths differ from 1 to check the normalisation.
  const test = Float32Array.from([...deg(5).map((x) => 3 * x), ...deg(85).map((x) => 0.2 * x), ...deg(170)]);
  // K = 2: the two nearest decide.
  assert.deepEqual(Array.from(knnPredict(train, labels, test, 2, 3, { k: 2 })), [0, 1, 2]);
  // K = 6 with a cold sigma: at 40° the two class-0 points (30°, 40° away) beat the three class-1
  // points (40°, 50°, 60° away) only when the weights are sharp enough.
  const at40 = Float32Array.from(deg(40));
  const cos = (a: number): number => Math.cos((a * Math.PI) / 180);
  const score = (sigma: number, angles: number[]): number => angles.reduce((s, a) => s + Math.exp(cos(a) / sigma), 0);
  for (const sigma of [0.05, 0.5, 5]) {
    const want = score(sigma, [40, 30]) > score(sigma, [40, 50, 60]) ? 0 : 1;
    assert.equal(knnPredict(train, labels, at40, 2, 3, { k: 6, sigma })[0], want, `sigma ${sigma}`);
  }
  assert.equal(knnPredict(train, labels, at40, 2, 3, { k: 6, sigma: 0.05 })[0], 0);
  assert.equal(knnPredict(train, labels, at40, 2, 3, { k: 6, sigma: 5 })[0], 1);
});

test('ties go to the lowest class index; K above the training size uses every sample', () => {
  // Two identical training points of classes 3 and 1: equal votes, class 1 wins.
  const train = Float32Array.from([1, 0, 1, 0]);
  const labels = Int32Array.from([3, 1]);
  assert.deepEqual(Array.from(knnPredict(train, labels, Float32Array.from([2, 0]), 2, 4, { k: 2 })), [1]);
  // K = 200 with 3 samples: all three vote, the two class-2 points outweigh the nearer class 0.
  const t3 = Float32Array.from([1, 0, 0.6, 0.8, 0.6, 0.8]);
  const l3 = Int32Array.from([0, 2, 2]);
  assert.deepEqual(Array.from(knnPredict(t3, l3, Float32Array.from([0.9, 0.3]), 2, 3, { sigma: 1 })), [2]);
  assert.deepEqual(Array.from(knnPredict(t3, l3, Float32Array.from([0.9, 0.3]), 2, 3, { k: 1, sigma: 1 })), [0]);
});

test('a very small sigma does not overflow the vote weights', () => {
  // exp(1 / 0.005) is far beyond float32; the votes must still favour the nearest neighbours.
  const train = Float32Array.from([1, 0, 0.8, 0.6, 0.8, 0.6]);
  const labels = Int32Array.from([1, 0, 0]);
  assert.deepEqual(Array.from(knnPredict(train, labels, Float32Array.from([1, 0.01]), 2, 2, { sigma: 0.005 })), [1]);
});

test('bad inputs are refused', () => {
  const f = Float32Array.from([1, 0, 0, 1]);
  assert.throws(() => knnPredict(f, Int32Array.from([0, 5]), f, 2, 3), /label 5/);
  assert.throws(() => knnPredict(f, Int32Array.from([0]), f, 2, 3), /training feature values/);
  assert.throws(() => knnPredict(f, Int32Array.from([0, 1]), Float32Array.from([1, 2, 3]), 2, 3), /multiple/);
  assert.throws(() => knnAccuracy(f, Int32Array.from([0, 1]), f, Int32Array.from([0]), 2, 3), /test feature values/);
  assert.equal(knnPredict(f, Int32Array.from([0, 1]), new Float32Array(0), 2, 3).length, 0);
});

test('timing: 5k train x 1k test, dim 64, K 200', () => {
  const { train, test: te } = randomProblem(9, 5000, 1000, 64, 10);
  const t0 = performance.now();
  const acc = knnAccuracy(train.f, train.l, te.f, te.l, 64, 10);
  console.log(`# knn 5000x1000 dim 64 on cpu: ${(performance.now() - t0).toFixed(0)} ms, accuracy ${acc.toFixed(3)}`);
});
