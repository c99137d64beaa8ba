import { drawText, fillRect, measureText, RGB, RGBA } from '../../common/font';

export interface Series {
  label: string;
  color: RGB;
  /** Points (x, y); y may carry a ± band (e.g. the std over seeds). */
  points: Array<{ x: number; y: number; band?: number }>;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const BG: RGB = [30, 30, 30];
const AXIS: RGB = [150, 150, 150];
const TEXT: RGB = [220, 220, 220];
const GRID: RGB = [55, 55, 55];

/** A line chart with error bands, drawn into RGBA with the sheet's bitmap font (no canvas needed). */
export function linePlot(series: Series[], opts: PlotOptions): RGBA {
  const width = opts.width ?? 720;
  const height = opts.height ?? 420;
  const img: RGBA = { width, height, rgba: new Uint8Array(width * height * 4) };
  fillRect(img, 0, 0, width, height, BG);
  for (let i = 3; i < img.rgba.length; i += 4) img.rgba[i] = 255;
  const left = 70;
  const right = width - 40;
  const top = 50;
  const bottom = height - 70;
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => [p.y - (p.band ?? 0), p.y + (p.band ?? 0)]).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = Math.max(0.01, (y1 - y0) * 0.1);
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);

  // The title at double size when it fits, else at single size.
  drawText(img, left, 14, opts.title, TEXT, measureText(opts.title, 2).width <= width - left - 10 ? 2 : 1);
  for (let k = 0; k <= 4; k++) {
    const y = y0 + ((y1 - y0) * k) / 4;
    const yy = Math.round(py(y));
    fillRect(img, left, yy, right - left, 1, GRID);
    const label = y.toFixed(3);
    drawText(img, left - 8 - measureText(label).width, yy - 4, label, AXIS);
  }
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  for (const x of ticks) {
    const xx = Math.round(px(x));
    fillRect(img, xx, bottom, 1, 5, AXIS);
    drawText(img, xx - measureText(String(x)).width / 2, bottom + 9, String(x), AXIS);
  }
  fillRect(img, left, top, 1, bottom - top, AXIS);
  fillRect(img, left, bottom, right - left, 1, AXIS);
  drawText(img, (left + right) / 2 - measureText(opts.xLabel).width / 2, bottom + 24, opts.xLabel, TEXT);
  drawText(img, 8, top - 16, opts.yLabel, TEXT);

  let legendX = left;
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
    const ly = height - 28;
    fillRect(img, legendX, ly + 2, 14, 4, s.color);
    drawText(img, legendX + 20, ly, s.label, TEXT);
    legendX += 20 + measureText(s.label).width + 24;
  });
  return img;
}

function line(img: RGBA, xa: number, ya: number, xb: number, yb: number, c: RGB): void {
  const n = Math.max(1, Math.ceil(Math.max(Math.abs(xb - xa), Math.abs(yb - ya))));
  for (let i = 0; i <= n; i++) {
    const x = Math.round(xa + ((xb - xa) * i) / n);
    const y = Math.round(ya + ((yb - ya) * i) / n);
    fillRect(img, x, y, 2, 2, c);
  }
}
