import { drawText, fillRect, measureText, RGB, RGBA } from '../../common/font';
import { formatPercentTick, formatTick, niceStep } from '../../common/ticks';

export interface Series {
  label: string;
  color: RGB;
  /** Points (x, y); y may carry a ± band (e.g. the std over seeds). */
  points: Array<{ x: number; y: number; band?: number }>;
}

/** A horizontal reference line across the plot (e.g. a baseline that trains nothing), drawn dashed. */
export interface HLine {
  label: string;
  color: RGB;
  y: number;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** How y tick labels read: "percent" shows fractions as 55%, "number" as plain numbers. */
  yFormat?: 'percent' | 'number';
  /** x ticks at the data's x values (epochs) or at nice numbers (seconds). */
  xTicks?: 'data' | 'nice';
  hlines?: HLine[];
  width?: number;
  height?: number;
}

const BG: RGB = [30, 30, 30];
const AXIS: RGB = [150, 150, 150];
const TEXT: RGB = [220, 220, 220];
const GRID: RGB = [55, 55, 55];

/**
 * Ticks at 1, 2 or 5 × 10^k (src/common/ticks.ts, the charts' too) from the last one at or below
 * `lo` to the first at or above `hi`, so the axis ends on ticks and labels read 50%, 55%, 60%
 * rather than 0.493, 0.517, …
 */
export function axisTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return { ticks: [], step: 1 };
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 0.5;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(lo, hi, target);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return { ticks, step };
}

/** A tick label with as many decimals as the step needs. */
export function tickLabel(v: number, step: number, format: 'percent' | 'number'): string {
  return format === 'percent' ? formatPercentTick(v, step) : formatTick(v, step);
}

/** A line chart with error bars and reference lines, drawn into RGBA with the sheet's bitmap font (no canvas needed). */
export function linePlot(series: Series[], opts: PlotOptions): RGBA {
  const width = opts.width ?? 720;
  const hlines = opts.hlines ?? [];
  const legend = legendRows([...series.map((s) => s.label), ...hlines.map((h) => h.label)], width - 80);
  const height = (opts.height ?? 420) + (legend.length - 1) * 14;
  const img: RGBA = { width, height, rgba: new Uint8Array(width * height * 4) };
  fillRect(img, 0, 0, width, height, BG);
  for (let i = 3; i < img.rgba.length; i += 4) img.rgba[i] = 255;
  const format = opts.yFormat ?? 'number';
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p.x);
  const ys = [...pts.flatMap((p) => [p.y - (p.band ?? 0), p.y + (p.band ?? 0)]), ...hlines.map((h) => h.y)].filter(Number.isFinite);
  const yt = axisTicks(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = [yt.ticks[0] ?? 0, yt.ticks.at(-1) ?? 1];
  const xt = opts.xTicks === 'nice' ? axisTicks(Math.min(0, ...xs), Math.max(...xs, 1)) : undefined;
  const x0 = xt ? xt.ticks[0] : Math.min(...xs);
  const x1 = xt ? xt.ticks.at(-1)! : Math.max(...xs, x0 + 1);
  const yLabels = yt.ticks.map((y) => tickLabel(y, yt.step, format));
  const left = 24 + Math.max(30, ...yLabels.map((l) => measureText(l).width));
  const right = width - 40;
  const top = 50;
  const bottom = height - 56 - legend.length * 14;
  const px = (x: number) => left + ((x - x0) / Math.max(1e-12, x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / Math.max(1e-12, y1 - y0)) * (bottom - top);

  // The title at double size when it fits, else at single size.
  drawText(img, left, 14, opts.title, TEXT, measureText(opts.title, 2).width <= width - left - 10 ? 2 : 1);
  yt.ticks.forEach((y, k) => {
    const yy = Math.round(py(y));
    fillRect(img, left, yy, right - left, 1, GRID);
    drawText(img, left - 8 - measureText(yLabels[k]).width, yy - 4, yLabels[k], AXIS);
  });
  const xTickValues = xt ? xt.ticks : [...new Set(xs)].sort((a, b) => a - b);
  // Data ticks (epochs) thin out when they would crowd: every k-th label, all tick marks.
  const every = xt ? 1 : Math.max(1, Math.ceil((xTickValues.length * 28) / Math.max(1, right - left)));
  xTickValues.forEach((x, i) => {
    const xx = Math.round(px(x));
    fillRect(img, xx, bottom, 1, 5, AXIS);
    if (i % every !== 0 && i !== xTickValues.length - 1) return;
    const label = xt ? tickLabel(x, xt.step, 'number') : String(x);
    drawText(img, xx - measureText(label).width / 2, bottom + 9, label, AXIS);
  });
  fillRect(img, left, top, 1, bottom - top, AXIS);
  fillRect(img, left, bottom, right - left, 1, AXIS);
  drawText(img, (left + right) / 2 - measureText(opts.xLabel).width / 2, bottom + 24, opts.xLabel, TEXT);
  drawText(img, 8, top - 16, opts.yLabel, TEXT);

  for (const h of hlines) {
    const yy = Math.round(py(h.y));
    for (let x = left; x < right; x += 10) fillRect(img, x, yy, Math.min(6, right - x), 2, h.color);
  }
  series.forEach((s) => {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    for (const p of sorted) {
      if (!p.band) continue;
      const xx = Math.round(px(p.x));
      const ya = Math.round(py(p.y + p.band));
      const yb = Math.round(py(p.y - p.band));
      fillRect(img, xx - 1, ya, 3, Math.max(1, yb - ya), s.color);
      fillRect(img, xx - 4, ya, 9, 1, s.color);
      fillRect(img, xx - 4, yb, 9, 1, s.color);
    }
    for (let i = 1; i < sorted.length; i++) line(img, px(sorted[i - 1].x), py(sorted[i - 1].y), px(sorted[i].x), py(sorted[i].y), s.color);
    for (const p of sorted) fillRect(img, Math.round(px(p.x)) - 3, Math.round(py(p.y)) - 3, 7, 7, s.color);
  });
  // The legend: series as solid swatches, reference lines as dashed ones, wrapped into rows.
  const swatch = new Map<string, { color: RGB; dashed: boolean }>([...series.map((s) => [s.label, { color: s.color, dashed: false }] as const), ...hlines.map((h) => [h.label, { color: h.color, dashed: true }] as const)]);
  legend.forEach((row, r) => {
    let lx = left;
    const ly = height - 14 - (legend.length - r) * 14;
    for (const label of row) {
      const sw = swatch.get(label)!;
      if (sw.dashed) for (let x = 0; x < 14; x += 5) fillRect(img, lx + x, ly + 3, 3, 2, sw.color);
      else fillRect(img, lx, ly + 2, 14, 4, sw.color);
      drawText(img, lx + 20, ly, label, TEXT);
      lx += 20 + measureText(label).width + 24;
    }
  });
  return img;
}

/** Legend labels split into rows that fit `width` pixels. */
function legendRows(labels: string[], width: number): string[][] {
  const rows: string[][] = [[]];
  let used = 0;
  for (const l of labels) {
    const w = 20 + measureText(l).width + 24;
    if (used + w > width && rows.at(-1)!.length > 0) {
      rows.push([]);
      used = 0;
    }
    rows.at(-1)!.push(l);
    used += w;
  }
  return rows;
}

function line(img: RGBA, xa: number, ya: number, xb: number, yb: number, c: RGB): void {
  const n = Math.max(1, Math.ceil(Math.max(Math.abs(xb - xa), Math.abs(yb - ya))));
  for (let i = 0; i <= n; i++) {
    const x = Math.round(xa + ((xb - xa) * i) / n);
    const y = Math.round(ya + ((yb - ya) * i) / n);
    fillRect(img, x, y, 2, 2, c);
  }
}
