/**
 * What *IDAA: Compare Runs* shows (runsComparePanel.ts draws it): for each run its state, position,
 * final and best kNN accuracy, linear probe, images/s and training time, its curves from
 * metrics.jsonl, and the config fields (as written in config.json) that differ between the runs.
 * An experiment's grid (`idaa experiment`: `results/<name>/runs/<cell>/`) compares the same way.
 * tfjs-free: src/common only.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readRegularFileSync } from '../common/fileGuard';
import { differingFields, flattenConfig } from '../common/runs/configDiff';
import { formatPosition, positionFromStatus, runLabel } from '../common/runs/display';
import { finalLinearProbe, readLinearProbesQuietly } from '../common/runs/linearProbe';
import { runSummary } from '../common/runs/list';
import { readMetrics } from '../common/runs/metricsLog';
import type { ComparedRun, RunsMessage } from '../protocol/runsCompare';
import { trainingMessage } from './inspectorData';
import { readRawConfig } from './runManager';

/** Step points per phase and run sent to the page (the curves' shape, not every step). */
const POINTS_PER_PHASE = 600;

function speedAndTime(runDir: string): { imagesPerSec?: number; seconds?: number } {
  let seconds = 0;
  const ssl: number[] = [];
  try {
    for (const l of readMetrics(runDir)) {
      if (l.kind === 'epoch' && typeof l.seconds === 'number') seconds += l.seconds;
      if (l.kind === 'step' && l.phase === 'ssl' && typeof l.imagesPerSec === 'number' && Number.isFinite(l.imagesPerSec)) ssl.push(l.imagesPerSec);
    }
  } catch {
    /* no log */
  }
  ssl.sort((a, b) => a - b);
  return { ...(ssl.length ? { imagesPerSec: ssl[ssl.length >> 1] } : {}), ...(seconds > 0 ? { seconds } : {}) };
}

/** An experiment cell's probe (its result.json), for cells evaluated by `idaa experiment`. */
function cellProbe(runDir: string): { probe: number; probeEpochs?: number } | undefined {
  const file = path.join(runDir, 'result.json');
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readRegularFileSync(file, { what: 'cell result', maxBytes: 16 * 1024 * 1024 }).toString('utf8')) as { probeFinal?: unknown; probeEpochs?: unknown };
    return typeof r.probeFinal === 'number' && Number.isFinite(r.probeFinal) ? { probe: r.probeFinal, ...(typeof r.probeEpochs === 'number' ? { probeEpochs: r.probeEpochs } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function cleanCurve(xs: readonly number[] | undefined): number[] | undefined {
  return xs && xs.length && xs.every((x) => Number.isFinite(x) && x >= 0 && x <= 1) ? xs.slice() : undefined;
}

/** The comparison of `runDirs` (each once, in the order given). */
export function compareRuns(runDirs: readonly string[], opts: { title?: string; experiment?: string } = {}): RunsMessage {
  const dirs = [...new Set(runDirs.map((d) => path.resolve(d)))];
  const configs = dirs.map((d) => readRawConfig(d));
  const flat = configs.map((c) => flattenConfig(c ?? {}));
  const differing = differingFields(flat);
  const labels = dirs.map((d, i) => runLabel(configs[i], path.basename(d)));
  const runs = dirs.map((dir, i): ComparedRun => {
    const status = runSummary(dir).status;
    const probe = finalLinearProbe(readLinearProbesQuietly(dir));
    const cell = probe ? undefined : cellProbe(dir);
    const curve = cleanCurve(probe?.probe.perEpochTestAccuracy);
    const t = trainingMessage(dir, POINTS_PER_PHASE);
    const label = labels.filter((l) => l === labels[i]).length > 1 ? `${labels[i]} (${path.basename(dir)})` : labels[i]!;
    const fraction = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v >= 0 && v <= 1 ? v : undefined);
    const knnFinal = fraction(status.lastKnnAccuracy);
    const knnBest = fraction(status.bestKnnAccuracy);
    const probeAcc = fraction(probe?.probe.finalTestAccuracy ?? cell?.probe);
    const probeEpochs = probe?.probe.epochs ?? cell?.probeEpochs;
    return {
      runDir: dir,
      id: path.basename(dir),
      label,
      state: status.state,
      position: formatPosition(positionFromStatus(status)),
      ...(knnFinal !== undefined ? { knnFinal } : {}),
      ...(knnBest !== undefined ? { knnBest } : {}),
      ...(probeAcc !== undefined ? { probe: probeAcc } : {}),
      ...(probeEpochs !== undefined ? { probeEpochs } : {}),
      ...(curve ? { probeCurve: curve } : {}),
      ...speedAndTime(dir),
      config: Object.fromEntries(differing.map((k) => [k, flat[i]![k] === undefined ? '(preset)' : JSON.stringify(flat[i]![k])])),
      steps: t.steps,
      epochs: t.epochs,
    };
  });
  return { type: 'runs', title: opts.title ?? `${runs.length} runs compared`, ...(opts.experiment ? { experiment: opts.experiment } : {}), runs, differing };
}

/**
 * The run folders of an experiment (`results/<name>/`): its trained cells under `runs/` that have
 * a config, in name order. A folder that is itself a `runs/` folder of cells works too.
 */
export function experimentRunDirs(folder: string): string[] {
  const candidates = [path.join(folder, 'runs'), folder];
  for (const c of candidates) {
    if (!existsSync(c) || !statSync(c).isDirectory()) continue;
    const dirs = readdirSync(c)
      .sort()
      .map((n) => path.join(c, n))
      .filter((d) => statSync(d).isDirectory() && existsSync(path.join(d, 'config.json')));
    if (dirs.length) return dirs;
  }
  return [];
}
