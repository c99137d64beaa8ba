/**
 * Every message between the extension host and the training worker, declared once.
 *
 * Each message is a namespace holding its literal method name and its typed `RequestType`,
 * `NotificationType` or `ProgressType`; both sides import this module, so a method name, a
 * parameter or a result type is written in exactly one place. The worker also answers the
 * language-server protocol's own initialize / shutdown / exit (vscode-languageserver does that).
 *
 * Only plain JSON crosses the wire: images travel as base64-encoded raw pixel buffers with their
 * shape and element type (`PixelBuffer`), never as files.
 *
 * This module must stay free of `vscode` and of tfjs: it is imported by the host, the worker and
 * (later) the webview.
 */
import { NotificationType, ProgressType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

// ---------------------------------------------------------------------------------------------
// Shared shapes (mirrors of the engine's types, kept as plain JSON)

// The engine's own types, imported for their shape only (type imports bring no engine code into
// the extension or webview bundles), so the wire format cannot drift from what the engine writes.
import type { RunStateName, RunStatus } from '../common/runs/state';
import type { RunSummary } from '../common/runs/list';
import type { CheckpointKind, ManifestEntry } from '../common/runs/manifest';
import type { BackendPreference, WasmThreads } from '../engine/backend/select';
import type { AttackInfo, SampleNumbers } from '../engine/inspect/inspect';
import type { AttackMode } from '../engine/inspect/modes';
import type { ProbeSummary } from '../engine/runs/probe';
import type { AugmentStage } from '../engine/augment/simclr';
import type { RunConfig } from '../engine/config/types';
export type { RunStateName, RunStatus, RunSummary, CheckpointKind, BackendPreference, WasmThreads };

/** A manifest entry plus the checkpoint's absolute path. */
export interface CheckpointInfo extends ManifestEntry {
  path: string;
}

/** Raw pixels with their shape: `data` is the base64 of the buffer's bytes (little-endian). */
export interface PixelBuffer {
  /** NHWC. */
  shape: [number, number, number, number];
  dtype: 'uint8' | 'float32';
  data: string;
}

/** Machine-readable error kinds in `ResponseError.data.kind`, so the host can offer the right action. */
export type WorkerErrorKind = 'config' | 'dataset' | 'checkpoint' | 'outsideRoot' | 'busy' | 'noRun' | 'backend' | 'state' | 'cancelled' | 'internal';

export interface WorkerErrorData {
  kind: WorkerErrorKind;
  /** The file at fault (a config, a checkpoint, a data file), when known. */
  file?: string;
  /** The config field at fault, when known. */
  field?: string;
  /** kind 'outsideRoot': the folder the refused path had to lie in (the runs folder). */
  root?: string;
}

/** JSON-RPC error codes the worker uses (application range). */
export const WorkerErrorCodes = {
  /** A config, dataset or checkpoint the user gave cannot be used; the message says why. */
  BadInput: -32001,
  /** Another training run is active in this worker. */
  Busy: -32002,
  /** The request needs an active run and there is none (or not the one named). */
  NoActiveRun: -32003,
  /** The run is not in a state that allows the request (e.g. pause a paused run). */
  InvalidState: -32004,
  /** Anything else; see the worker log. */
  Internal: -32005,
} as const;

/** What the host sends in `initializationOptions`. */
export interface WorkerInitializationOptions {
  /** Backend preference; IDAA_BACKEND in the worker's environment still overrides it. */
  backend: BackendPreference;
  /** Threads of the wasm backend ('auto': the machine's cores, at most 8); IDAA_WASM_THREADS overrides it. */
  wasmThreads?: WasmThreads;
  /**
   * The workspace's runs folder (absolute). The worker opens files only inside it (and reads a
   * dataset folder a run's config names); without it every path is refused.
   */
  runsRoot?: string;
}

/** What the worker adds to its InitializeResult (under `idaa`). */
export interface WorkerInfo {
  backend: string;
  gpu: boolean;
  threads: number;
  /** One line: the chosen backend and why the others were skipped. */
  backendSummary: string;
  /** A few words for the status bar (`webgpu NVIDIA H200`, `wasm 2t`). */
  backendLabel?: string;
  pid: number;
  nodeVersion: string;
}

// ---------------------------------------------------------------------------------------------
// Requests: host → worker

export interface StartRunParams {
  /** The run folder. For a new run it holds (or will hold) config.json. */
  runDir: string;
  /**
   * A new run: the config to write to `runDir/config.json` when that file does not exist yet;
   * omitted: `runDir/config.json` must exist and is used.
   */
  config?: Record<string, unknown>;
  /** Continue from a checkpoint instead of starting afresh: a checkpoint path or 'latest'. */
  resumeFrom?: string;
  /** Resume although config.json differs from the checkpoint's config in result fields. */
  force?: boolean;
}

export interface StartRunResult {
  runDir: string;
  runId: string;
  state: RunStateName;
  /** Where the run starts: phase, epoch and step (for a resume, the checkpoint's). */
  phase: string;
  epoch: number;
  step: number;
}

/** Starts training (new, or from a checkpoint); answers once training has begun, not when it ends. */
export namespace StartRunRequest {
  export const method: 'idaa/startRun' = 'idaa/startRun';
  export const type = new RequestType<StartRunParams, StartRunResult, WorkerErrorData>(method);
}

/** Names the active run (optional: the worker has at most one). */
export interface RunControlParams {
  runDir?: string;
}

export interface RunControlResult {
  runDir: string;
  state: RunStateName;
}

/** Pause at the next batch boundary; the answer comes when the run is paused. */
export namespace PauseRequest {
  export const method: 'idaa/pause' = 'idaa/pause';
  export const type = new RequestType<RunControlParams, RunControlResult, WorkerErrorData>(method);
}

/** Resume a paused run; the answer comes when it runs again. */
export namespace ResumeRequest {
  export const method: 'idaa/resume' = 'idaa/resume';
  export const type = new RequestType<RunControlParams, RunControlResult, WorkerErrorData>(method);
}

/** Stop with a final checkpoint; the answer comes when the run has stopped. */
export namespace StopRequest {
  export const method: 'idaa/stop' = 'idaa/stop';
  export const type = new RequestType<RunControlParams, RunControlResult, WorkerErrorData>(method);
}

export interface SaveCheckpointResult {
  runDir: string;
  checkpoint: CheckpointInfo;
}

/** A manual checkpoint at the next batch boundary (at once when paused). */
export namespace SaveCheckpointRequest {
  export const method: 'idaa/saveCheckpoint' = 'idaa/saveCheckpoint';
  export const type = new RequestType<RunControlParams, SaveCheckpointResult, WorkerErrorData>(method);
}

export interface ListRunsParams {
  runsRoot: string;
}

export namespace ListRunsRequest {
  export const method: 'idaa/listRuns' = 'idaa/listRuns';
  export const type = new RequestType<ListRunsParams, RunSummary[], WorkerErrorData>(method);
}

export interface DescribeRunParams {
  runDir: string;
}

export interface RunDescription {
  summary: RunSummary;
  /** config.json as written (a partial config; the preset fills the rest). */
  config: Record<string, unknown>;
  /** The fully resolved config, or why it does not resolve. */
  resolved?: Record<string, unknown>;
  configError?: string;
  checkpoints: CheckpointInfo[];
  /** The epoch lines of the metrics log. */
  epochs: Array<{ phase: string; epoch: number; step: number; meanLoss: number; knnAccuracy?: number; seconds: number }>;
}

export namespace DescribeRunRequest {
  export const method: 'idaa/describeRun' = 'idaa/describeRun';
  export const type = new RequestType<DescribeRunParams, RunDescription, WorkerErrorData>(method);
}

export namespace ListCheckpointsRequest {
  export const method: 'idaa/listCheckpoints' = 'idaa/listCheckpoints';
  export const type = new RequestType<DescribeRunParams, CheckpointInfo[], WorkerErrorData>(method);
}

/** Long requests may carry a token; the worker reports `LongWorkProgress` on it. */
export interface WithProgressToken {
  progressToken?: string;
}

export interface LongWorkProgress {
  message: string;
  /** 0..100 when known. */
  percentage?: number;
}

/** Progress of long requests (datasetSamples, inspect), sent on the request's `progressToken`. */
export namespace LongWorkProgressType {
  export const type = new ProgressType<LongWorkProgress>();
}

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

export interface WorkerStatus {
  info: WorkerInfo;
  active?: { runDir: string; runId: string; state: RunStateName };
}

export interface RunsRootParams {
  /** Absent: no workspace folder is open. */
  runsRoot?: string;
}

/** Host → worker: the runs folder changed (setting idaa.runsFolder, workspace folders). */
export namespace RunsRootNotification {
  export const method: 'idaa/runsRoot' = 'idaa/runsRoot';
  export const type = new NotificationType<RunsRootParams>(method);
}

export namespace WorkerStatusRequest {
  export const method: 'idaa/workerStatus' = 'idaa/workerStatus';
  export const type = new RequestType0<WorkerStatus, WorkerErrorData>(method);
}

// ---------------------------------------------------------------------------------------------
// Notifications: worker → host

export interface RunStateParams {
  runDir: string;
  runId: string;
  state: RunStateName;
  /** Why (for failed), or a note. */
  detail?: string;
}

export namespace RunStateNotification {
  export const method: 'idaa/runState' = 'idaa/runState';
  export const type = new NotificationType<RunStateParams>(method);
}

export interface ProgressParams {
  runDir: string;
  phase: string;
  /** 1-based epoch being trained, of `epochs`. */
  epoch: number;
  epochs: number;
  /** Batch within the epoch (1-based), of `stepsInEpoch`. */
  batch: number;
  stepsInEpoch: number;
  /** Global optimizer step. */
  step: number;
  loss: number;
  imagesPerSec: number;
  /** Seconds left in the current phase, estimated from the recent pace. */
  etaSeconds?: number;
}

/** At most a few times per second while training. */
export namespace ProgressNotification {
  export const method: 'idaa/progress' = 'idaa/progress';
  export const type = new NotificationType<ProgressParams>(method);
}

export interface MetricsParams {
  runDir: string;
  kind: 'epoch' | 'checkpoint';
  phase?: string;
  epoch?: number;
  step: number;
  meanLoss?: number;
  knnAccuracy?: number;
  seconds?: number;
  /** kind 'checkpoint': the new checkpoint. */
  checkpoint?: CheckpointInfo;
}

/** Epoch summaries and new checkpoints. */
export namespace MetricsNotification {
  export const method: 'idaa/metrics' = 'idaa/metrics';
  export const type = new NotificationType<MetricsParams>(method);
}

export interface LogParams {
  level: 'info' | 'warn' | 'error';
  message: string;
  runDir?: string;
}

export namespace LogNotification {
  export const method: 'idaa/log' = 'idaa/log';
  export const type = new NotificationType<LogParams>(method);
}

// ---------------------------------------------------------------------------------------------
// Helpers for pixel buffers (plain JS: usable in Node and in a browser)

export function encodePixels(shape: PixelBuffer['shape'], array: Uint8Array | Float32Array): PixelBuffer {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return { shape, dtype: array instanceof Float32Array ? 'float32' : 'uint8', data: toBase64(bytes) };
}

/**
 * An image row (values in [0, 1]) as the inspector shows it: uint8 = round(clamp(v) · 255), exactly
 * the bytes a canvas gets from the float (src/common/pixels.ts), at a quarter of the size. Kept float32
 * when a value is not finite, so NaNs still reach the screen (drawn magenta).
 */
export function encodeImagePixels(shape: PixelBuffer['shape'], values: Float32Array): PixelBuffer {
  if (!values.every(Number.isFinite)) return encodePixels(shape, values);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, values[i]!)) * 255);
  return encodePixels(shape, bytes);
}

export function decodePixels(p: PixelBuffer): Uint8Array | Float32Array {
  const bytes = fromBase64(p.data);
  return p.dtype === 'float32' ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : bytes;
}

function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(data: string): Uint8Array {
  if (typeof Buffer !== 'undefined') {
    const b = Buffer.from(data, 'base64');
    // A fresh, aligned copy so a Float32Array view is always possible.
    const out = new Uint8Array(b.length);
    out.set(b);
    return out;
  }
  const s = atob(data);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Runs UI (issue 13): config diagnostics and checkpoint evaluation. Host → worker requests.

import type { ConfigIssue } from '../common/errors';
import type { LinearProbeRecord } from '../common/runs/linearProbe';
export type { ConfigIssue, LinearProbeRecord };

export interface CheckConfigParams {
  /** The text of a run config (an editor's, saved or not). */
  text: string;
  /** Its file, for messages only: nothing is read. */
  file?: string;
}

export interface CheckConfigResult {
  /**
   * Every problem the engine's validation finds (what Start would refuse), each with its field and,
   * when the value is in the text, its 1-based line and column; empty when the config is valid.
   */
  issues: ConfigIssue[];
}

/** Validates a run config's text as training would (schema, preset merge, cross-field checks); reads no file. */
export namespace CheckConfigRequest {
  export const method: 'idaa/checkConfig' = 'idaa/checkConfig';
  export const type = new RequestType<CheckConfigParams, CheckConfigResult, WorkerErrorData>(method);
}

export interface EvaluateCheckpointParams extends WithProgressToken {
  /** A checkpoint in a run folder (`<run>/checkpoints/<file>`), or `live:<runDir>` for that run's newest. */
  checkpoint: string;
  /** Probe epochs; default the config's `eval.probeEpochs`, or `EVALUATE_DEFAULT_PROBE_EPOCHS` when that is 0. */
  epochs?: number;
}

/** Probe epochs when a run's config has `eval.probeEpochs` 0 (the probe is off during training). */
export const EVALUATE_DEFAULT_PROBE_EPOCHS = 10;

export interface EvaluateCheckpointResult {
  runDir: string;
  /** The checkpoint's path. */
  checkpoint: string;
  record: LinearProbeRecord;
}

/**
 * The kNN monitor and a linear probe on frozen features at a checkpoint (cancellable, progress on
 * the token); the result is stored with the run (`<run>/linear-probe.json`) and returned.
 */
export namespace EvaluateCheckpointRequest {
  export const method: 'idaa/evaluateCheckpoint' = 'idaa/evaluateCheckpoint';
  export const type = new RequestType<EvaluateCheckpointParams, EvaluateCheckpointResult, WorkerErrorData>(method);
}
