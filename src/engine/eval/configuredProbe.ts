import type { RunConfig } from '../config/types';
import { LinearProbeOptions, LinearProbeResult, trainLinearProbe } from './linearProbe';

export interface FeatureSet {
  data: Float32Array;
  dim: number;
  labels: Int32Array;
}

export interface ConfiguredProbeResult extends LinearProbeResult {
  /** The epoch budget (the most it could train when a stop rule is set). */
  maxEpochs: number;
}

/**
 * The linear probe a run config asks for (`eval.probe*`): the budget, the learning rate, the
 * batch, standardisation and the stop rule; seeded by the run's seed. Shared by the evaluation of
 * trained encoders and the experiment's calibration rows, so every row is probed the same way.
 */
export async function configuredProbe(
  c: RunConfig,
  train: FeatureSet,
  test: FeatureSet,
  classes: number,
  epochs = c.eval.probeEpochs,
  onEpoch?: LinearProbeOptions['onEpoch'],
): Promise<ConfiguredProbeResult> {
  const e = c.eval;
  const probe = await trainLinearProbe({ features: train.data, labels: train.labels }, { features: test.data, labels: test.labels }, train.dim, classes, {
    epochs,
    lr: e.probeLr,
    batchSize: e.probeBatchSize,
    seed: c.seed,
    standardize: e.probeStandardize,
    ...(onEpoch ? { onEpoch } : {}),
    ...(e.probePatience > 0 ? { stop: { patience: e.probePatience, tolerance: e.probeTolerance } } : {}),
  });
  return { ...probe, maxEpochs: epochs };
}

/** "linear probe (…): …" for logs. */
export function describeProbe(p: ConfiguredProbeResult): string {
  const budget = p.converged ? `converged after ${p.epochs} of at most ${p.maxEpochs} epochs` : `${p.epochs} epochs${p.epochs === p.maxEpochs && p.maxEpochs > 0 ? '' : ` of ${p.maxEpochs}`}`;
  return `linear probe (${budget}${p.standardized ? ', standardised features' : ''}): train accuracy ${(p.trainAccuracy * 100).toFixed(2)}%, final test accuracy ${(p.finalTestAccuracy * 100).toFixed(2)}%`;
}

