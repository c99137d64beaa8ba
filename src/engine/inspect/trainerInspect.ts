import type { Trainer } from '../train/trainer';
import { inspectSamples, InspectResult } from './inspect';

export interface InspectTrainerOptions {
  indices: number[];
  split?: 'train' | 'test';
  /** Default: the run config's idaa.eps / idaa.steps. */
  eps?: number;
  steps?: number;
  /** Also return two standard-augmentation views per sample, drawn with this seed. */
  augmentSeed?: number;
}

/** Decomposes and attacks samples with a trainer's models and its run's settings (the CLI, the worker). */
export function inspectTrainer(trainer: Trainer, opts: InspectTrainerOptions): InspectResult {
  const c = trainer.config;
  // The views use the run's augmentations; the inspector resizes and normalises itself.
  const { size: _size, mean: _mean, std: _std, ...augment } = trainer.augmentOptions();
  return inspectSamples(trainer.vae, trainer.encoder, trainer.dataset, {
    indices: opts.indices,
    split: opts.split ?? 'test',
    eps: opts.eps ?? c.idaa.eps,
    steps: opts.steps ?? c.idaa.steps,
    temperature: c.ssl.temperature,
    imageSize: c.data.imageSize,
    mean: trainer.mean,
    std: trainer.std,
    ...(opts.augmentSeed !== undefined ? { augmentViews: { seed: opts.augmentSeed, options: augment } } : {}),
  });
}
