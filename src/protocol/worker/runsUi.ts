/** Runs UI (issue 13): config diagnostics and checkpoint evaluation. Host → worker requests. */
import { RequestType } from 'vscode-languageserver-protocol';
import type { ConfigIssue } from '../../common/errors';
import type { LinearProbeRecord } from '../../common/runs/linearProbe';
import type { WithProgressToken, WorkerErrorData } from './shapes';
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
