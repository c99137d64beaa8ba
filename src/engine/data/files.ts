import { statSync, type Stats } from 'node:fs';
import { DatasetError, FileError } from '../../common/errors';
import { MAX_READ_BYTES, readRegularFile, readRegularFileSync } from '../../common/fileGuard';

/** One line of progress or warning text for the user; loaders never print directly. */
export type LogFn = (line: string) => void;

export const noLog: LogFn = () => undefined;

/** The message of anything thrown, for wrapping library errors in a DatasetError. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Turns an fs error into a DatasetError that says what is wrong in words, not errno codes. */
export function fsProblem(file: string, e: unknown, expected = 'file'): DatasetError {
  switch (errorCode(e)) {
    case 'ENOENT':
      return new DatasetError(file, `${expected} not found`);
    case 'EISDIR':
      return new DatasetError(file, `is a folder, expected a ${expected}`);
    case 'ENOTDIR':
      return new DatasetError(file, `is a file, expected a ${expected}`);
    case 'EACCES':
    case 'EPERM':
      return new DatasetError(file, `permission denied`);
    default:
      return new DatasetError(file, `cannot read: ${errorMessage(e)}`);
  }
}

/** The fileGuard refusal (missing, not a regular file, too big) as a DatasetError. */
function asDatasetError(file: string, e: unknown): DatasetError {
  return e instanceof FileError ? new DatasetError(e.file, e.problem) : fsProblem(file, e);
}

/**
 * Reads a whole data file, refusing folders, FIFOs, sockets, devices and files over `maxBytes`
 * before reading (see fileGuard). `what` names the file in messages ("IDX file", "image").
 */
export function readBytesSync(file: string, what = 'file', maxBytes = MAX_READ_BYTES): Buffer {
  try {
    return readRegularFileSync(file, { what, maxBytes });
  } catch (e) {
    throw asDatasetError(file, e);
  }
}

/** readBytesSync without blocking the event loop. */
export async function readBytes(file: string, what = 'file', maxBytes = MAX_READ_BYTES): Promise<Buffer> {
  try {
    return await readRegularFile(file, { what, maxBytes });
  } catch (e) {
    throw asDatasetError(file, e);
  }
}

/** stat that answers undefined for a missing path instead of throwing. */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export function isDir(path: string): boolean {
  return statOrUndefined(path)?.isDirectory() ?? false;
}

export function isFile(path: string): boolean {
  return statOrUndefined(path)?.isFile() ?? false;
}

/**
 * Whether anything is at `path`. Readers test presence with this, not isFile, so that a FIFO or a
 * folder where a data file belongs is refused by name and kind rather than reported missing.
 */
export function exists(path: string): boolean {
  return statOrUndefined(path) !== undefined;
}

/** Fails with a clear message unless `dir` is an existing folder. */
export function requireDir(dir: string, what: string): void {
  const st = statOrUndefined(dir);
  if (!st) throw new DatasetError(dir, `${what} not found`);
  if (!st.isDirectory()) throw new DatasetError(dir, `is a file, expected ${what}`);
}

/** 12345 -> "12,345", for log lines and descriptions. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
