/**
 * What every part of the worker shares: the connection to the host (vscode-languageserver over
 * the IPC channel the client opened), the log and progress, and where files may be opened.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { LogNotification, LongWorkProgressType } from '../protocol/worker';
import { WorkerPaths } from './paths';

export const connection = createConnection(ProposedFeatures.all);

/** The runs folder comes with initialize (and idaa/runsRoot); until then every path is refused. */
export const paths = new WorkerPaths();

export function log(message: string, level: 'info' | 'warn' | 'error' = 'info', runDir?: string): void {
  void connection.sendNotification(LogNotification.type, { level, message, ...(runDir ? { runDir } : {}) });
}

/** Progress of a long request (datasetSamples, inspect) on its token, when it has one. */
export function reporter(token?: string) {
  return (message: string, percentage?: number): void => {
    if (token) void connection.sendProgress(LongWorkProgressType.type, token, { message, ...(percentage !== undefined ? { percentage } : {}) });
  };
}
