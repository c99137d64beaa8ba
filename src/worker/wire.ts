/** Errors on the wire: every engine error becomes a ResponseError whose data says what kind it is. */
import { CancellationToken, ResponseError } from 'vscode-languageserver/node';
import { CheckpointError, ConfigError, DatasetError, IdaaError, PathOutsideRootError } from '../common/errors';
import { WorkerErrorCodes, WorkerErrorData, WorkerErrorKind } from '../protocol/worker';
import { log } from './context';

export function toResponseError(e: unknown): ResponseError<WorkerErrorData> {
  if (e instanceof ResponseError) return e as ResponseError<WorkerErrorData>;
  const err = e as Error;
  let kind: WorkerErrorKind = 'internal';
  let code: number = WorkerErrorCodes.Internal;
  const data: WorkerErrorData = { kind };
  if (err instanceof PathOutsideRootError) {
    kind = 'outsideRoot';
    code = WorkerErrorCodes.BadInput;
    data.file = err.file;
    data.root = err.root;
    if (err.field) data.field = err.field;
  } else if (err instanceof ConfigError) {
    kind = 'config';
    code = WorkerErrorCodes.BadInput;
    if (err.file) data.file = err.file;
    data.field = err.field;
  } else if (err instanceof DatasetError) {
    kind = 'dataset';
    code = WorkerErrorCodes.BadInput;
    data.file = err.file;
  } else if (err instanceof CheckpointError) {
    kind = 'checkpoint';
    code = WorkerErrorCodes.BadInput;
    data.file = err.file;
  } else if (err?.name === 'BackendError') {
    kind = 'backend';
    code = WorkerErrorCodes.BadInput;
  } else if (err instanceof IdaaError) {
    kind = 'state';
    code = WorkerErrorCodes.InvalidState;
    // A run file at fault (a damaged state.json or manifest) is named, so the host can open it.
    const file: unknown = (err as { file?: unknown }).file;
    if (typeof file === 'string') data.file = file;
  } else {
    log(`internal error: ${err?.stack ?? String(e)}`, 'error');
  }
  data.kind = kind;
  return new ResponseError<WorkerErrorData>(code, err?.message ?? String(e), data);
}

/** Wraps a handler so that thrown engine errors reach the host as typed ResponseErrors. */
export function guarded<P, R>(fn: (params: P, token: CancellationToken) => Promise<R> | R) {
  return async (params: P, token: CancellationToken): Promise<R | ResponseError<WorkerErrorData>> => {
    try {
      return await fn(params, token);
    } catch (e) {
      return toResponseError(e);
    }
  };
}

export function cancelled(): ResponseError<WorkerErrorData> {
  return new ResponseError<WorkerErrorData>(-32800 /* RequestCancelled */, 'cancelled', { kind: 'cancelled' });
}
