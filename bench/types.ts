/** Shapes of the benchmark's JSON (bench/results/latest.json) and of one child process's answer. */
import type { TorchAvailability, TorchPeerResult } from './torchPeer';
import type { SslMethodName } from '../src/engine/config/types';

export type Group = 'peer' | 'small' | 'reference';
/**
 * What one timed step is; images per step count: vae B; simclr 2B views (torch_peer.py's
 * convention); adv B; idaa B source images (each gives x_i, x_j, x_adv); augment 2B views.
 */
/** A method row is one SSL step of that method, alone or with IDAA (`byol+idaa`). */
export type StepKind = 'vae' | 'simclr' | 'adv' | 'idaa' | 'augment' | SslMethodName | `${SslMethodName}+idaa`;
export type BackendArg = 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
/**
 * Batch-norm formulation of the peer ResNet in training mode: 'engine' = the engine's BatchNorm as
 * it is in the working tree; 'moments' = tf.moments + broadcast arithmetic, differentiated by
 * autograd (the engine's formulation before its hand-written gradient); 'tf' = tf.batchNorm on the
 * batch moments (its gradient goes through Tile on wasm).
 */
export type BnVariant = 'engine' | 'moments' | 'tf';
export const BN_VARIANTS: readonly BnVariant[] = ['engine', 'moments', 'tf'];

export interface Timing {
  steps: number;
  warmup: number;
  imagesPerStep: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  imgPerSec: number;
  stepMs: number[];
  /** (tensors after the timed steps − before) / steps: anything but 0 is a leak. */
  tensorsPerStep: number;
  /** Peak bytes held by tensors during the last warm-up step (tf.profile), MiB; absent without warm-up. */
  peakTensorMB?: number;
}

export interface StepResult extends Timing {
  group: Group;
  step: StepKind;
  backend: BackendArg;
  threads: number;
  batch: number;
  /** Batch-norm formulation (peer ResNet only). */
  bn?: BnVariant;
  note?: string;
  /** Cores other processes kept busy during this child's run (see load.ts). */
  backgroundCores?: number;
}

export interface MemorySample {
  step: number;
  numTensors: number;
  numBytes: number;
  rssMB: number;
  heapUsedMB: number;
}

export interface MemoryTrace {
  what: string;
  backend: BackendArg;
  steps: number;
  every: number;
  samples: MemorySample[];
  /** numTensors identical at every sample. */
  tensorsFlat: boolean;
  /** RSS at the last sample minus the first (taken after one warm-up step). */
  rssGrowthMB: number;
  /** RSS at the last sample minus the one after the first `every` steps (steady state). */
  rssGrowthSteadyMB: number;
  numBytesGrowth: number;
  backgroundCores?: number;
}

/** Timed inspections of one kind. */
export interface LatencyRuns {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runMs: number[];
  eps: number[];
  tensorsPerRun: number;
}

export interface InspectLatency {
  backend: BackendArg;
  samples: number;
  /** The attack batch the shown samples are attacked in (the run's batch size). */
  batch: number;
  runs: number;
  warmup: number;
  /** New samples every run: the whole pipeline (decompose, anchor and first gradient, attack, features). */
  fresh: LatencyRuns;
  /** The same samples with a new ε every run, through one `SampleInspector` (the panel's ε slider). */
  epsChange: LatencyRuns;
  backgroundCores?: number;
}

export interface BackendInfo {
  name: string;
  threads: number;
  detail: string;
  summary: string;
}

export interface ChildOutput {
  case: string;
  backend: BackendInfo;
  results: StepResult[];
  memory?: MemoryTrace;
  inspect?: InspectLatency;
  notes: string[];
  wallMs: number;
  /** Size of the wasm linear memory at the end of the case (it never shrinks), MiB. */
  wasmHeapMB?: number;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  availableParallelism: number;
  totalMemGB: number;
  node: string;
  platform: string;
  tfjs: string;
  gitCommit: string;
  /** `git status --porcelain` lines: the engine measured may differ from the commit. */
  gitDirty: string[];
  loadAvgAtStart: number[];
  loadAvgAtEnd?: number[];
}

export interface BenchResults {
  kind: 'idaa-studio-bench';
  createdAt: string;
  argv: string[];
  quick: boolean;
  machine: MachineInfo;
  backends: Array<{ backend: BackendArg; available: boolean; why?: string; info?: BackendInfo }>;
  torch: { availability: TorchAvailability; results: TorchPeerResult[] };
  /** PyTorch on CUDA at the peer shapes (bench/gpu/torch_cuda_peer.py), when asked with --torch-cuda. */
  torchCuda?: { script: string; results: TorchPeerResult[]; errors: string[] };
  results: StepResult[];
  memory: MemoryTrace[];
  inspect: InspectLatency[];
  /** The inspector's own worker beside a training worker (bench/inspectLive.ts). */
  inspectLive?: InspectLiveResult;
  notes: string[];
  children: Array<{ backend: BackendArg; case: string; args: string[]; ok: boolean; wallMs: number; error?: string; backgroundCores?: number; wasmHeapMB?: number }>;
  wallMs: number;
}

/** bench/inspectLive.ts: the inspector's ε change idle and while a run trains, and the run's throughput without and with it. */
export interface InspectLiveResult {
  what: string;
  everyS: number;
  windowS: number;
  /** Threads of the inspector's worker (the training worker's: the machine's cores). */
  inspectorThreads: string;
  trainingNice: number;
  firstRequestMs: number;
  /** The checkpoint's training- vs inference-mode latent gradients on the inspected batch. */
  modeAgreement: { cosine: number; signAgreement: number };
  idle: { medianMs: number; runsMs: number[] };
  duringTraining: { medianMs: number; runsMs: number[] };
  latencyRatio: number;
  training: { baseStepsPerS: number; inspectStepsPerS: number; throughputLoss: number; windows: Array<{ kind: 'base' | 'inspect'; steps: number; seconds: number }> };
}
