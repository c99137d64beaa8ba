/**
 * Turns any error into what a user should read: typed IdaaErrors as they are, Node system errors
 * (ENOSPC, ENOENT, EACCES…) as a sentence naming the file and what to do, anything else as an
 * internal error whose stack belongs in a log. No tfjs here: the CLI and the worker share it.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { CheckpointError, ConfigError, DatasetError, IdaaError } from './errors';

export type ErrorKind = 'usage' | 'config' | 'dataset' | 'checkpoint' | 'backend' | 'run' | 'system' | 'internal';

export interface UserFacingError {
  kind: ErrorKind;
  /** The sentence to show, without a program prefix. */
  message: string;
  file?: string;
  field?: string;
  /** The errno code of a system error (ENOSPC, …). */
  code?: string;
  /** True when the error was not raised on purpose for users: its stack should go to a log. */
  logStack: boolean;
}

/** A Node system error: an errno code and the call that failed; `dest` is set by rename and copy. */
export type SystemError = NodeJS.ErrnoException & { code: string; dest?: string };

export function isSystemError(e: unknown): e is SystemError {
  if (!(e instanceof Error)) return false;
  const x = e as NodeJS.ErrnoException;
  // ERR_* codes are Node's argument checks (programming errors), not system errors.
  return typeof x.code === 'string' && /^E[A-Z0-9]+$/.test(x.code) && (typeof x.syscall === 'string' || typeof x.errno === 'number');
}

/**
 * `where.folder`: the folder the failed work was in (a run folder), named when the system gives no
 * path, as for ENOSPC on a write to an open file.
 */
export function describeError(e: unknown, where: { folder?: string } = {}): UserFacingError {
  if (e instanceof IdaaError) {
    const own = e as unknown as { file?: unknown; field?: unknown };
    return {
      kind: idaaKind(e),
      message: e.message,
      ...(typeof own.file === 'string' ? { file: own.file } : {}),
      ...(typeof own.field === 'string' ? { field: own.field } : {}),
      logStack: false,
    };
  }
  if (isSystemError(e)) {
    const file = e.path ? shownPath(e.path) : undefined;
    return { kind: 'system', message: systemErrorMessage(e, where.folder), code: e.code, ...(file ? { file } : {}), logStack: true };
  }
  const message = e instanceof Error ? e.message || e.name : String(e);
  return { kind: 'internal', message: `internal error: ${message}`, logStack: true };
}

function idaaKind(e: IdaaError): ErrorKind {
  if (e instanceof ConfigError) return 'config';
  if (e instanceof DatasetError) return 'dataset';
  if (e instanceof CheckpointError) return 'checkpoint';
  // By name: these classes live in modules that load tfjs (BackendError) or in a caller (UsageError).
  if (e.name === 'BackendError') return 'backend';
  if (e.name === 'UsageError') return 'usage';
  return 'run';
}

/** The atomic writers open `<file>.tmp-<pid>`; the user knows the file, not the temporary name. */
function shownPath(p: string | Buffer | URL): string {
  return String(p).replace(/\.tmp-\d+$/, '');
}

const ACTIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  scandir: 'list the folder',
  opendir: 'list the folder',
  mkdir: 'create the folder',
  rmdir: 'remove the folder',
  rename: 'rename',
  unlink: 'delete',
  stat: 'look up',
  lstat: 'look up',
  access: 'access',
  copyfile: 'copy',
  fsync: 'flush',
  close: 'close',
  symlink: 'link',
  chmod: 'change the permissions of',
};

/** "cannot write /x/metrics.jsonl: no space left on the device (ENOSPC); free disk space, …". */
export function systemErrorMessage(e: SystemError, folder?: string): string {
  const syscall = e.syscall ?? 'file';
  const path = e.path !== undefined ? shownPath(e.path) : undefined;
  const tmp = e.path !== undefined && path !== String(e.path);
  const action = tmp ? 'write' : (ACTIONS[syscall] ?? syscall);
  const dest = e.dest !== undefined && syscall === 'rename' ? ` to ${e.dest}` : '';
  const lead = path ? `cannot ${action} ${path}${dest}` : `${action} failed${folder ? ` (working in ${folder})` : ''}`;
  const c = e.code;
  switch (c) {
    case 'ENOSPC':
      return `${lead}: no space left on the device (ENOSPC); free disk space, then run the command again`;
    case 'EDQUOT':
      return `${lead}: the disk quota is used up (EDQUOT); free space or raise the quota, then run the command again`;
    case 'ENOENT': {
      const dir = path ? dirname(path) : undefined;
      if (dir && dir !== path && !existsSync(dir)) {
        return `${lead}: the folder ${dir} does not exist (ENOENT); check the path, and that the folder was not moved or deleted while idaa was running`;
      }
      return `${lead}: no such file or folder (ENOENT); check the path, and that it was not moved or deleted while idaa was running`;
    }
    case 'EACCES':
    case 'EPERM':
      return `${lead}: permission denied (${c}); check the permissions of the file and its folder, or use another location`;
    case 'EROFS':
      return `${lead}: the file system is read-only (EROFS); use a writable location`;
    case 'EISDIR':
      return `${lead}: it is a folder, not a file (EISDIR); give the path of a file`;
    case 'ENOTDIR':
      return `${lead}: a part of the path is a file, not a folder (ENOTDIR); check the path`;
    case 'EMFILE':
    case 'ENFILE':
      return `${lead}: too many open files (${c}); close other programs or raise the limit (ulimit -n), then run the command again`;
    case 'EEXIST':
      return `${lead}: it already exists (EEXIST); remove it or choose another name`;
    case 'ENOTEMPTY':
      return `${lead}: the folder is not empty (ENOTEMPTY); empty or remove it, or choose another folder`;
    case 'EBUSY':
      return `${lead}: it is in use by another program (EBUSY); close that program, then run the command again`;
    case 'EIO':
      return `${lead}: input/output error (EIO); the disk or network share may be failing: check it, then run the command again`;
    case 'ENAMETOOLONG':
      return `${lead}: the path is too long (ENAMETOOLONG); use a shorter path`;
    case 'ELOOP':
      return `${lead}: too many symbolic links, or a link that points to itself (ELOOP); check the links on the path`;
    case 'ENOMEM':
      return `${lead}: out of memory (ENOMEM); close other programs or use a smaller preset or batch size`;
    case 'EPIPE':
      return `${lead}: the reading end was closed (EPIPE)`;
    default:
      return `${lead}: ${e.message} (${c})`;
  }
}
