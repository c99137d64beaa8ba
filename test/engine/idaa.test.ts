import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { firstAttackStep, latentAttack } from '../../src/engine/idaa/attack';
import { decompose, disposeDecomposition } from '../../src/engine/idaa/decompose';
import { Cvae } from '../../src/engine/models/cvae';
import { ForwardMode, INFER } from '../../src/engine/models/layers';
import { ResNetEncoder } from '../../src/engine/models/resnet';
import { Rng } from '../../src/engine/rng';
import { ntXent } from '../../src/engine/ssl/ntxent';
import { useCpu } from './helpers';
import { simclrProjector } from '../../src/engine/ssl/networks';

function models() {
  const vae = new Cvae({ width: 8, latentDim: 6, channels: 3, imageSize: 16 }, new Rng(11));
  const enc = new ResNetEncoder({ widthMultiplier: 0.0625, channels: 3, projector: simclrProjector(8), auxBnMomentum: 0.01 }, new Rng(12));
  return { vae, enc };
}

test('decomposition: z = μ(x), G(x) = Dec(μ), R(x) = x − G(x), and G(x) + R(x) gives x back', async () => {
  await useCpu();
  const { vae, enc } = models();
  const x = tf.randomNormal([5, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const d = decompose(vae, x);
  const mu = vae.encode(x, INFER).mu.dataSync();
  assert.deepEqual(d.z.dataSync(), mu, 'z is μ (inference mode, no sampling)');
  const g = d.g.dataSync();
  assert.deepEqual(g, vae.decode(d.z, INFER).dataSync());
  const xs = x.dataSync();
  const r = d.r.dataSync();
  // R is x − G exactly (one float32 subtraction per element) ...
  for (let i = 0; i < xs.length; i++) assert.equal(r[i], Math.fround(xs[i] - g[i]));
  // ... so G + R reproduces x up to the two roundings (subtraction, addition): ≤ one ulp of |x|+|G|.
  for (let i = 0; i < xs.length; i++) {
    const back = Math.fround(g[i] + r[i]);
    assert.ok(Math.abs(back - xs[i]) <= 2 ** -23 * (Math.abs(xs[i]) + Math.abs(g[i])), `element ${i}: ${back} vs ${xs[i]}`);
  }
  // With ε = 0 the "adversarial" positive is x itself, to the same rounding.
  const lossOf = (xa: tf.Tensor4D) => ntXent(enc.forward(x, INFER).z, enc.forward(xa, INFER).z, 0.5);
  const zero = latentAttack(vae, d, lossOf, { eps: 0, steps: 1 });
  const xa = zero.xAdv.dataSync();
  for (let i = 0; i < xs.length; i++) assert.ok(Math.abs(xa[i] - xs[i]) <= 2 ** -23 * (Math.abs(xs[i]) + Math.abs(g[i])));
  disposeDecomposition(d);
  vae.store.dispose();
  enc.store.dispose();
});

test('the FGSM latent step moves z by exactly ε·sign(∇z L) and increases the attack loss', async () => {
  await useCpu();
  const { vae, enc } = models();
  const aux: ForwardMode = { training: false, bn: 'aux' };
  const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const d = decompose(vae, x);
  const anchor = tf.tidy(() => enc.forward(x, aux).z);
  const lossOf = (xa: tf.Tensor4D) => ntXent(anchor, enc.forward(xa, aux).z, 0.5);
  const grad = tf.grad((z: tf.Tensor) => lossOf(tf.add(vae.decode(z as tf.Tensor2D, INFER), d.r) as tf.Tensor4D))(d.z).dataSync();
  const eps = 0.1;
  const res = latentAttack(vae, d, lossOf, { eps, steps: 1 });
  const z = d.z.dataSync();
  const z2 = res.zAdv.dataSync();
  let moved = 0;
  for (let i = 0; i < z.length; i++) {
    // float32 arithmetic: ε is a float32 constant, the sum rounded once.
    assert.equal(z2[i], Math.fround(z[i] + Math.fround(eps) * Math.sign(grad[i])), `latent ${i}`);
    if (grad[i] !== 0) moved++;
  }
  assert.ok(moved > z.length * 0.9, 'almost every coordinate has a non-zero gradient');
  const after = lossOf(res.xAdv).dataSync()[0];
  assert.ok(after > res.lossBefore, `loss ${res.lossBefore} → ${after} should increase`);
  // x_adv = Dec(z') + R(x), not clamped.
  const want = tf.add(vae.decode(res.zAdv, INFER), d.r).dataSync();
  assert.deepEqual(res.xAdv.dataSync(), want);
  disposeDecomposition(d);
  vae.store.dispose();
  enc.store.dispose();
});

test('k-step attack stays in the ε-ball and frees its tensors', async () => {
  await useCpu();
  const { vae, enc } = models();
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const d = decompose(vae, x);
  const anchor = tf.tidy(() => enc.forward(x, INFER).z);
  const lossOf = (xa: tf.Tensor4D) => ntXent(anchor, enc.forward(xa, INFER).z, 0.5);
  const before = tf.memory().numTensors;
  const res = latentAttack(vae, d, lossOf, { eps: 0.2, steps: 4 });
  const z = d.z.dataSync();
  const z2 = res.zAdv.dataSync();
  for (let i = 0; i < z.length; i++) assert.ok(Math.abs(z2[i] - z[i]) <= 0.2 + 1e-6);
  assert.ok(Math.max(...Array.from(z2, (v, i) => Math.abs(v - z[i]))) > 0.05, 'the steps move z');
  res.xAdv.dispose();
  res.zAdv.dispose();
  assert.equal(tf.memory().numTensors, before, 'only x_adv and z_adv are returned');
  assert.throws(() => latentAttack(vae, d, lossOf, { eps: 0.1, steps: 0 }), /positive integer/);
  disposeDecomposition(d);
  vae.store.dispose();
  enc.store.dispose();
});

test('a reused first step (firstAttackStep) gives the same attack as computing it, for any ε and step count', async () => {
  await useCpu();
  const { vae, enc } = models();
  const aux: ForwardMode = { training: false, bn: 'aux' };
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
  const d = decompose(vae, x);
  const anchor = tf.tidy(() => enc.forward(x, aux).z);
  const lossOf = (xa: tf.Tensor4D) => ntXent(anchor, enc.forward(xa, aux).z, 0.5);
  const first = firstAttackStep(vae, d, lossOf);
  const before = tf.memory().numTensors;
  for (const opts of [{ eps: 0.3, steps: 1 }, { eps: 1.2, steps: 1 }, { eps: 0.5, steps: 3 }]) {
    const fresh = latentAttack(vae, d, lossOf, opts);
    const reused = latentAttack(vae, d, lossOf, opts, first);
    assert.deepEqual(reused.zAdv.dataSync(), fresh.zAdv.dataSync(), `z' at ${JSON.stringify(opts)}`);
    assert.deepEqual(reused.xAdv.dataSync(), fresh.xAdv.dataSync(), `x_adv at ${JSON.stringify(opts)}`);
    assert.equal(reused.lossBefore, fresh.lossBefore);
    tf.dispose([fresh.zAdv, fresh.xAdv, reused.zAdv, reused.xAdv]);
  }
  assert.equal(tf.memory().numTensors, before, 'the reused direction is not disposed by the attack, nothing leaks');
  assert.ok(first.direction.dataSync().every((v) => v === 1 || v === -1 || v === 0), 'a sign');
  tf.dispose([first.direction, anchor, x]);
  disposeDecomposition(d);
  vae.store.dispose();
  enc.store.dispose();
});
