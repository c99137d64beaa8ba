import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The file-system calls the writers use; tests swap in failing ones (a full disk) to check nothing is lost. */
export interface WriteIo {
  writeSync(fd: number, data: Uint8Array): number;
}

export const realIo: WriteIo = { writeSync: (fd, data) => writeSync(fd, data) };

/**
 * Writes `chunks` to a temporary name beside `file`, flushes it to disk, then renames it over
 * `file`: readers see the old content or the new, never a half-written file. On failure the
 * temporary file is removed and the error carries the file's name.
 */
export function writeFileAtomic(file: string, chunks: Uint8Array[], io: WriteIo = realIo, beforeRename?: () => void): number {
  const tmp = `${file}.tmp-${process.pid}`;
  let fd = -1;
  let bytes = 0;
  try {
    fd = openSync(tmp, 'w');
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += io.writeSync(fd, c.subarray(off));
      bytes += c.length;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    beforeRename?.();
    renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* it may never have been created */
    }
    throw e;
  }
  syncDir(dirname(file));
  return bytes;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, [Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8')]);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  }
}
