/**
 * What the inspector host reads from the runs folder itself (no worker needed): the checkpoint
 * picker's list and a run's curves from metrics.jsonl. tfjs-free: src/common only.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { listRuns } from '../common/runs/list';
import { readManifest } from '../common/runs/manifest';
import { readMetrics } from '../common/runs/metricsLog';
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

/** The Training view's data: step losses (at most 2,000 points per phase) and epoch lines. */
export function trainingMessage(runDir: string): TrainingMessage {
  const steps: MetricStep[] = [];
  const epochs: MetricEpoch[] = [];
  for (const l of readMetrics(runDir)) {
    if (l.kind === 'step') {
      const terms: Record<string, number> = {};
      for (const [k, v] of Object.entries((l.terms as Record<string, unknown>) ?? {})) if (typeof v === 'number') terms[k] = v;
      steps.push({ step: l.step, phase: String(l.phase ?? ''), loss: Number(l.loss), terms, ...(typeof l.imagesPerSec === 'number' && Number.isFinite(l.imagesPerSec) ? { imagesPerSec: l.imagesPerSec } : {}) });
    } else if (l.kind === 'epoch') {
      epochs.push({
        step: l.step,
        phase: String(l.phase ?? ''),
        epoch: Number(l.epoch) + 1,
        meanLoss: Number(l.meanLoss),
        ...(typeof l.knnAccuracy === 'number' ? { knnAccuracy: l.knnAccuracy } : {}),
        ...(typeof l.seconds === 'number' ? { seconds: l.seconds } : {}),
      });
    }
  }
  // Long runs have many thousands of step lines.
  const thinned = ['vae', 'ssl', ''].flatMap((ph) => thinPoints(steps.filter((s) => s.phase === ph), 2000));
  const other = steps.filter((s) => s.phase !== 'vae' && s.phase !== 'ssl' && s.phase !== '');
  return { type: 'training', runDir, runId: path.basename(runDir), steps: [...thinned, ...other].sort((a, b) => a.phase.localeCompare(b.phase) || a.step - b.step), epochs };
}

function thinPoints<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const stride = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * stride)] as T);
}
