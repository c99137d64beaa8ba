import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ntXent } from '../../src/engine/ssl/ntxent';
import { useWasm } from './helpers';

test('wasm: NT-Xent and its gradient equal the hand-computed values', async () => {
  await useWasm();
  const z1 = tf.tensor2d([[1, 0], [0, 1]]);
  const z2 = tf.tensor2d([[3, 0], [0, 2]]);
  const got = ntXent(z1, z2, 0.5).dataSync()[0];
  assert.ok(Math.abs(got - Math.log(1 + 2 * Math.exp(-2))) < 1e-6, `got ${got}`);
  // Moving z1[0] towards z2[1] (its negative) must raise the loss: the gradient's y-part is positive.
  const g = tf.grad((a: tf.Tensor) => ntXent(a as tf.Tensor2D, z2, 0.5))(z1).arraySync() as number[][];
  assert.ok(g[0][1] > 0, `gradient ${JSON.stringify(g)}`);
});
