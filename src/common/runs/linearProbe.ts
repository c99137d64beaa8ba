/**
 * Linear-probe evaluations stored with a run: `<run>/linear-probe.json`, one record per checkpoint
 * evaluated (a new evaluation of the same checkpoint replaces the old one), written atomically.
 * The worker writes it (*IDAA: Evaluate Checkpoint*); the Runs tree, notifications and comparisons
 * read it. tfjs-free.
 *
 * ```json
 * { "kind": "idaa-studio-linear-probe", "version": 1,
 *   "results": [{ "checkpoint": "final-s000064.ckpt", "phase": "ssl", "epoch": 2, "step": 64,
 *                 "knnAccuracy": 0.655, "probe": { "finalTestAccuracy": 0.579, "trainAccuracy": 0.61,
 *                 "epochs": 20, "lr": 0.0003, "batchSize": 256, "perEpochTestAccuracy": [ … ] },
 *                 "seconds": 12.3, "createdAt": "2026-11-28T05:20:00.000Z" }] }
 * ```
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RunFileError } from '../errors';
import { readRegularFileSync } from '../fileGuard';
import { writeJsonAtomic } from './atomicFile';
import { readManifest } from './manifest';

export const LINEAR_PROBE_FILE = 'linear-probe.json';

export interface LinearProbeRecord {
  /** The checkpoint's file name in `<run>/checkpoints/`. */
  checkpoint: string;
  /** The checkpoint's position: phase, completed epochs of it, global step. */
  phase: string;
  epoch: number;
  step: number;
  /** The kNN monitor's accuracy on the test split at this checkpoint (the run's kNN settings). */
  knnAccuracy: number;
  probe: {
    /** Test accuracy after the last probe epoch: the number to report. */
    finalTestAccuracy: number;
    trainAccuracy: number;
    epochs: number;
    lr: number;
    batchSize: number;
    /** Test accuracy after each probe epoch (a curve to look at; selecting its maximum would select on test). */
    perEpochTestAccuracy: number[];
    /** The epoch budget, where a stop rule could end the probe before it (absent in older files). */
    maxEpochs?: number;
    /** Whether the stop rule ended it, and whether features were standardised (absent in older files). */
    converged?: boolean;
    standardized?: boolean;
  };
  /** Wall-clock seconds the evaluation took. */
  seconds: number;
  createdAt: string;
}

export interface LinearProbeFile {
  kind: 'idaa-studio-linear-probe';
  version: 1;
  results: LinearProbeRecord[];
}

export function linearProbePath(runDir: string): string {
  return join(runDir, LINEAR_PROBE_FILE);
}

/** The run's evaluations, oldest first; none when the file is missing. A damaged file is a RunFileError. */
export function readLinearProbes(runDir: string): LinearProbeRecord[] {
  const file = linearProbePath(runDir);
  if (!existsSync(file)) return [];
  let parsed: Partial<LinearProbeFile>;
  try {
    parsed = JSON.parse(readRegularFileSync(file, { what: 'linear-probe results', maxBytes: 16 * 1024 * 1024 }).toString('utf8')) as Partial<LinearProbeFile>;
  } catch (e) {
    throw new RunFileError(file, `unreadable linear-probe results (${(e as Error).message})`);
  }
  if (parsed?.kind !== 'idaa-studio-linear-probe' || parsed.version !== 1 || !Array.isArray(parsed.results)) {
    throw new RunFileError(file, 'not a linear-probe results file of IDAA Studio (kind "idaa-studio-linear-probe", version 1)');
  }
  return parsed.results.filter(isRecord);
}

/** Like readLinearProbes, but a damaged file reads as none (listings must never fail on it). */
export function readLinearProbesQuietly(runDir: string): LinearProbeRecord[] {
  try {
    return readLinearProbes(runDir);
  } catch {
    return [];
  }
}

/**
 * The record of one evaluation of `checkpointFile` (a file in `<runDir>/checkpoints/`): its position
 * as the run's manifest lists it, else as the checkpoint itself says (`fallback`).
 */
export function linearProbeRecord(
  runDir: string,
  checkpointFile: string,
  fallback: { phase: string; epoch: number; step: number },
  knnAccuracy: number,
  probe: LinearProbeRecord['probe'],
  seconds: number,
): LinearProbeRecord {
  const name = basename(checkpointFile);
  let entry: { phase: string; epoch: number; step: number } | undefined;
  try {
    entry = readManifest(runDir).checkpoints.find((c) => c.file === name);
  } catch {
    entry = undefined; // a damaged manifest does not stop storing the evaluation
  }
  const at = entry ?? fallback;
  return { checkpoint: name, phase: at.phase, epoch: at.epoch, step: at.step, knnAccuracy, probe, seconds, createdAt: new Date().toISOString() };
}

/** Adds (or replaces, for the same checkpoint) a record; a damaged file is replaced. Returns all records. */
export function storeLinearProbe(runDir: string, record: LinearProbeRecord): LinearProbeRecord[] {
  const results = readLinearProbesQuietly(runDir).filter((r) => r.checkpoint !== record.checkpoint);
  results.push(record);
  results.sort((a, b) => a.step - b.step || a.createdAt.localeCompare(b.createdAt));
  const file: LinearProbeFile = { kind: 'idaa-studio-linear-probe', version: 1, results };
  writeJsonAtomic(linearProbePath(runDir), file);
  return results;
}

/** The evaluation that speaks for the run: of its checkpoint furthest into training (the newest evaluation of it). */
export function finalLinearProbe(records: readonly LinearProbeRecord[]): LinearProbeRecord | undefined {
  return [...records].sort((a, b) => a.step - b.step || a.createdAt.localeCompare(b.createdAt)).at(-1);
}

function isRecord(r: unknown): r is LinearProbeRecord {
  const o = r as Partial<LinearProbeRecord> | null;
  return (
    !!o &&
    typeof o === 'object' &&
    typeof o.checkpoint === 'string' &&
    typeof o.step === 'number' &&
    typeof o.knnAccuracy === 'number' &&
    !!o.probe &&
    typeof o.probe.finalTestAccuracy === 'number' &&
    typeof o.createdAt === 'string'
  );
}
