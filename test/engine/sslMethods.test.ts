/**
 * SimSiam, BYOL and MoCo v2 beside SimCLR: each loss against values computed by hand, the attack
 * raising the method's own loss, EMA and queue updates, SGD's rule, training and exact resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/engine/config/resolve';
import type { SslMethodName } from '../../src/engine/config/types';
import { inspectTrainer, openCheckpoint, resumeJob, trainJob } from '../../src/engine/jobs';
import { checkpointPath, readManifest } from '../../src/common/runs/manifest';
import { byolTerms, infoNceTerms, negCosineTerms, outputStd, stopGradient } from '../../src/engine/ssl/losses';
import { emaRate } from '../../src/engine/ssl/networks';
import { epochOrder } from '../../src/engine/train/batches';
import { Sgd } from '../../src/engine/train/optim';
import { Run } from '../../src/engine/train/run';
import { Trainer } from '../../src/engine/train/trainer';
import { syntheticDataset, useCpu } from './helpers';
import { stopAndResume } from './resumeRun';

const METHODS: SslMethodName[] = ['simclr', 'simsiam', 'byol', 'mocov2'];
const norm = (v: number[]) => Math.hypot(...v);
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('the methods’ losses equal hand-computed values on tiny tensors', async () => {
  await useCpu();
  const p = [[1, 2, 0], [0, -1, 3]];
  const z = [[2, 1, 1], [1, 1, -1]];
  close(negCosineTerms(tf.tensor2d(p), tf.tensor2d(z)).dataSync(), p.map((r, i) => -cos(r, z[i]!)), 1e-6, 'SimSiam D');
  close(byolTerms(tf.tensor2d(p), tf.tensor2d(z)).dataSync(), p.map((r, i) => 2 - 2 * cos(r, z[i]!)), 1e-6, 'BYOL regression');
  // InfoNCE with a queue of two keys (columns of [dim, size]), τ = 0.2.
  const queue = [[1, 0], [0, 0], [0, 1]]; // keys (1,0,0) and (0,0,1)
  const tau = 0.2;
  const expected = p.map((q, i) => {
    const qn = q.map((x) => x / norm(q));
    const k = z[i]!.map((x) => x / norm(z[i]!));
    const pos = qn.reduce((s, x, j) => s + x * k[j]!, 0) / tau;
    const negs = [0, 1].map((c) => qn.reduce((s, x, j) => s + x * queue[j]![c]!, 0) / tau);
    return Math.log(Math.exp(pos) + negs.reduce((s, n) => s + Math.exp(n), 0)) - pos;
  });
  close(infoNceTerms(tf.tensor2d(p), tf.tensor2d(z), tf.tensor2d(queue), tau).dataSync(), expected, 1e-5, 'InfoNCE');
  // Collapse monitor: identical rows have zero spread; two orthogonal unit rows have std 0.5 per dimension.
  assert.equal(outputStd(tf.tensor2d([[1, 2], [1, 2]])).dataSync()[0], 0);
  close(outputStd(tf.tensor2d([[3, 0], [0, 5]])).dataSync(), [0.5], 1e-6, 'std of normalised outputs');
});

test('stop-gradient: forward is the identity, the gradient is zero', async () => {
  await useCpu();
  const x = tf.tensor1d([1, -2, 3]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x);
  assert.deepEqual(Array.from(g.dataSync()), [1, -2, 3], 'd/dx of sg(x)·x is sg(x) only');
});

test('SGD follows PyTorch’s rule (momentum buffer = gradient at the first step, L2 decay in the gradient)', async () => {
  await useCpu();
  const w = tf.variable(tf.tensor1d([1, -1]), true, 'sgd-test-w');
  const opt = new Sgd(new Map([['w', w]]), { momentum: 0.9, weightDecay: 0.1 });
  opt.apply({ 'sgd-test-w': tf.tensor1d([0.5, 0.5]) }, 0.1);
  // d = g + 0.1·w = (0.6, 0.4); buf = d; w = w − 0.1·buf
  close(w.dataSync(), [1 - 0.06, -1 - 0.04], 1e-7, 'first step');
  opt.apply({ 'sgd-test-w': tf.tensor1d([0.5, 0.5]) }, 0.1);
  const w1 = [0.94, -1.04];
  const d2 = [0.5 + 0.1 * w1[0]!, 0.5 + 0.1 * w1[1]!];
  const buf = [0.9 * 0.6 + d2[0]!, 0.9 * 0.4 + d2[1]!];
  close(w.dataSync(), [w1[0]! - 0.1 * buf[0]!, w1[1]! - 0.1 * buf[1]!], 1e-6, 'second step');
  opt.dispose();
  w.dispose();
});

test('EMA: the rate goes from start to end by a cosine, and the target moves to τ·target + (1 − τ)·online', async () => {
  await useCpu();
  assert.equal(emaRate(0.99, 1, 0, 100), 0.99);
  assert.ok(Math.abs(emaRate(0.99, 1, 50, 100) - 0.995) < 1e-12);
  assert.equal(emaRate(0.99, 1, 100, 100), 1);
  assert.equal(emaRate(0.99, 0.99, 37, 100), 0.99);
  const ds = syntheticDataset({ train: 32, test: 16, size: 8, classes: 4 });
  const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, ssl: { method: 'byol', batchSize: 16 }, idaa: { enabled: false } });
  const t = new Trainer(c, ds);
  const vars = new Map(t.method.variables());
  const name = 'encoder/conv1.weight';
  const targetBefore = Float32Array.from(vars.get('target/conv1.weight')!.dataSync());
  assert.deepEqual(targetBefore, vars.get(name)!.dataSync(), 'the target starts as a copy of the online network');
  t.sslStep([...Array(16).keys()], c.ssl.lr, 10);
  const online = vars.get(name)!.dataSync();
  const tau = emaRate(0.99, 1, 1, 10);
  close(vars.get('target/conv1.weight')!.dataSync(), Array.from(targetBefore, (v, i) => tau * v + (1 - tau) * online[i]!), 1e-6, 'target after one step');
  t.dispose();
});

test('MoCo’s queue: both views’ normalised keys enter at the pointer, which moves on and wraps', async () => {
  await useCpu();
  const ds = syntheticDataset({ train: 32, test: 16, size: 8, classes: 4 });
  const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, ssl: { method: 'mocov2', batchSize: 8, queueSize: 32 }, idaa: { enabled: false } });
  const t = new Trainer(c, ds);
  const vars = new Map(t.method.variables());
  const queue = vars.get('queue/keys')!;
  const before = Float32Array.from(queue.dataSync());
  t.sslStep([...Array(8).keys()], c.ssl.lr, 4);
  assert.equal(vars.get('queue/ptr')!.dataSync()[0], 16);
  const after = queue.dataSync();
  const dim = queue.shape[0]!;
  for (let d = 0; d < dim; d++) for (let col = 16; col < 32; col++) assert.equal(after[d * 32 + col], before[d * 32 + col], 'columns past the pointer unchanged');
  for (let col = 0; col < 16; col++) {
    let n = 0;
    for (let d = 0; d < dim; d++) n += after[d * 32 + col]! ** 2;
    assert.ok(Math.abs(n - 1) < 1e-5, `key ${col} is normalised`);
  }
  t.sslStep([...Array(8).keys()].map((i) => i + 8), c.ssl.lr, 4);
  assert.equal(vars.get('queue/ptr')!.dataSync()[0], 0, 'the pointer wraps');
  t.dispose();
});

for (const method of METHODS) {
  test(`${method}: IDAA's latent step raises the method's own attack loss, and the inspector uses it`, async () => {
    await useCpu();
    const ds = syntheticDataset({ train: 32, test: 16, size: 8, classes: 4 });
    const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { width: 4, latentDim: 4 }, ssl: { method, batchSize: 16, queueSize: 64 }, idaa: { eps: 0.5 } });
    const t = new Trainer(c, ds);
    const full = inspectTrainer(t, { indices: [0, 1, 2, 3, 4, 5, 6, 7], eps: 0.5 });
    assert.equal(full.attack.batch.length, 16, 'by default the attack batch has the run’s batch size');
    assert.ok(full.lossAfter > full.lossBefore, `${method}: attack loss over the batch ${full.lossBefore} → ${full.lossAfter}`);
    const r = inspectTrainer(t, { indices: [0, 1, 2, 3, 4, 5, 6, 7], eps: 0.5, batchSize: 8 });
    assert.ok(r.lossAfter > r.lossBefore, `${method}: attack loss ${r.lossBefore} → ${r.lossAfter}`);
    // The per-sample terms shown are the method's: over a batch of the shown samples their mean is the batch loss after the step.
    const mean = r.samples.reduce((s, x) => s + x.lossTerm, 0) / r.samples.length;
    assert.ok(Math.abs(mean - r.lossAfter) < 1e-5, `${mean} vs ${r.lossAfter}`);
    if (method === 'simsiam') assert.ok(r.samples.every((s) => s.lossTerm >= -1 - 1e-6 && s.lossTerm <= 1 + 1e-6), 'SimSiam terms are −cos, in [−1, 1]');
    if (method === 'byol') assert.ok(r.samples.every((s) => s.lossTerm >= -1e-6 && s.lossTerm <= 4 + 1e-6), 'BYOL terms are 2 − 2cos, in [0, 4]');
    t.dispose();
  });

  test(`${method}: 24 steps with IDAA lower its loss`, { timeout: 300_000 }, async () => {
    await useCpu();
    const ds = syntheticDataset({ train: 64, test: 16, size: 8, classes: 4 });
    const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { width: 4, latentDim: 4 }, ssl: { method, batchSize: 16, queueSize: 32 } });
    const t = new Trainer(c, ds);
    const losses: number[] = [];
    for (let e = 0; e < 6; e++) {
      const order = epochOrder(c.seed, 'ssl', e, 64);
      for (let b = 0; b < 4; b++) losses.push(t.sslStep(order.subarray(b * 16, (b + 1) * 16), c.ssl.lr, 24).loss);
    }
    t.dispose();
    // From step 2 on: MoCo's queue holds real keys only after the first step.
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    assert.ok(mean(losses.slice(-6)) < mean(losses.slice(1, 7)), `${method}: ${mean(losses.slice(1, 7))} → ${mean(losses.slice(-6))}`);
  });

  test(`${method}: a stopped run with IDAA resumes bit for bit on cpu (networks, optimizer, EMA target, queue)`, { timeout: 300_000 }, async () => {
    await useCpu();
    // SimSiam, BYOL and MoCo warm up linearly per step: the run stops inside the warm-up epoch.
    const { full, resumed } = await stopAndResume(7, method, { warmupEpochs: 1 });
    const ssl = full.filter((s) => s.phase === 'ssl');
    const base = ssl[ssl.length - 1]!.lr;
    const warm = method === 'simclr' ? [base, base, base] : [base / 3, (2 * base) / 3, base];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(ssl[i]!.lr - warm[i]!) <= 1e-12 * base, `${method}: warm-up step ${i}: lr ${ssl[i]!.lr}, expected ${warm[i]}`);
    assert.deepEqual(resumed.map((s) => s.lr), full.map((s) => s.lr), 'the resumed run schedules the same learning rates');
    assert.ok(ssl.length >= 6 && ssl.every((s) => Number.isFinite(s.loss) && s.terms.adversarial !== undefined), 'the adversarial term is trained');
    if (method === 'simsiam' || method === 'byol') assert.ok(ssl.every((s) => s.terms.outputStd! > 0), 'the collapse monitor is logged');
    assert.deepEqual(resumed.map((s) => s.loss), full.map((s) => s.loss), 'losses equal exactly after resume');
    assert.deepEqual(resumed.map((s) => s.terms), full.map((s) => s.terms));
  });
}

test('a checkpoint of one method is refused by a run of another, naming both', { timeout: 120_000 }, async () => {
  await useCpu();
  const ds = syntheticDataset({ train: 32, test: 16, size: 8, classes: 4 });
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-method-'));
  const c = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { epochs: 0 }, ssl: { method: 'simsiam', batchSize: 16, epochs: 1 }, idaa: { enabled: false } });
  (await trainJob(c, { runDir, dataset: ds })).trainer.dispose();
  const file = checkpointPath(runDir, readManifest(runDir).checkpoints.at(-1)!);
  const opened = await openCheckpoint(file, undefined, ds);
  assert.equal(opened.trainer.method.name, 'simsiam', 'a checkpoint opens with its own method');
  opened.trainer.dispose();
  const other = new Trainer(resolveConfig({ ...c, ssl: { ...c.ssl, method: 'byol' } }), ds);
  assert.throws(() => Run.restore(other, file), /holds a simsiam run; this run is byol \(ssl\.method\)/);
  other.dispose();
  await assert.rejects(resumeJob({ runDir, dataset: ds }), /already complete/);
});
