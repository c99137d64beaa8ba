/**
 * Host → worker requests of the inspector: dataset samples, a checkpoint's decomposition and
 * attack, the ε sweep, the per-class table and the probes stored during training.
 */
import { RequestType } from 'vscode-languageserver-protocol';
// Type imports only: no engine code reaches the extension or webview bundles.
import type { AttackInfo, SampleNumbers } from '../../engine/inspect/inspect';
import type { AttackMode } from '../../engine/inspect/modes';
import type { ProbeSummary } from '../../engine/runs/probe';
import type { AugmentStage } from '../../engine/augment/simclr';
import type { RunConfig } from '../../engine/config/types';
import type { PixelBuffer, WithProgressToken, WorkerErrorData } from './shapes';

export interface DatasetSamplesParams extends WithProgressToken {
  /** The dataset of this run's config. */
  runDir: string;
  split: 'train' | 'test';
  /** Sample indices; or `count` samples from `offset`. */
  indices?: number[];
  offset?: number;
  count?: number;
  /** Also return the label of every sample of the split (the inspector's class filter). */
  withAllLabels?: boolean;
}

export interface DatasetSamplesResult {
  dataset: string;
  classNames: string[];
  split: 'train' | 'test';
  indices: number[];
  labels: number[];
  /** uint8 NHWC as stored (1 or 3 channels). */
  images: PixelBuffer;
  /** Samples in the split. */
  total?: number;
  /** With `withAllLabels`: the label of every sample of the split. */
  allLabels?: number[];
}

/** Samples of a run's dataset (cancellable). */
export namespace DatasetSamplesRequest {
  export const method: 'idaa/datasetSamples' = 'idaa/datasetSamples';
  export const type = new RequestType<DatasetSamplesParams, DatasetSamplesResult, WorkerErrorData>(method);
}

export interface InspectParams extends WithProgressToken {
  /** A training checkpoint file, or `live:<runDir>` for that run's newest checkpoint. */
  checkpoint: string;
  split?: 'train' | 'test';
  /** Sample indices; when omitted, `count` (default 8) indices drawn with `seed`. */
  indices?: number[];
  count?: number;
  seed?: number;
  /** Defaults: the checkpoint config's idaa.eps / idaa.steps. */
  eps?: number;
  steps?: number;
  /** Attack the run's training views of the batch (the checkpoint config's augmentation without the stages in `off`), drawn with this seed; view i is attacked. */
  augment?: { seed: number; off?: AugmentStage[] };
  /** Default 'training': the auxiliary batch norm with the attack batch's statistics, as training does. */
  mode?: AttackMode;
  /** The attack batch's size (default: the run's ssl.batchSize) and the seed of the samples drawn to fill it (default `seed`). */
  batchSize?: number;
  batchSeed?: number;
}

export type InspectSampleNumbers = SampleNumbers;
export type InspectAttackInfo = AttackInfo;
export type { AttackMode };

/** What a checkpoint was trained with and how far (its metadata): the inspector's defaults and notices. */
export interface InspectRunInfo {
  /** The phase training was in (or 'done'). */
  phase: 'vae' | 'ssl' | 'done';
  /** Optimizer steps per phase; `ssl` 0: the encoder never trained (a VAE-phase checkpoint). */
  optimizerSteps: { vae: number; ssl: number };
  /** The run's SSL method (config ssl.method). */
  method: string;
  idaa: Pick<RunConfig['idaa'], 'enabled' | 'eps' | 'steps' | 'alpha'>;
  augment: RunConfig['augment'];
  /** The run's training seed. */
  seed: number;
  /** The run's SSL batch size: the default attack batch. */
  batchSize: number;
}

export interface InspectResultWire {
  checkpoint: string;
  split: 'train' | 'test';
  eps: number;
  steps: number;
  lossBefore: number;
  lossAfter: number;
  samples: InspectSampleNumbers[];
  run: InspectRunInfo;
  /** The attack's mode and batch, and how far the other mode's latent gradient disagrees. */
  attack: InspectAttackInfo;
  /**
   * NHWC in pixel units: R(x) (signed) and |x_adv − x| as float32; x, G(x), x_adv and, with
   * `augment`, the two SimCLR views as displayed bytes (`encodeImagePixels`).
   */
  images: { x: PixelBuffer; g: PixelBuffer; r: PixelBuffer; xAdv: PixelBuffer; absDiff: PixelBuffer; viewI?: PixelBuffer; viewJ?: PixelBuffer };
}

/** Decompose and attack samples at a checkpoint, by default as training attacks them (cancellable). */
export namespace InspectRequest {
  export const method: 'idaa/inspect' = 'idaa/inspect';
  export const type = new RequestType<InspectParams, InspectResultWire, WorkerErrorData>(method);
}

/** An ε sweep: the same samples and batch attacked at each ε (the inspector's Compare view). */
export interface InspectSweepParams extends Omit<InspectParams, 'eps'> {
  /** The radii, ascending; at most 32. */
  epsList: number[];
}

export interface InspectSweepResult {
  checkpoint: string;
  split: 'train' | 'test';
  steps: number;
  attack: InspectAttackInfo;
  /** The shown samples' clean x (displayed bytes), once. */
  x: PixelBuffer;
  points: Array<{ eps: number; samples: InspectSampleNumbers[]; lossAfter: number; xAdv: PixelBuffer }>;
}

export namespace InspectSweepRequest {
  export const method: 'idaa/inspectSweep' = 'idaa/inspectSweep';
  export const type = new RequestType<InspectSweepParams, InspectSweepResult, WorkerErrorData>(method);
}

/** Identity kept, mean cos and ‖x_adv − x‖ per class over `count` samples of a split, attacked in batches of the run's size. */
export interface ClassTableParams extends WithProgressToken {
  checkpoint: string;
  split?: 'train' | 'test';
  /** Samples (default 256; the first of the split drawn with `seed`). */
  count?: number;
  seed?: number;
  eps?: number;
  steps?: number;
  mode?: AttackMode;
  batchSize?: number;
}

export interface ClassTableResult {
  checkpoint: string;
  split: 'train' | 'test';
  eps: number;
  steps: number;
  mode: AttackMode;
  batchSize: number;
  samples: number;
  rows: Array<{ label: number; className: string; count: number; kept: number; meanCosine: number; meanL2: number }>;
}

export namespace ClassTableRequest {
  export const method: 'idaa/classTable' = 'idaa/classTable';
  export const type = new RequestType<ClassTableParams, ClassTableResult, WorkerErrorData>(method);
}

export interface ProbeHistoryParams {
  runDir: string;
  /** Also return this probe (a step from `steps`). */
  step?: number;
}

/** One probe of the inspector's history: the fixed probe batch decomposed and attacked at `step`. */
export interface ProbeWire extends ProbeSummary {
  /** NHWC in pixel units (stored uint8-quantised): x and x_adv as displayed bytes (`encodeImagePixels`), |x_adv − x| float32. */
  images: { x: PixelBuffer; xAdv: PixelBuffer; absDiff: PixelBuffer };
}

export interface ProbeHistoryResult {
  /** Steps that have a probe, ascending (config `inspect.probeEvery`). */
  steps: number[];
  probe?: ProbeWire;
}

/** The probes a run stored during training (`<run>/probes/`), and one of them by step. */
export namespace ProbeHistoryRequest {
  export const method: 'idaa/probeHistory' = 'idaa/probeHistory';
  export const type = new RequestType<ProbeHistoryParams, ProbeHistoryResult, WorkerErrorData>(method);
}
