import { PresetName, RunConfig } from './types';

/** The authors' defaults (idaa-method.md): ResNet-18 + CVAE(d = 128, z = 512) on CIFAR-10. */
export const REFERENCE: RunConfig = {
  preset: 'reference',
  seed: 0,
  backend: 'auto',
  data: { dataset: 'cifar10', imageSize: 32, trainLimit: 0, testLimit: 0 },
  augment: { cropScale: [0.08, 1], cropRatio: [3 / 4, 4 / 3], flip: true, jitter: [0.8, 0.8, 0.8, 0.2], jitterP: 0.8, grayscaleP: 0.2 },
  vae: { width: 128, latentDim: 512, beta: 0.1, epochs: 300, batchSize: 128, lr: 5e-4, betas: [0, 0.9], weightDecay: 0 },
  ssl: {
    method: 'simclr',
    widthMultiplier: 1,
    projectionDim: 64,
    projectionHidden: 0,
    predictorHidden: 512,
    temperature: 0.5,
    epochs: 300,
    batchSize: 256,
    lr: 3e-4,
    warmupEpochs: 10,
    warmup: 'hold',
    optimizer: 'adam',
    momentum: 0.9,
    weightDecay: 0,
    emaStart: 0.99,
    emaEnd: 1,
    queueSize: 65536,
  },
  idaa: { enabled: true, eps: 0.1, steps: 1, alpha: 1, auxBnMomentum: 0.01, adversary: 'latent' },
  // The probe as the reference: raw features, a fixed budget (experiment specs turn on the converged probe).
  eval: { knnK: 200, knnSigma: 0.5, knnFeatures: 'projection', knnEveryEpochs: 1, probeEpochs: 100, probeLr: 3e-4, probeBatchSize: 256, probeStandardize: false, probePatience: 0, probeTolerance: 0.005 },
  checkpoint: { everyEpochs: 1, everySteps: 0, keepLast: 3, keepBest: true },
  inspect: { probeEvery: 0, probeCount: 8 },
};

/**
 * For CPUs: the same method and layer types, smaller (CVAE d = 32, z = 64; ResNet-18 at a quarter
 * width, 16-32-64-128) on a class-balanced 2,048-image subset of Fashion-MNIST, so the README's main job
 * finishes in minutes. Differences from the reference are exactly the fields below.
 */
export const SMALL: RunConfig = {
  ...REFERENCE,
  preset: 'small',
  data: { dataset: 'fashion-mnist', imageSize: 32, trainLimit: 2048, testLimit: 1000 },
  vae: { ...REFERENCE.vae, width: 32, latentDim: 64, epochs: 6, batchSize: 64, lr: 2e-3 },
  ssl: { ...REFERENCE.ssl, widthMultiplier: 0.25, epochs: 2, batchSize: 64, lr: 1e-3, warmupEpochs: 0 },
  eval: { ...REFERENCE.eval, knnK: 50, probeEpochs: 20 },
  inspect: { ...REFERENCE.inspect, probeEvery: 16 },
};

/** For tests: seconds per run. */
export const TINY: RunConfig = {
  ...REFERENCE,
  preset: 'tiny',
  data: { dataset: 'fashion-mnist', imageSize: 16, trainLimit: 64, testLimit: 32 },
  vae: { ...REFERENCE.vae, width: 8, latentDim: 8, epochs: 1, batchSize: 16, lr: 2e-3 },
  ssl: { ...REFERENCE.ssl, widthMultiplier: 0.0625, projectionDim: 16, epochs: 1, batchSize: 16, lr: 1e-3, warmupEpochs: 0 },
  eval: { ...REFERENCE.eval, knnK: 10, probeEpochs: 2, probeBatchSize: 32 },
  inspect: { ...REFERENCE.inspect, probeEvery: 2 },
};

export const PRESETS: Record<PresetName, RunConfig> = { reference: REFERENCE, small: SMALL, tiny: TINY };
