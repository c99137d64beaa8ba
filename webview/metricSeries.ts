/**
 * From a run's metrics (steps and epochs, as the host reads them from metrics.jsonl) to chart
 * series on the chosen x axis: the global step, the phase's epochs (fractional within an epoch),
 * or wall time since the log's first line. One series per phase: the VAE and SSL phases are never
 * joined by one line. Pure: test/engine/charts.test.ts runs it.
 */
import type { MetricEpoch, MetricStep } from '../src/protocol/webview';
import type { Point, Series, XKind } from './chartData';

export type XAxis = 'step' | 'epoch' | 'time';

export const X_LABELS: Record<XAxis, string> = { step: 'step', epoch: 'epoch', time: 'wall time' };

/** Whole-number ticks for steps and epochs, clock ticks for time. */
export function xKindOf(axis: XAxis): XKind {
  return axis === 'time' ? 'time' : 'integer';
}

export function stepX(s: MetricStep, axis: XAxis): number | undefined {
  return axis === 'step' ? s.step : axis === 'epoch' ? s.epoch : s.elapsed;
}

export function epochX(e: MetricEpoch, axis: XAxis): number | undefined {
  return axis === 'step' ? e.step : axis === 'epoch' ? e.epoch : e.elapsed;
}

function points<T>(items: readonly T[], x: (t: T) => number | undefined, y: (t: T) => number | null | undefined): Point[] {
  const out: Point[] = [];
  for (const it of items) {
    const xv = x(it);
    const yv = y(it);
    if (xv === undefined || !Number.isFinite(xv) || yv === undefined) continue;
    out.push([xv, yv === null || !Number.isFinite(yv) ? null : yv]);
  }
  return out;
}

/** The phase's loss terms, one series each (`skip`: terms left out). */
export function termSeries(steps: readonly MetricStep[], phase: string, axis: XAxis, colour: (i: number) => string, skip: readonly string[] = []): Series[] {
  const own = steps.filter((s) => s.phase === phase);
  const names = [...new Set(own.flatMap((s) => Object.keys(s.terms)))].filter((n) => !skip.includes(n));
  return names.map((name, i) => ({ name, colour: colour(i), points: points(own, (s) => stepX(s, axis), (s) => s.terms[name] ?? undefined) }));
}

/** One term of one phase (the comparison: a chart per term, a series per run). */
export function termPoints(steps: readonly MetricStep[], phase: string, term: string, axis: XAxis): Point[] {
  return points(steps.filter((s) => s.phase === phase), (s) => stepX(s, axis), (s) => s.terms[term]);
}

/** Images per second, one series per phase. */
export function speedSeries(steps: readonly MetricStep[], axis: XAxis, colour: (i: number) => string): Series[] {
  const phases = [...new Set(steps.filter((s) => s.imagesPerSec !== undefined).map((s) => s.phase))];
  return phases.map((phase, i) => ({ name: `${phaseName(phase)} images/s`, colour: colour(i), points: points(steps.filter((s) => s.phase === phase), (s) => stepX(s, axis), (s) => s.imagesPerSec) }));
}

/** kNN accuracy per epoch (the SSL phase's epochs; another phase's, when it has any, as its own series). */
export function knnPoints(epochs: readonly MetricEpoch[], phase: string, axis: XAxis): Point[] {
  return points(epochs.filter((e) => e.phase === phase), (e) => epochX(e, axis), (e) => e.knnAccuracy);
}

export function phaseName(phase: string): string {
  return phase === 'vae' ? 'VAE' : phase === 'ssl' ? 'SSL' : phase;
}

/** The (phase, term) pairs of some runs' steps, VAE first: one comparison chart each. */
export function phaseTerms(runs: ReadonlyArray<{ steps: readonly MetricStep[] }>): Array<{ phase: string; term: string }> {
  const seen = new Map<string, { phase: string; term: string }>();
  for (const r of runs) for (const s of r.steps) for (const term of Object.keys(s.terms)) seen.set(`${s.phase}\u0000${term}`, { phase: s.phase, term });
  const order = (p: string) => (p === 'vae' ? 0 : p === 'ssl' ? 1 : 2);
  return [...seen.values()].sort((a, b) => order(a.phase) - order(b.phase) || a.phase.localeCompare(b.phase));
}
