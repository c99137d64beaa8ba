/** The worker's own state: its status, and the runs folder it may open files in. */
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';
import type { RunStateName, WorkerErrorData, WorkerInfo } from './shapes';

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
