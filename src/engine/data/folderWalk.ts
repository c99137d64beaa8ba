/**
 * Lists the images below one class folder so that each real file counts once, whatever links
 * lead to it. Without this, `ln -s . cat/loop` made every image appear 41 times (once per link
 * level until ELOOP), in train and in test alike.
 *
 * - Folders are identified by device and inode; one already walked (in this class, or any class,
 *   train/ or test/ folder or the root) is skipped, which ends loops and repeated folder links.
 * - Files are identified the same way, so symbolic and hard links to one file are one image.
 *   Of its paths the first in code-point order is kept (the split hashes it: stable).
 * - Entries are read in sorted order, so which alias of a folder is walked never depends on
 *   the order the file system lists them in.
 */
import { readdirSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { DatasetError } from '../../common/errors';
import { fileId, fileKind } from '../../common/fileGuard';
import { fsProblem } from './files';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries of `dir` in code-point order, hidden ones skipped. */
export function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.'))
      .sort((a, b) => byCodePoint(a.name, b.name));
  } catch (e) {
    throw fsProblem(dir, e, 'folder');
  }
}

/** Device and inode of the folder or file at `path` (links followed). */
export function pathId(path: string, expected = 'folder'): string {
  try {
    return fileId(statSync(path, { bigint: true }));
  } catch (e) {
    throw fsProblem(path, e, expected);
  }
}

export interface ClassScan {
  /** Image paths relative to the class folder, '/'-separated, sorted; one per real file. */
  readonly images: string[];
  /** The real file (fileId) of each image. */
  readonly ids: string[];
  /** Files with other extensions, never read. */
  readonly skipped: number;
  /** Further paths (links) to an image already listed. */
  readonly duplicates: number;
  /** Folder links that loop or lead to a folder already walked (and links that loop on themselves). */
  readonly loops: number;
}

/** stat of a directory entry; undefined for a link that loops on itself or a dangling non-image link. */
function statEntry(full: string, image: boolean): BigIntStats | undefined {
  try {
    return statSync(full, { bigint: true });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ELOOP') return undefined;
    if (code === 'ENOENT' && !image) return undefined;
    if (code === 'ENOENT') throw new DatasetError(full, 'image not found: a symbolic link to a path that does not exist');
    throw fsProblem(full, e, 'image');
  }
}

/**
 * Scans `dir` recursively. `walked` holds the ids of the folders that may not be entered again
 * (the root, the train/ and test/ folders, every class folder, `dir` itself among them).
 */
export function scanClass(dir: string, walked: ReadonlySet<string>): ClassScan {
  const found: { rel: string; id: string }[] = [];
  const visited = new Set<string>();
  let skipped = 0;
  let loops = 0;
  const walk = (d: string): void => {
    for (const e of listDir(d)) {
      const full = join(d, e.name);
      const image = IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase());
      if (!image && !e.isDirectory() && !e.isSymbolicLink()) {
        skipped++;
        continue;
      }
      const st = statEntry(full, image);
      if (!st) {
        if (image) loops++;
        else skipped++;
      } else if (st.isDirectory()) {
        const id = fileId(st);
        if (walked.has(id) || visited.has(id)) {
          loops++;
          continue;
        }
        visited.add(id);
        walk(full);
      } else if (!image) {
        skipped++;
      } else if (!st.isFile()) {
        // Never opened: a FIFO would block the reader, a device would never end.
        throw new DatasetError(full, `is a ${fileKind(st)}, not a regular file; refusing to read it as an image`);
      } else {
        found.push({ rel: relative(dir, full).split(sep).join('/'), id: fileId(st) });
      }
    }
  };
  walk(dir);
  found.sort((a, b) => byCodePoint(a.rel, b.rel));
  const seen = new Set<string>();
  const images: string[] = [];
  const ids: string[] = [];
  for (const f of found) {
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    images.push(f.rel);
    ids.push(f.id);
  }
  return { images, ids, skipped, duplicates: found.length - images.length, loops };
}
