import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/engine/rng';
import { trainLinearProbe, type ProbeSplit } from '../../src/engine/eval/linearProbe';
import { probeConverged } from '../../src/engine/eval/probeStop';

/** Class c has mean `sep` on feature c, unit Gaussian noise everywhere (linearly separable in effect). */
function blobs(rng: Rng, n: number, dim: number, classes: number, sep: number, scale = 1, offset = 0): ProbeSplit {
  const features = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(classes);
    for (let d = 0; d < dim; d++) features[i * dim + d] = ((d === labels[i] ? sep : 0) + rng.normal()) * scale + offset;
  }
  return { features, labels };
}

test('setup cpu backend', async () => {
  await tf.setBackend('cpu');
});

test('separable data: test accuracy >= 0.95 at the reference lr, loss decreases', async () => {
  const rng = new Rng(1);
  const train = blobs(rng, 2000, 16, 4, 6);
  const testSplit = blobs(rng, 1000, 16, 4, 6);
  const before = tf.memory().numTensors;
  const seen: number[] = [];
  const r = await trainLinearProbe(train, testSplit, 16, 4, { epochs: 20, seed: 7, batchSize: 32, onEpoch: (e) => seen.push(e) });
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(r.perEpochTestAccuracy.length, 20);
  assert.equal(r.finalTestAccuracy, r.perEpochTestAccuracy[19]);
  assert.ok(r.finalTestAccuracy >= 0.95, `test accuracy ${r.finalTestAccuracy}`);
  assert.ok(r.trainAccuracy >= 0.95, `train accuracy ${r.trainAccuracy}`);
  assert.ok(r.perEpochTrainLoss[19] < r.perEpochTrainLoss[0] * 0.5, `loss ${r.perEpochTrainLoss[0]} -> ${r.perEpochTrainLoss[19]}`);
});

test('random labels: test accuracy near chance', async () => {
  const rng = new Rng(2);
  const random = (n: number): ProbeSplit => {
    const s = blobs(rng, n, 32, 4, 0);
    return { features: s.features, labels: Int32Array.from(s.labels, () => rng.int(4)) };
  };
  const r = await trainLinearProbe(random(1000), random(3000), 32, 4, { epochs: 20, seed: 3 });
  assert.ok(Math.abs(r.finalTestAccuracy - 0.25) < 0.05, `test accuracy ${r.finalTestAccuracy}`);
});

test('deterministic for a seed, different for another', async () => {
  const rng = new Rng(4);
  const train = blobs(rng, 600, 8, 3, 1);
  const testSplit = blobs(rng, 300, 8, 3, 1);
  const a = await trainLinearProbe(train, testSplit, 8, 3, { epochs: 5, seed: 11, batchSize: 64 });
  const b = await trainLinearProbe(train, testSplit, 8, 3, { epochs: 5, seed: 11, batchSize: 64 });
  const c = await trainLinearProbe(train, testSplit, 8, 3, { epochs: 5, seed: 12, batchSize: 64 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.perEpochTrainLoss, c.perEpochTrainLoss);
});

test('standardize: badly scaled features become learnable at the reference lr', async () => {
  const rng = new Rng(5);
  const train = blobs(rng, 2000, 16, 4, 6, 0.01, 50);
  const testSplit = blobs(rng, 1000, 16, 4, 6, 0.01, 50);
  const raw = await trainLinearProbe(train, testSplit, 16, 4, { epochs: 20, seed: 1, batchSize: 32 });
  const std = await trainLinearProbe(train, testSplit, 16, 4, { epochs: 20, seed: 1, batchSize: 32, standardize: true });
  assert.ok(std.finalTestAccuracy >= 0.9, `standardised ${std.finalTestAccuracy}`);
  assert.ok(std.finalTestAccuracy > raw.finalTestAccuracy, `raw ${raw.finalTestAccuracy} vs standardised ${std.finalTestAccuracy}`);
});

test('bad inputs are refused; zero epochs evaluates the initial layer', async () => {
  const s: ProbeSplit = { features: new Float32Array(6), labels: Int32Array.from([0, 1, 1]) };
  await assert.rejects(trainLinearProbe(s, s, 3, 2, { epochs: 1, seed: 1 }), /feature values/);
  await assert.rejects(trainLinearProbe({ features: new Float32Array(4), labels: Int32Array.from([0, 2]) }, s, 2, 2, { epochs: 1, seed: 1 }), /label 2/);
  const ok: ProbeSplit = { features: Float32Array.from([1, 0, 0, 1]), labels: Int32Array.from([0, 1]) };
  const r = await trainLinearProbe(ok, ok, 2, 2, { epochs: 0, seed: 1 });
  assert.deepEqual(r.perEpochTestAccuracy, []);
  assert.ok(r.finalTestAccuracy >= 0 && r.finalTestAccuracy <= 1);
});

test('the stop rule: training accuracy that rose less than the tolerance over the patience window ends training', () => {
  const h = (accs: number[]) => accs.map((accuracy, i) => ({ accuracy, loss: 1 / (i + 1) }));
  const rule = { patience: 3, tolerance: 0.01 };
  assert.equal(probeConverged(h([0.5, 0.6, 0.7]), rule), false, 'not before patience + 1 epochs');
  assert.equal(probeConverged(h([0.5, 0.6, 0.7, 0.8]), rule), false, 'still rising');
  assert.equal(probeConverged(h([0.5, 0.8, 0.805, 0.79, 0.809]), rule), true, 'best rose 0.9 points over 3 epochs');
  assert.equal(probeConverged(h([0.5, 0.8, 0.805, 0.79, 0.811]), rule), false, 'best rose 1.1 points');
  assert.equal(probeConverged(h([0.9, 1, 1, 1, 1]), rule), true, '100% training accuracy for the whole window');
  assert.equal(probeConverged(h([0.5, 0.5, 0.5, 0.5, 0.5]), { patience: 0, tolerance: 0.01 }), false, 'patience 0: a fixed budget');
});

test('converged probe on separable features: ~100% training accuracy, stopped by the rule before the budget', async () => {
  const rng = new Rng(8);
  const train = blobs(rng, 1000, 16, 4, 8);
  const testSplit = blobs(rng, 500, 16, 4, 8);
  const r = await trainLinearProbe(train, testSplit, 16, 4, { epochs: 400, seed: 2, batchSize: 64, lr: 3e-3, standardize: true, stop: { patience: 10, tolerance: 0.005 } });
  assert.ok(r.trainAccuracy >= 0.995, `train accuracy ${r.trainAccuracy}`);
  assert.ok(r.finalTestAccuracy >= 0.98, `test accuracy ${r.finalTestAccuracy}`);
  assert.equal(r.converged, true);
  assert.ok(r.epochs < 400 && r.epochs > 10, `stopped after ${r.epochs} epochs`);
  assert.equal(r.perEpochTrainAccuracy.length, r.epochs);
  assert.equal(r.trainAccuracy, r.perEpochTrainAccuracy.at(-1));
  assert.equal(r.standardized, true);
});

test('the stop rule never reads the test split: the same training trajectory for any test split, and no test read during training', async () => {
  const rng = new Rng(9);
  const train = blobs(rng, 600, 12, 3, 1.5);
  const testA = blobs(rng, 300, 12, 3, 1.5);
  // Other features and random labels: a test split that would steer any rule that looked at it.
  const testB = { ...blobs(rng, 200, 12, 3, 0), labels: Int32Array.from({ length: 200 }, () => rng.int(3)) };
  const opts = { epochs: 300, seed: 4, batchSize: 64, lr: 3e-3, standardize: true, stop: { patience: 8, tolerance: 0.005 } };
  const a = await trainLinearProbe(train, testA, 12, 3, opts);
  const b = await trainLinearProbe(train, testB, 12, 3, opts);
  assert.ok(a.converged && a.epochs < 300, `converged after ${a.epochs}`);
  assert.equal(a.epochs, b.epochs);
  assert.deepEqual(a.perEpochTrainLoss, b.perEpochTrainLoss);
  assert.deepEqual(a.perEpochTrainAccuracy, b.perEpochTrainAccuracy);
  assert.equal(a.trainAccuracy, b.trainAccuracy);
  assert.notEqual(a.finalTestAccuracy, b.finalTestAccuracy);
  // Without the (plot-only) test curve, the test features are read only after the last epoch, to report.
  let reads = 0;
  const counted: ProbeSplit = { labels: testA.labels, get features() { reads++; return testA.features; } };
  const readsAtEpochs: number[] = [];
  const c = await trainLinearProbe(train, counted, 12, 3, { ...opts, testCurve: false, onEpoch: () => readsAtEpochs.push(reads) });
  assert.equal(c.epochs, a.epochs);
  assert.deepEqual(c.perEpochTestAccuracy, []);
  assert.ok(readsAtEpochs.every((n) => n === readsAtEpochs[0]), `test features read during training: ${readsAtEpochs.join(',')}`);
  assert.ok(reads > readsAtEpochs[0], 'read once training ended');
  assert.equal(c.finalTestAccuracy, a.finalTestAccuracy);
});
