import { existsSync } from 'node:fs';
import { writeJsonAtomic } from './atomicFile';
import { runPaths } from './layout';
import { processAlive } from './process';
import { readRegularFileSync } from '../fileGuard';

/** The trainer's state machine: idle → running ⇄ paused → stopping → completed / stopped / failed. */
export type RunStateName = 'idle' | 'running' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'failed';

/** What a run folder was started to do; resuming does that job and no more. */
export type RunJob = 'train' | 'vae';

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
  /** What the run was started as: a full training, or the VAE only (`idaa vae`). */
  job?: RunJob;
  /** The backend the training process runs on, in a few words (`webgpu NVIDIA H200`, `wasm 2t`). */
  backend?: string;
  /** state.json could not be read; the other fields are not the trainer's. */
  damaged?: boolean;
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
    s = JSON.parse(readRegularFileSync(file, { what: 'run state', maxBytes: 1024 * 1024 }).toString('utf8')) as RunStatus;
    if (!s || typeof s !== 'object' || typeof s.state !== 'string') throw new Error('not a run state');
  } catch (e) {
    // state.json is a cache of what the trainer last said: damage is reported, never blocking.
    return { state: 'failed', damaged: true, error: `${file} is unreadable (${(e as Error).message}); it is only a cache: resuming rewrites it`, updatedAt: '' };
  }
  if ((s.state === 'running' || s.state === 'paused' || s.state === 'stopping') && s.pid !== undefined && !processAlive(s.pid)) {
    return { ...s, state: 'failed', error: `the training process (pid ${s.pid}) ended without saying so: killed or crashed` };
  }
  return s;
}
