import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runPaths } from './layout';
import { readManifest } from './manifest';
import { readRunStatus, RunStatus } from './state';

export interface RunSummary {
  id: string;
  dir: string;
  status: RunStatus;
  checkpoints: number;
}

/** The runs under a root folder (each a folder with a config.json), oldest first. */
export function listRuns(root: string): RunSummary[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(runPaths(join(root, d.name)).config))
    .map((d) => runSummary(join(root, d.name)))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** One run folder's summary; damaged run files show in its status, never as an exception. */
export function runSummary(dir: string): RunSummary {
  const status: RunStatus = readRunStatus(dir);
  let checkpoints = 0;
  try {
    checkpoints = readManifest(dir).checkpoints.length;
  } catch {
    /* an unreadable manifest shows as 0 complete checkpoints (the next resume rebuilds it) */
  }
  return { id: basename(dir), dir, status, checkpoints };
}
