import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readCheckpointFile } from './checkpoint/format';
import { usesVae } from './config/adversary';
import { diffConfigs, loadConfigFile, resolveConfig, withEditedSettings } from './config/resolve';
import { RunConfig } from './config/types';
import { loadDataset } from './data/load';
import { Dataset } from './data/types';
import { CheckpointError, IdaaError } from '../common/errors';
import { ConfiguredProbeResult, configuredProbe, describeProbe } from './eval/configuredProbe';
import { knnAccuracy } from './eval/knn';
import { InspectResult } from './inspect/inspect';
import { inspectTrainer, InspectTrainerOptions } from './inspect/trainerInspect';
import { renderInspectionSheet } from './inspect/inspectionSheet';
import { writePng } from '../common/png';
import { ControllerEvents, RunController } from './runs/controller';
import { runPaths } from '../common/runs/layout';
import type { RunLock } from '../common/runs/lock';
import { linearProbeRecord, LinearProbeRecord, storeLinearProbe } from '../common/runs/linearProbe';
import { checkpointPath, readManifest, supersedeAfter } from '../common/runs/manifest';
import { rollBackMetrics } from '../common/runs/metricsLog';
import { readRunStatus, RunJob, RunStateName } from '../common/runs/state';
import { openRunForWriting } from './runs/openRun';
import { checkVaeCheckpoint, preflight } from './train/preflight';
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
  /** The run folder's lock when the caller already holds it (an experiment cell); else the job takes it. */
  lock?: RunLock;
  /** Names this process in the lock, for the refusal another process gets. */
  command?: string;
}

export interface TrainJobResult {
  run: Run;
  trainer: Trainer;
  position: Position;
  state: RunStateName;
  /** What the run folder is: a full training or the VAE only. */
  job: RunJob;
}

/** How this process is named in a run folder's lock: its command line, shortened. */
export function processCommand(): string {
  const args = process.argv.slice(1).map((a, i) => (i === 0 ? basename(a) : a));
  const s = args.join(' ');
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** Trains a new run: VAE pre-training (unless a VAE checkpoint is given or IDAA is off), then SSL. */
export async function trainJob(config: RunConfig, opts: TrainJobOptions): Promise<TrainJobResult> {
  const log = opts.events?.log;
  const own = opts.lock ? undefined : openRunForWriting(opts.runDir, opts.command ?? processCommand(), log).lock;
  try {
    const paths = runPaths(opts.runDir);
    if (readManifest(opts.runDir).checkpoints.length > 0) {
      throw new IdaaError(`${opts.runDir} already holds a run with checkpoints: resume it (idaa resume ${opts.runDir}) or choose another folder`);
    }
    if (existsSync(paths.config)) {
      const diffs = diffConfigs(loadConfigFile(paths.config), config);
      if (diffs.length) throw new IdaaError(`${opts.runDir} holds another run's config (${diffs.slice(0, 3).join('; ')}${diffs.length > 3 ? '; …' : ''}); choose another folder`);
    }
    const job: RunJob = opts.vaeOnly ? 'vae' : 'train';
    const vaeMeta = config.vae.checkpoint && usesVae(config) ? checkVaeCheckpoint(config.vae.checkpoint, config) : undefined;
    const ds = opts.dataset ?? (await openDataset(config, log));
    const start: Position | undefined = opts.vaeOnly ? { phase: 'vae', epoch: 0, batch: 0, globalStep: 0 } : undefined;
    const willTrainVae = opts.vaeOnly || (usesVae(config) && !config.vae.checkpoint && config.vae.epochs > 0);
    preflight(config, ds, { vae: willTrainVae && config.vae.epochs > 0, ssl: !opts.vaeOnly && config.ssl.epochs > 0 });
    // An earlier attempt in this folder that died before its first checkpoint left only metric lines: set them aside.
    const dropped = rollBackMetrics(opts.runDir, 0, true);
    if (dropped) log?.(`moved ${dropped} metric lines of an earlier attempt without checkpoints to metrics.discarded.jsonl`);
    const trainer = new Trainer(config, ds);
    if (config.vae.checkpoint) {
      Run.loadVae(trainer, config.vae.checkpoint);
      log?.(`VAE weights from ${config.vae.checkpoint}${vaeMeta ? ` (trained ${vaeMeta.optimizerSteps.vae} steps)` : ''}`);
    }
    return await drive(new Run(trainer, start), opts, job);
  } finally {
    own?.release();
  }
}

async function drive(run: Run, opts: TrainJobOptions, job: RunJob): Promise<TrainJobResult> {
  prepareRunDir(opts.runDir, run.config);
  const controller = new RunController(run, opts.runDir, opts.events, job === 'vae');
  opts.onController?.(controller);
  const state = await controller.start();
  return { run, trainer: run.trainer, position: run.position, state, job };
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
 * Resuming from an earlier point than the latest starts a new branch: the later checkpoints leave
 * the live timeline (kept in checkpoints/superseded/), and their metric lines leave the live log.
 */
export async function resumeJob(opts: ResumeJobOptions): Promise<TrainJobResult> {
  const { runDir } = opts;
  const log = opts.events?.log;
  const paths = runPaths(runDir);
  if (!existsSync(paths.config)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
  const opened = opts.lock ? undefined : openRunForWriting(runDir, opts.command ?? processCommand(), log);
  try {
    const manifest = readManifest(runDir);
    const latest = manifest.checkpoints.at(-1);
    const file = opts.from ?? (latest ? checkpointPath(runDir, latest) : undefined);
    if (!file) throw new IdaaError(`${runDir}: no complete checkpoint to resume from (checkpoints/manifest.json lists none); start it again with idaa train --run-dir ${runDir}`);
    const { meta } = readCheckpointFile<CheckpointMeta>(file);
    if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
    const status = opened?.status ?? readRunStatus(runDir);
    const job: RunJob = meta.job ?? (status.damaged ? undefined : status.job) ?? 'train';
    if (meta.position.phase === 'done' || (job === 'vae' && meta.position.phase !== 'vae')) {
      throw new IdaaError(`${runDir}: the run is already complete (${job === 'vae' ? 'a VAE-only run, ' : ''}checkpoint ${file}); nothing to resume`);
    }
    const current = loadConfigFile(paths.config);
    const diffs = diffConfigs(resolveConfig(meta.config), current);
    if (diffs.length && !opts.force) {
      throw new IdaaError(`${paths.config} differs from the config of checkpoint ${file} in fields that change the result:\n  ${diffs.join('\n  ')}\nRestore those values, or resume with --force to go on with the new ones.`);
    }
    if (diffs.length) log?.(`resuming with changed config (--force): ${diffs.join('; ')}`);
    const { config, changed } = withEditedSettings(resolveConfig(meta.config), current);
    if (changed.length) log?.(`applying settings edited in config.json: ${changed.join('; ')}`);
    const resolved = diffs.length ? current : config;
    const ds = opts.dataset ?? (await openDataset(resolved, log));
    const phase = meta.position.phase;
    preflight(resolved, ds, { vae: phase === 'vae', ssl: job === 'train' && resolved.ssl.epochs > 0 });
    const run = Run.restore(new Trainer(resolved, ds), file);
    const inRun = resolve(dirname(file)) === resolve(paths.checkpoints) ? basename(file) : undefined;
    const superseded = supersedeAfter(runDir, { step: meta.position.globalStep, file: inRun });
    if (superseded.length) log?.(`new branch from step ${meta.position.globalStep}: ${superseded.length} later checkpoint(s) moved out of the live timeline to ${join(paths.checkpoints, superseded[0]!.dir)} (${superseded.map((e) => e.file).join(', ')})`);
    const dropped = rollBackMetrics(runDir, meta.position.globalStep, meta.position.batch === 0);
    log?.(`resuming from ${file} at ${phase} epoch ${meta.position.epoch + 1}, step ${meta.position.globalStep}${dropped ? ` (${dropped} metric lines written after it moved to metrics.discarded.jsonl)` : ''}`);
    return await drive(run, opts, job);
  } finally {
    opened?.lock.release();
  }
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
  const a = result.attack;
  writePng(png, renderInspectionSheet(result, `${trainer.dataset.name} · ε = ${result.eps} · ${result.steps} step${result.steps > 1 ? 's' : ''} · ${a.mode} mode, batch ${a.batch.length}`));
  writeFileSync(json, JSON.stringify({ eps: result.eps, steps: result.steps, lossBefore: result.lossBefore, lossAfter: result.lossAfter, attack: result.attack, samples: result.samples }, null, 2) + '\n');
  return { result, png, json };
}

export interface EvalResult {
  knnAccuracy: number;
  probe?: ConfiguredProbeResult;
}

export interface EvalJobOptions {
  /** The probe's epoch budget (default: the config's `eval.probeEpochs`; 0 skips the probe). */
  probeEpochs?: number;
  log?: (line: string) => void;
  /** Where the job is, for progress displays: a message and a percentage. */
  progress?: (message: string, percent: number) => void;
  /** Asked between stages and probe epochs; true ends the job with EvalCancelled. */
  cancelled?: () => boolean;
}

/** evalJob was cancelled (EvalJobOptions.cancelled); nothing was measured. */
export class EvalCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
  }
}

/** kNN monitor and linear probe (trained on the train split, final accuracy on the test split). */
export async function evalJob(trainer: Trainer, opts: EvalJobOptions): Promise<EvalResult> {
  const c = trainer.config;
  const ds = trainer.dataset;
  const progress = opts.progress ?? (() => undefined);
  const checkCancel = (): void => {
    if (opts.cancelled?.()) throw new EvalCancelled();
  };
  progress('kNN monitor: features', 20);
  const trP = await trainer.knnFeatures(ds.train);
  const teP = await trainer.knnFeatures(ds.test);
  checkCancel();
  const knn = knnAccuracy(trP.data, ds.train.labels, teP.data, ds.test.labels, trP.dim, ds.classNames.length, { k: c.eval.knnK, sigma: c.eval.knnSigma });
  opts.log?.(`kNN accuracy (K = ${c.eval.knnK}, σ = ${c.eval.knnSigma}): ${(knn * 100).toFixed(2)}%`);
  const epochs = opts.probeEpochs ?? c.eval.probeEpochs;
  if (epochs <= 0) return { knnAccuracy: knn };
  progress(`kNN ${(knn * 100).toFixed(1)}%; linear probe: features`, 35);
  // With eval.knnFeatures "backbone" the probe reads the features the monitor just computed.
  const backbone = c.eval.knnFeatures === 'backbone';
  const trH = backbone ? trP : await trainer.features(ds.train, 256, 'backbone');
  const teH = backbone ? teP : await trainer.features(ds.test, 256, 'backbone');
  checkCancel();
  progress(`linear probe: 0/${epochs} epochs`, 50);
  const probe = await configuredProbe(c, { ...trH, labels: ds.train.labels }, { ...teH, labels: ds.test.labels }, ds.classNames.length, epochs, (e, _loss, acc) => {
    // The probe awaits between epochs, so a cancellation arrives here.
    checkCancel();
    progress(`linear probe: ${e + 1}/${epochs} epochs${Number.isNaN(acc) ? '' : `, test ${(acc * 100).toFixed(1)}%`}`, 50 + (50 * (e + 1)) / epochs);
  });
  opts.log?.(describeProbe(probe));
  return { knnAccuracy: knn, probe };
}

/**
 * Keeps an evaluation of `checkpoint` (a file in `<runDir>/checkpoints/`) with its run, in
 * `<run>/linear-probe.json`, as `idaa eval` and Evaluate Checkpoint both do; returns the record.
 */
export function storeEvaluation(runDir: string, checkpoint: string, at: Position, c: RunConfig, knn: number, p: ConfiguredProbeResult, seconds: number): LinearProbeRecord {
  const probe: LinearProbeRecord['probe'] = {
    finalTestAccuracy: p.finalTestAccuracy,
    trainAccuracy: p.trainAccuracy,
    epochs: p.epochs,
    lr: c.eval.probeLr,
    batchSize: c.eval.probeBatchSize,
    perEpochTestAccuracy: [...p.perEpochTestAccuracy],
    maxEpochs: p.maxEpochs,
    converged: p.converged,
    standardized: p.standardized,
  };
  const record = linearProbeRecord(runDir, checkpoint, { phase: at.phase, epoch: at.epoch, step: at.globalStep }, knn, probe, seconds);
  storeLinearProbe(runDir, record);
  return record;
}
