/** Notifications: worker → host. */
import { NotificationType } from 'vscode-languageserver-protocol';
import type { CheckpointInfo, RunStateName } from './shapes';

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
