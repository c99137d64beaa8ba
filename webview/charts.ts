/** The Training view's line charts, drawn on canvases in the theme's colours. */
import { formatNumber } from '../src/common/pixels';
import { cssVar, h } from './dom';
import { extent, niceTicks } from './render';

export interface Series {
  name: string;
  colour: string;
  points: Array<[number, number | null]>;
  dots?: boolean;
}

export function chart(title: string, xLabel: string, series: Series[], yFormat: (v: number) => string = (v) => formatNumber(v)): HTMLElement {
  const wrap = h('figure', { class: 'chart' });
  const canvas = h('canvas', { role: 'img' });
  const legend = h('div', { class: 'chart-legend' });
  for (const s of series) {
    const sw = h('span', { class: 'swatch' });
    sw.style.background = s.colour;
    legend.append(h('span', {}, sw, ` ${s.name}`));
  }
  wrap.append(h('figcaption', {}, title), canvas, legend);
  const all = series.flatMap((s) => s.points);
  const last = series.map((s) => {
    const p = s.points.filter((q) => q[1] !== null).at(-1);
    return `${s.name} ${p ? yFormat(p[1] as number) : 'none'}`;
  });
  canvas.setAttribute('aria-label', `${title}: ${all.length ? last.join(', ') : 'no data'}`);
  requestAnimationFrame(() => draw(canvas, xLabel, series, all, yFormat));
  return wrap;
}

function draw(canvas: HTMLCanvasElement, xLabel: string, series: Series[], all: Array<[number, number | null]>, yFormat: (v: number) => string): void {
  const dpr = window.devicePixelRatio || 1;
  const W = Math.max(200, canvas.clientWidth);
  const H = Math.max(120, canvas.clientHeight);
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  const fg = cssVar('--vscode-foreground', '#ccc');
  ctx.font = `11px ${cssVar('--vscode-font-family', 'sans-serif')}`;
  const xs = extent(all.map((p) => p[0]));
  const ys = extent(all.map((p) => p[1]));
  if (!xs || !ys) {
    ctx.fillStyle = fg;
    ctx.fillText('no data yet', 10, 20);
    return;
  }
  const L = 52;
  const R = 10;
  const T = 8;
  const B = 24;
  const sx = (x: number) => L + ((x - xs[0]) / (xs[1] - xs[0] || 1)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - ys[0]) / (ys[1] - ys[0] || 1)) * (H - T - B);
  ctx.strokeStyle = cssVar('--vscode-editorWidget-border', '#444');
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  for (const t of niceTicks(ys[0], ys[1], 4)) {
    const y = Math.round(sy(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(L, y);
    ctx.lineTo(W - R, y);
    ctx.stroke();
    ctx.fillText(yFormat(t), 4, y + 4);
  }
  for (const t of niceTicks(xs[0], xs[1], 6)) ctx.fillText(formatNumber(t), Math.round(sx(t)) - 8, H - 6);
  ctx.fillText(xLabel, W - R - ctx.measureText(xLabel).width, H - 6);
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.fillStyle = s.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(sx(x), sy(y));
      else ctx.moveTo(sx(x), sy(y));
      pen = true;
    }
    ctx.stroke();
    if (s.dots) for (const [x, y] of s.points) if (y !== null) ctx.fillRect(sx(x) - 2, sy(y) - 2, 4, 4);
  }
}
