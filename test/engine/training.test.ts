import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../../src/engine/config/resolve';
import { inspectJob, openCheckpoint, trainJob } from '../../src/engine/jobs';
import { INFER } from '../../src/engine/models/layers';
import { StepRecord } from '../../src/engine/train/run';
import { decodePng } from '../../src/engine/inspect/png';
import { syntheticDataset, useWasm } from './helpers';

const ds = syntheticDataset({ train: 64, test: 32, size: 16, classes: 4 });
const config = resolveConfig({ preset: 'tiny', seed: 3, vae: { epochs: 4 }, ssl: { epochs: 2 }, eval: { knnK: 8 } });

function readSteps(runDir: string): StepRecord[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'step');
}

test('a tiny end-to-end run lowers the VAE loss, trains SimCLR + IDAA, writes checkpoints that load back to identical outputs', async () => {
  await useWasm();
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-run-'));
  const { trainer, run, position } = await trainJob(config, { runDir, dataset: ds });
  assert.equal(position.phase, 'done');
  const steps = readSteps(runDir);
  const vae = steps.filter((s) => s.phase === 'vae');
  const ssl = steps.filter((s) => s.phase === 'ssl');
  assert.equal(vae.length, 4 * 4, '4 epochs of 4 batches of 16');
  assert.equal(ssl.length, 2 * 4);
  assert.deepEqual(steps.map((s) => s.step), steps.map((_, i) => i + 1), 'steps numbered without gaps');
  const mean = (a: StepRecord[]) => a.reduce((s, r) => s + r.loss, 0) / a.length;
  assert.ok(mean(vae.slice(-4)) < mean(vae.slice(0, 4)), `VAE loss ${mean(vae.slice(0, 4))} → ${mean(vae.slice(-4))}`);
  for (const s of ssl) {
    assert.ok(s.terms.contrastive > 0 && s.terms.adversarial > 0, 'both NT-Xent terms are logged');
    assert.ok(Math.abs(s.loss - (s.terms.contrastive + s.terms.adversarial)) < 1e-5, 'loss = contrastive + α·adversarial with α = 1');
  }
  assert.ok(run.lastKnn !== undefined && run.lastKnn >= 0 && run.lastKnn <= 1);
  for (const name of ['vae-final.ckpt', 'ssl-final.ckpt']) assert.ok(existsSync(join(runDir, 'checkpoints', name)), name);

  // Reload in a fresh Trainer: the same outputs, bit for bit.
  const { trainer: back, meta } = await openCheckpoint(join(runDir, 'checkpoints', 'ssl-final.ckpt'), undefined, ds);
  assert.equal(meta.position.phase, 'done');
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  assert.deepEqual(back.encoder.forward(x, INFER).z.dataSync(), trainer.encoder.forward(x, INFER).z.dataSync());
  assert.deepEqual(back.encoder.forward(x, { training: false, bn: 'aux' }).z.dataSync(), trainer.encoder.forward(x, { training: false, bn: 'aux' }).z.dataSync());
  const z = back.vae.encode(x, INFER).mu;
  assert.deepEqual(back.vae.decode(z, INFER).dataSync(), trainer.vae.decode(trainer.vae.encode(x, INFER).mu, INFER).dataSync());

  // The inspection sheet and its numbers.
  const out = inspectJob(back, { indices: [0, 1, 2, 3, 4, 5], outDir: runDir, name: 'sheet' });
  const png = decodePng(readFileSync(out.png));
  assert.ok(png.width > 6 * 48 && png.height > 5 * 48, `sheet ${png.width}x${png.height}`);
  const nums = JSON.parse(readFileSync(out.json, 'utf8'));
  assert.equal(nums.samples.length, 6);
  for (const s of nums.samples) {
    assert.ok(s.latentLinf > 0.099 && s.latentLinf < 0.101, 'one FGSM step of ε = 0.1 moves some latent by exactly ε');
    assert.ok(s.cosine <= 1 && s.cosine >= -1 && s.rank >= 1 && s.rank <= 6);
  }
  assert.ok(nums.lossAfter > nums.lossBefore, 'the attack increases its loss');
  trainer.dispose();
  back.dispose();
});

