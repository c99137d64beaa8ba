import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evalJob, inspectJob, openCheckpoint, processCommand, resumeJob, trainJob, TrainJobResult } from '../jobs';
import type { RunConfig } from '../config/types';
import type { RunLock } from '../../common/runs/lock';
import { openRunForWriting } from '../runs/openRun';
import { IdaaError } from '../../common/errors';
import { ControllerEvents } from '../runs/controller';
import { writeJsonAtomic } from '../../common/runs/atomicFile';
import { readMetrics } from '../../common/runs/metricsLog';
import type { RunStatus } from '../../common/runs/state';
import { Run } from '../train/run';
import { Trainer } from '../train/trainer';
import { Cell } from './spec';
import { readRegularFileSync } from '../../common/fileGuard';

export interface CellResult {
  id: string;
  kind: 'vae' | 'ssl';
  dataset: string;
  method?: string;
  seed: number;
  transferFrom?: string;
  /** kNN accuracy after the last epoch (no selection). */
  knnFinal?: number;
  /** kNN accuracy after each SSL epoch, for the efficiency curves. */
  knnPerEpoch?: number[];
  /** Linear probe trained on the train split, final accuracy on the test split. */
  probeFinal?: number;
  probeTrain?: number;
  /** Seconds spent in training epochs (summed over resumes) and images/s of the training steps. */
  trainSeconds: number;
  imagesPerSec: number;
  steps: number;
  checkpoint: string;
  inspection?: string;
}

export function cellDir(root: string, cell: Cell): string {
  return join(root, cell.kind === 'vae' ? 'vae' : 'runs', cell.id);
}

export function readCellResult(root: string, cell: Cell): CellResult | undefined {
  const f = join(cellDir(root, cell), 'result.json');
  return existsSync(f) ? (JSON.parse(readRegularFileSync(f, { what: 'cell result', maxBytes: 16 * 1024 * 1024 }).toString('utf8')) as CellResult) : undefined;
}

/**
 * Trains one cell, or continues it from its latest checkpoint when an earlier attempt was cut
 * short, then evaluates it and writes result.json (the mark of a finished cell).
 */
export async function runCell(root: string, cell: Cell, events: ControllerEvents = {}): Promise<CellResult> {
  const done = readCellResult(root, cell);
  if (done) return done;
  const runDir = cellDir(root, cell);
  const config = structuredClone(cell.config);
  const vae = cell.vaeCell ? join(root, 'vae', cell.vaeCell, 'checkpoints', 'vae-final.ckpt') : undefined;
  if (vae && config.idaa.enabled) {
    if (!existsSync(vae)) throw new IdaaError(`cell ${cell.id} needs the VAE of cell ${cell.vaeCell} (${vae}), which is not trained yet`);
    config.vae.checkpoint = vae;
  }
  // The cell owns its folder from the first look to result.json: no other process trains or resumes in it meanwhile.
  const { lock, manifest, status: st } = openRunForWriting(runDir, `experiment cell ${cell.id} (${processCommand()})`, events.log);
  try {
    return await finishCell(cell, runDir, config, vae, events, lock, existsSync(join(runDir, 'config.json')) ? st : undefined, manifest.checkpoints.length > 0);
  } finally {
    lock.release();
  }
}

async function finishCell(cell: Cell, runDir: string, config: RunConfig, vae: string | undefined, events: ControllerEvents, lock: RunLock, status: RunStatus | undefined, hasCheckpoints: boolean): Promise<CellResult> {
  const phase = cell.kind === 'vae' ? 'vae' : 'ssl';
  let r: TrainJobResult;
  if (status?.state === 'completed') {
    // Trained, but cut short before its evaluation was written.
    const { run, trainer } = await openCheckpoint(join(runDir, 'checkpoints', `${phase}-final.ckpt`), events.log);
    r = { run, trainer, position: run.position, state: 'completed', job: cell.kind === 'vae' ? 'vae' : 'train' };
  } else if (status && hasCheckpoints) {
    events.log?.(`${cell.id}: continuing from its latest checkpoint`);
    r = await resumeJob({ runDir, events, lock });
  } else {
    r = await trainJob(config, { runDir, events, vaeOnly: cell.kind === 'vae', lock });
  }
  if (r.state !== 'completed') {
    r.trainer.dispose();
    throw new IdaaError(`cell ${cell.id} ended ${r.state}`);
  }
  const metrics = readMetrics(runDir);
  const steps = metrics.filter((m) => m.kind === 'step' && m.phase === phase);
  const epochs = metrics.filter((m) => m.kind === 'epoch' && m.phase === phase);
  const trainSeconds = epochs.reduce((s, e) => s + Number(e.seconds), 0);
  const result: CellResult = {
    id: cell.id,
    kind: cell.kind,
    dataset: cell.dataset,
    method: cell.method,
    seed: cell.seed,
    transferFrom: cell.transferFrom,
    trainSeconds,
    imagesPerSec: (steps.length * (cell.kind === 'vae' ? config.vae.batchSize : config.ssl.batchSize)) / Math.max(1e-9, trainSeconds),
    steps: steps.length,
    // Relative to the working folder (the repository for `npm run experiment`): results files name no machine's folders.
    checkpoint: relative(process.cwd(), join(runDir, 'checkpoints', `${phase}-final.ckpt`)),
  };
  if (cell.kind === 'ssl') {
    result.knnPerEpoch = epochs.map((e) => Number(e.knnAccuracy));
    const ev = await evalJob(r.trainer, { log: events.log });
    result.knnFinal = ev.knnAccuracy;
    result.probeFinal = ev.probe?.finalTestAccuracy;
    result.probeTrain = ev.probe?.trainAccuracy;
    if (config.idaa.enabled || (vae && existsSync(vae))) {
      if (!config.idaa.enabled) Run.loadVae(r.trainer, vae!);
      result.inspection = relative(process.cwd(), inspectCell(r.trainer, runDir));
    }
  }
  r.trainer.dispose();
  writeJsonAtomic(join(runDir, 'result.json'), result);
  return result;
}

/** The inspection sheet of a trained cell: one test image per class (up to 8). */
export function inspectCell(trainer: Trainer, runDir: string): string {
  const labels = trainer.dataset.test.labels;
  const firstOfClass = new Map<number, number>();
  labels.forEach((l, i) => firstOfClass.has(l) || firstOfClass.set(l, i));
  const indices = [...firstOfClass.values()].sort((a, b) => a - b).slice(0, 8);
  return inspectJob(trainer, { indices, outDir: runDir, name: 'inspection' }).png;
}
