/**
 * The Dataset view: the run's split as a virtual grid (only the visible rows exist in the page),
 * each thumbnail with its index and class; a class filter, jump to an index, and selection (click,
 * Ctrl-click, arrows + Space; Enter or *Inspect selected* decomposes the selection).
 */
import { sampleRaster } from '../src/common/pixels';
import { pixelValues, type DatasetMessage, type Split } from '../src/protocol/webview';
import { field, h, setViewState } from './dom';
import { filterByClass, gridWindow, windowItems } from './render';
import { persist, send, ui } from './state';

const CELL = 64;

interface DatasetInfo {
  runDir: string;
  split: Split;
  classNames: string[];
  total: number;
  labels: number[];
  shape: [number, number, number];
}

export interface DatasetHost {
  /** The run and split the Dataset view shows (from the checkpoint picked). */
  run(): { runDir: string; split: Split } | undefined;
  inspectSelection(indices: number[]): void;
}

export class DatasetView {
  readonly state = h('div', { class: 'view-state', role: 'status' });
  private readonly classSelect = h('select', { id: 'class-filter', 'aria-label': 'Filter by class' });
  private readonly jump = h('input', { id: 'jump', type: 'number', min: 0, 'aria-label': 'Jump to sample index', placeholder: 'index', class: 'num' });
  private readonly selInfo = h('span', { id: 'selection', class: 'dim' });
  private readonly viewport = h('div', { id: 'dataset-grid', class: 'grid-viewport', tabindex: 0, role: 'grid', 'aria-label': 'Dataset samples: arrows move, Space selects, Enter inspects the selection', 'aria-multiselectable': 'true' });
  private readonly spacer = h('div', { class: 'grid-spacer' });
  private ds: DatasetInfo | undefined;
  private filtered: number[] = [];
  private readonly imageCache = new Map<number, ImageData>();
  private readonly pending = new Set<number>();
  private requestId = 0;
  private loading = false;
  private focusPos = 0;
  private readonly pool = new Map<number, HTMLElement>();
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private multiKey = false;
  private scrollQueued = false;

  constructor(panel: HTMLElement, private readonly host: DatasetHost, private readonly visible: () => boolean) {
    const inspect = h('vscode-button', { id: 'inspect-selected', title: 'Decompose the selected samples' }, 'Inspect selected');
    const clear = h('vscode-button', { id: 'clear-selection', secondary: true }, 'Clear');
    this.viewport.append(this.spacer);
    panel.append(h('div', { class: 'toolbar' }, field('Class', 'class-filter', this.classSelect), field('Jump to', 'jump', this.jump), this.selInfo, inspect, clear), this.state, this.viewport);
    inspect.addEventListener('click', () => this.inspectSelection());
    clear.addEventListener('click', () => {
      ui.selected = [];
      persist();
      this.render();
    });
    this.viewport.addEventListener('keydown', (e) => this.key(e));
    window.addEventListener('keydown', (e) => (this.multiKey = e.ctrlKey || e.metaKey));
    window.addEventListener('keyup', () => (this.multiKey = false));
    this.viewport.addEventListener('scroll', () => {
      if (this.scrollQueued) return;
      this.scrollQueued = true;
      requestAnimationFrame(() => {
        this.scrollQueued = false;
        ui.datasetScroll = this.viewport.scrollTop;
        this.render();
      });
    });
    new ResizeObserver(() => this.visible() && this.render()).observe(this.viewport);
    this.classSelect.addEventListener('change', () => {
      ui.classFilter = Number(this.classSelect.value);
      persist();
      this.applyFilter();
    });
    this.jump.addEventListener('change', () => this.jumpTo(Number(this.jump.value)));
  }

  get cells(): number {
    return this.pool.size;
  }

  get total(): number {
    return this.filtered.length;
  }

  /** The checkpoint's run or split changed: forget everything. */
  reset(): void {
    this.ds = undefined;
    this.loading = false;
    this.filtered = [];
    this.imageCache.clear();
    this.pending.clear();
    for (const el of this.pool.values()) el.remove();
    this.pool.clear();
    if (this.visible()) this.render();
  }

  failed(): void {
    this.pending.clear();
    this.loading = false;
  }

  onDataset(m: DatasetMessage): void {
    const r = this.host.run();
    if (!r || r.runDir !== m.runDir || r.split !== m.split) return;
    const [, hh, ww, cc] = m.images.shape;
    this.loading = false;
    if (!this.ds || m.allLabels) {
      this.ds = { runDir: m.runDir, split: m.split, classNames: m.classNames, total: m.total, labels: m.allLabels ?? this.ds?.labels ?? [], shape: [hh, ww, cc] };
      this.classSelect.textContent = '';
      this.classSelect.append(h('option', { value: -1 }, `all classes (${m.total})`));
      m.classNames.forEach((name, i) => this.classSelect.append(h('option', { value: i }, `${i}: ${name}`)));
      this.classSelect.value = String(ui.classFilter);
      this.applyFilter(false);
    }
    const values = pixelValues(m.images);
    m.indices.forEach((idx, k) => {
      const r8 = sampleRaster(values, m.images.shape, k, { kind: 'image' });
      this.imageCache.set(idx, new ImageData(r8.rgba, r8.width, r8.height));
      this.pending.delete(idx);
    });
    while (this.imageCache.size > 20000) this.imageCache.delete(this.imageCache.keys().next().value as number);
    setViewState(this.state, 'none');
    this.render();
  }

  render(): void {
    this.selInfo.textContent = `${ui.selected.length} selected${ui.selected.length ? `: #${ui.selected.slice(0, 8).join(', #')}${ui.selected.length > 8 ? '…' : ''}` : ''}`;
    const ds = this.ds;
    if (!ds) {
      if (!this.host.run()) {
        setViewState(this.state, 'empty', 'Pick a checkpoint: the Dataset view shows the data of its run.');
        return;
      }
      if (!this.loading) {
        this.loading = true;
        setViewState(this.state, 'loading', 'Loading the dataset…');
        this.requestSamples([], true); // first the split's size and labels; the visible cells ask for their images
      }
      return;
    }
    const w = gridWindow(this.filtered.length, this.viewport.clientWidth - 4, this.viewport.clientHeight, this.viewport.scrollTop, CELL, 3);
    this.spacer.style.height = `${w.height}px`;
    const items = windowItems(w, this.filtered.length);
    const want = new Set(items);
    for (const [pos, el] of this.pool) {
      if (!want.has(pos)) {
        el.remove();
        this.pool.delete(pos);
      }
    }
    const missing: number[] = [];
    for (const pos of items) {
      const idx = this.filtered[pos]!;
      const cls = ds.classNames[ds.labels[idx] ?? -1] ?? '';
      let el = this.pool.get(pos);
      if (!el) {
        const c = h('canvas', { width: ds.shape[1], height: ds.shape[0], class: 'px' });
        el = h('div', { class: 'gcell', role: 'gridcell', id: `sample-${idx}`, 'data-index': idx, title: `#${idx} ${cls}` }, c, h('span', { class: 'gcls' }, cls), h('span', { class: 'gidx' }, String(idx)));
        el.style.transform = `translate(${(pos % w.columns) * CELL}px, ${Math.floor(pos / w.columns) * CELL}px)`;
        el.addEventListener('click', (e) => {
          this.focusPos = pos;
          this.toggle(idx, !(e as MouseEvent).shiftKey);
        });
        this.viewport.append(el);
        this.pool.set(pos, el);
        el.dataset.drawn = '';
      }
      el.setAttribute('aria-label', `sample ${idx}, ${cls}${ui.selected.includes(idx) ? ', selected' : ''}`);
      el.setAttribute('aria-selected', String(ui.selected.includes(idx)));
      el.classList.toggle('focused', pos === this.focusPos);
      const img = this.imageCache.get(idx);
      if (img && el.dataset.drawn !== '1') {
        (el.firstChild as HTMLCanvasElement).getContext('2d')!.putImageData(img, 0, 0);
        el.dataset.drawn = '1';
      } else if (!img && !this.pending.has(idx)) missing.push(idx);
    }
    const f = this.filtered[this.focusPos];
    if (f !== undefined) this.viewport.setAttribute('aria-activedescendant', `sample-${f}`);
    if (missing.length) {
      if (this.fetchTimer) clearTimeout(this.fetchTimer);
      this.fetchTimer = setTimeout(() => this.requestSamples(missing.slice(0, 1024), false), 30);
    }
  }

  private requestSamples(indices: number[], withAllLabels: boolean): void {
    const r = this.host.run();
    if (!r) return;
    indices.forEach((i) => this.pending.add(i));
    send({ type: 'datasetRequest', requestId: ++this.requestId, runDir: r.runDir, split: r.split, indices, withAllLabels });
  }

  private applyFilter(scrollTop = true): void {
    if (!this.ds) return;
    this.filtered = filterByClass(this.ds.labels, this.ds.total, ui.classFilter);
    this.viewport.scrollTop = scrollTop ? 0 : ui.datasetScroll;
    this.focusPos = Math.min(this.focusPos, Math.max(0, this.filtered.length - 1));
    for (const el of this.pool.values()) el.remove();
    this.pool.clear();
    this.render();
  }

  private toggle(idx: number, single: boolean): void {
    const i = ui.selected.indexOf(idx);
    if (i >= 0) ui.selected.splice(i, 1);
    else {
      if (single && !this.multiKey) ui.selected = [];
      if (ui.selected.length < 64) ui.selected.push(idx);
    }
    persist();
    this.render();
  }

  private key(e: KeyboardEvent): void {
    if (!this.ds || this.filtered.length === 0) return;
    const w = gridWindow(this.filtered.length, this.viewport.clientWidth - 4, this.viewport.clientHeight, this.viewport.scrollTop, CELL);
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / CELL)) * w.columns;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: w.columns, ArrowUp: -w.columns, PageDown: page, PageUp: -page };
    if (e.key in moves) this.focusPos = Math.max(0, Math.min(this.filtered.length - 1, this.focusPos + moves[e.key]!));
    else if (e.key === 'Home') this.focusPos = 0;
    else if (e.key === 'End') this.focusPos = this.filtered.length - 1;
    else if (e.key === ' ') this.toggle(this.filtered[this.focusPos]!, false);
    else if (e.key === 'Enter') this.inspectSelection();
    else return;
    e.preventDefault();
    const row = Math.floor(this.focusPos / w.columns);
    if (row * CELL < this.viewport.scrollTop) this.viewport.scrollTop = row * CELL;
    else if ((row + 1) * CELL > this.viewport.scrollTop + this.viewport.clientHeight) this.viewport.scrollTop = (row + 1) * CELL - this.viewport.clientHeight;
    this.render();
  }

  private inspectSelection(): void {
    if (ui.selected.length === 0) {
      setViewState(this.state, 'empty', 'Select samples first: click them, or move with the arrows and press Space.');
      return;
    }
    this.host.inspectSelection(ui.selected.slice());
  }

  private jumpTo(index: number): void {
    if (!this.ds || !Number.isInteger(index)) return;
    let pos = this.filtered.indexOf(index);
    if (pos < 0 && ui.classFilter >= 0) {
      ui.classFilter = -1;
      this.classSelect.value = '-1';
      this.applyFilter();
      pos = this.filtered.indexOf(index);
    }
    if (pos < 0) {
      setViewState(this.state, 'error', `No sample ${index}: this split has 0…${this.ds.total - 1}.`);
      return;
    }
    this.focusPos = pos;
    const w = gridWindow(this.filtered.length, this.viewport.clientWidth - 4, 0, 0, CELL);
    this.viewport.scrollTop = Math.floor(pos / w.columns) * CELL;
    this.render();
    this.viewport.focus();
  }
}
