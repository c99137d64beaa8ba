import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { RunFileError } from '../../common/errors';
import { runPaths } from '../../common/runs/layout';
import { acquireRunLock, RunLock } from '../../common/runs/lock';
import { CheckpointKind, Manifest, ManifestEntry, readManifest, repairSuperseded, SupersededEntry, writeManifest } from '../../common/runs/manifest';
import { processAlive } from '../../common/runs/process';
import { readRunStatus, RunStatus } from '../../common/runs/state';
import { readCheckpointHeader } from '../checkpoint/format';
import type { CheckpointMeta } from '../train/run';

/** A run folder opened for training: its lock is held, and every file in it has been checked. */
export interface OpenedRun {
  lock: RunLock;
  manifest: Manifest;
  status: RunStatus;
}

/**
 * The one way a job opens a run folder for writing. Takes the folder's lock before anything is
 * written, then brings each file to a known state: orphaned temporary files of killed writers are
 * removed, a damaged manifest is rebuilt from the checkpoint files (the damaged copy kept), moves
 * of superseded checkpoints that a crash cut short are finished, and a damaged state.json (only a
 * cache) is reported, never trusted or blocking.
 */
export function openRunForWriting(runDir: string, command: string, log: (line: string) => void = () => {}): OpenedRun {
  const lock = acquireRunLock(runDir, command, log);
  try {
    removeOrphanTemps(runDir, log);
    let manifest: Manifest;
    try {
      manifest = readManifest(runDir);
    } catch (e) {
      if (!(e instanceof RunFileError)) throw e;
      manifest = rebuildManifest(runDir, e.message, log);
    }
    const moved = repairSuperseded(runDir, manifest);
    if (moved) log(`finished moving ${moved} superseded checkpoint(s) into checkpoints/superseded/ (an earlier resume was interrupted)`);
    const status = readRunStatus(runDir);
    if (status.damaged) log(`${status.error}`);
    return { lock, manifest, status };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** `<file>.tmp-<pid>` files whose writer is gone: a killed process's unfinished atomic writes. */
function removeOrphanTemps(runDir: string, log: (line: string) => void): void {
  const p = runPaths(runDir);
  let count = 0;
  let bytes = 0;
  for (const dir of [p.dir, p.checkpoints, p.probes]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = /\.tmp-(\d+)$/.exec(name);
      if (!m || processAlive(Number(m[1]))) continue;
      const f = join(dir, name);
      try {
        bytes += statSync(f).size;
        unlinkSync(f);
        count++;
      } catch {
        /* gone already */
      }
    }
  }
  if (count) log(`removed ${count} unfinished temporary file(s) of killed writers (${(bytes / 1e6).toFixed(1)} MB)`);
}

const KIND_OF_NAME: Array<[RegExp, CheckpointKind]> = [
  [/^(vae|ssl)-final\.ckpt$/, 'final'],
  [/^(vae|ssl)-s\d+\.ckpt$/, 'periodic'],
  [/^stop-s\d+\.ckpt$/, 'stop'],
  [/^manual-s\d+\.ckpt$/, 'manual'],
];

/**
 * Lists the complete checkpoints found on disk as the manifest would (live ones in checkpoints/,
 * superseded ones in checkpoints/superseded/<branch>/). Only files whose header checks out count.
 */
export function rebuildManifest(runDir: string, why: string, log: (line: string) => void): Manifest {
  const p = runPaths(runDir);
  const entry = (dir: string, name: string): ManifestEntry | undefined => {
    const kind = KIND_OF_NAME.find(([re]) => re.test(name))?.[1];
    if (!kind) return undefined;
    const file = join(dir, name);
    try {
      const { header } = readCheckpointHeader<CheckpointMeta>(file);
      const meta = header.meta;
      if (meta?.kind !== 'idaa-studio-checkpoint') return undefined;
      const phase = kind === 'final' ? name.split('-')[0]! : meta.position.phase === 'done' ? 'ssl' : meta.position.phase;
      const epochs = phase === 'vae' ? meta.config.vae.epochs : meta.config.ssl.epochs;
      const epoch = kind === 'final' ? epochs : meta.position.epoch;
      return { file: name, kind, phase, epoch, step: meta.position.globalStep, knnAccuracy: meta.knnAccuracy, bytes: statSync(file).size, createdAt: meta.createdAt };
    } catch (e) {
      log(`not listed: ${file} (${(e as Error).message})`);
      return undefined;
    }
  };
  const order = (a: ManifestEntry, b: ManifestEntry) => a.step - b.step || a.createdAt.localeCompare(b.createdAt);
  const names = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.ckpt')) : []);
  const checkpoints = names(p.checkpoints).map((n) => entry(p.checkpoints, n)).filter((e): e is ManifestEntry => !!e).sort(order);
  const superseded: SupersededEntry[] = [];
  const supRoot = join(p.checkpoints, 'superseded');
  for (const branch of existsSync(supRoot) ? readdirSync(supRoot) : []) {
    const step = Number(/-from-s(\d+)$/.exec(branch)?.[1] ?? 0);
    for (const n of names(join(supRoot, branch))) {
      const e = entry(join(supRoot, branch), n);
      if (e) superseded.push({ ...e, dir: `superseded/${branch}`, supersededAt: '', branchStep: step });
    }
  }
  const m: Manifest = { version: 1, checkpoints, ...(superseded.length ? { superseded } : {}) };
  const kept = `${p.manifest.replace(/\.json$/, '')}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  if (existsSync(p.manifest)) renameSync(p.manifest, kept);
  writeManifest(runDir, m);
  log(`${why}: rebuilt it from the ${checkpoints.length} checkpoint file(s) found${existsSync(kept) ? `; the damaged copy is ${kept}` : ''}`);
  return m;
}
