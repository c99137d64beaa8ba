/**
 * The charts' data, without DOM: series aligned on one x array as uPlot wants it, EMA smoothing,
 * and the CSV of what a chart shows. test/engine/charts.test.ts runs these in Node.
 */

/** How an axis is ticked: any round numbers, whole numbers only, or durations in seconds. */
export type XKind = 'number' | 'integer' | 'time';

/** (x, y); y null: no value there (NaN, a gap in the line). */
export type Point = [number, number | null];

export interface Series {
  name: string;
  /** A CSS colour, or `var(--name, fallback)` (read from the theme whenever the chart is drawn). */
  colour: string;
  points: Point[];
  /** Mark each point (few points: per epoch, per ε). */
  dots?: boolean;
  /** A dash pattern (px) for the line. */
  dash?: number[];
}

/** One value per aligned x: a number, null (a gap: the line breaks) or undefined (not sampled here: the line goes on). */
export type Aligned = number | null | undefined;

/** Every series' points on the sorted union of their xs (uPlot's data layout). */
export function alignSeries(series: ReadonlyArray<{ points: readonly Point[] }>): { xs: number[]; ys: Aligned[][] } {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])).filter((x) => Number.isFinite(x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: Aligned[] = new Array<Aligned>(xs.length).fill(undefined);
    for (const [x, y] of s.points) {
      const i = at.get(x);
      if (i !== undefined) col[i] = y === null || !Number.isFinite(y) ? null : y;
    }
    return col;
  });
  return { xs, ys };
}

/**
 * Exponential moving average, debiased as TensorBoard's smoothing is (the first values are not
 * pulled towards 0). `weight` in [0, 1): 0 leaves the values as they are. null and undefined pass
 * through and do not move the average.
 */
export function ema(values: readonly Aligned[], weight: number): Aligned[] {
  const w = Math.min(0.999, Math.max(0, weight));
  if (w === 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (typeof v !== 'number') return v;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - Math.pow(w, n));
  });
}

/** Each series with its points sorted by x and smoothed. */
export function smoothSeries<T extends { points: readonly Point[] }>(series: readonly T[], weight: number): T[] {
  return series.map((s) => {
    const pts = s.points.slice().sort((a, b) => a[0] - b[0]);
    const ys = ema(pts.map((p) => p[1]), weight);
    return { ...s, points: pts.map((p, i) => [p[0], (ys[i] ?? null) as number | null] as Point) };
  });
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The CSV of a chart as shown: the x column, one column per series, the rows whose x is inside
 * `range` (the zoom), the values as drawn (smoothed, when smoothing is on); an empty cell where a
 * series has no value.
 */
export function chartCsv(xLabel: string, names: readonly string[], xs: readonly number[], ys: readonly Aligned[][], range?: [number, number]): string {
  const lines = [[xLabel, ...names].map(csvCell).join(',')];
  xs.forEach((x, i) => {
    if (range && (x < range[0] || x > range[1])) return;
    const row = ys.map((col) => {
      const v = col[i];
      return typeof v === 'number' ? String(v) : '';
    });
    if (row.every((c) => c === '')) return;
    lines.push([String(x), ...row].join(','));
  });
  return lines.join('\n') + '\n';
}

/** A file name from a chart's title: "SSL losses (method, adversarial)" → "ssl-losses-method-adversarial". */
export function slug(title: string): string {
  return title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'chart';
}
