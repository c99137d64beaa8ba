/**
 * Reading files that users name, without trusting them: stat before reading and refuse anything
 * that is not a regular file (reading a FIFO blocks until some writer closes it, /dev/zero never
 * ends, sockets and devices are not data), refuse files over a size limit, and never read more
 * than the size the stat of the opened file gave. tfjs-free: the engine, worker and host use it.
 */
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FileError } from './errors';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** The default limit of one read: a few GiB, and never more than one Buffer can hold. */
export const MAX_READ_BYTES = Math.min(4 * GiB, bufferConstants.MAX_LENGTH);

// O_NONBLOCK: if the path became a FIFO between our stat and the open, the open returns at once
// instead of waiting for a writer (the fstat then refuses it). Windows has no such flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export interface ReadLimits {
  /** What the file should be, for messages: "checkpoint file", "image", "IDX file". */
  readonly what: string;
  /** Refuse files larger than this; default MAX_READ_BYTES. */
  readonly maxBytes?: number;
}

/** The kind of a file system object in words, as error messages name it. */
export function fileKind(st: Stats | BigIntStats): string {
  if (st.isFile()) return 'regular file';
  if (st.isDirectory()) return 'folder';
  if (st.isFIFO()) return 'FIFO (named pipe)';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

/** "5.0 GiB (5,368,709,120 bytes)": readable and exact. */
export function formatBytes(n: number): string {
  const exact = `${n.toLocaleString('en-US')} byte${n === 1 ? '' : 's'}`;
  for (const [unit, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (n >= size) return `${(n / size).toFixed(1)} ${unit} (${exact})`;
  }
  return exact;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** A failed fs call on `file` as a FileError that says what is wrong in words. */
export function fsFileError(file: string, e: unknown, what: string): FileError {
  const code = errnoCode(e);
  switch (code) {
    case 'ENOENT':
      return new FileError(file, `${what} not found`, code);
    case 'ENOTDIR':
      return new FileError(file, `${what} not found (part of the path is a file, not a folder)`, code);
    case 'EACCES':
    case 'EPERM':
      return new FileError(file, 'permission denied', code);
    case 'ELOOP':
      return new FileError(file, 'is a symbolic link that loops (too many levels of links)', code);
    case 'EISDIR':
      return new FileError(file, `is a folder, not a regular file; refusing to read it as the ${what}`, code);
    default:
      return new FileError(file, `cannot read: ${e instanceof Error ? e.message : String(e)}`, code);
  }
}

/** Throws unless `st` (of `file`) is a regular file within the limit. */
export function requireRegular(file: string, st: Stats | BigIntStats, limits: ReadLimits): void {
  if (!st.isFile()) throw new FileError(file, `is a ${fileKind(st)}, not a regular file; refusing to read it as the ${limits.what}`);
  const size = Number(st.size);
  const max = limits.maxBytes ?? MAX_READ_BYTES;
  if (size > max) throw new FileError(file, `is ${formatBytes(size)}, over the ${formatBytes(max)} limit for the ${limits.what}`);
}

/** stat (following links) that refuses missing paths, folders, FIFOs, sockets, devices and files over the limit. */
export function statRegularFile(file: string, limits: ReadLimits): Stats {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    throw fsFileError(file, e, limits.what);
  }
  requireRegular(file, st, limits);
  return st;
}

/** An opened regular file: its descriptor and the size the fstat of that descriptor gave. */
export interface OpenFile {
  readonly file: string;
  readonly fd: number;
  readonly size: number;
  readonly what: string;
}

/**
 * Opens `file` only after its stat shows a regular file within the limit (opening some devices
 * has effects), checks the fstat of the opened descriptor too (the path may have been swapped
 * since), runs `fn`, and closes the file.
 */
export function withRegularFileSync<T>(file: string, limits: ReadLimits, fn: (f: OpenFile) => T): T {
  statRegularFile(file, limits);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw fsFileError(file, e, limits.what);
  }
  try {
    const st = fstatSync(fd);
    requireRegular(file, st, limits);
    return fn({ file, fd, size: st.size, what: limits.what });
  } finally {
    closeSync(fd);
  }
}

/** Up to `length` bytes at `position`; fewer only if the file ends first (it shrank). */
export function readAtSync(f: OpenFile, position: number, length: number): Buffer {
  // Never from the shared pool: readers make typed-array views on the whole ArrayBuffer.
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = readSync(f.fd, buf, got, length - got, position + got);
    } catch (e) {
      throw fsFileError(f.file, e, f.what);
    }
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The whole file, read with the guards of withRegularFileSync. */
export function readRegularFileSync(file: string, limits: ReadLimits): Buffer {
  return withRegularFileSync(file, limits, (f) => readAtSync(f, 0, f.size));
}

/** readRegularFileSync without blocking the event loop. */
export async function readRegularFile(file: string, limits: ReadLimits): Promise<Buffer> {
  try {
    requireRegular(file, await stat(file), limits);
  } catch (e) {
    throw e instanceof FileError ? e : fsFileError(file, e, limits.what);
  }
  let fh: FileHandle;
  try {
    fh = await open(file, OPEN_FLAGS);
  } catch (e) {
    throw fsFileError(file, e, limits.what);
  }
  try {
    const st = await fh.stat();
    requireRegular(file, st, limits);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, got, buf.length - got, got));
      } catch (e) {
        throw fsFileError(file, e, limits.what);
      }
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** Identity of the real file behind a path (device and inode), the same through every link. */
export function fileId(st: BigIntStats): string {
  return `${st.dev}:${st.ino}`;
}
