import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readCheckpointFile, writeCheckpointFile } from '../checkpoint/format';
import { restoreVariables, snapshotVariables } from '../checkpoint/modelState';
import { usesVae } from '../config/adversary';
import { configFingerprint } from '../config/resolve';
import { RunConfig } from '../config/types';
import { Dataset } from '../data/types';
import { CheckpointError, IdaaError } from '../../common/errors';
import { realIo, writeJsonAtomic, WriteIo } from '../../common/runs/atomicFile';
import { runPaths } from '../../common/runs/layout';
import type { RunJob } from '../../common/runs/state';
import { addToManifest, applyRetention, CheckpointKind, latestCheckpoint } from '../../common/runs/manifest';
import { appendMetric } from '../../common/runs/metricsLog';
import { shouldProbe, writeProbe } from '../runs/probe';
import { batchesPerEpoch, epochOrder } from './batches';
import { linearDecay, linearWarmupCosine, warmupCosine } from './optim';
import { Phase, Trainer, TrainerRngState } from './trainer';

/** Where a run stands: the next batch to train is `batch` of `epoch` in `phase`. */
export interface Position {
  phase: Phase | 'done';
  epoch: number;
  batch: number;
  globalStep: number;
}

export interface StepRecord {
  kind: 'step';
  phase: Phase;
  epoch: number;
  batch: number;
  step: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
  imagesPerSec: number;
  time: string;
}

export interface EpochRecord {
  kind: 'epoch';
  phase: Phase;
  epoch: number;
  step: number;
  knnAccuracy?: number;
  meanLoss: number;
  seconds: number;
  time: string;
}

export interface CheckpointMeta {
  kind: 'idaa-studio-checkpoint';
  /** The job the run folder was started as (absent in checkpoints of older builds: a full training). */
  job?: RunJob;
  config: RunConfig;
  fingerprint: string;
  position: Position;
  optimizerSteps: { vae: number; ssl: number };
  rng: TrainerRngState;
  knnAccuracy?: number;
  bestKnnAccuracy?: number;
  createdAt: string;
}

export interface RunEvents {
  log?(line: string): void;
  step?(r: StepRecord, position: Position, stepsInEpoch: number): void;
  epoch?(r: EpochRecord): void;
  checkpoint?(file: string, bytes: number): void;
}

export interface RunOptions {
  runDir: string;
  events?: RunEvents;
  /**
   * Awaited between batches (pause waits here, on-demand checkpoints are taken here); 'stop' ends
   * the loop with a stop checkpoint.
   */
  boundary?: () => Promise<'continue' | 'stop'>;
  /** Stop after the VAE phase (`idaa vae`). */
  vaeOnly?: boolean;
}

/**
 * The learning rate of a phase at a batch: per epoch as the reference schedules it, except a linear
 * SSL warm-up, which rises per step (a pure function of the position, so a resumed run matches).
 */
export function learningRate(c: RunConfig, phase: Phase, epoch: number, batch: number, perEpoch: number): number {
  if (phase === 'vae') return linearDecay(c.vae.lr, epoch, c.vae.epochs);
  const s = c.ssl;
  return s.warmup === 'linear' ? linearWarmupCosine(s.lr, epoch, batch, perEpoch, s.epochs, s.warmupEpochs) : warmupCosine(s.lr, epoch, s.epochs, s.warmupEpochs);
}

/** Trains from `position` to the end (or until asked to stop), writing metrics and checkpoints into the run folder. */
export class Run {
  position: Position;
  bestKnn: number | undefined;
  lastKnn: number | undefined;

  constructor(
    readonly trainer: Trainer,
    position?: Position,
  ) {
    this.position = position ?? { phase: firstPhase(trainer.config), epoch: 0, batch: 0, globalStep: 0 };
  }

  get config(): RunConfig {
    return this.trainer.config;
  }

  /** What this run trains: everything, or the VAE only; checkpoints record it so a resume does the same job. */
  job: RunJob = 'train';

  async train(opts: RunOptions): Promise<Position> {
    const { runDir, events = {} } = opts;
    this.events = events;
    this.job = opts.vaeOnly ? 'vae' : 'train';
    prepareRunDir(runDir, this.config);
    const ds: Dataset = this.trainer.dataset;
    const n = ds.train.count;

    while (this.position.phase !== 'done') {
      const phase = this.position.phase;
      const c = phase === 'vae' ? this.config.vae : this.config.ssl;
      if (opts.vaeOnly && phase === 'ssl') break;
      const perEpoch = batchesPerEpoch(n, c.batchSize);
      if (perEpoch === 0) throw new Error(`the training split has ${n} samples, fewer than one ${phase} batch of ${c.batchSize}`);
      const { epoch } = this.position;
      const order = epochOrder(this.config.seed, phase, epoch, n);
      const epochStart = Date.now();
      let lossSum = 0;
      let lossCount = 0;
      while (this.position.batch < perEpoch) {
        if (opts.boundary && (await opts.boundary()) === 'stop') {
          await this.saveCheckpoint(runDir, 'stop');
          return this.position;
        }
        const b = this.position.batch;
        const lr = learningRate(this.config, phase, epoch, b, perEpoch);
        const idx = order.subarray(b * c.batchSize, (b + 1) * c.batchSize);
        const t0 = performance.now();
        // Read asynchronously: the webgpu backend cannot read its losses synchronously.
        const r = phase === 'vae' ? await this.trainer.vaeStepAsync(idx, lr) : await this.trainer.sslStepAsync(idx, lr, c.epochs * perEpoch);
        const dt = (performance.now() - t0) / 1000;
        if (!Number.isFinite(r.loss)) throw new Error(`the ${phase} loss became ${r.loss} at epoch ${epoch}, batch ${b}; lower the learning rate`);
        this.position = { ...this.position, batch: b + 1, globalStep: this.position.globalStep + 1 };
        lossSum += r.loss;
        lossCount++;
        const rec: StepRecord = { kind: 'step', phase, epoch, batch: b, step: this.position.globalStep, loss: r.loss, terms: r.terms, lr, imagesPerSec: c.batchSize / dt, time: new Date().toISOString() };
        appendMetric(runDir, rec);
        events.step?.(rec, this.position, perEpoch);
        if (phase === 'ssl' && shouldProbe(this.trainer, this.position.globalStep)) writeProbe(runDir, this.trainer, this.position.globalStep, epoch);
        if (this.config.checkpoint.everySteps > 0 && this.position.globalStep % this.config.checkpoint.everySteps === 0 && this.position.batch < perEpoch) {
          await this.saveCheckpoint(runDir, 'periodic');
        }
        // Yield so a host process can answer pause/stop/inspect requests between batches.
        await new Promise((res) => setImmediate(res));
      }
      const totalEpochs = c.epochs;
      let knn: number | undefined;
      const lastOfPhase = epoch + 1 >= totalEpochs;
      if (phase === 'ssl' && (lastOfPhase || (this.config.eval.knnEveryEpochs > 0 && (epoch + 1) % this.config.eval.knnEveryEpochs === 0))) {
        knn = await this.trainer.knnAccuracy();
        this.lastKnn = knn;
        if (this.bestKnn === undefined || knn > this.bestKnn) this.bestKnn = knn;
      }
      const erec: EpochRecord = { kind: 'epoch', phase, epoch, step: this.position.globalStep, meanLoss: lossSum / Math.max(1, lossCount), seconds: (Date.now() - epochStart) / 1000, time: new Date().toISOString(), ...(knn !== undefined ? { knnAccuracy: knn } : {}) };
      appendMetric(runDir, erec);
      events.epoch?.(erec);
      this.position = lastOfPhase
        ? { phase: nextPhase(phase, this.config), epoch: 0, batch: 0, globalStep: this.position.globalStep }
        : { ...this.position, epoch: epoch + 1, batch: 0 };
      const every = this.config.checkpoint.everyEpochs;
      if (lastOfPhase || (every > 0 && (epoch + 1) % every === 0)) {
        await this.saveCheckpoint(runDir, lastOfPhase ? 'final' : 'periodic', phase);
      }
    }
    return this.position;
  }

  private events: RunEvents = {};
  /** How checkpoint bytes reach the disk; the fault tests put a full disk here. */
  io: WriteIo = realIo;

  /** For people: the phase trained last (or now) and how many of its epochs are complete. */
  progress(): { phase: Phase; epochsDone: number; epochs: number } {
    const p = this.position;
    if (p.phase === 'done') {
      const phase: Phase = this.config.ssl.epochs > 0 ? 'ssl' : 'vae';
      const epochs = phase === 'vae' ? this.config.vae.epochs : this.config.ssl.epochs;
      return { phase, epochsDone: epochs, epochs };
    }
    // At the start of a phase after the VAE, show the VAE as complete.
    if (p.phase === 'ssl' && p.epoch === 0 && p.batch === 0 && this.trainer.vaeOpt.step > 0 && this.trainer.sslOpt.step === 0) {
      return { phase: 'vae', epochsDone: this.config.vae.epochs, epochs: this.config.vae.epochs };
    }
    return { phase: p.phase, epochsDone: p.epoch, epochs: p.phase === 'vae' ? this.config.vae.epochs : this.config.ssl.epochs };
  }

  /**
   * Writes a complete checkpoint (temporary name, flush, rename), lists it in the manifest, then
   * applies the retention policy. A failed write leaves the previous checkpoints as they were, and
   * the error says which one is the latest valid.
   */
  async saveCheckpoint(runDir: string, kind: CheckpointKind, finishedPhase?: Phase): Promise<string> {
    const meta: CheckpointMeta = {
      kind: 'idaa-studio-checkpoint',
      job: this.job,
      config: this.config,
      fingerprint: configFingerprint(this.config),
      position: this.position,
      optimizerSteps: { vae: this.trainer.vaeOpt.step, ssl: this.trainer.sslOpt.step },
      rng: this.trainer.rngState(),
      knnAccuracy: this.lastKnn,
      bestKnnAccuracy: this.bestKnn,
      createdAt: new Date().toISOString(),
    };
    const dir = runPaths(runDir).checkpoints;
    mkdirSync(dir, { recursive: true });
    const { phase, globalStep } = this.position;
    const step = String(globalStep).padStart(6, '0');
    const name = kind === 'final' ? `${finishedPhase}-final.ckpt` : kind === 'periodic' ? `${finishedPhase ?? phase}-s${step}.ckpt` : `${kind}-s${step}.ckpt`;
    const file = join(dir, name);
    let bytes: number;
    try {
      bytes = writeCheckpointFile(file, meta, await snapshotVariables(this.trainer.variables()), this.io);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const prev = latestCheckpoint(runDir);
      const why = err.code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : err.code ? `${err.code}: ${err.message}` : err.message;
      throw new IdaaError(`could not write checkpoint ${file}: ${why}. ${prev ? `The previous checkpoint ${join(dir, prev.file)} (step ${prev.step}) is still valid.` : 'No earlier checkpoint exists.'}`);
    }
    const shown = this.progress();
    addToManifest(runDir, { file: basename(file), kind, phase: shown.phase, epoch: shown.epochsDone, step: globalStep, knnAccuracy: this.lastKnn, bytes, createdAt: meta.createdAt });
    applyRetention(runDir, this.config.checkpoint);
    this.events.checkpoint?.(file, bytes);
    this.events.log?.(`checkpoint ${file} (${(bytes / 1e6).toFixed(1)} MB)`);
    return file;
  }

  /** Restores models, optimizers, random streams and position from a checkpoint written by `saveCheckpoint`. */
  static restore(trainer: Trainer, file: string): Run {
    const { meta, arrays } = readCheckpointFile<CheckpointMeta>(file);
    if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
    const theirs = meta.config.ssl.method ?? 'simclr';
    if (theirs !== trainer.config.ssl.method) throw new CheckpointError(file, `holds a ${theirs} run; this run is ${trainer.config.ssl.method} (ssl.method): a run resumes only with its own method`);
    restoreVariables(file, trainer.variables(), arrays);
    trainer.vaeOpt.step = meta.optimizerSteps.vae;
    trainer.sslOpt.step = meta.optimizerSteps.ssl;
    trainer.setRngState(meta.rng);
    const run = new Run(trainer, meta.position);
    run.bestKnn = meta.bestKnnAccuracy;
    run.lastKnn = meta.knnAccuracy;
    return run;
  }

  /** Loads only the VAE's weights from a checkpoint (e.g. one trained on another dataset). */
  static loadVae(trainer: Trainer, file: string): CheckpointMeta {
    const { meta, arrays } = readCheckpointFile<CheckpointMeta>(file);
    if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
    restoreVariables(file, trainer.vae.store.all(), arrays);
    return meta;
  }
}

/** Creates the run folder and its config on first use; refuses a folder that holds another run's config. */
export function prepareRunDir(runDir: string, config: RunConfig): void {
  const p = runPaths(runDir);
  try {
    mkdirSync(p.checkpoints, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new IdaaError(`cannot create the run folder ${runDir}: ${err.code ?? ''} ${err.message}`.trim());
  }
  if (!existsSync(p.config)) writeJsonAtomic(p.config, config);
}

function firstPhase(c: RunConfig): Phase | 'done' {
  // CLAE and ε = 0 runs never use the VAE: they pre-train none.
  if (usesVae(c) && !c.vae.checkpoint && c.vae.epochs > 0) return 'vae';
  return c.ssl.epochs > 0 ? 'ssl' : 'done';
}

function nextPhase(p: Phase, c: RunConfig): Phase | 'done' {
  return p === 'vae' && c.ssl.epochs > 0 ? 'ssl' : 'done';
}
