import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/engine/config/resolve';
import { trainJob } from '../../src/engine/jobs';
import { RunController } from '../../src/engine/runs/controller';
import { readManifest } from '../../src/common/runs/manifest';
import { readMetrics } from '../../src/common/runs/metricsLog';
import { readRunStatus, RunStateName } from '../../src/common/runs/state';
import { syntheticDataset, useWasm } from './helpers';

const ds = syntheticDataset({ train: 48, test: 16, size: 8, classes: 4 });
const config = resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { epochs: 1, width: 4, latentDim: 4, batchSize: 16 }, ssl: { epochs: 3, batchSize: 16 }, eval: { knnK: 4 } });
const tick = () => new Promise((r) => setTimeout(r, 30));

test('state machine: running → paused (at a batch boundary, models kept) → checkpoint while paused → running → stopping → stopped', async () => {
  await useWasm();
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-ctl-'));
  const states: RunStateName[] = [];
  let ctl: RunController | undefined;
  let stepsAtPause = -1;
  const job = trainJob(config, {
    runDir,
    dataset: ds,
    onController: (c) => (ctl = c),
    events: {
      state: (s) => states.push(s),
      step: (r) => {
        if (r.step === 4) ctl!.pause();
      },
    },
  });
  while (ctl?.state !== 'paused') await tick();
  stepsAtPause = readMetrics(runDir).filter((m) => m.kind === 'step').length;
  assert.equal(stepsAtPause, 4, 'pause takes effect at the next batch boundary');
  assert.equal(readRunStatus(runDir).state, 'paused', 'other processes see the pause');
  await tick();
  assert.equal(readMetrics(runDir).filter((m) => m.kind === 'step').length, 4, 'no training while paused');
  const file = await ctl.requestCheckpoint();
  assert.match(file, /manual-s000004\.ckpt$/);
  assert.ok(readManifest(runDir).checkpoints.some((c) => c.file === 'manual-s000004.ckpt' && c.kind === 'manual'));
  assert.throws(() => ctl!.pause(), /cannot pause a run that is paused/);
  ctl.resume();
  while (readMetrics(runDir).filter((m) => m.kind === 'step').length < 6) await tick();
  ctl.stop();
  const r = await job;
  assert.equal(r.state, 'stopped');
  assert.deepEqual(states, ['running', 'paused', 'running', 'stopping', 'stopped']);
  const last = readManifest(runDir).checkpoints.at(-1)!;
  assert.equal(last.kind, 'stop', 'stop writes a final checkpoint');
  assert.equal(last.step, r.position.globalStep);
  await assert.rejects(ctl.requestCheckpoint(), /cannot checkpoint a run that is stopped/);
  r.trainer.dispose();
});

test('a run that completes records completed, and a failure records failed with the reason', async () => {
  await useWasm();
  const ok = await trainJob(config, { runDir: mkdtempSync(join(tmpdir(), 'idaa-ctl-')), dataset: ds });
  assert.equal(ok.state, 'completed');
  ok.trainer.dispose();
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-ctl-'));
  // A learning rate that makes the loss non-finite: the run fails and says why.
  const bad = resolveConfig({ ...config, vae: { ...config.vae, lr: 1e30 } });
  await assert.rejects(trainJob(bad, { runDir, dataset: ds }), /loss became (NaN|Infinity)/);
  const st = readRunStatus(runDir);
  assert.equal(st.state, 'failed');
  assert.match(st.error!, /lower the learning rate/);
});
