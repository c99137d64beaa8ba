import type { AugmentStage } from '../augment/simclr';
import type { Trainer } from '../train/trainer';
import { InspectOptions, InspectResult, inspectSamples, SampleInspector } from './inspect';
import type { AttackMode } from './modes';

export interface InspectTrainerOptions {
  indices: number[];
  split?: 'train' | 'test';
  /** Default: the run config's idaa.eps / idaa.steps. */
  eps?: number;
  steps?: number;
  /** Default 'training', the attack training does. */
  mode?: AttackMode;
  /** The attack batch's size (default: the run's ssl.batchSize) and the seed of the samples added to fill it. */
  batchSize?: number;
  batchSeed?: number;
  /** Attack the run's augmentation of the batch (view i; view j shown beside), drawn with this seed. */
  augmentSeed?: number;
  /** Stages left out of those views. */
  augmentOff?: readonly AugmentStage[];
}

/** The inspection options of a trainer's models and its run's settings. */
export function trainerInspectOptions(trainer: Trainer, opts: InspectTrainerOptions): InspectOptions {
  const c = trainer.config;
  // The views use the run's augmentations; the inspector resizes and normalises itself.
  const { size: _size, mean: _mean, std: _std, ...augment } = trainer.augmentOptions();
  return {
    indices: opts.indices,
    split: opts.split ?? 'test',
    eps: opts.eps ?? c.idaa.eps,
    steps: opts.steps ?? c.idaa.steps,
    imageSize: c.data.imageSize,
    mean: trainer.mean,
    std: trainer.std,
    mode: opts.mode ?? 'training',
    batchSize: opts.batchSize ?? c.ssl.batchSize,
    batchSeed: opts.batchSeed ?? 0,
    ...(opts.augmentSeed !== undefined ? { views: { seed: opts.augmentSeed, options: augment, off: opts.augmentOff ?? [] } } : {}),
  };
}

/**
 * Decomposes and attacks samples with a trainer's models (the CLI, the worker). Pass the
 * `SampleInspector` of this trainer to reuse its work across calls that change only ε, steps or mode.
 */
export function inspectTrainer(trainer: Trainer, opts: InspectTrainerOptions, inspector?: SampleInspector): InspectResult {
  const o = trainerInspectOptions(trainer, opts);
  return inspector ? inspector.inspect(o) : inspectSamples(trainer.vae, trainer.method, trainer.dataset, o);
}
