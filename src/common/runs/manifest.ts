import { existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IdaaError, RunFileError } from '../errors';
import { writeJsonAtomic } from './atomicFile';
import { runPaths } from './layout';
import { readRegularFileSync } from '../fileGuard';

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

/** A checkpoint of an abandoned branch: a resume from an earlier point moved it out of the live timeline (kept, not deleted). */
export interface SupersededEntry extends ManifestEntry {
  /** Its folder under checkpoints/, e.g. "superseded/2026-12-01T10-00-00-from-s000045". */
  dir: string;
  supersededAt: string;
  /** The step the new branch started from. */
  branchStep: number;
}

export interface Manifest {
  version: 1;
  /** The live timeline: retention, "latest" and resume see only these. */
  checkpoints: ManifestEntry[];
  superseded?: SupersededEntry[];
}

const KINDS: readonly CheckpointKind[] = ['periodic', 'final', 'stop', 'manual'];
/** A checkpoint's name in the manifest: a plain file name, never a path. */
const CKPT_NAME = /^[A-Za-z0-9][\w.-]*\.ckpt$/;
const SUPERSEDED_DIR = /^superseded\/[A-Za-z0-9][\w.-]*$/;

/** Reads the manifest; a missing one is empty, a damaged one is a RunFileError (the engine rebuilds it from the files). */
export function readManifest(runDir: string): Manifest {
  const file = runPaths(runDir).manifest;
  if (!existsSync(file)) return { version: 1, checkpoints: [] };
  let m: Manifest;
  try {
    m = JSON.parse(readRegularFileSync(file, { what: 'checkpoint manifest', maxBytes: 64 * 1024 * 1024 }).toString('utf8')) as Manifest;
  } catch (e) {
    throw new RunFileError(file, `unreadable checkpoint manifest (${(e as Error).message})`);
  }
  const problem = manifestProblem(m);
  if (problem) throw new RunFileError(file, `damaged checkpoint manifest (${problem})`);
  return m;
}

function manifestProblem(m: unknown): string | undefined {
  if (!m || typeof m !== 'object') return 'not an object';
  const o = m as Partial<Manifest>;
  if (o.version !== 1) return `version ${JSON.stringify(o.version)}, expected 1`;
  if (!Array.isArray(o.checkpoints)) return 'no checkpoints list';
  const entryProblem = (e: Partial<SupersededEntry>, where: string, superseded: boolean): string | undefined => {
    if (!e || typeof e !== 'object') return `${where} is not an object`;
    if (typeof e.file !== 'string' || !CKPT_NAME.test(e.file)) return `${where}.file ${JSON.stringify(e.file)} is not a plain checkpoint file name`;
    if (!KINDS.includes(e.kind as CheckpointKind)) return `${where}.kind ${JSON.stringify(e.kind)} is unknown`;
    if (!Number.isInteger(e.step) || e.step! < 0) return `${where}.step ${JSON.stringify(e.step)} is not a step`;
    if (!Number.isInteger(e.epoch) || e.epoch! < 0) return `${where}.epoch ${JSON.stringify(e.epoch)} is not an epoch count`;
    if (typeof e.phase !== 'string' || typeof e.createdAt !== 'string' || typeof e.bytes !== 'number') return `${where} lacks phase, createdAt or bytes`;
    if (superseded && (typeof e.dir !== 'string' || !SUPERSEDED_DIR.test(e.dir))) return `${where}.dir ${JSON.stringify(e.dir)} is not a superseded/ folder`;
    return undefined;
  };
  for (const [i, e] of o.checkpoints.entries()) {
    const p = entryProblem(e, `checkpoints[${i}]`, false);
    if (p) return p;
  }
  if (o.superseded !== undefined && !Array.isArray(o.superseded)) return 'superseded is not a list';
  for (const [i, e] of (o.superseded ?? []).entries()) {
    const p = entryProblem(e, `superseded[${i}]`, true);
    if (p) return p;
  }
  return undefined;
}

export function writeManifest(runDir: string, m: Manifest): void {
  writeJsonAtomic(runPaths(runDir).manifest, m);
}

/**
 * Starts a new branch at `from`: live checkpoints after it move to checkpoints/superseded/<id>/ and
 * to the manifest's superseded list, so a resumed run can never overwrite, prune or resume from
 * them. The manifest is written first; `repairSuperseded` finishes moves a crash interrupted.
 */
export function supersedeAfter(runDir: string, from: { step: number; file?: string }, now = new Date()): SupersededEntry[] {
  const m = readManifest(runDir);
  const self = from.file ? m.checkpoints.find((c) => c.file === from.file) : undefined;
  const later = m.checkpoints.filter((c) => c !== self && (c.step > from.step || (self !== undefined && c.step === from.step && c.createdAt > self.createdAt)));
  if (later.length === 0) return [];
  const dir = `superseded/${now.toISOString().replace(/[:.]/g, '-').slice(0, 19)}-from-s${String(from.step).padStart(6, '0')}`;
  const moved = later.map((c) => ({ ...c, dir, supersededAt: now.toISOString(), branchStep: from.step }));
  m.checkpoints = m.checkpoints.filter((c) => !later.includes(c));
  m.superseded = [...(m.superseded ?? []), ...moved];
  writeManifest(runDir, m);
  repairSuperseded(runDir, m);
  return moved;
}

/** Moves superseded checkpoints still at their old place (a crash between manifest and move); returns how many. */
export function repairSuperseded(runDir: string, m: Manifest = readManifest(runDir)): number {
  const root = runPaths(runDir).checkpoints;
  const live = new Set(m.checkpoints.map((c) => c.file));
  let n = 0;
  for (const e of m.superseded ?? []) {
    const to = join(root, e.dir, e.file);
    const from = join(root, e.file);
    if (existsSync(to) || live.has(e.file) || !existsSync(from)) continue;
    mkdirSync(join(root, e.dir), { recursive: true });
    renameSync(from, to);
    n++;
  }
  return n;
}

/** Where a superseded checkpoint lies now. */
export function supersededPath(runDir: string, e: SupersededEntry): string {
  return join(runPaths(runDir).checkpoints, e.dir, e.file);
}

/** Records a checkpoint that has been written completely (after its rename). */
export function addToManifest(runDir: string, entry: ManifestEntry): Manifest {
  const m = readManifest(runDir);
  m.checkpoints = m.checkpoints.filter((c) => c.file !== entry.file);
  m.checkpoints.push(entry);
  m.checkpoints.sort((a, b) => a.step - b.step || a.createdAt.localeCompare(b.createdAt));
  writeManifest(runDir, m);
  return m;
}

export function removeFromManifest(runDir: string, file: string): void {
  const m = readManifest(runDir);
  const name = basename(file);
  const before = m.checkpoints.length;
  m.checkpoints = m.checkpoints.filter((c) => c.file !== name);
  if (m.checkpoints.length === before) throw new IdaaError(`${file}: not a checkpoint of the run in ${runDir}`);
  // Manifest first: a crash between the two leaves an unlisted file, never a listed missing one.
  writeManifest(runDir, m);
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
