import { appendFileSync, existsSync } from 'node:fs';
import { writeFileAtomic } from './atomicFile';
import { runPaths } from './layout';
import { readRegularFileSync } from '../fileGuard';

export interface MetricLine {
  kind: 'step' | 'epoch';
  step: number;
  [k: string]: unknown;
}

export function appendMetric(runDir: string, rec: { kind: MetricLine['kind']; step: number }): void {
  appendFileSync(runPaths(runDir).metrics, JSON.stringify(rec) + '\n');
}

/** Every complete line of the log; a torn last line (the process died mid-append) is skipped. */
export function readMetrics(runDir: string): MetricLine[] {
  const file = runPaths(runDir).metrics;
  if (!existsSync(file)) return [];
  const out: MetricLine[] = [];
  for (const line of readRegularFileSync(file, { what: 'metrics log' }).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricLine);
    } catch {
      /* a torn line from a killed process */
    }
  }
  return out;
}

/**
 * Rolls the log back to what a checkpoint at `step` had seen: lines after it (from a process that
 * went on past its last checkpoint) move to metrics.discarded.jsonl, so the resumed run appends
 * each step exactly once and nothing is thrown away.
 */
export function rollBackMetrics(runDir: string, step: number, epochBoundary: boolean): number {
  const p = runPaths(runDir);
  if (!existsSync(p.metrics)) return 0;
  const keep: string[] = [];
  const drop: string[] = [];
  for (const line of readRegularFileSync(p.metrics, { what: 'metrics log' }).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    let rec: MetricLine;
    try {
      rec = JSON.parse(line) as MetricLine;
    } catch {
      drop.push(line);
      continue;
    }
    // An epoch line at the checkpoint's step belongs before it only if the checkpoint is at an epoch end.
    const after = rec.step > step || (rec.kind === 'epoch' && rec.step === step && !epochBoundary);
    (after ? drop : keep).push(line);
  }
  if (drop.length === 0) return 0;
  appendFileSync(p.discardedMetrics, drop.map((l) => l + '\n').join(''));
  writeFileAtomic(p.metrics, [Buffer.from(keep.map((l) => l + '\n').join(''), 'utf8')]);
  return drop.length;
}
