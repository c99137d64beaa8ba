/**
 * Line charts drawn by uPlot (npm `uplot`: canvas, no eval, no inline style attributes; it sets
 * element.style through the CSSOM, which the page's CSP allows; its stylesheet comes in the CSS
 * bundle). Each chart: hover values in its legend (uPlot's cursor), zoom by dragging across it and
 * back by double-clicking, whole-number ticks on integer axes (src/common/ticks.ts), the theme's
 * colours (redrawn when the theme changes), and a CSV button that exports what it shows.
 */
import uPlot from 'uplot';
import { formatNumber } from '../src/common/pixels';
import { formatDuration } from '../src/common/runs/display';
import { formatDurationTick, formatTicks, niceTicks, timeTicks } from '../src/common/ticks';
import { alignSeries, chartCsv, slug, smoothSeries, type Aligned, type Series, type XKind } from './chartData';
import { chartTheme, onThemeChange, resolveColour } from './chartTheme';
import { h } from './dom';

export type { Series };

export interface ChartOptions {
  /** x ticks: any round numbers, whole numbers only, or durations in seconds. */
  xKind?: XKind;
  /** y ticks: any round numbers, whole numbers only, or fractions shown as percentages. */
  yKind?: 'number' | 'integer' | 'percent';
  /** EMA weight in [0, 1) applied to every series (0: raw). */
  smoothing?: number;
  /** Logarithmic y (symmetric log when a value is ≤ 0). */
  log?: boolean;
  /** Plot height in px. */
  height?: number;
}

interface Handle {
  title: string;
  xLabel: string;
  figure: HTMLElement;
  plot: HTMLElement;
  names: string[];
  xs: number[];
  ys: Aligned[][];
  u: uPlot | undefined;
  ticks: { x: string[]; y: string[] };
  /** The theme class the chart was last drawn in. */
  theme: string;
  /** A frame has passed since it was made (a chart off the page after that is released). */
  settled: boolean;
  build(): void;
  destroy(): void;
}

const charts = new Set<Handle>();
let csvSink: ((name: string, csv: string) => void) | undefined;

/** Where CSV exports go (each page posts them to its host, which saves the file). */
export function setCsvSink(sink: (name: string, csv: string) => void): void {
  csvSink = sink;
}

onThemeChange(() => {
  for (const c of live()) c.build();
});

function live(): Handle[] {
  for (const c of charts) if (!c.figure.isConnected && c.settled) c.destroy();
  return [...charts].filter((c) => c.figure.isConnected);
}

/**
 * A chart of `series` against x. `yFormat` formats hover values (and the y ticks when no `yKind`
 * is given); `opts` chooses ticks, smoothing, log scale and height.
 */
export function chart(title: string, xLabel: string, series: Series[], yFormat?: (v: number) => string, opts: ChartOptions = {}): HTMLElement {
  const csv = h('button', { class: 'chart-csv', type: 'button', title: 'Save what this chart shows as CSV' }, 'CSV');
  const plot = h('div', { class: 'chart-plot', role: 'img' });
  const figure = h('figure', { class: 'chart', 'data-title': title }, h('figcaption', {}, h('span', { class: 'chart-title' }, title), csv), plot);
  const shown = smoothSeries(series, opts.smoothing ?? 0);
  const { xs, ys } = alignSeries(shown);
  const valueText = yFormat ?? ((v: number) => formatNumber(v, 4));
  const xText = (v: number) => (opts.xKind === 'time' ? formatDuration(v) : Number.isInteger(v) ? String(v) : formatNumber(v, 4));
  const last = series.map((s) => {
    const p = s.points.filter((q) => q[1] !== null).at(-1);
    return `${s.name} ${p ? valueText(p[1] as number) : 'none'}`;
  });
  plot.setAttribute('aria-label', `${title}: ${xs.length ? last.join(', ') : 'no data'}`);
  if (xs.length === 0) plot.append(h('p', { class: 'dim chart-empty' }, 'no data yet'));

  const handle: Handle = {
    title,
    xLabel,
    figure,
    plot,
    names: series.map((s) => s.name),
    xs,
    ys,
    u: undefined,
    ticks: { x: [], y: [] },
    theme: '',
    settled: false,
    build() {
      const zoom = handle.u ? { min: handle.u.scales.x!.min, max: handle.u.scales.x!.max } : undefined;
      handle.u?.destroy();
      handle.u = undefined;
      if (xs.length === 0) return;
      const theme = chartTheme();
      handle.theme = theme.kind;
      const positive = ys.every((col) => col.every((v) => typeof v !== 'number' || v > 0));
      const axis = (kind: 'x' | 'y'): uPlot.Axis => ({
        stroke: theme.foreground,
        font: theme.font,
        labelFont: theme.font,
        grid: { stroke: theme.grid, width: 1 },
        ticks: { stroke: theme.grid, width: 1, size: 4 },
        ...(kind === 'x'
          ? {
              label: xLabel,
              labelSize: 16,
              space: 60,
              splits: (_u: uPlot, _i: number, min: number, max: number) => (opts.xKind === 'time' ? timeTicks(min, max, Math.max(2, Math.floor(plot.clientWidth / 90))) : niceTicks(min, max, Math.max(2, Math.floor(plot.clientWidth / 80)), { integer: opts.xKind === 'integer' })),
              values: (_u: uPlot, splits: number[]) => (handle.ticks.x = opts.xKind === 'time' ? splits.map(formatDurationTick) : formatTicks(splits)),
            }
          : {
              size: (u: uPlot, values: string[] | undefined) => {
                if (!values?.length) return 40;
                u.ctx.font = theme.font;
                return Math.ceil(Math.max(...values.map((v) => u.ctx.measureText(v).width)) / (window.devicePixelRatio || 1)) + 16;
              },
              ...(opts.log ? {} : { splits: (_u: uPlot, _i: number, min: number, max: number) => niceTicks(min, max, Math.max(2, Math.floor((opts.height ?? 180) / 40)), { integer: opts.yKind === 'integer' }) }),
              values: (_u: uPlot, splits: number[]) =>
                (handle.ticks.y = yFormat && !opts.yKind ? splits.map(yFormat) : opts.log ? splits.map((v) => formatNumber(v, 3)) : formatTicks(splits, { percent: opts.yKind === 'percent' })),
            }),
      });
      const o: uPlot.Options = {
        width: Math.max(200, plot.clientWidth || 360),
        height: opts.height ?? 180,
        scales: { x: { time: false }, y: opts.log ? { distr: positive ? 3 : 4, log: 10 } : {} },
        axes: [axis('x'), axis('y')],
        series: [
          { label: xLabel, value: (_u, v) => (v == null ? '–' : xText(v)) },
          ...series.map((s) => ({
            label: s.name,
            stroke: resolveColour(s.colour),
            width: 1.5,
            spanGaps: false,
            ...(s.dash ? { dash: s.dash } : {}),
            points: s.dots ? { show: true, size: 5, fill: resolveColour(s.colour) } : {},
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : valueText(v)),
          })),
        ],
        cursor: { drag: { x: true, y: false, setScale: true } },
        legend: { live: true },
      };
      handle.u = new uPlot(o, [xs, ...ys] as uPlot.AlignedData, plot);
      if (zoom && zoom.min !== undefined && zoom.max !== undefined) handle.u.setScale('x', { min: zoom.min, max: zoom.max });
    },
    destroy() {
      handle.u?.destroy();
      handle.u = undefined;
      resize.disconnect();
      charts.delete(handle);
    },
  };
  const resize = new ResizeObserver(() => {
    const u = handle.u;
    const w = plot.clientWidth;
    if (u && w > 0 && Math.abs(u.width - w) > 1) u.setSize({ width: w, height: u.height });
    else if (!u && w > 0 && xs.length) handle.build();
  });
  resize.observe(plot);
  csv.addEventListener('click', () => csvSink?.(`${slug(title)}.csv`, csvOfChart(handle)));
  charts.add(handle);
  live(); // releases charts no longer on the page
  // Drawn now (its canvas exists as soon as the figure does), resized once it is on the page.
  if (xs.length) handle.build();
  requestAnimationFrame(() => {
    handle.settled = true;
  });
  return figure;
}

function csvOfChart(c: Handle): string {
  const sx = c.u?.scales.x;
  const range: [number, number] | undefined = sx && sx.min !== undefined && sx.max !== undefined ? [sx.min, sx.max] : undefined;
  return chartCsv(c.xLabel, c.names, c.xs, c.ys, range);
}

// ---------------------------------------------------------------------------------------------
// For the real-editor suite (through each page's test hook): what the charts show, and the cursor.

export interface ChartReport {
  title: string;
  series: string[];
  /** Points with a value, per series. */
  points: number[];
  /** The tick labels drawn last. */
  xTicks: string[];
  yTicks: string[];
  xRange: [number, number] | null;
  csv: string;
  theme: string;
}

export function chartReports(): ChartReport[] {
  return live().map((c) => {
    const sx = c.u?.scales.x;
    return {
      title: c.title,
      series: c.names,
      points: c.ys.map((col) => col.filter((v) => typeof v === 'number').length),
      xTicks: c.ticks.x,
      yTicks: c.ticks.y,
      xRange: sx && sx.min !== undefined && sx.max !== undefined ? [sx.min, sx.max] : null,
      csv: csvOfChart(c),
      theme: c.theme,
    };
  });
}

/** Puts chart `index`'s cursor at `fraction` of its width (as the mouse would); returns its legend's rows. */
export function hoverChart(index: number, fraction: number): Array<{ label: string; value: string }> {
  const c = live()[index];
  if (!c?.u) return [];
  const u = c.u;
  u.setCursor({ left: Math.round((u.bbox.width / (window.devicePixelRatio || 1)) * fraction), top: Math.round(u.bbox.height / (window.devicePixelRatio || 1) / 2) });
  return Array.from(c.figure.querySelectorAll('.u-legend .u-series')).map((r) => ({ label: r.querySelector('.u-label')?.textContent ?? '', value: r.querySelector('.u-value')?.textContent ?? '' }));
}

/** Zooms chart `index`'s x axis to [min, max] (as a drag-select does). */
export function zoomChart(index: number, min: number, max: number): void {
  live()[index]?.u?.setScale('x', { min, max });
}
