import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IdaaError } from '../errors';
import { writeJsonAtomic } from './atomicFile';
import { runPaths } from './layout';

export type CheckpointKind = 'periodic' | 'final' | 'stop' | 'manual';

/** One complete checkpoint. Only checkpoints listed here count: a file not in the manifest is ignored. */
export interface ManifestEntry {
  file: string;
  kind: CheckpointKind;
  phase: string;
  /** Completed epochs of `phase` when the checkpoint was taken. */
  epoch: number;
  step: number;
  knnAccuracy?: number;
  bytes: number;
  createdAt: string;
}

export interface Manifest {
  version: 1;
  checkpoints: ManifestEntry[];
}

export function readManifest(runDir: string): Manifest {
  const file = runPaths(runDir).manifest;
  if (!existsSync(file)) return { version: 1, checkpoints: [] };
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.version !== 1 || !Array.isArray(m.checkpoints)) throw new Error('not a version-1 manifest');
    return m;
  } catch (e) {
    throw new IdaaError(`${file}: unreadable checkpoint manifest (${(e as Error).message}); the checkpoint files themselves are intact and can be loaded with --from`);
  }
}

/** Records a checkpoint that has been written completely (after its rename). */
export function addToManifest(runDir: string, entry: ManifestEntry): Manifest {
  const m = readManifest(runDir);
  m.checkpoints = m.checkpoints.filter((c) => c.file !== entry.file);
  m.checkpoints.push(entry);
  m.checkpoints.sort((a, b) => a.step - b.step || a.createdAt.localeCompare(b.createdAt));
  writeJsonAtomic(runPaths(runDir).manifest, m);
  return m;
}

export function removeFromManifest(runDir: string, file: string): void {
  const m = readManifest(runDir);
  const name = basename(file);
  const before = m.checkpoints.length;
  m.checkpoints = m.checkpoints.filter((c) => c.file !== name);
  if (m.checkpoints.length === before) throw new IdaaError(`${file}: not a checkpoint of the run in ${runDir}`);
  // Manifest first: a crash between the two leaves an unlisted file, never a listed missing one.
  writeJsonAtomic(runPaths(runDir).manifest, m);
  unlinkSync(join(runPaths(runDir).checkpoints, name));
}

export function checkpointPath(runDir: string, e: ManifestEntry): string {
  return join(runPaths(runDir).checkpoints, e.file);
}

/** The checkpoint to resume from by default: the one furthest into training. */
export function latestCheckpoint(runDir: string): ManifestEntry | undefined {
  const m = readManifest(runDir);
  return m.checkpoints[m.checkpoints.length - 1];
}

export interface RetentionPolicy {
  keepLast: number;
  keepBest: boolean;
}

/**
 * Deletes periodic checkpoints beyond the last `keepLast`, sparing the best by kNN accuracy when
 * `keepBest`; final, stop and manual checkpoints are never deleted by policy.
 */
export function applyRetention(runDir: string, policy: RetentionPolicy): string[] {
  const m = readManifest(runDir);
  const periodic = m.checkpoints.filter((c) => c.kind === 'periodic');
  const keep = new Set(periodic.slice(-policy.keepLast).map((c) => c.file));
  if (policy.keepBest) {
    const best = m.checkpoints.filter((c) => c.knnAccuracy !== undefined).sort((a, b) => b.knnAccuracy! - a.knnAccuracy! || b.step - a.step)[0];
    if (best) keep.add(best.file);
  }
  const doomed = periodic.filter((c) => !keep.has(c.file)).map((c) => c.file);
  for (const f of doomed) removeFromManifest(runDir, f);
  return doomed;
}
