/**
 * The runs comparison's curves: one chart per loss term of each phase, kNN accuracy per epoch and
 * the linear probe's test accuracy per probe epoch, each with one series per run (its colour the
 * same in every chart and in the table).
 */
import { formatPercent } from '../../src/common/runs/display';
import type { RunsMessage } from '../../src/protocol/runsCompare';
import type { Series } from '../chartData';
import { chart } from '../charts';
import type { ChartSettings } from '../chartToolbar';
import { knnPoints, phaseName, phaseTerms, termPoints, X_LABELS, xKindOf } from '../metricSeries';

export function runsCharts(m: RunsMessage, s: ChartSettings, colourOf: (i: number) => string): HTMLElement[] {
  const xLabel = X_LABELS[s.x];
  const out: HTMLElement[] = [];
  const perRun = (points: (r: RunsMessage['runs'][number]) => Series['points'], dots = false): Series[] =>
    m.runs.map((r, i) => ({ name: r.label, colour: colourOf(i), points: points(r), ...(dots ? { dots } : {}) })).filter((x) => x.points.length > 0);
  for (const { phase, term } of phaseTerms(m.runs)) {
    const series = perRun((r) => termPoints(r.steps, phase, term, s.x));
    if (series.length) out.push(chart(`${phaseName(phase)} ${term}`, xLabel, series, undefined, { xKind: xKindOf(s.x), smoothing: s.smoothing, log: s.log && term !== 'outputStd' }));
  }
  const knn = perRun((r) => knnPoints(r.epochs, 'ssl', s.x), true);
  if (knn.length) out.push(chart('kNN accuracy per epoch', xLabel, knn, (v) => formatPercent(v), { xKind: xKindOf(s.x), yKind: 'percent' }));
  const probe = perRun((r) => (r.probeCurve ?? []).map((acc, k) => [k + 1, acc] as [number, number]), true);
  if (probe.length) out.push(chart('Linear probe: test accuracy per probe epoch (final checkpoint evaluated)', 'probe epoch', probe, (v) => formatPercent(v), { xKind: 'integer', yKind: 'percent' }));
  return out;
}
