import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointFile } from './checkpoint/format';
import { resolveConfig } from './config/resolve';
import { RunConfig } from './config/types';
import { loadDataset } from './data/load';
import { Dataset } from './data/types';
import { CheckpointError } from './errors';
import { trainLinearProbe } from './eval/linearProbe';
import { knnAccuracy } from './eval/knn';
import { inspectSamples, InspectResult } from './inspect/inspect';
import { renderInspectionSheet } from './inspect/inspectionSheet';
import { writePng } from './inspect/png';
import { CheckpointMeta, Position, Run, RunEvents } from './train/run';
import { Trainer } from './train/trainer';

/** Loads the dataset a config names (built-in or from disk). */
export async function openDataset(config: RunConfig, log?: (line: string) => void): Promise<Dataset> {
  const d = config.data;
  return loadDataset({ kind: d.dataset, path: d.path, imageSize: d.imageSize, trainLimit: d.trainLimit || undefined, testLimit: d.testLimit || undefined }, log);
}

export interface TrainJobOptions {
  runDir: string;
  events?: RunEvents;
  shouldStop?: () => boolean;
  vaeOnly?: boolean;
  dataset?: Dataset;
}

/** Trains a run from scratch: VAE pre-training (unless a VAE checkpoint is given or IDAA is off), then SSL. */
export async function trainJob(config: RunConfig, opts: TrainJobOptions): Promise<{ run: Run; trainer: Trainer; position: Position }> {
  const ds = opts.dataset ?? (await openDataset(config, opts.events?.log));
  const trainer = new Trainer(config, ds);
  if (config.vae.checkpoint) {
    Run.loadVae(trainer, config.vae.checkpoint);
    opts.events?.log?.(`VAE weights from ${config.vae.checkpoint}`);
  }
  const start: Position | undefined = opts.vaeOnly ? { phase: 'vae', epoch: 0, batch: 0, globalStep: 0 } : undefined;
  const run = new Run(trainer, start);
  const position = await run.train({ runDir: opts.runDir, events: opts.events, shouldStop: opts.shouldStop, vaeOnly: opts.vaeOnly });
  return { run, trainer, position };
}

/** Rebuilds the models of a checkpoint (its own config) and loads them. */
export async function openCheckpoint(file: string, log?: (line: string) => void, dataset?: Dataset): Promise<{ run: Run; trainer: Trainer; meta: CheckpointMeta }> {
  const { meta } = readCheckpointFile<CheckpointMeta>(file);
  if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
  const config = resolveConfig(meta.config);
  const ds = dataset ?? (await openDataset(config, log));
  const trainer = new Trainer(config, ds);
  const run = Run.restore(trainer, file);
  return { run, trainer, meta };
}

export interface InspectJobOptions {
  indices: number[];
  split?: 'train' | 'test';
  eps?: number;
  steps?: number;
  outDir: string;
  name?: string;
}

/** Decomposes and attacks samples at a checkpoint; writes `<name>.png` (the sheet) and `<name>.json` (the numbers). */
export function inspectJob(trainer: Trainer, opts: InspectJobOptions): { result: InspectResult; png: string; json: string } {
  const c = trainer.config;
  const result = inspectSamples(trainer.vae, trainer.encoder, trainer.dataset, {
    indices: opts.indices,
    split: opts.split ?? 'test',
    eps: opts.eps ?? c.idaa.eps,
    steps: opts.steps ?? c.idaa.steps,
    temperature: c.ssl.temperature,
    imageSize: c.data.imageSize,
    mean: trainer.mean,
    std: trainer.std,
  });
  mkdirSync(opts.outDir, { recursive: true });
  const name = opts.name ?? 'inspection';
  const png = join(opts.outDir, `${name}.png`);
  const json = join(opts.outDir, `${name}.json`);
  writePng(png, renderInspectionSheet(result, `${trainer.dataset.name} · ε = ${result.eps} · ${result.steps} step${result.steps > 1 ? 's' : ''}`));
  writeFileSync(json, JSON.stringify({ eps: result.eps, steps: result.steps, lossBefore: result.lossBefore, lossAfter: result.lossAfter, samples: result.samples }, null, 2) + '\n');
  return { result, png, json };
}

export interface EvalResult {
  knnAccuracy: number;
  probe?: { finalTestAccuracy: number; trainAccuracy: number; perEpochTestAccuracy: number[]; epochs: number };
}

/** kNN monitor and linear probe (trained on the train split, final accuracy on the test split). */
export async function evalJob(trainer: Trainer, opts: { probeEpochs?: number; log?: (line: string) => void }): Promise<EvalResult> {
  const c = trainer.config;
  const ds = trainer.dataset;
  const trP = await trainer.features(ds.train);
  const teP = await trainer.features(ds.test);
  const knn = knnAccuracy(trP.data, ds.train.labels, teP.data, ds.test.labels, trP.dim, ds.classNames.length, { k: c.eval.knnK, sigma: c.eval.knnSigma });
  opts.log?.(`kNN accuracy (K = ${c.eval.knnK}, σ = ${c.eval.knnSigma}): ${(knn * 100).toFixed(2)}%`);
  const epochs = opts.probeEpochs ?? c.eval.probeEpochs;
  if (epochs <= 0) return { knnAccuracy: knn };
  const trH = await trainer.features(ds.train, 256, 'backbone');
  const teH = await trainer.features(ds.test, 256, 'backbone');
  const probe = await trainLinearProbe({ features: trH.data, labels: ds.train.labels }, { features: teH.data, labels: ds.test.labels }, trH.dim, ds.classNames.length, {
    epochs,
    lr: c.eval.probeLr,
    batchSize: c.eval.probeBatchSize,
    seed: c.seed,
  });
  opts.log?.(`linear probe (${epochs} epochs): final test accuracy ${(probe.finalTestAccuracy * 100).toFixed(2)}%`);
  return { knnAccuracy: knn, probe: { ...probe, epochs } };
}
