/**
 * The image grid of the Decomposition and History views, laid out by sample: one column element
 * per sample holds its header and all its rows, so a header cannot drift away from its images.
 * Rows line up across columns because every column is a CSS subgrid of the same row tracks; the
 * row labels (sticky left) and colour scales (sticky right) are columns of that grid too.
 */
import { h } from './dom';
import { makeLegend, type Legend } from './legend';

export interface ColumnSpec<Row extends string> {
  /** Which view's grid (canvases carry it as data-view, for the hover read-out and the tests). */
  view: string;
  rows: readonly Row[];
  labels: Record<Row, string>;
  help: Record<Row, string>;
  /** Rows with a colour scale. */
  scales: Partial<Record<Row, 'signed' | 'heat'>>;
  count: number;
  height: number;
  width: number;
}

export interface Columns<Row extends string> {
  grid: HTMLElement;
  /** Per sample: its column and its header. */
  cols: HTMLElement[];
  heads: HTMLElement[];
  canvases: Record<Row, HTMLCanvasElement[]>;
  /** A note under each row's label (e.g. "amplified ×5"). */
  notes: Record<Row, HTMLElement>;
  legends: Partial<Record<Row, Legend>>;
  key: string;
}

export function columnsKey(spec: { rows: readonly string[]; count: number; height: number; width: number }): string {
  return `${spec.count}x${spec.height}x${spec.width}/${spec.rows.join(',')}`;
}

/** Builds the grid into `grid` (emptied first). */
export function buildColumns<Row extends string>(grid: HTMLElement, spec: ColumnSpec<Row>): Columns<Row> {
  grid.textContent = '';
  // One header track, then one track per row; every column spans them all (grid-row: 1 / -1).
  grid.style.gridTemplateRows = `auto repeat(${spec.rows.length}, auto)`;
  const notes = {} as Record<Row, HTMLElement>;
  const labelCol = h('div', { class: 'deco-col labels', role: 'presentation' }, h('div', { class: 'col-head' }));
  for (const row of spec.rows) {
    notes[row] = h('div', { class: 'row-note dim' });
    labelCol.append(h('div', { class: 'row-label', 'data-row': row, title: spec.help[row] }, h('span', {}, spec.labels[row]), notes[row]));
  }
  grid.append(labelCol);

  const canvases = Object.fromEntries(spec.rows.map((r) => [r, [] as HTMLCanvasElement[]])) as Record<Row, HTMLCanvasElement[]>;
  const cols: HTMLElement[] = [];
  const heads: HTMLElement[] = [];
  for (let i = 0; i < spec.count; i++) {
    const head = h('button', { type: 'button', class: 'col-head', 'data-sample': i, title: 'Enlarge this sample (all its rows)' });
    const col = h('div', { class: 'deco-col sample', role: 'group', 'data-sample': i }, head);
    for (const row of spec.rows) {
      const c = h('canvas', { width: spec.width, height: spec.height, class: 'px', 'data-view': spec.view, 'data-row': row, 'data-sample': i, role: 'img' });
      canvases[row].push(c);
      col.append(h('div', { class: 'cell', 'data-row': row }, c));
    }
    cols.push(col);
    heads.push(head);
    grid.append(col);
  }

  const legends: Partial<Record<Row, Legend>> = {};
  if (Object.keys(spec.scales).length > 0) {
    const scaleCol = h('div', { class: 'deco-col scales', role: 'presentation' }, h('div', { class: 'col-head dim' }, 'scale'));
    for (const row of spec.rows) {
      const kind = spec.scales[row];
      if (kind) {
        legends[row] = makeLegend(kind, row);
        scaleCol.append(legends[row]!.el);
      } else scaleCol.append(h('div', { class: 'legend empty', 'data-row': row }));
    }
    grid.append(scaleCol);
  }
  return { grid, cols, heads, canvases, notes, legends, key: columnsKey(spec) };
}

export type ColumnMark = 'kept' | 'lost' | 'none';

/** A sample's header: its index and class, and whether the attack kept its identity. */
export function setHeader(cols: Columns<string>, i: number, s: { index: number; className: string }, mark: ColumnMark): void {
  const head = cols.heads[i];
  const col = cols.cols[i];
  if (!head || !col) return;
  head.textContent = '';
  head.append(h('span', { class: 'col-index' }, `#${s.index}`), h('span', { class: 'col-class dim' }, s.className));
  if (mark === 'lost') head.append(h('span', { class: 'col-mark' }, 'lost'));
  col.classList.toggle('lost', mark === 'lost');
  col.setAttribute('aria-label', `sample ${s.index}, ${s.className}${mark === 'lost' ? ', identity lost' : ''}`);
}

/** Every canvas at `zoom` (CSS pixels per image pixel; image-rendering: pixelated keeps them sharp). */
export function setZoom(cols: Columns<string>, zoom: number, height: number, width: number): void {
  for (const list of Object.values<HTMLCanvasElement[]>(cols.canvases)) {
    for (const c of list) {
      c.style.width = `${width * zoom}px`;
      c.style.height = `${height * zoom}px`;
    }
  }
}

/** The zoom that makes the larger image side about 64 px. */
export function defaultZoom(height: number, width: number): number {
  return Math.max(1, Math.min(16, Math.ceil(64 / Math.max(height, width, 1))));
}
