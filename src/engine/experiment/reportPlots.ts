import { join } from 'node:path';
import { writePng } from '../../common/png';
import { HLine, linePlot, Series } from '../report/plot';
import type { Aggregate } from './aggregate';
import { MethodName, parseRow } from './rows';

const COLORS: ReadonlyArray<[number, number, number]> = [
  [86, 156, 214],
  [236, 118, 0],
  [78, 201, 176],
  [197, 134, 192],
  [220, 220, 120],
];
const CALIBRATION_COLORS: Record<string, [number, number, number]> = { 'random-encoder': [200, 80, 80], 'raw-pixels': [160, 160, 160] };

export interface PlotFile {
  file: string;
  title: string;
}

/**
 * Per dataset and SSL method, kNN accuracy (mean ± std over seeds) against the SSL epoch and
 * against seconds of training steps (the efficiency claim: an IDAA epoch costs more), with the
 * calibration rows as dashed lines. One method per plot keeps the lines apart.
 */
export function writeEfficiencyPlots(root: string, agg: readonly Aggregate[], dataset: string): PlotFile[] {
  const rows = agg.filter((a) => a.dataset === dataset);
  const hlines: HLine[] = rows.filter((a) => parseRow(a.method as MethodName).kind === 'calibration' && Number.isFinite(a.knn.mean)).map((a) => ({ label: a.group, color: CALIBRATION_COLORS[a.method] ?? [160, 160, 160], y: a.knn.mean }));
  const methods = [...new Set(rows.flatMap((a) => { const r = parseRow(a.method as MethodName); return r.kind === 'ssl' ? [r.ssl] : []; }))];
  const out: PlotFile[] = [];
  for (const m of methods) {
    const mine = rows.filter((a) => { const r = parseRow(a.method as MethodName); return r.kind === 'ssl' && r.ssl === m && a.knnPerEpoch.length > 0; });
    if (!mine.length) continue;
    const byEpoch: Series[] = mine.map((a, i) => ({ label: a.group, color: COLORS[i % COLORS.length], points: a.knnPerEpoch.map((v, e) => ({ x: e + 1, y: v.mean, band: v.std })) }));
    const bySecond: Series[] = mine.map((a, i) => ({ label: a.group, color: COLORS[i % COLORS.length], points: a.knnPerEpoch.flatMap((v, e) => (Number.isFinite(a.secondsAtEpoch[e]) ? [{ x: a.secondsAtEpoch[e], y: v.mean, band: v.std }] : [])) }));
    const epochFile = join(root, `knn-vs-epoch-${dataset}-${m}.png`);
    const secondFile = join(root, `knn-vs-seconds-${dataset}-${m}.png`);
    const title = `${dataset}, ${m}: kNN accuracy`;
    writePng(epochFile, linePlot(byEpoch, { title: `${title} per epoch`, xLabel: 'SSL epoch', yLabel: 'kNN accuracy (mean ± std over seeds)', yFormat: 'percent', hlines }));
    out.push({ file: epochFile, title: `${title} per epoch` });
    if (bySecond.some((s) => s.points.length)) {
      writePng(secondFile, linePlot(bySecond, { title: `${title} per second of training`, xLabel: 'seconds of training steps (mean over seeds)', yLabel: 'kNN accuracy (mean ± std over seeds)', yFormat: 'percent', xTicks: 'nice', hlines }));
      out.push({ file: secondFile, title: `${title} per second of training` });
    }
  }
  return out;
}
