import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointFile, writeCheckpointFile } from '../checkpoint/format';
import { restoreVariables, snapshotVariables } from '../checkpoint/modelState';
import { configFingerprint } from '../config/resolve';
import { RunConfig } from '../config/types';
import { Dataset } from '../data/types';
import { CheckpointError } from '../errors';
import { batchesPerEpoch, epochOrder } from './batches';
import { linearDecay, warmupCosine } from './optim';
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
  /** Asked between batches; true ends the loop at the next batch boundary with a checkpoint. */
  shouldStop?: () => boolean;
  /** Stop after the VAE phase (`idaa vae`). */
  vaeOnly?: boolean;
}

/** The learning rate of a phase at an epoch, as the reference schedules it (per epoch). */
export function learningRate(c: RunConfig, phase: Phase, epoch: number): number {
  return phase === 'vae' ? linearDecay(c.vae.lr, epoch, c.vae.epochs) : warmupCosine(c.ssl.lr, epoch, c.ssl.epochs, c.ssl.warmupEpochs);
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

  async train(opts: RunOptions): Promise<Position> {
    const { runDir, events = {} } = opts;
    mkdirSync(join(runDir, 'checkpoints'), { recursive: true });
    const configFile = join(runDir, 'config.json');
    if (!existsSync(configFile)) writeFileSync(configFile, JSON.stringify(this.config, null, 2) + '\n');
    const metricsFile = join(runDir, 'metrics.jsonl');
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
      const lr = learningRate(this.config, phase, epoch);
      const epochStart = Date.now();
      let lossSum = 0;
      let lossCount = 0;
      while (this.position.batch < perEpoch) {
        if (opts.shouldStop?.()) {
          await this.saveCheckpoint(runDir, 'stop', events);
          return this.position;
        }
        const b = this.position.batch;
        const idx = order.subarray(b * c.batchSize, (b + 1) * c.batchSize);
        const t0 = performance.now();
        const r = phase === 'vae' ? this.trainer.vaeStep(idx, lr) : this.trainer.sslStep(idx, lr);
        const dt = (performance.now() - t0) / 1000;
        if (!Number.isFinite(r.loss)) throw new Error(`the ${phase} loss became ${r.loss} at epoch ${epoch}, batch ${b}; lower the learning rate`);
        this.position = { ...this.position, batch: b + 1, globalStep: this.position.globalStep + 1 };
        lossSum += r.loss;
        lossCount++;
        const rec: StepRecord = { kind: 'step', phase, epoch, batch: b, step: this.position.globalStep, loss: r.loss, terms: r.terms, lr, imagesPerSec: c.batchSize / dt, time: new Date().toISOString() };
        appendFileSync(metricsFile, JSON.stringify(rec) + '\n');
        events.step?.(rec, this.position, perEpoch);
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
      appendFileSync(metricsFile, JSON.stringify(erec) + '\n');
      events.epoch?.(erec);
      this.position = lastOfPhase
        ? { phase: nextPhase(phase, this.config), epoch: 0, batch: 0, globalStep: this.position.globalStep }
        : { ...this.position, epoch: epoch + 1, batch: 0 };
      const every = this.config.checkpoint.everyEpochs;
      if (lastOfPhase || (every > 0 && (epoch + 1) % every === 0)) {
        await this.saveCheckpoint(runDir, lastOfPhase ? `${phase}-final` : `${phase}-e${String(epoch + 1).padStart(3, '0')}`, events);
      }
    }
    return this.position;
  }

  async saveCheckpoint(runDir: string, label: string, events: RunEvents = {}): Promise<string> {
    const meta: CheckpointMeta = {
      kind: 'idaa-studio-checkpoint',
      config: this.config,
      fingerprint: configFingerprint(this.config),
      position: this.position,
      optimizerSteps: { vae: this.trainer.vaeOpt.step, ssl: this.trainer.sslOpt.step },
      rng: this.trainer.rngState(),
      knnAccuracy: this.lastKnn,
      bestKnnAccuracy: this.bestKnn,
      createdAt: new Date().toISOString(),
    };
    const dir = join(runDir, 'checkpoints');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${label}.ckpt`);
    const bytes = writeCheckpointFile(file, meta, await snapshotVariables(this.trainer.variables()));
    events.checkpoint?.(file, bytes);
    events.log?.(`checkpoint ${file} (${(bytes / 1e6).toFixed(1)} MB)`);
    return file;
  }

  /** Restores models, optimizers, random streams and position from a checkpoint written by `saveCheckpoint`. */
  static restore(trainer: Trainer, file: string): Run {
    const { meta, arrays } = readCheckpointFile<CheckpointMeta>(file);
    if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
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

function firstPhase(c: RunConfig): Phase | 'done' {
  if (c.idaa.enabled && !c.vae.checkpoint && c.vae.epochs > 0) return 'vae';
  return c.ssl.epochs > 0 ? 'ssl' : 'done';
}

function nextPhase(p: Phase, c: RunConfig): Phase | 'done' {
  return p === 'vae' && c.ssl.epochs > 0 ? 'ssl' : 'done';
}
