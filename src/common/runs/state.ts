import { existsSync, readFileSync } from 'node:fs';
import { IdaaError } from '../errors';
import { writeJsonAtomic } from './atomicFile';
import { runPaths } from './layout';

/** The trainer's state machine: idle → running ⇄ paused → stopping → completed / stopped / failed. */
export type RunStateName = 'idle' | 'running' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'failed';

export interface RunStatus {
  state: RunStateName;
  pid?: number;
  /** The phase trained last or now, its completed epochs and its total. */
  phase?: string;
  epoch?: number;
  epochs?: number;
  step?: number;
  bestKnnAccuracy?: number;
  lastKnnAccuracy?: number;
  /** Why the run failed, in words. */
  error?: string;
  updatedAt: string;
}

export function writeRunStatus(runDir: string, status: Omit<RunStatus, 'updatedAt'>): void {
  writeJsonAtomic(runPaths(runDir).state, { ...status, updatedAt: new Date().toISOString() });
}

/**
 * Reads state.json; a run recorded as running or paused whose process is gone was interrupted
 * (killed or crashed), which is reported as 'failed' with that reason.
 */
export function readRunStatus(runDir: string): RunStatus {
  const file = runPaths(runDir).state;
  if (!existsSync(file)) return { state: 'idle', updatedAt: '' };
  let s: RunStatus;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as RunStatus;
  } catch (e) {
    throw new IdaaError(`${file}: unreadable run state (${(e as Error).message})`);
  }
  if ((s.state === 'running' || s.state === 'paused' || s.state === 'stopping') && s.pid !== undefined && !processAlive(s.pid)) {
    return { ...s, state: 'failed', error: `the training process (pid ${s.pid}) ended without saying so: killed or crashed` };
  }
  return s;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
