import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/engine/config/resolve';
import type { RunConfigInput, SslMethodName } from '../../src/engine/config/types';
import { resumeJob, trainJob } from '../../src/engine/jobs';
import { RunController } from '../../src/engine/runs/controller';
import { StepRecord } from '../../src/engine/train/run';
import { syntheticDataset } from './helpers';

export function readSteps(runDir: string): StepRecord[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'step');
}

/**
 * Trains a small run straight through, then the same run stopped after `stopAfter` steps and
 * resumed from its checkpoint in a new Trainer; returns both step logs for comparison.
 */
export async function stopAndResume(stopAfter: number, method?: SslMethodName, ssl: RunConfigInput['ssl'] = {}): Promise<{ full: StepRecord[]; resumed: StepRecord[] }> {
  const ds = syntheticDataset({ train: 48, test: 16, size: 8, classes: 4 });
  const c = resolveConfig({
    preset: 'tiny',
    seed: 5,
    data: { imageSize: 8 },
    vae: { epochs: 2, width: 4, latentDim: 4, batchSize: 16 },
    ssl: { epochs: 2, batchSize: 16, ...(method ? { method } : {}), ...ssl },
    eval: { knnK: 4 },
  });
  const fullDir = mkdtempSync(join(tmpdir(), 'idaa-full-'));
  (await trainJob(c, { runDir: fullDir, dataset: ds })).trainer.dispose();
  const partDir = mkdtempSync(join(tmpdir(), 'idaa-part-'));
  let ctl: RunController | undefined;
  const first = await trainJob(c, {
    runDir: partDir,
    dataset: ds,
    onController: (x) => (ctl = x),
    events: { step: (r) => r.step >= stopAfter && ctl!.stop() },
  });
  first.trainer.dispose();
  assert.equal(first.state, 'stopped');
  assert.equal(first.position.globalStep, stopAfter);
  assert.notEqual(first.position.phase, 'done');
  const resumed = await resumeJob({ runDir: partDir, dataset: ds });
  assert.equal(resumed.state, 'completed');
  resumed.trainer.dispose();
  return { full: readSteps(fullDir), resumed: readSteps(partDir) };
}
