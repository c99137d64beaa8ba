/** Paths named on the command line: each must be what its flag or argument needs, checked before any work. */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isSystemError } from '../common/userError';
import { badValue, UsageError } from './usageError';

export type PathKind = 'file' | 'folder' | 'missing' | 'other';

export function pathKind(p: string): PathKind {
  try {
    const s = statSync(p);
    return s.isFile() ? 'file' : s.isDirectory() ? 'folder' : 'other';
  } catch (e) {
    if (isSystemError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return 'missing';
    throw e;
  }
}

const WHAT: Record<PathKind, string> = { file: 'a file', folder: 'a folder', missing: 'no such file or folder', other: 'neither a file nor a folder' };

export function existingFile(flag: string, raw: string, allowed: string): string {
  const p = resolve(raw);
  const k = pathKind(p);
  if (k !== 'file') throw badValue(flag, p, allowed, k === 'missing' ? 'no such file' : WHAT[k], p);
  return p;
}

export function existingFolder(flag: string, raw: string, allowed: string): string {
  const p = resolve(raw);
  const k = pathKind(p);
  if (k !== 'folder') throw badValue(flag, p, allowed, k === 'missing' ? 'no such folder' : WHAT[k], p);
  return p;
}

export function folderOrMissing(flag: string, raw: string, allowed: string): string {
  const p = resolve(raw);
  const k = pathKind(p);
  if (k !== 'folder' && k !== 'missing') throw badValue(flag, p, allowed, WHAT[k], p);
  // A folder to be created: every part of the path that exists must be a folder.
  for (let a = dirname(p); k === 'missing' && a !== dirname(a); a = dirname(a)) {
    const ak = pathKind(a);
    if (ak === 'folder') break;
    if (ak !== 'missing') throw badValue(flag, p, allowed, `${a} is ${WHAT[ak]}`, a);
  }
  return p;
}

/** A run folder named on the command line (`resume`, `checkpoints`): it exists and holds config.json. */
export function runFolderArg(command: string, raw: string | undefined): string {
  if (!raw) throw new UsageError('<run-dir>', `${command} needs a run folder: idaa ${command} <run-dir>${command === 'resume' ? ' [--from <checkpoint>] [--force]' : ''}`);
  const dir = resolve(raw);
  const k = pathKind(dir);
  const hint = 'give the folder of a run (it holds config.json; `idaa runs` lists them)';
  if (k === 'missing') throw new UsageError('<run-dir>', `${dir}: no such folder; ${hint}`, dir);
  if (k !== 'folder') throw new UsageError('<run-dir>', `${dir}: not a run folder (${WHAT[k]}); ${hint}`, dir);
  if (pathKind(resolve(dir, 'config.json')) !== 'file') throw new UsageError('<run-dir>', `${dir}: not a run folder (no config.json); ${hint}`, dir);
  return dir;
}
