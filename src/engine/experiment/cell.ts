import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evalJob, inspectJob, openCheckpoint, processCommand, resumeJob, trainJob, TrainJobResult } from '../jobs';
import type { RunConfig } from '../config/types';
import { acquireRunLock, RunLock } from '../../common/runs/lock';
import { usesVae } from '../config/adversary';
import type { ConfiguredProbeResult } from '../eval/configuredProbe';
import { evaluateCalibration } from './calibration';
import { parseRow } from './rows';
import { openRunForWriting } from '../runs/openRun';
import { IdaaError } from '../../common/errors';
import { diffConfigs, loadConfigFile } from '../config/resolve';
import { ControllerEvents } from '../runs/controller';
import { writeJsonAtomic } from '../../common/runs/atomicFile';
import { readMetrics } from '../../common/runs/metricsLog';
import type { RunStatus } from '../../common/runs/state';
import { Run } from '../train/run';
import { Trainer } from '../train/trainer';
import { Cell } from './spec';
import { readRegularFileSync } from '../../common/fileGuard';

export interface CellResult {
  id: string;
  kind: 'vae' | 'ssl' | 'calibration';
  dataset: string;
  method?: string;
  seed: number;
  transferFrom?: string;
  /** kNN accuracy after the last epoch (no selection). */
  knnFinal?: number;
  /** kNN accuracy after each SSL epoch, for the efficiency curves. */
  knnPerEpoch?: number[];
  /** Seconds of training steps up to the end of each SSL epoch (no evaluation, no checkpoints), for accuracy per second. */
  secondsAtEpoch?: number[];
  /** Linear probe trained on the train split, final accuracy on the test split. */
  probeFinal?: number;
  probeTrain?: number;
  /** Epochs the probe trained, its budget, and whether its stop rule (on the training split) ended it. */
  probeEpochs?: number;
  probeMaxEpochs?: number;
  probeConverged?: boolean;
  /** Seconds spent in training epochs (summed over resumes, kNN monitor included) and images/s of the training steps. */
  trainSeconds: number;
  imagesPerSec: number;
  steps: number;
  /** CPU seconds (user + system) of the process that finished the cell, start-up and evaluation included: its cost on a busy machine. */
  cpuSeconds?: number;
  /** The trained cell's final checkpoint (none for calibration rows). */
  checkpoint?: string;
  inspection?: string;
}

export function cellDir(root: string, cell: Pick<Cell, 'kind' | 'id'>): string {
  return join(root, cell.kind === 'vae' ? 'vae' : 'runs', cell.id);
}

/**
 * The result-determining fields on which the config stored in a cell's folder (config.json, written
 * when the cell started) differs from the one the spec gives the cell now; empty when they agree or the
 * folder holds no config yet. The VAE path is left out: it follows the results folder, and the VAE cell
 * is compared on its own.
 */
export function staleCellFields(root: string, cell: Cell): string[] {
  const f = join(cellDir(root, cell), 'config.json');
  if (!existsSync(f)) return [];
  const diffs = diffConfigs(loadConfigFile(f), cell.config).filter((d) => !d.startsWith('vae.checkpoint:'));
  // A VAE cell's result depends only on its data, seed and VAE settings, not on the SSL or evaluation fields.
  return cell.kind === 'vae' ? diffs.filter((d) => /^(vae\.|data\.|seed:)/.test(d)) : diffs;
}

/** Refuses cells whose folders were started with other settings than the spec now gives them, all named at once. */
export function assertCellsMatchSpec(root: string, cells: readonly Cell[]): void {
  const stale = cells.map((c) => ({ c, diffs: staleCellFields(root, c) })).filter((s) => s.diffs.length > 0);
  if (!stale.length) return;
  const lines = stale.map(({ c, diffs }) => `  ${cellDir(root, c)}: ${diffs.slice(0, 4).join('; ')}${diffs.length > 4 ? `; … (${diffs.length} fields)` : ''}`);
  throw new IdaaError(
    `${stale.length} cell folder(s) hold runs started with other settings than the spec gives them now, so their results would not be this spec's:\n${lines.join('\n')}\n` +
      'Delete those folders to train them with the new settings, or give the experiment another name or --out.',
  );
}

export function readCellResult(root: string, cell: Cell): CellResult | undefined {
  const f = join(cellDir(root, cell), 'result.json');
  return existsSync(f) ? (JSON.parse(readRegularFileSync(f, { what: 'cell result', maxBytes: 16 * 1024 * 1024 }).toString('utf8')) as CellResult) : undefined;
}

/**
 * Trains one cell, or continues it from its latest checkpoint when an earlier attempt was cut
 * short, then evaluates it and writes result.json (the mark of a finished cell).
 */
export async function runCell(root: string, cell: Cell, events: ControllerEvents = {}): Promise<CellResult> {
  assertCellsMatchSpec(root, [cell]);
  const done = readCellResult(root, cell);
  if (done) return done;
  const runDir = cellDir(root, cell);
  if (cell.kind === 'calibration') return runCalibrationCell(root, cell, events);
  const config = structuredClone(cell.config);
  const vae = cell.vaeCell ? join(root, 'vae', cell.vaeCell, 'checkpoints', 'vae-final.ckpt') : undefined;
  if (vae && usesVae(config)) {
    if (!existsSync(vae)) throw new IdaaError(`cell ${cell.id} needs the VAE of cell ${cell.vaeCell} (${vae}), which is not trained yet`);
    config.vae.checkpoint = vae;
  }
  // The cell owns its folder from the first look to result.json: no other process trains or resumes in it meanwhile.
  const { lock, manifest, status: st } = openRunForWriting(runDir, `experiment cell ${cell.id} (${processCommand()})`, events.log);
  try {
    return await finishCell(cell, runDir, config, vae, events, lock, existsSync(join(runDir, 'config.json')) ? st : undefined, manifest.checkpoints.length > 0);
  } finally {
    lock.release();
  }
}

async function finishCell(cell: Cell, runDir: string, config: RunConfig, vae: string | undefined, events: ControllerEvents, lock: RunLock, status: RunStatus | undefined, hasCheckpoints: boolean): Promise<CellResult> {
  const phase = cell.kind === 'vae' ? 'vae' : 'ssl';
  let r: TrainJobResult;
  if (status?.state === 'completed') {
    // Trained, but cut short before its evaluation was written.
    const { run, trainer } = await openCheckpoint(join(runDir, 'checkpoints', `${phase}-final.ckpt`), events.log);
    r = { run, trainer, position: run.position, state: 'completed', job: cell.kind === 'vae' ? 'vae' : 'train' };
  } else if (status && hasCheckpoints) {
    events.log?.(`${cell.id}: continuing from its latest checkpoint`);
    r = await resumeJob({ runDir, events, lock });
  } else {
    r = await trainJob(config, { runDir, events, vaeOnly: cell.kind === 'vae', lock });
  }
  if (r.state !== 'completed') {
    r.trainer.dispose();
    throw new IdaaError(`cell ${cell.id} ended ${r.state}`);
  }
  const metrics = readMetrics(runDir);
  const steps = metrics.filter((m) => m.kind === 'step' && m.phase === phase);
  const epochs = metrics.filter((m) => m.kind === 'epoch' && m.phase === phase);
  const trainSeconds = epochs.reduce((s, e) => s + Number(e.seconds), 0);
  const batchSize = cell.kind === 'vae' ? config.vae.batchSize : config.ssl.batchSize;
  const result: CellResult = {
    id: cell.id,
    kind: cell.kind,
    dataset: cell.dataset,
    method: cell.method,
    seed: cell.seed,
    transferFrom: cell.transferFrom,
    trainSeconds,
    imagesPerSec: (steps.length * batchSize) / Math.max(1e-9, trainSeconds),
    steps: steps.length,
    // Relative to the working folder (the repository for `npm run experiment`): results files name no machine's folders.
    checkpoint: relative(process.cwd(), join(runDir, 'checkpoints', `${phase}-final.ckpt`)),
  };
  if (cell.kind === 'ssl') {
    result.knnPerEpoch = epochs.map((e) => Number(e.knnAccuracy));
    result.secondsAtEpoch = stepSecondsAtEpochs(steps, epochs, batchSize);
    const ev = await evalJob(r.trainer, { log: events.log });
    result.knnFinal = ev.knnAccuracy;
    Object.assign(result, probeFields(ev.probe));
    // A sheet for the latent attack: cells that train with it, and plain cells that borrow the grid's VAE.
    if (usesVae(config) || (vae && existsSync(vae))) {
      if (!usesVae(config)) Run.loadVae(r.trainer, vae!);
      result.inspection = relative(process.cwd(), inspectCell(r.trainer, runDir));
    }
  }
  r.trainer.dispose();
  result.cpuSeconds = cpuSeconds();
  writeJsonAtomic(join(runDir, 'result.json'), result);
  return result;
}

/** A calibration row: evaluated, never trained; result.json marks it done, as for the other cells. */
async function runCalibrationCell(root: string, cell: Cell, events: ControllerEvents): Promise<CellResult> {
  const row = cell.method ? parseRow(cell.method) : undefined;
  if (row?.kind !== 'calibration') throw new IdaaError(`cell ${cell.id} is not a calibration row (${cell.method})`);
  const runDir = cellDir(root, cell);
  mkdirSync(runDir, { recursive: true });
  // Held while evaluating, as for trained cells: a second process on the same cell is refused, naming this one.
  const lock = acquireRunLock(runDir, `experiment cell ${cell.id} (${processCommand()})`, events.log);
  try {
    const done = readCellResult(root, cell);
    if (done) return done;
    const ev = await evaluateCalibration(row.name, cell.config, events.log);
    // Kept beside the result, as trained cells keep theirs, so a later spec with other settings is refused.
    writeJsonAtomic(join(runDir, 'config.json'), cell.config);
    const result: CellResult = { id: cell.id, kind: 'calibration', dataset: cell.dataset, method: cell.method, seed: cell.seed, knnFinal: ev.knn, ...probeFields(ev.probe), trainSeconds: 0, imagesPerSec: 0, steps: 0, cpuSeconds: cpuSeconds() };
    writeJsonAtomic(join(runDir, 'result.json'), result);
    return result;
  } finally {
    lock.release();
  }
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function probeFields(p: ConfiguredProbeResult | undefined): Partial<CellResult> {
  if (!p) return {};
  return { probeFinal: p.finalTestAccuracy, probeTrain: p.trainAccuracy, probeEpochs: p.epochs, probeMaxEpochs: p.maxEpochs, probeConverged: p.converged };
}

/**
 * Cumulative seconds of training steps at the end of each epoch, from the step records (each
 * logs images/s = batch / its step's duration), so evaluation and checkpoint time are left out and
 * resumed cells count each step once.
 */
export function stepSecondsAtEpochs(steps: ReadonlyArray<Record<string, unknown>>, epochs: ReadonlyArray<Record<string, unknown>>, batchSize: number): number[] {
  const perEpoch = new Map<number, number>();
  for (const s of steps) perEpoch.set(Number(s.epoch), (perEpoch.get(Number(s.epoch)) ?? 0) + batchSize / Math.max(1e-9, Number(s.imagesPerSec)));
  let total = 0;
  return epochs.map((e) => (total += perEpoch.get(Number(e.epoch)) ?? 0));
}

/** The inspection sheet of a trained cell: one test image per class (up to 8). */
export function inspectCell(trainer: Trainer, runDir: string): string {
  const labels = trainer.dataset.test.labels;
  const firstOfClass = new Map<number, number>();
  labels.forEach((l, i) => firstOfClass.has(l) || firstOfClass.set(l, i));
  const indices = [...firstOfClass.values()].sort((a, b) => a - b).slice(0, 8);
  return inspectJob(trainer, { indices, outDir: runDir, name: 'inspection' }).png;
}
