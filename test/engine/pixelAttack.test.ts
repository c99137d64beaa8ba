import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../../src/engine/config/resolve';
import { usesVae } from '../../src/engine/config/adversary';
import { adversarialView } from '../../src/engine/idaa/adversarialView';
import { pixelAttack } from '../../src/engine/idaa/pixelAttack';
import { ForwardMode } from '../../src/engine/models/layers';
import { Run } from '../../src/engine/train/run';
import { Trainer } from '../../src/engine/train/trainer';
import { simclrAugment } from '../../src/engine/augment/simclr';
import { gatherBatch } from '../../src/engine/train/batches';
import { syntheticDataset, useCpu } from './helpers';

/** x + ε·s as float32 arithmetic does it (tf adds float32 tensors): the exact value x_adv must hold. */
const f32Step = (x: number, eps: number, s: number) => Math.fround(Math.fround(x) + Math.fround(Math.fround(eps) * s));

test('CLAE step on a hand-computed loss: x_adv = x + ε·sign(∇_x L) exactly, zero gradients leave pixels alone', async () => {
  await useCpu();
  const x = tf.tensor4d([0.1, -0.2, 0.3, 0], [1, 2, 2, 1]);
  const w = tf.tensor4d([1, -2, 0, 0.5], [1, 2, 2, 1]);
  // L(x) = Σ w·x: ∇_x L = w, sign = [1, −1, 0, 1]; L(x) = 0.1 + 0.4 + 0 + 0 = 0.5.
  const before = tf.memory().numTensors;
  const r = pixelAttack(x, (xa) => tf.sum(tf.mul(w, xa)) as tf.Scalar, { eps: 0.03, steps: 1 });
  const got = r.xAdv.dataSync();
  assert.deepEqual([...got], [f32Step(0.1, 0.03, 1), f32Step(-0.2, 0.03, -1), Math.fround(0.3), f32Step(0, 0.03, 1)]);
  assert.ok(Math.abs(r.lossBefore - 0.5) < 1e-6, `loss before ${r.lossBefore}`);
  // The linear loss rises by exactly ε·Σ|w| = 0.03 · 3.5.
  const after = tf.tidy(() => tf.sum(tf.mul(w, r.xAdv)).dataSync()[0]);
  assert.ok(Math.abs(after - (0.5 + 0.03 * 3.5)) < 1e-6, `loss after ${after}`);
  r.xAdv.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
  // k steps of ε/k stay in the ε-ball around x.
  const k = pixelAttack(x, (xa) => tf.sum(tf.mul(w, tf.mul(xa, xa))) as tf.Scalar, { eps: 0.03, steps: 3 });
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(k.xAdv, x))).dataSync()[0]);
  assert.ok(d <= 0.03 + 1e-7, `max |x_adv − x| ${d}`);
  k.xAdv.dispose();
  assert.throws(() => pixelAttack(x, (xa) => tf.sum(xa) as tf.Scalar, { eps: 0.03, steps: 0 }), /positive integer/);
  tf.dispose([x, w]);
});

function tinyPixelTrainer(method: 'simclr' | 'byol' = 'simclr', eps = 0.03): Trainer {
  const ds = syntheticDataset({ train: 32, test: 16, size: 8, classes: 4 });
  const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { width: 4, latentDim: 4 }, ssl: { method, batchSize: 16 }, idaa: { adversary: 'pixel', eps } });
  return new Trainer(c, ds);
}

function augmentedBatch(t: Trainer): tf.Tensor4D {
  return tf.tidy(() => simclrAugment(gatherBatch(t.dataset, t.dataset.train, [...Array(16).keys()], 3), t.augRng, t.augmentOptions()));
}

test('CLAE on the SimCLR attack loss through the auxiliary batch norm: the step is ε·sign of the independently computed gradient, and the loss rises', async () => {
  await useCpu();
  const t = tinyPixelTrainer();
  const xi = augmentedBatch(t);
  const aux: ForwardMode = { training: true, bn: 'aux', updates: [] };
  const att = t.method.attackLoss(xi, aux);
  const g = tf.grad((x: tf.Tensor) => att.lossOf(x as tf.Tensor4D))(xi);
  const r = pixelAttack(xi, att.lossOf, { eps: 0.03, steps: 1 });
  const [x, gv, xa] = [xi.dataSync(), g.dataSync(), r.xAdv.dataSync()];
  let moved = 0;
  for (let i = 0; i < x.length; i++) {
    assert.equal(xa[i], f32Step(x[i], 0.03, Math.sign(gv[i])), `pixel ${i}`);
    if (gv[i] !== 0) moved++;
  }
  assert.ok(moved > x.length * 0.9, `${moved} of ${x.length} pixels moved`);
  const after = tf.tidy(() => att.lossOf(r.xAdv).dataSync()[0]);
  assert.ok(after > r.lossBefore, `attack loss ${r.lossBefore} → ${after}`);
  tf.dispose([xi, g, r.xAdv]);
  att.dispose();
  t.dispose();
});

test('CLAE and ε = 0 runs never touch the VAE: no pre-training phase, and a step with NaN VAE weights stays finite', async () => {
  await useCpu();
  for (const method of ['simclr', 'byol'] as const) {
    const t = tinyPixelTrainer(method);
    assert.equal(usesVae(t.config), false);
    assert.equal(new Run(t).position.phase, 'ssl', 'no VAE phase for CLAE');
    for (const [, v] of t.vae.store.all()) v.assign(tf.fill(v.shape, NaN));
    const r = t.sslStep([...Array(16).keys()], t.config.ssl.lr, 4);
    assert.ok(Number.isFinite(r.loss) && Number.isFinite(r.terms.adversarial), `${method}: ${JSON.stringify(r)}`);
    t.dispose();
  }
  const zero = tinyPixelTrainer('simclr', 0);
  const latent0 = resolveConfig({ preset: 'tiny', idaa: { eps: 0 } });
  assert.equal(usesVae(latent0), false);
  assert.equal(usesVae(resolveConfig({ preset: 'tiny' })), true, 'IDAA proper uses its VAE');
  const xi = augmentedBatch(zero);
  const v = adversarialView(zero.vae, zero.method, xi, { training: true, bn: 'aux', updates: [] }, latent0.idaa);
  assert.deepEqual([...v.xAdv.dataSync()], [...xi.dataSync()], 'ε = 0: x_adv = x_i exactly');
  tf.dispose([xi, ...v.tensors]);
  zero.dispose();
});
