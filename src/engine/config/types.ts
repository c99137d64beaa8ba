import type { BackendPreference } from '../backend/select';

export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'folder';
export type PresetName = 'reference' | 'small' | 'tiny';
export type SslMethodName = 'simclr' | 'simsiam' | 'byol' | 'mocov2';
export type AdversaryName = 'latent' | 'pixel';
export type KnnFeatures = 'projection' | 'backbone';

/** A fully resolved run config; mirrors schemas/run-config.schema.json field for field. */
export interface RunConfig {
  name?: string;
  preset: PresetName;
  seed: number;
  backend: BackendPreference;
  data: { dataset: DatasetName; path?: string; imageSize: number; trainLimit: number; testLimit: number };
  augment: { cropScale: [number, number]; cropRatio: [number, number]; flip: boolean; jitter: [number, number, number, number]; jitterP: number; grayscaleP: number };
  vae: { checkpoint?: string; width: number; latentDim: number; beta: number; epochs: number; batchSize: number; lr: number; betas: [number, number]; weightDecay: number };
  ssl: {
    method: SslMethodName;
    widthMultiplier: number;
    projectionDim: number;
    /** Hidden width of the projector (0: the backbone's feature width). */
    projectionHidden: number;
    /** Hidden width of the predictor (SimSiam's bottleneck, BYOL's MLP). */
    predictorHidden: number;
    temperature: number;
    epochs: number;
    batchSize: number;
    lr: number;
    warmupEpochs: number;
    /**
     * How the first warmupEpochs go: at the base lr, the cosine stepped only after them ("hold", the
     * SimCLR reference), or rising linearly per step from base/steps to base, the cosine then spanning
     * the epochs left ("linear", the SimSiam, BYOL and MoCo code lines).
     */
    warmup: 'hold' | 'linear';
    optimizer: 'adam' | 'sgd';
    /** SGD momentum. */
    momentum: number;
    weightDecay: number;
    /** EMA rate of the target network (BYOL, MoCo): from emaStart to emaEnd by a cosine over the training steps. */
    emaStart: number;
    emaEnd: number;
    /** MoCo's queue of negative keys. */
    queueSize: number;
  };
  idaa: {
    enabled: boolean;
    /** L∞ radius of the attack, in the adversary's space (latent units, or normalised-pixel units for "pixel"). */
    eps: number;
    steps: number;
    alpha: number;
    auxBnMomentum: number;
    /** Where the FGSM step is taken: the VAE latent (IDAA) or the normalised input pixels (CLAE, the paper's baseline). */
    adversary: AdversaryName;
  };
  eval: {
    knnK: number;
    knnSigma: number;
    /** What the kNN monitor compares: the L2-normalised projection (the reference) or the backbone features h (as the linear probe). */
    knnFeatures: KnnFeatures;
    knnEveryEpochs: number;
    /** The probe's epochs; with probePatience > 0 the most it may train. */
    probeEpochs: number;
    probeLr: number;
    probeBatchSize: number;
    /** Standardise the probe's features with the training split's mean and std. */
    probeStandardize: boolean;
    /** Stop the probe when its training accuracy stalled for this many epochs (0: train all probeEpochs). */
    probePatience: number;
    /** The least rise of the best training accuracy over probePatience epochs that counts as progress. */
    probeTolerance: number;
  };
  checkpoint: { everyEpochs: number; everySteps: number; keepLast: number; keepBest: boolean };
  /** Inspector history: a fixed probe batch decomposed and attacked every `probeEvery` steps (0 = off). */
  inspect: { probeEvery: number; probeCount: number };
}

/** What a user writes: any subset of the fields; the rest come from the preset. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type RunConfigInput = DeepPartial<RunConfig>;
