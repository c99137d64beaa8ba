import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Cvae, vaeLoss } from '../../src/engine/models/cvae';
import { applyBnUpdates, BatchNorm, batchNormTraining, BnUpdate, ForwardMode, INFER } from '../../src/engine/models/layers';
import { ParamStore } from '../../src/engine/models/params';
import { ResNetEncoder } from '../../src/engine/models/resnet';
import { Rng } from '../../src/engine/rng';
import { maxAbsDiff, useCpu } from './helpers';
import { simclrProjector } from '../../src/engine/ssl/networks';

test('the reference CVAE has the layers and parameter count of CVAE_cifar_withbn (d = 128, z = 512)', async () => {
  await useCpu();
  const vae = new Cvae({ width: 128, latentDim: 512, channels: 3, imageSize: 32 }, new Rng(1));
  // Counted from the PyTorch module: convs, ResBlocks, BNs, fc11/fc12/fc21, xi_bn.
  const conv = (i: number, o: number, k: number, bias: boolean) => i * o * k * k + (bias ? o : 0);
  const bn = (c: number) => 2 * c;
  const res = (c: number) => conv(c, c, 3, true) + bn(c) + conv(c, c, 1, true);
  const d = 128;
  const expected =
    conv(3, 64, 4, false) + bn(64) + conv(64, 128, 4, false) + bn(128) + res(d) + bn(d) + res(d) + // encoder
    2 * (8192 * 512 + 512) + (512 * 8192 + 8192) + // fc11, fc12, fc21
    res(d) + bn(d) + res(d) + bn(d) + conv(128, 64, 4, false) + bn(64) + conv(64, 3, 4, false) + // decoder
    bn(3); // xi_bn
  assert.equal(vae.store.parameterCount(), expected);
  const x = tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D;
  const { mu, logvar } = vae.encode(x, INFER);
  assert.deepEqual(mu.shape, [2, 512]);
  assert.deepEqual(logvar.shape, [2, 512]);
  assert.deepEqual(vae.decode(mu, INFER).shape, [2, 32, 32, 3]);
  vae.store.dispose();
});

test('ResNet-18 at width 1 has the CIFAR ResNet-18 parameter count per batch-norm set, and h ∈ R^512', async () => {
  await useCpu();
  const enc = new ResNetEncoder({ widthMultiplier: 1, channels: 3, projector: simclrProjector(64), auxBnMomentum: 0.01 }, new Rng(2));
  let convs = 0;
  let bnMain = 0;
  let bnAux = 0;
  let dense = 0;
  for (const [name, v] of enc.store.trainable) {
    if (name.includes('.aux.')) bnAux += v.size;
    else if (name.includes('.main.')) bnMain += v.size;
    else if (name.includes('/g.')) dense += v.size;
    else convs += v.size;
  }
  // kuangliu's ResNet18 without the final linear: 11,168,832 weights, of which 9,600 in BN.
  assert.equal(convs + bnMain, 11_168_832);
  assert.equal(bnAux, bnMain);
  assert.equal(dense, 512 * 512 + 512 + 512 * 64 + 64);
  const { h, z } = enc.forward(tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D, INFER);
  assert.deepEqual(h.shape, [2, 512]);
  assert.deepEqual(z.shape, [2, 64]);
  enc.store.dispose();
});

test('batch norm matches PyTorch: biased variance to normalise, unbiased running variance, momentum 0.1', async () => {
  await useCpu();
  const bn = new BatchNorm(new ParamStore('t', new Rng(0)), 'bn', 2);
  const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 6, 40], [4, 1, 1, 2]);
  const updates: BnUpdate[] = [];
  const y = bn.apply(x, { training: true, bn: 'main', updates }).dataSync();
  // channel 0: values 1,2,3,6: mean 3, biased var 3.5, unbiased 14/3
  assert.ok(Math.abs(y[0] - (1 - 3) / Math.sqrt(3.5 + 1e-5)) < 1e-5);
  applyBnUpdates(updates);
  const rm = bn.runningMean.dataSync();
  const rv = bn.runningVar.dataSync();
  assert.ok(Math.abs(rm[0] - 0.3) < 1e-6, `running mean ${rm[0]}`);
  assert.ok(Math.abs(rv[0] - (0.9 + 0.1 * (14 / 3))) < 1e-5, `running var ${rv[0]}`);
  // Inference mode uses the running statistics.
  const yi = bn.apply(x, INFER).dataSync();
  assert.ok(Math.abs(yi[0] - (1 - rm[0]) / Math.sqrt(rv[0] + 1e-5)) < 1e-5);
});

test('the dual batch norm keeps separate running statistics for clean and adversarial passes', async () => {
  await useCpu();
  const enc = new ResNetEncoder({ widthMultiplier: 0.0625, channels: 3, projector: simclrProjector(8), auxBnMomentum: 0.01 }, new Rng(3));
  const stat = (name: string) => enc.store.state.get(`encoder/bn1.${name}.running_mean`)!.dataSync().slice();
  const main0 = stat('main');
  const aux0 = stat('aux');
  const updates: BnUpdate[] = [];
  const mode: ForwardMode = { training: true, bn: 'aux', updates };
  tf.tidy(() => enc.forward(tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D, mode));
  applyBnUpdates(updates);
  assert.deepEqual(stat('main'), main0, 'an aux pass must not touch the main statistics');
  const aux1 = stat('aux');
  assert.notDeepEqual(aux1, aux0);
  // Aux momentum 0.01: the running mean moves by 1% of the batch mean from 0.
  tf.tidy(() => enc.forward(tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 6) as tf.Tensor4D, { training: true, bn: 'main', updates }));
  applyBnUpdates(updates);
  assert.deepEqual(stat('aux'), aux1, 'a main pass must not touch the aux statistics');
  assert.notDeepEqual(stat('main'), main0);
  enc.store.dispose();
});

test('VAE loss is MSE + β·KL_sum/(B·3·dim) of the reference', async () => {
  await useCpu();
  const x = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]);
  const r = tf.tensor4d([0, 0, 0, 0], [1, 2, 2, 1]);
  const mu = tf.tensor2d([[1, 0]]);
  const logvar = tf.tensor2d([[0, Math.log(2)]]);
  const l = vaeLoss(x, r, mu, logvar, 0.1);
  const klSum = -0.5 * (1 + 0 - 1 - 1 + (1 + Math.log(2) - 0 - 2));
  assert.ok(Math.abs(l.mse.dataSync()[0] - 0.5) < 1e-7);
  assert.ok(Math.abs(l.kl.dataSync()[0] - klSum / (1 * 3 * 2)) < 1e-6);
  assert.ok(Math.abs(l.total.dataSync()[0] - (0.5 + (0.1 * klSum) / 6)) < 1e-6);
});

test('weights initialise from the seed: same seed same weights, another seed other weights', async () => {
  await useCpu();
  const mk = (s: number) => new Cvae({ width: 8, latentDim: 4, channels: 3, imageSize: 16 }, new Rng(s));
  const [a, b, c] = [mk(1), mk(1), mk(2)];
  const w = (m: Cvae) => m.store.trainable.get('vae/encoder.0.weight')!.dataSync();
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  // PyTorch's default bound 1/sqrt(fan_in) for conv 4x4 from 3 channels.
  const bound = 1 / Math.sqrt(3 * 16);
  assert.ok(Array.from(w(a)).every((v) => Math.abs(v) <= bound));
  [a, b, c].forEach((m) => m.store.dispose());
});

test('the hand-written batch-norm gradient equals autograd of the textbook formula', async () => {
  await useCpu();
  const x = tf.randomNormal([5, 3, 3, 4], 0.5, 2, 'float32', 21) as tf.Tensor4D;
  const gamma = tf.randomNormal([4], 1, 0.3, 'float32', 22);
  const beta = tf.randomNormal([4], 0, 0.3, 'float32', 23);
  const dy = tf.randomNormal([5, 3, 3, 4], 0, 1, 'float32', 24);
  const textbook = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTraining(a, g, b, [0, 1, 2], 1e-5).y;
  const want = tf.grads(textbook)([x, gamma, beta], dy);
  const got = tf.grads(ours)([x, gamma, beta], dy);
  assert.ok(maxAbsDiff(ours(x, gamma, beta).dataSync(), textbook(x, gamma, beta).dataSync()) < 1e-5);
  for (let i = 0; i < 3; i++) {
    const scale = Math.max(...Array.from(want[i].dataSync(), Math.abs));
    assert.ok(maxAbsDiff(got[i].dataSync(), want[i].dataSync()) <= 1e-5 * Math.max(1, scale), `gradient ${['x', 'gamma', 'beta'][i]}`);
  }
  // The moments it returns are the batch's.
  const r = batchNormTraining(x, gamma, beta, [0, 1, 2], 1e-5);
  assert.ok(maxAbsDiff(r.mean.dataSync(), tf.moments(x, [0, 1, 2]).mean.dataSync()) < 1e-6);
});
