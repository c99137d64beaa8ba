import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/engine/config/resolve';
import type { SslMethodName } from '../../src/engine/config/types';
import { linearWarmupCosine, warmupCosine } from '../../src/engine/train/optim';
import { learningRate } from '../../src/engine/train/run';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-15 + 1e-12 * Math.abs(b), `${what}: ${a} vs ${b}`);

test('linear warm-up: per step from base/steps to base, then a cosine over the epochs left (hand-computed)', () => {
  // base 0.1, 4 batches an epoch, 2 warm-up epochs of 6: steps 0..7 → 0.1 · (s + 1)/8.
  for (let s = 0; s < 8; s++) close(linearWarmupCosine(0.1, Math.floor(s / 4), s % 4, 4, 6, 2), (0.1 * (s + 1)) / 8, `warm-up step ${s}`);
  // Epochs 2..5: ½·0.1·(1 + cos(π·k/4)), k = 0..3, the same at every batch of the epoch.
  const cosine = [0.1, 0.08535533905932738, 0.05, 0.014644660940672627];
  for (let k = 0; k < 4; k++) for (const b of [0, 3]) close(linearWarmupCosine(0.1, 2 + k, b, 4, 6, 2), cosine[k]!, `epoch ${2 + k}, batch ${b}`);
  // No warm-up: the plain cosine over all epochs, as the hold schedule without its hold.
  for (let e = 0; e < 6; e++) close(linearWarmupCosine(0.1, e, 1, 4, 6, 0), warmupCosine(0.1, e, 6, 0), `no warm-up, epoch ${e}`);
  // A warm-up as long as the run never divides by zero: it rises to base at the last step.
  close(linearWarmupCosine(0.1, 1, 3, 4, 2, 2), 0.1, 'all warm-up');
});

test('the hold schedule is the reference’s: the base lr for the warm-up epochs, the cosine stepped after them', () => {
  const c = resolveConfig({ preset: 'reference', data: { dataset: 'mnist' } });
  assert.equal(c.ssl.warmup, 'hold');
  for (const [e, want] of [[0, 3e-4], [10, 3e-4], [11, (3e-4 * (1 + Math.cos(Math.PI / 300))) / 2], [160, (3e-4 * (1 + Math.cos((150 * Math.PI) / 300))) / 2]] as const) {
    for (const b of [0, 100]) close(learningRate(c, 'ssl', e, b, 195), want, `reference epoch ${e}, batch ${b}`);
  }
});

test('SimSiam, BYOL and MoCo v2 warm up linearly by default (their code lines), SimCLR holds; a config may choose', () => {
  const want: Record<SslMethodName, 'hold' | 'linear'> = { simclr: 'hold', simsiam: 'linear', byol: 'linear', mocov2: 'linear' };
  for (const preset of ['reference', 'small', 'tiny'] as const) {
    for (const [method, shape] of Object.entries(want)) assert.equal(resolveConfig({ preset, data: { dataset: 'mnist' }, ssl: { method: method as SslMethodName } }).ssl.warmup, shape, `${preset} ${method}`);
  }
  const simsiam = resolveConfig({ preset: 'reference', data: { dataset: 'mnist' }, ssl: { method: 'simsiam', batchSize: 512 } });
  // The SimSiam line's 10-epoch warm-up at 0.03 · 512/256 = 0.06, 97 batches an epoch: step 0 is 0.06/970.
  close(learningRate(simsiam, 'ssl', 0, 0, 97), 0.06 / 970, 'first step');
  close(learningRate(simsiam, 'ssl', 9, 96, 97), 0.06, 'last warm-up step');
  assert.equal(resolveConfig({ preset: 'small', ssl: { method: 'byol', warmup: 'hold' } }).ssl.warmup, 'hold');
  assert.throws(() => resolveConfig({ preset: 'small', ssl: { warmup: 'cosine' as never } }), /ssl\.warmup/);
});
