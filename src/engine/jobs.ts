import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointFile } from './checkpoint/format';
import { diffConfigs, loadConfigFile, resolveConfig } from './config/resolve';
import { RunConfig } from './config/types';
import { loadDataset } from './data/load';
import { Dataset } from './data/types';
import { CheckpointError, IdaaError } from '../common/errors';
import { trainLinearProbe } from './eval/linearProbe';
import { knnAccuracy } from './eval/knn';
import { InspectResult } from './inspect/inspect';
import { inspectTrainer, InspectTrainerOptions } from './inspect/trainerInspect';
import { renderInspectionSheet } from './inspect/inspectionSheet';
import { writePng } from './inspect/png';
import { ControllerEvents, RunController } from './runs/controller';
import { runPaths } from '../common/runs/layout';
import { checkpointPath, latestCheckpoint, readManifest } from '../common/runs/manifest';
import { rollBackMetrics } from '../common/runs/metricsLog';
import { readRunStatus, RunStateName } from '../common/runs/state';
import { CheckpointMeta, Position, prepareRunDir, Run } from './train/run';
import { Trainer } from './train/trainer';

export { inspectTrainer };
export type { InspectTrainerOptions };

/** Loads the dataset a config names (built-in or from disk). */
export async function openDataset(config: RunConfig, log?: (line: string) => void): Promise<Dataset> {
  const d = config.data;
  return loadDataset({ kind: d.dataset, path: d.path, imageSize: d.imageSize, trainLimit: d.trainLimit || undefined, testLimit: d.testLimit || undefined }, log);
}

export interface TrainJobOptions {
  runDir: string;
  events?: ControllerEvents;
  vaeOnly?: boolean;
  dataset?: Dataset;
  /** Called with the controller before training starts, so a caller can pause, stop or checkpoint it. */
  onController?: (c: RunController) => void;
}

export interface TrainJobResult {
  run: Run;
  trainer: Trainer;
  position: Position;
  state: RunStateName;
}

/** Trains a new run: VAE pre-training (unless a VAE checkpoint is given or IDAA is off), then SSL. */
export async function trainJob(config: RunConfig, opts: TrainJobOptions): Promise<TrainJobResult> {
  if (existsSync(runPaths(opts.runDir).manifest) && readManifest(opts.runDir).checkpoints.length > 0) {
    throw new IdaaError(`${opts.runDir} already holds a run with checkpoints: resume it (idaa resume ${opts.runDir}) or choose another folder`);
  }
  if (existsSync(runPaths(opts.runDir).config)) {
    const diffs = diffConfigs(loadConfigFile(runPaths(opts.runDir).config), config);
    if (diffs.length) throw new IdaaError(`${opts.runDir} holds another run's config (${diffs.slice(0, 3).join('; ')}${diffs.length > 3 ? '; …' : ''}); choose another folder`);
  }
  const ds = opts.dataset ?? (await openDataset(config, opts.events?.log));
  // An earlier attempt in this folder that died before its first checkpoint left only metric lines: set them aside.
  const dropped = rollBackMetrics(opts.runDir, 0, true);
  if (dropped) opts.events?.log?.(`moved ${dropped} metric lines of an earlier attempt without checkpoints to metrics.discarded.jsonl`);
  const trainer = new Trainer(config, ds);
  if (config.vae.checkpoint) {
    Run.loadVae(trainer, config.vae.checkpoint);
    opts.events?.log?.(`VAE weights from ${config.vae.checkpoint}`);
  }
  const start: Position | undefined = opts.vaeOnly ? { phase: 'vae', epoch: 0, batch: 0, globalStep: 0 } : undefined;
  return drive(new Run(trainer, start), opts);
}

async function drive(run: Run, opts: TrainJobOptions): Promise<TrainJobResult> {
  prepareRunDir(opts.runDir, run.config);
  const controller = new RunController(run, opts.runDir, opts.events, opts.vaeOnly);
  opts.onController?.(controller);
  const state = await controller.start();
  return { run, trainer: run.trainer, position: run.position, state };
}

export interface ResumeJobOptions extends Omit<TrainJobOptions, 'vaeOnly'> {
  /** A checkpoint file; default the latest complete one in the run's manifest. */
  from?: string;
  /** Go on although the run's config.json differs from the checkpoint's in fields that change results. */
  force?: boolean;
}

/**
 * Continues a run from a checkpoint, exactly: models, optimizer moments, random streams and the
 * position in the epoch come back, and the metrics log is rolled back to the checkpoint's step.
 */
export async function resumeJob(opts: ResumeJobOptions): Promise<TrainJobResult> {
  const { runDir } = opts;
  const paths = runPaths(runDir);
  if (!existsSync(paths.config)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
  const status = readRunStatus(runDir);
  if ((status.state === 'running' || status.state === 'paused' || status.state === 'stopping') && status.pid !== process.pid) {
    throw new IdaaError(`${runDir}: the run is ${status.state} in process ${status.pid}; stop it first`);
  }
  const latest = latestCheckpoint(runDir);
  const file = opts.from ?? (latest ? checkpointPath(runDir, latest) : undefined);
  if (!file) throw new IdaaError(`${runDir}: no complete checkpoint to resume from (checkpoints/manifest.json lists none)`);
  const { meta } = readCheckpointFile<CheckpointMeta>(file);
  if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
  if (meta.position.phase === 'done') throw new IdaaError(`${runDir}: the run is already complete (checkpoint ${file}); nothing to resume`);
  const current = loadConfigFile(paths.config);
  const diffs = diffConfigs(resolveConfig(meta.config), current);
  if (diffs.length && !opts.force) {
    throw new IdaaError(`${paths.config} differs from the config of checkpoint ${file} in fields that change the result:\n  ${diffs.join('\n  ')}\nRestore those values, or resume with --force to go on with the new ones.`);
  }
  const config = diffs.length ? current : resolveConfig(meta.config);
  if (diffs.length) opts.events?.log?.(`resuming with changed config (--force): ${diffs.join('; ')}`);
  const ds = opts.dataset ?? (await openDataset(config, opts.events?.log));
  const run = Run.restore(new Trainer(config, ds), file);
  const dropped = rollBackMetrics(runDir, meta.position.globalStep, meta.position.batch === 0);
  opts.events?.log?.(`resuming from ${file} at ${meta.position.phase} epoch ${meta.position.epoch + 1}, step ${meta.position.globalStep}${dropped ? ` (${dropped} metric lines written after it moved to metrics.discarded.jsonl)` : ''}`);
  return drive(run, opts);
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

export interface InspectJobOptions extends InspectTrainerOptions {
  outDir: string;
  name?: string;
}

/** Decomposes and attacks samples at a checkpoint; writes `<name>.png` (the sheet) and `<name>.json` (the numbers). */
export function inspectJob(trainer: Trainer, opts: InspectJobOptions): { result: InspectResult; png: string; json: string } {
  const result = inspectTrainer(trainer, opts);
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
