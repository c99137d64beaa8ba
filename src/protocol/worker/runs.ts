/** Host → worker requests on runs: start, pause / resume / stop, checkpoints, list and describe. */
import { RequestType } from 'vscode-languageserver-protocol';
import type { CheckpointInfo, RunStateName, RunSummary, WorkerErrorData } from './shapes';

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
