/**
 * The webgpu backend computes what the cpu backend computes: the same training steps from the
 * same weights on both, their losses and gradients compared. It needs a WebGPU adapter: without
 * one (CI, machines without a GPU driver) every case is reported as skipped, with the reason.
 * IDAA_WEBGPU_PARITY_OUT=file.json also writes the measured differences (the GPU script does).
 *
 * Tolerances (float32 both sides; the GPU sums in other orders and has its own exp/log):
 * - losses: |Δ| ≤ 1e-3·max(1, |cpu|);
 * - gradients: relative L2 error ‖g_gpu − g_cpu‖ / ‖g_cpu‖ ≤ 1e-2 per
 *   variable (batch norm over 16 samples amplifies rounding in its gradient), and ≤ 1e-3 over all
 *   variables together; a variable whose gradient norm is under 1e-4 of the total (a conv bias
 *   before batch norm: its true gradient is 0, the computed one rounding noise) counts in the
 *   total only;
 * - the attack gradient ∇_z L: relative L2 error ≤ 5e-2 (small and cancelling; measured 5e-3 on
 *   SwiftShader), and its direction sign(∇_z L): the same sign on ≥ 99% of the latent coordinates whose
 *   |∇| is above 1e-3 of the largest (FGSM moves each coordinate by ±ε, so only signs matter).
 * The full trainer steps (augmentation, attack, optimizer, batch-norm and queue updates) are
 * compared by their losses alone: sign(∇) in the attack may flip on tiny gradients.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../../src/engine/backend/select';
import { resolveConfig } from '../../src/engine/config/resolve';
import type { RunConfig, SslMethodName } from '../../src/engine/config/types';
import { attackGradient, latentAttack } from '../../src/engine/idaa/attack';
import { decompose, disposeDecomposition } from '../../src/engine/idaa/decompose';
import { vaeLoss } from '../../src/engine/models/cvae';
import { BnUpdate, ForwardMode, INFER } from '../../src/engine/models/layers';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/train/trainer';
import { syntheticDataset } from './helpers';

const LOSS_TOL = 1e-3;
const GRAD_TOL_EACH = 1e-2;
const GRAD_TOL_ALL = 1e-3;
/** Variables whose gradient norm is below this fraction of all gradients' norm are judged in the total only. */
const GRAD_FLOOR = 1e-4;
const SIGN_AGREEMENT = 0.99;
/** ∇_z of the attack loss is small and cancels much (SwiftShader: 5e-3); FGSM uses only its signs. */
const ATTACK_GRAD_TOL = 5e-2;
const METHODS: SslMethodName[] = ['simclr', 'simsiam', 'byol', 'mocov2'];

type Arrays = Record<string, Float32Array>;
interface CaseResult {
  losses: Record<string, number>;
  grads: Arrays;
  attackGrad?: Float32Array;
  /** The cpu run's x_adv, fed to the webgpu run's loss gradient so both differentiate the same views. */
  xAdv?: Float32Array;
  queue?: Float32Array;
}

/** The adapter, or why there is none (then every case is skipped with it). */
const webgpu: Promise<{ ok: true; summary: string } | { ok: false; why: string }> = selectBackend({ preference: 'webgpu', log: () => undefined }).then(
  (c) => ({ ok: true, summary: c.attempts.find((a) => a.ok)?.why ?? '' }),
  (e: unknown) => ({ ok: false, why: `no WebGPU adapter: ${(e as Error).message}` }),
);

const report: Array<Record<string, unknown>> = [];
process.on('exit', () => {
  const out = process.env.IDAA_WEBGPU_PARITY_OUT;
  if (out) writeFileSync(out, JSON.stringify({ tolerances: { LOSS_TOL, GRAD_TOL_EACH, GRAD_TOL_ALL, GRAD_FLOOR, ATTACK_GRAD_TOL, SIGN_AGREEMENT }, cases: report }, null, 2) + '\n');
});

/** Gradients by the trainer's stable variable names (tfjs's own names differ between trainers). */
async function readGrads(trainer: Trainer, grads: Record<string, tf.Tensor>): Promise<Arrays> {
  const stable = new Map(trainer.variables().map(([name, v]) => [v.name, name]));
  const out: Arrays = {};
  for (const [k, t] of Object.entries(grads)) out[stable.get(k) ?? k] = (await t.data()) as Float32Array;
  return out;
}

function disposeUpdates(updates: BnUpdate[]): void {
  for (const u of updates) tf.dispose([u.batchMean, u.batchVar]);
  updates.length = 0;
}

async function snapshot(trainer: Trainer): Promise<Map<string, Float32Array>> {
  const m = new Map<string, Float32Array>();
  for (const [name, v] of trainer.variables()) m.set(name, Float32Array.from((await v.data()) as Float32Array));
  return m;
}

function restore(trainer: Trainer, weights: Map<string, Float32Array>): void {
  for (const [name, v] of trainer.variables()) {
    const w = weights.get(name);
    assert.ok(w, `no initial value for ${name}`);
    tf.tidy(() => v.assign(tf.tensor(w, v.shape, v.dtype)));
  }
}

function fixedViews(cfg: RunConfig, seed: string): { xi: Float32Array; xj: Float32Array; shape: [number, number, number, number] } {
  const rng = new Rng(seed);
  const shape: [number, number, number, number] = [cfg.ssl.batchSize, cfg.data.imageSize, cfg.data.imageSize, 3];
  const n = shape.reduce((a, b) => a * b, 1);
  const draw = () => Float32Array.from({ length: n }, () => rng.normal());
  return { xi: draw(), xj: draw(), shape };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}

function signAgreement(a: Float32Array, b: Float32Array): number {
  const max = b.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  let same = 0;
  let counted = 0;
  for (let i = 0; i < b.length; i++) {
    if (Math.abs(b[i]) <= 1e-3 * max) continue;
    counted++;
    if (Math.sign(a[i]) === Math.sign(b[i])) same++;
  }
  return counted === 0 ? 1 : same / counted;
}

/** The VAE: one step's gradient on fixed images and noise, then a full trainer step. */
async function vaeCase(trainer: Trainer, views: ReturnType<typeof fixedViews>): Promise<CaseResult> {
  const cfg = trainer.config;
  const updates: BnUpdate[] = [];
  const mode: ForwardMode = { training: true, bn: 'main', updates };
  const x = tf.tensor4d(views.xi, views.shape);
  const noise = tf.tensor2d(views.xj.subarray(0, cfg.ssl.batchSize * cfg.vae.latentDim), [cfg.ssl.batchSize, cfg.vae.latentDim]);
  const { value, grads } = tf.variableGrads(() => {
    const { mu, logvar } = trainer.vae.encode(x, mode);
    const z = tf.add(mu, tf.mul(noise, tf.exp(tf.mul(0.5, logvar)))) as tf.Tensor2D;
    return vaeLoss(x, trainer.vae.decode(z, mode), mu, logvar, cfg.vae.beta).total;
  }, trainer.vae.store.trainableList());
  disposeUpdates(updates);
  const out: CaseResult = { losses: { 'vae loss': (await value.data())[0] }, grads: await readGrads(trainer, grads) };
  tf.dispose([x, noise, value, ...Object.values(grads)]);
  const step = await trainer.vaeStepAsync(Int32Array.from({ length: cfg.vae.batchSize }, (_, i) => i), cfg.vae.lr);
  out.losses['vaeStep loss'] = step.loss;
  for (const [k, v] of Object.entries(step.terms)) out.losses[`vaeStep ${k}`] = v;
  return out;
}

/** A method with IDAA: the attack's gradient, the training loss's gradient, then a full trainer step. */
async function sslCase(trainer: Trainer, views: ReturnType<typeof fixedViews>, xAdvGiven?: Float32Array): Promise<CaseResult> {
  const cfg = trainer.config;
  const updates: BnUpdate[] = [];
  const main: ForwardMode = { training: true, bn: 'main', updates };
  const aux: ForwardMode = { training: true, bn: 'aux', updates };
  const xi = tf.tensor4d(views.xi, views.shape);
  const xj = tf.tensor4d(views.xj, views.shape);
  const method = trainer.method;
  method.beginStep({ xi, xj }, main);
  const dec = decompose(trainer.vae, xi);
  const att = method.attackLoss(xi, aux);
  const attackLossValue = tf.tidy(() => att.lossOf(tf.add(trainer.vae.decode(dec.z, INFER), dec.r) as tf.Tensor4D));
  const { grad } = attackGradient(trainer.vae, dec, att.lossOf, dec.z, false);
  const res = latentAttack(trainer.vae, dec, att.lossOf, { eps: cfg.idaa.eps, steps: cfg.idaa.steps, readLoss: false });
  att.dispose();
  disposeDecomposition(dec);
  const xAdv = xAdvGiven ? tf.tensor4d(xAdvGiven, views.shape) : res.xAdv;
  const { value, grads } = tf.variableGrads(() => method.trainingLoss({ xi, xj, xAdv }, main, aux, cfg.idaa.alpha).total, [...method.trainable().values()]);
  disposeUpdates(updates);
  const out: CaseResult = {
    losses: { 'attack loss': (await attackLossValue.data())[0], 'training loss': (await value.data())[0] },
    grads: await readGrads(trainer, grads),
    attackGrad: (await grad.data()) as Float32Array,
    xAdv: (await res.xAdv.data()) as Float32Array,
  };
  tf.dispose([xi, xj, attackLossValue, grad, res.xAdv, res.zAdv, xAdv, value, ...Object.values(grads)]);
  const step = await trainer.sslStepAsync(Int32Array.from({ length: cfg.ssl.batchSize }, (_, i) => i), cfg.ssl.lr, 10);
  out.losses['sslStep loss'] = step.loss;
  for (const [k, v] of Object.entries(step.terms)) out.losses[`sslStep ${k}`] = v;
  return out;
}

/** Runs `run` on cpu, then on webgpu from the cpu run's initial weights, and compares. */
async function compare(t: TestContext, name: string, cfg: RunConfig, run: (trainer: Trainer, xAdv?: Float32Array) => Promise<CaseResult>): Promise<void> {
  const gpu = await webgpu;
  if (!gpu.ok) {
    t.skip(gpu.why);
    return;
  }
  const ds = syntheticDataset({ train: 64, test: 16, size: cfg.data.imageSize, channels: 3, classes: 4 });
  await tf.setBackend('cpu');
  const cpuTrainer = new Trainer(cfg, ds);
  const init = await snapshot(cpuTrainer);
  const cpu = await run(cpuTrainer);
  cpuTrainer.dispose();
  await tf.setBackend('webgpu');
  const gpuTrainer = new Trainer(cfg, ds);
  restore(gpuTrainer, init);
  const onGpu = await run(gpuTrainer, cpu.xAdv);
  gpuTrainer.dispose();
  await tf.setBackend('cpu');

  const row: Record<string, unknown> = { case: name, adapter: gpu.summary, losses: {}, worstGradRelErr: 0, allGradRelErr: 0 };
  for (const [k, c] of Object.entries(cpu.losses)) {
    const g = onGpu.losses[k];
    assert.ok(g !== undefined && Number.isFinite(g), `${name}: ${k} on webgpu is ${g}`);
    (row.losses as Record<string, unknown>)[k] = { cpu: c, webgpu: g };
    assert.ok(Math.abs(g - c) <= LOSS_TOL * Math.max(1, Math.abs(c)), `${name}: ${k} cpu ${c} vs webgpu ${g}`);
  }
  let worst = 0;
  let d2 = 0;
  let n2 = 0;
  const norms = new Map<string, number>();
  for (const [k, c] of Object.entries(cpu.grads)) {
    const g = onGpu.grads[k];
    assert.ok(g !== undefined && g.length === c.length, `${name}: gradient ${k} missing on webgpu`);
    let n = 0;
    for (let i = 0; i < c.length; i++) {
      d2 += (g[i] - c[i]) ** 2;
      n += c[i] ** 2;
    }
    n2 += n;
    norms.set(k, Math.sqrt(n));
  }
  const all = Math.sqrt(d2 / Math.max(n2, 1e-30));
  // A weight whose true gradient is 0 (a conv bias before batch norm) has a cpu gradient of pure
  // rounding noise, which no relative error can judge: those count in the total only.
  const floor = GRAD_FLOOR * Math.sqrt(n2);
  const bad: string[] = [];
  for (const [k, c] of Object.entries(cpu.grads)) {
    if ((norms.get(k) ?? 0) < floor) continue;
    const e = relErr(onGpu.grads[k], c);
    worst = Math.max(worst, e);
    if (e > GRAD_TOL_EACH) bad.push(`${k} ${e.toExponential(2)}`);
  }
  assert.deepEqual(bad, [], `${name}: gradients with a relative error above ${GRAD_TOL_EACH}`);
  row.worstGradRelErr = worst;
  row.allGradRelErr = all;
  assert.ok(all <= GRAD_TOL_ALL, `${name}: gradients together: relative error ${all.toExponential(2)} > ${GRAD_TOL_ALL}`);
  if (cpu.attackGrad && onGpu.attackGrad) {
    const e = relErr(onGpu.attackGrad, cpu.attackGrad);
    const signs = signAgreement(onGpu.attackGrad, cpu.attackGrad);
    row.attackGradRelErr = e;
    row.attackSignAgreement = signs;
    assert.ok(e <= ATTACK_GRAD_TOL, `${name}: attack gradient ∇_z L: relative error ${e.toExponential(2)} > ${ATTACK_GRAD_TOL}`);
    assert.ok(signs >= SIGN_AGREEMENT, `${name}: attack direction sign(∇_z L) agrees on ${(signs * 100).toFixed(1)}% only`);
  }
  report.push(row);
  t.diagnostic(`${name}: worst gradient rel. error ${worst.toExponential(2)}, all ${all.toExponential(2)}${row.attackSignAgreement !== undefined ? `, attack signs ${((row.attackSignAgreement as number) * 100).toFixed(2)}%` : ''}`);
}

function tinyConfig(method: SslMethodName): RunConfig {
  // MoCo's queue must hold a multiple of 2·batch keys.
  return resolveConfig({ preset: 'tiny', backend: 'auto', seed: 7, ssl: { method, ...(method === 'mocov2' ? { queueSize: 64 } : {}) }, idaa: { enabled: true } });
}

test('webgpu = cpu: the VAE step (loss, gradients of every VAE weight, a full trainer step)', async (t) => {
  const cfg = tinyConfig('simclr');
  await compare(t, 'vae', cfg, (trainer) => vaeCase(trainer, fixedViews(cfg, 'parity/vae')));
});

for (const method of METHODS) {
  test(`webgpu = cpu: ${method} with IDAA (the latent attack's gradient and direction, the training loss's gradients, a full trainer step)`, async (t) => {
    const cfg = tinyConfig(method);
    await compare(t, `${method}+idaa`, cfg, (trainer, xAdv) => sslCase(trainer, fixedViews(cfg, `parity/${method}`), xAdv));
  });
}
