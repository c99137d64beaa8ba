/**
 * The worker protocol's shared shapes (mirrors of the engine's types, kept as plain JSON), its
 * errors, what the host sends at initialization and what the worker reports back, and the progress
 * every long request reports.
 */
import { ProgressType } from 'vscode-languageserver-protocol';

// The engine's own types, imported for their shape only (type imports bring no engine code into
// the extension or webview bundles), so the wire format cannot drift from what the engine writes.
import type { RunStateName, RunStatus } from '../../common/runs/state';
import type { RunSummary } from '../../common/runs/list';
import type { CheckpointKind, ManifestEntry } from '../../common/runs/manifest';
import type { BackendPreference, WasmThreads } from '../../engine/backend/select';
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
