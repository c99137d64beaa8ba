/**
 * What the inspector host reads from the runs folder itself (no worker needed): the checkpoint
 * picker's list and a run's curves from metrics.jsonl. tfjs-free: src/common only.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { listRuns } from '../common/runs/list';
import { readManifest } from '../common/runs/manifest';
import { readMetrics, type MetricLine } from '../common/runs/metricsLog';
import type { CheckpointOption, MetricEpoch, MetricStep, TrainingMessage } from '../protocol/webview';

/** Every checkpoint of every run under `root`, newest run first, newest checkpoint first. */
export function listCheckpointOptions(root: string | undefined): CheckpointOption[] {
  const out: CheckpointOption[] = [];
  if (!root || !existsSync(root)) return out;
  for (const r of listRuns(root).reverse()) {
    let entries: ReturnType<typeof readManifest>['checkpoints'] = [];
    try {
      entries = readManifest(r.dir).checkpoints;
    } catch {
      entries = []; // a damaged manifest: the run shows no checkpoints until the engine rebuilds it
    }
    for (const e of entries.slice().reverse()) {
      out.push({
        path: path.join(r.dir, 'checkpoints', e.file),
        runDir: r.dir,
        runId: r.id,
        file: e.file,
        phase: e.phase,
        epoch: e.epoch,
        step: e.step,
        kind: e.kind,
        ...(e.knnAccuracy !== undefined ? { knnAccuracy: e.knnAccuracy } : {}),
      });
    }
  }
  return out;
}

/** `live:<runDir>` → that run's newest checkpoint; a path stays as it is. */
export function resolveCheckpointChoice(choice: string): string | undefined {
  if (!choice.startsWith('live:')) return choice;
  const runDir = choice.slice(5);
  try {
    const last = readManifest(runDir).checkpoints.at(-1);
    return last ? path.join(runDir, 'checkpoints', last.file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Training view's data: step losses (at most `maxPoints` per phase) and epoch lines, each with
 * its x on the charts' other axes: completed epochs of its phase (fractional within an epoch) and
 * seconds since the log's first line.
 */
export function trainingMessage(runDir: string, maxPoints = 2000): TrainingMessage {
  const steps: MetricStep[] = [];
  const epochs: MetricEpoch[] = [];
  const lines = readMetrics(runDir);
  const t0 = lines.map((l) => Date.parse(String(l.time ?? ''))).find((t) => Number.isFinite(t));
  const elapsed = (l: MetricLine) => {
    const t = Date.parse(String(l.time ?? ''));
    return t0 !== undefined && Number.isFinite(t) ? { elapsed: (t - t0) / 1000 } : {};
  };
  // Batches per epoch of each phase: the largest batch index seen, plus one.
  const perEpoch = new Map<string, number>();
  for (const l of lines) if (l.kind === 'step' && typeof l.batch === 'number') perEpoch.set(String(l.phase ?? ''), Math.max(perEpoch.get(String(l.phase ?? '')) ?? 1, l.batch + 1));
  for (const l of lines) {
    const phase = String(l.phase ?? '');
    if (l.kind === 'step') {
      const terms: Record<string, number> = {};
      for (const [k, v] of Object.entries((l.terms as Record<string, unknown>) ?? {})) if (typeof v === 'number') terms[k] = v;
      const epoch = typeof l.epoch === 'number' && typeof l.batch === 'number' ? { epoch: l.epoch + (l.batch + 1) / (perEpoch.get(phase) ?? 1) } : {};
      steps.push({ step: l.step, phase, loss: Number(l.loss), terms, ...(typeof l.imagesPerSec === 'number' && Number.isFinite(l.imagesPerSec) ? { imagesPerSec: l.imagesPerSec } : {}), ...epoch, ...elapsed(l) });
    } else if (l.kind === 'epoch') {
      epochs.push({
        step: l.step,
        phase,
        epoch: Number(l.epoch) + 1,
        meanLoss: Number(l.meanLoss),
        ...(typeof l.knnAccuracy === 'number' ? { knnAccuracy: l.knnAccuracy } : {}),
        ...(typeof l.seconds === 'number' ? { seconds: l.seconds } : {}),
        ...elapsed(l),
      });
    }
  }
  // Long runs have many thousands of step lines.
  const thinned = ['vae', 'ssl', ''].flatMap((ph) => thinPoints(steps.filter((s) => s.phase === ph), maxPoints));
  const other = steps.filter((s) => s.phase !== 'vae' && s.phase !== 'ssl' && s.phase !== '');
  return { type: 'training', runDir, runId: path.basename(runDir), steps: [...thinned, ...other].sort((a, b) => a.step - b.step || a.phase.localeCompare(b.phase)), epochs };
}

function thinPoints<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const stride = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * stride)] as T);
}
