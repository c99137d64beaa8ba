import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { inspectSamples, InspectOptions } from '../../src/engine/inspect/inspect';
import { Cvae } from '../../src/engine/models/cvae';
import { ResNetEncoder } from '../../src/engine/models/resnet';
import { Rng } from '../../src/engine/rng';
import { maxAbsDiff, syntheticDataset, useCpu } from './helpers';

function setup() {
  const vae = new Cvae({ width: 8, latentDim: 6, channels: 3, imageSize: 16 }, new Rng(11));
  const enc = new ResNetEncoder({ widthMultiplier: 0.0625, channels: 3, projectionDim: 8, auxBnMomentum: 0.01 }, new Rng(12));
  const ds = syntheticDataset({ train: 8, test: 8, size: 16, channels: 3 });
  const opts: InspectOptions = { indices: [0, 1, 2, 3, 5], split: 'test', eps: 0.5, steps: 1, temperature: 0.5, imageSize: 16, mean: [...ds.mean], std: [...ds.std] };
  return { vae, enc, ds, opts };
}

test('inspectSamples: the two augmentation views have x’s shape, are fixed by the seed and differ from x', async () => {
  await useCpu();
  const { vae, enc, ds, opts } = setup();
  const before = tf.memory().numTensors;
  const plain = inspectSamples(vae, enc, ds, opts);
  assert.equal(plain.images.viewI, undefined, 'no views unless asked');
  assert.equal(plain.images.viewJ, undefined);
  const a = inspectSamples(vae, enc, ds, { ...opts, augmentViews: { seed: 3 } });
  const b = inspectSamples(vae, enc, ds, { ...opts, augmentViews: { seed: 3 } });
  const c = inspectSamples(vae, enc, ds, { ...opts, augmentViews: { seed: 4 } });
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  const len = a.images.x.length;
  for (const v of [a.images.viewI!, a.images.viewJ!]) {
    assert.equal(v.length, len);
    assert.ok(v.every((p) => p >= -1e-6 && p <= 1 + 1e-6), 'pixel units in [0, 1]');
    assert.ok(maxAbsDiff(v, a.images.x) > 0.05, 'a view differs from x');
  }
  assert.deepEqual(b.images.viewI, a.images.viewI, 'same seed, same first view');
  assert.deepEqual(b.images.viewJ, a.images.viewJ, 'same seed, same second view');
  assert.ok(maxAbsDiff(a.images.viewI!, a.images.viewJ!) > 0.05, 'the two views differ');
  assert.ok(maxAbsDiff(a.images.viewI!, c.images.viewI!) > 0.05, 'another seed, other views');
  assert.deepEqual(a.images.x, plain.images.x, 'x unchanged by asking for views');
  assert.deepEqual(a.samples, plain.samples, 'numbers unchanged by asking for views');
  vae.store.dispose();
  enc.store.dispose();
});

test('inspectSamples: the per-sample loss terms average to the attack loss at x_adv', async () => {
  await useCpu();
  const { vae, enc, ds, opts } = setup();
  const r = inspectSamples(vae, enc, ds, opts);
  const terms = r.samples.map((s) => s.lossTerm);
  assert.ok(terms.every((t) => Number.isFinite(t) && t > 0), `terms ${terms}`);
  const mean = terms.reduce((s, t) => s + t, 0) / terms.length;
  assert.ok(Math.abs(mean - r.lossAfter) < 1e-5, `mean ${mean} vs lossAfter ${r.lossAfter}`);
  assert.ok(new Set(terms).size > 1, 'terms differ between samples');
  vae.store.dispose();
  enc.store.dispose();
});
