/**
 * The inspector shows the attack training does: for the same batch, views and seed its x_adv is
 * the trainer's, bit for bit on the cpu backend, for every SSL method; it never moves a running
 * statistic; the inference-mode attack is another x_adv, and the two modes' disagreement is measured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../../src/engine/config/resolve';
import type { SslMethodName } from '../../src/engine/config/types';
import { attackBatch, drawIndices } from '../../src/engine/inspect/batch';
import { SampleInspector } from '../../src/engine/inspect/inspect';
import { compareGradients } from '../../src/engine/inspect/modes';
import { inspectTrainer, trainerInspectOptions } from '../../src/engine/inspect/trainerInspect';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/train/trainer';
import { syntheticDataset, useCpu } from './helpers';

const METHODS: SslMethodName[] = ['simclr', 'simsiam', 'byol', 'mocov2'];

function tinyTrainer(method: SslMethodName): Trainer {
  const ds = syntheticDataset({ train: 40, test: 16, size: 8, classes: 4 });
  const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { width: 4, latentDim: 4 }, ssl: { method, batchSize: 12, queueSize: 48 }, idaa: { eps: 0.5 } });
  return new Trainer(c, ds);
}

const snapshot = (t: Trainer): Map<string, Float32Array> => new Map(t.variables().map(([n, v]) => [n, Float32Array.from(v.dataSync() as Float32Array)]));

for (const method of METHODS) {
  test(`${method}: the inspector's default x_adv is the training step's, bit for bit (same batch, views, seed)`, async () => {
    await useCpu();
    const t = tinyTrainer(method);
    const seed = 77;
    const shown = [5, 0, 17, 33];
    const inspector = new SampleInspector(t.vae, t.method, t.dataset);
    const before = snapshot(t);
    const r = inspectTrainer(t, { indices: shown, split: 'train', augmentSeed: seed, batchSeed: 3 }, inspector);
    const after = snapshot(t);
    for (const [name, v] of before) assert.deepEqual(after.get(name), v, `${name}: inspecting changed nothing`);
    assert.equal(r.attack.mode, 'training');
    assert.equal(r.attack.batch.length, 12, 'a batch of the run’s batch size');
    assert.deepEqual(r.attack.batch.slice(0, 4), shown, 'the shown samples first');
    assert.equal(new Set(r.attack.batch).size, 12, 'distinct samples');

    // The same batch and the same generator state for the step's views: the trainer's x_adv.
    t.augRng.setState(new Rng(seed).getState());
    const opts = trainerInspectOptions(t, { indices: shown });
    let theirs: Float32Array | undefined;
    t.sslStep(r.attack.batch, t.config.ssl.lr, 10, (v) => {
      theirs = tf.tidy(() => tf.add(tf.mul(tf.slice(v.xAdv!, 0, shown.length), tf.tensor1d(opts.std)), tf.tensor1d(opts.mean)).dataSync() as Float32Array);
    });
    assert.ok(theirs, 'the step made an adversarial view');
    assert.deepEqual(r.images.xAdv, theirs, 'identical x_adv');

    // The inference-mode attack (running statistics) is another x_adv; its disagreement is reported.
    const inf = inspectTrainer(t, { indices: shown, split: 'train', augmentSeed: seed, batchSeed: 3, mode: 'inference' });
    assert.equal(inf.attack.mode, 'inference');
    assert.notDeepEqual(inf.images.xAdv, r.images.xAdv, 'the modes attack differently');
    const a = r.attack.agreement;
    assert.ok(a.cosine >= -1 && a.cosine < 0.999999, `cosine ${a.cosine}`);
    assert.ok(a.signAgreement > 0 && a.signAgreement < 1, `sign agreement ${a.signAgreement}`);
    assert.equal(a.perSampleCosine.length, shown.length);
    inspector.dispose();
    t.dispose();
  });
}

test('training mode: a shown sample’s x_adv depends on the rest of its batch; inference mode on its own batch of negatives only', async () => {
  await useCpu();
  const t = tinyTrainer('simclr');
  const shown = [1, 2, 3];
  const one = inspectTrainer(t, { indices: shown, batchSeed: 1 });
  const other = inspectTrainer(t, { indices: shown, batchSeed: 2 });
  assert.notDeepEqual(one.attack.batch, other.attack.batch);
  assert.notDeepEqual(one.images.xAdv, other.images.xAdv, 'other batch-mates, other x_adv');
  assert.deepEqual(one.images.g, other.images.g, 'G(x) is per sample');
  // A sample's rank is among the whole batch's clean images.
  assert.ok(one.samples.every((s) => s.rank >= 1 && s.rank <= one.attack.batch.length));
  // The batch loss is the mean over the whole batch: with the shown samples alone it is their mean.
  const alone = inspectTrainer(t, { indices: shown, batchSize: shown.length });
  const mean = alone.samples.reduce((s, x) => s + x.lossTerm, 0) / shown.length;
  assert.ok(Math.abs(mean - alone.lossAfter) < 1e-6, `${mean} vs ${alone.lossAfter}`);
  t.dispose();
});

test('attackBatch and drawIndices: shown first, distinct, reproducible, clamped to the split', () => {
  const b = attackBatch([4, 9], 20, 8, 5);
  assert.equal(b.length, 8);
  assert.deepEqual(b.slice(0, 2), [4, 9]);
  assert.equal(new Set(b).size, 8);
  assert.ok(b.every((i) => Number.isInteger(i) && i >= 0 && i < 20));
  assert.deepEqual(attackBatch([4, 9], 20, 8, 5), b, 'same seed, same batch');
  assert.notDeepEqual(attackBatch([4, 9], 20, 8, 6), b, 'another seed, other batch-mates');
  assert.deepEqual(attackBatch([4, 9], 20, 2, 5), [4, 9], 'no room: the shown samples alone');
  assert.deepEqual([...attackBatch([0], 5, 64, 1)].sort(), [0, 1, 2, 3, 4], 'the whole split when it is smaller');
  const d = drawIndices(10, 10, 3);
  assert.deepEqual([...d].sort((x, y) => x - y), [...Array(10).keys()], 'a permutation');
  assert.deepEqual(drawIndices(10, 3, 3, new Set([0, 1, 2, 3, 4, 5, 6])).sort(), [7, 8, 9], 'exclusions respected');
});

test('compareGradients: cosine, sign agreement and per-sample cosine against hand-computed values', async () => {
  await useCpu();
  const a = tf.tensor2d([[1, 0, 2], [0, -1, 1]]);
  const b = tf.tensor2d([[1, 1, 2], [0, 1, 1]]);
  const r = compareGradients(a, b, 2);
  // Whole: a·b = 1 + 0 + 4 + 0 − 1 + 1 = 5; |a|² = 7, |b|² = 8.
  assert.ok(Math.abs(r.cosine - 5 / Math.sqrt(56)) < 1e-7, String(r.cosine));
  // Signs: (+,0,+,0,−,+) vs (+,+,+,0,+,+): equal at entries 0, 2, 3, 5.
  assert.equal(r.signAgreement, 4 / 6);
  assert.ok(Math.abs(r.perSampleCosine[0] - 5 / Math.sqrt(5 * 6)) < 1e-7);
  assert.ok(Math.abs(r.perSampleCosine[1] - 0) < 1e-7);
  assert.ok(Number.isNaN(compareGradients(tf.zeros([1, 3]) as tf.Tensor2D, tf.slice(b, 0, 1) as tf.Tensor2D, 1).cosine), 'no direction: NaN');
  tf.dispose([a, b]);
});
