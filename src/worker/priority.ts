/**
 * The training worker's CPU priority. A run started from the editor is background work: at nice 10
 * the inspector's own worker (and the editor) get a core within milliseconds when they need one,
 * while training keeps the whole machine whenever nothing else asks (the scheduler only weighs
 * niceness under contention). Set before the backend starts its threads: threads inherit it.
 */
import { setPriority } from 'node:os';

export const BACKGROUND_NICE = 10;

/** Applies the priority the environment asks for; returns a line for the log, or undefined. */
export function applyWorkerPriority(env: NodeJS.ProcessEnv): string | undefined {
  if (env.IDAA_WORKER_ROLE !== 'training' || env.IDAA_TRAINING_PRIORITY === 'normal') return undefined;
  try {
    setPriority(BACKGROUND_NICE);
    return `training worker at background priority (nice ${BACKGROUND_NICE}; setting idaa.trainingPriority)`;
  } catch (e) {
    return `could not lower the training worker's priority: ${(e as Error).message}`;
  }
}
