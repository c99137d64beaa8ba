import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { inspectSamples, InspectOptions, InspectResult, SampleInspector } from '../../src/engine/inspect/inspect';
import { AUGMENT_STAGES } from '../../src/engine/augment/simclr';
import { Cvae } from '../../src/engine/models/cvae';
import { ResNetEncoder } from '../../src/engine/models/resnet';
import { Rng } from '../../src/engine/rng';
import { maxAbsDiff, syntheticDataset, useCpu } from './helpers';
import { simclrProjector } from '../../src/engine/ssl/networks';
import { simclrAttack } from '../../src/engine/ssl/simclr';

function setup() {
  const vae = new Cvae({ width: 8, latentDim: 6, channels: 3, imageSize: 16 }, new Rng(11));
  const enc = new ResNetEncoder({ widthMultiplier: 0.0625, channels: 3, projector: simclrProjector(8), auxBnMomentum: 0.01 }, new Rng(12));
  const ds = syntheticDataset({ train: 8, test: 8, size: 16, channels: 3 });
  const opts: InspectOptions = { indices: [0, 1, 2, 3, 5], split: 'test', eps: 0.5, steps: 1, imageSize: 16, mean: [...ds.mean], std: [...ds.std] };
  const attacker = { online: enc, attackLoss: simclrAttack(enc, 0.5) };
  return { vae, enc, attacker, ds, opts };
}

test('inspectSamples: the two augmentation views have x’s shape, are fixed by the seed, differ from x, and view i is what is attacked', async () => {
  await useCpu();
  const { vae, enc, attacker, ds, opts } = setup();
  const before = tf.memory().numTensors;
  const plain = inspectSamples(vae, attacker, ds, opts);
  assert.equal(plain.images.viewI, undefined, 'no views unless asked');
  assert.equal(plain.images.viewJ, undefined);
  const a = inspectSamples(vae, attacker, ds, { ...opts, views: { seed: 3 } });
  const b = inspectSamples(vae, attacker, ds, { ...opts, views: { seed: 3 } });
  const c = inspectSamples(vae, attacker, ds, { ...opts, views: { seed: 4 } });
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
  assert.deepEqual(a.images.x, plain.images.x, 'the clean x is still shown');
  // G and R decompose the attacked input, view i: G + R = x_i (pixel units), and x_adv moves from x_i.
  const sum = a.images.g.map((g, k) => g + a.images.r[k]);
  assert.ok(maxAbsDiff(sum, a.images.viewI!) < 1e-5, `G + R = view i (${maxAbsDiff(sum, a.images.viewI!)})`);
  assert.ok(maxAbsDiff(sum, a.images.x) > 0.05, 'not the clean x');
  assert.equal(a.attack.views, true);
  assert.equal(plain.attack.views, false);
  assert.notDeepEqual(a.samples.map((s) => s.cosine), plain.samples.map((s) => s.cosine), 'the views are what is attacked');
  vae.store.dispose();
  enc.store.dispose();
});

test('inspectSamples: the per-sample loss terms average to the attack loss at x_adv', async () => {
  await useCpu();
  const { vae, enc, attacker, ds, opts } = setup();
  const r = inspectSamples(vae, attacker, ds, opts);
  const terms = r.samples.map((s) => s.lossTerm);
  assert.ok(terms.every((t) => Number.isFinite(t) && t > 0), `terms ${terms}`);
  const mean = terms.reduce((s, t) => s + t, 0) / terms.length;
  assert.ok(Math.abs(mean - r.lossAfter) < 1e-5, `mean ${mean} vs lossAfter ${r.lossAfter}`);
  assert.ok(new Set(terms).size > 1, 'terms differ between samples');
  vae.store.dispose();
  enc.store.dispose();
});

function assertSameResult(got: InspectResult, want: InspectResult, what: string): void {
  assert.deepEqual(got.samples, want.samples, `${what}: per-sample numbers`);
  assert.equal(got.lossBefore, want.lossBefore, `${what}: loss before`);
  assert.equal(got.lossAfter, want.lossAfter, `${what}: loss after`);
  for (const k of ['x', 'g', 'r', 'xAdv', 'absDiff', 'viewI', 'viewJ'] as const) assert.deepEqual(got.images[k], want.images[k], `${what}: images.${k}`);
  assert.deepEqual(got.attack, want.attack, `${what}: the attack's batch, mode and agreement`);
}

test('SampleInspector: a new ε, step count or sample set gives exactly what a fresh inspection gives, and frees what it kept', async () => {
  await useCpu();
  const { vae, enc, attacker, ds, opts } = setup();
  const before = tf.memory().numTensors;
  const inspector = new SampleInspector(vae, attacker, ds);
  const first = inspector.inspect(opts);
  const kept = tf.memory().numTensors - before;
  assert.ok(kept > 0, 'it keeps the decomposition between calls');
  const sequence: InspectOptions[] = [
    { ...opts, eps: 1.5 },
    { ...opts, eps: 0 },
    { ...opts, eps: 0.8, steps: 3 },
    { ...opts, eps: 0.8, steps: 1, views: { seed: 2 } },
    { ...opts, eps: 0.8, mode: 'inference' },
    { ...opts, eps: 0.8, batchSize: 8, batchSeed: 1 },
    { ...opts, eps: 0.8, batchSize: 8, batchSeed: 1, mode: 'inference' },
    { ...opts, indices: [7, 6, 4], eps: 0.8 },
    { ...opts, split: 'train', eps: 0.8 },
    opts,
  ];
  for (const o of sequence) {
    const what = `eps ${o.eps}, steps ${o.steps}, indices ${o.indices}, ${o.split}${o.views ? ', views' : ''}, ${o.mode ?? 'training'}, batch ${o.batchSize ?? 'shown'}`;
    assertSameResult(inspector.inspect(o), inspectSamples(vae, attacker, ds, o), what);
    assert.equal(tf.memory().numTensors - before, kept, `${what}: only the last samples' tensors kept`);
  }
  assertSameResult(inspector.inspect(opts), first, 'back to the first settings');
  assert.equal(tf.memory().numTensors - before, kept, 'the same tensors kept, none leaked');
  const moved = inspector.inspect({ ...opts, eps: 2 });
  assert.notDeepEqual(moved.images.xAdv, first.images.xAdv, 'ε moves x_adv');
  assert.deepEqual(moved.images.g, first.images.g, 'and leaves G(x) alone');
  inspector.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose frees everything');
  vae.store.dispose();
  enc.store.dispose();
});

test('inspectSamples: augmentation stages can be left out of the views', async () => {
  await useCpu();
  const { vae, enc, attacker, ds, opts } = setup();
  const views = (off: (typeof AUGMENT_STAGES)[number][]) => inspectSamples(vae, attacker, ds, { ...opts, eps: 0, views: { seed: 5, off } });
  const none = views([...AUGMENT_STAGES]);
  // With every stage off a view is x itself (the whole image at the model's size, in pixels).
  assert.ok(maxAbsDiff(none.images.viewI!, none.images.x) < 1e-5, `all off: view i = x (${maxAbsDiff(none.images.viewI!, none.images.x)})`);
  assert.ok(maxAbsDiff(none.images.viewJ!, none.images.x) < 1e-5, 'all off: view j = x');
  // Only the flip left on: each sample's view is x or x mirrored, and some are mirrored.
  const flipOnly = views(['crop', 'jitter', 'grayscale']);
  const [n, hgt, wid, ch] = flipOnly.images.shape;
  const per = hgt * wid * ch;
  const mirror = (a: Float32Array, i: number) => {
    const out = new Float32Array(per);
    for (let y = 0; y < hgt; y++) for (let x = 0; x < wid; x++) for (let c = 0; c < ch; c++) out[(y * wid + x) * ch + c] = a[i * per + (y * wid + (wid - 1 - x)) * ch + c];
    return out;
  };
  let mirrored = 0;
  for (const v of [flipOnly.images.viewI!, flipOnly.images.viewJ!]) {
    for (let i = 0; i < n; i++) {
      const view = v.subarray(i * per, (i + 1) * per);
      const same = maxAbsDiff(view, flipOnly.images.x.subarray(i * per, (i + 1) * per)) < 1e-5;
      const flipped = maxAbsDiff(view, mirror(flipOnly.images.x, i)) < 1e-5;
      assert.ok(same || flipped, `sample ${i}: x or its mirror image`);
      if (flipped && !same) mirrored++;
    }
  }
  assert.ok(mirrored > 0 && mirrored < 2 * n, `some views mirrored, some not (${mirrored} of ${2 * n})`);
  // Every stage on (the run's pipeline) moves pixels much more than the flip alone.
  const all = views([]);
  assert.ok(maxAbsDiff(all.images.viewI!, all.images.x) > 0.05, 'the full pipeline changes the image');
  // With every stage off the attacked view is x itself: the numbers are (nearly) the clean attack's.
  const plain = inspectSamples(vae, attacker, ds, { ...opts, eps: 0 });
  for (let i = 0; i < n; i++) assert.ok(Math.abs(none.samples[i].cosine - plain.samples[i].cosine) < 1e-4, `sample ${i}: all stages off attacks x`);
  assert.notDeepEqual(all.samples.map((s) => s.cosine), none.samples.map((s) => s.cosine), 'the stages change what is attacked');
  vae.store.dispose();
  enc.store.dispose();
});
