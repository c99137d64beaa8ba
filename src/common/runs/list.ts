import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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
    .map((d) => {
      const dir = join(root, d.name);
      let checkpoints = 0;
      let status: RunStatus;
      try {
        status = readRunStatus(dir);
      } catch (e) {
        status = { state: 'failed', error: (e as Error).message, updatedAt: '' };
      }
      try {
        checkpoints = readManifest(dir).checkpoints.length;
      } catch {
        /* an unreadable manifest shows as 0 complete checkpoints */
      }
      return { id: d.name, dir, status, checkpoints };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
