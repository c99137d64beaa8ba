import { PresetName, RunConfig, SslMethodName } from './types';

type SslDefaults = Partial<RunConfig['ssl']>;

/**
 * Each method's own settings per preset, laid over the preset before the user's fields. SimCLR's are
 * the preset's (the IDAA reference). SimSiam follows the IDAA authors' SimSiam code line; BYOL and
 * MoCo v2, which it lacks, follow solo-learn's CIFAR configs; every deviation is named in the README.
 * `small` and `tiny` shrink the heads with the backbone for CPUs. All three warm up linearly, as their
 * code lines do (the SimSiam line: "10-epoch warm-up then cosine"; solo-learn's warmup_epochs).
 */
const DEFAULTS: Record<SslMethodName, Record<PresetName, SslDefaults>> = {
  simclr: { reference: {}, small: {}, tiny: {} },
  simsiam: {
    // Projector 3 × Linear+BN (2048), predictor bottleneck 512; SGD 0.03·B/256, momentum 0.9, wd 5e-4.
    reference: { projectionDim: 2048, projectionHidden: 2048, predictorHidden: 512, optimizer: 'sgd', momentum: 0.9, weightDecay: 5e-4, warmup: 'linear' },
    small: { projectionDim: 128, projectionHidden: 128, predictorHidden: 32, optimizer: 'sgd', momentum: 0.9, weightDecay: 5e-4, lr: 0.05, warmup: 'linear' },
    tiny: { projectionDim: 16, projectionHidden: 16, predictorHidden: 4, optimizer: 'sgd', momentum: 0.9, weightDecay: 5e-4, lr: 0.05, warmup: 'linear' },
  },
  byol: {
    // solo-learn byol.yaml (CIFAR): projector 4096 → 256, predictor 4096, τ 0.99 → 1, wd 1e-5 (LARS there; plain SGD here).
    reference: { projectionDim: 256, projectionHidden: 4096, predictorHidden: 4096, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-5, lr: 0.1, emaStart: 0.99, emaEnd: 1, warmup: 'linear' },
    small: { projectionDim: 64, projectionHidden: 256, predictorHidden: 256, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-5, lr: 0.05, emaStart: 0.99, emaEnd: 1, warmup: 'linear' },
    tiny: { projectionDim: 16, projectionHidden: 32, predictorHidden: 32, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-5, lr: 0.05, emaStart: 0.99, emaEnd: 1, warmup: 'linear' },
  },
  mocov2: {
    // solo-learn mocov2plus.yaml (CIFAR): projector 2048 → 256, τ = 0.2, queue 65536, SGD 0.3, wd 1e-4; the key encoder's EMA is kept at 0.99.
    reference: { projectionDim: 256, projectionHidden: 2048, temperature: 0.2, queueSize: 65536, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, lr: 0.3, emaStart: 0.99, emaEnd: 0.99, warmup: 'linear' },
    small: { projectionDim: 64, projectionHidden: 128, temperature: 0.2, queueSize: 1024, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, lr: 0.05, emaStart: 0.99, emaEnd: 0.99, warmup: 'linear' },
    tiny: { projectionDim: 16, projectionHidden: 16, temperature: 0.2, queueSize: 64, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, lr: 0.05, emaStart: 0.99, emaEnd: 0.99, warmup: 'linear' },
  },
};

/** SimSiam's code line scales its learning rate with the batch: 0.03 · B / 256 (reference preset). */
const LR_PER_256: Partial<Record<SslMethodName, Partial<Record<PresetName, number>>>> = { simsiam: { reference: 0.03 } };

/** The method's defaults for a preset; the lr follows the user's batch size where the method scales it. */
export function methodDefaults(method: SslMethodName, preset: PresetName, batchSize: number, userLr: number | undefined): SslDefaults {
  const d = { ...DEFAULTS[method][preset] };
  const per256 = LR_PER_256[method]?.[preset];
  if (per256 !== undefined && userLr === undefined) d.lr = (per256 * batchSize) / 256;
  return d;
}
