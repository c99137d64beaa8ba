/**
 * The inspector webview: Controls, Decomposition, Dataset and Training views, and Export. Bundled by
 * esbuild for the browser (dist/webview/main.js, an IIFE); runs under the panel's strict CSP (no
 * inline script or style: everything is built with the DOM API and styled from main.css).
 *
 * Talks to the host only through src/protocol/webview.ts: every message received is validated;
 * a bad one is reported to the host's log and ignored.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import {
  AUGMENT_STAGE_LABELS,
  AUGMENT_STAGE_NAMES,
  type AugmentStage,
  CheckpointOption,
  DatasetMessage,
  ErrorMessage,
  fnv1a,
  HostMessage,
  AnyRow,
  RenderedMessage,
  rowsOf,
  InspectResultMessage,
  InspectSettings,
  isInspectSettings,
  parseHostMessage,
  pixelValues,
  PROBE_ROWS,
  ProbesMessage,
  Split,
  TrainingMessage,
  ViewName,
  WebviewMessage,
} from '../src/protocol/webview';
import { colourBar, extent, filterByClass, formatGain, formatNumber, gridWindow, niceTicks, payloadRasters, rasterChecksum, sampleToRgba, smooth, windowItems } from './render';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

// ---------------------------------------------------------------------------------------------
// State (persisted with setState, so the panel comes back as it was after a reload)

interface PersistedState {
  settings?: InspectSettings;
  view: ViewName;
  zoom: number;
  classFilter: number;
  datasetScroll: number;
  selected: number[];
}

const restored = vscode.getState() as Partial<PersistedState> | undefined;
const ui: PersistedState = {
  view: restored?.view === 'dataset' || restored?.view === 'training' ? restored.view : 'decomposition',
  zoom: typeof restored?.zoom === 'number' && restored.zoom >= 1 && restored.zoom <= 16 ? Math.round(restored.zoom) : 0,
  classFilter: typeof restored?.classFilter === 'number' ? restored.classFilter : -1,
  datasetScroll: typeof restored?.datasetScroll === 'number' ? restored.datasetScroll : 0,
  selected: Array.isArray(restored?.selected) ? restored.selected.filter((i): i is number => Number.isInteger(i) && i >= 0).slice(0, 256) : [],
  ...(isInspectSettings(restored?.settings) ? { settings: restored.settings } : {}),
};

let checkpoints: CheckpointOption[] = [];
let live: string[] = [];
let settings: InspectSettings | undefined = ui.settings;
/** The picker's choice, kept here: the element's own value lags until its options are processed. */
let chosenCheckpoint = ui.settings?.checkpoint ?? '';
let nextRequestId = 1;
/** Request id → when the control changed (performance.now()). */
const requestedAt = new Map<number, number>();
let latestRequested = 0;
let shown: InspectResultMessage | undefined;
let lastLatency: { requestId: number; totalMs: number; drawMs: number; workerMs: number } | undefined;

function persist(): void {
  vscode.setState({ ...ui, ...(settings ? { settings } : {}) } satisfies PersistedState);
}

function send(m: WebviewMessage): void {
  vscode.postMessage(m);
}

function log(level: 'info' | 'warn' | 'error', message: string): void {
  send({ type: 'log', level, message });
}

// ---------------------------------------------------------------------------------------------
// DOM helpers (no innerHTML with data: text goes in through textContent)

type Attrs = Record<string, string | number | boolean | undefined>;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K];
function h(tag: string, attrs?: Attrs, ...children: (Node | string | undefined)[]): HTMLElement;
function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined) el.append(c);
  return el;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

const root = $('idaa-root');
root.textContent = '';

// ---------------------------------------------------------------------------------------------
// Layout

const ckptSelect = h('vscode-single-select', { id: 'checkpoint', 'aria-label': 'Checkpoint', class: 'ckpt' }) as HTMLElement & { value: string };
const epsRange = h('input', { id: 'eps', type: 'range', min: 0, max: 5, step: 0.05, 'aria-label': 'ε (latent attack radius)' });
const epsNumber = h('input', { id: 'eps-number', type: 'number', min: 0, max: 100, step: 0.05, 'aria-label': 'ε value', class: 'num' });
const stepsInput = h('input', { id: 'steps', type: 'number', min: 0, max: 100, step: 1, 'aria-label': 'Attack steps', class: 'num' });
const seedInput = h('input', { id: 'seed', type: 'number', min: 0, step: 1, 'aria-label': 'Seed (which samples)', class: 'num' });
const countInput = h('input', { id: 'count', type: 'number', min: 1, max: 64, step: 1, 'aria-label': 'Samples', class: 'num' });
const splitSelect = h('select', { id: 'split', 'aria-label': 'Split' }, h('option', { value: 'test' }, 'test'), h('option', { value: 'train' }, 'train'));
const augmentToggle = h('input', { id: 'augment', type: 'checkbox', 'aria-label': 'Show the two standard augmentation views' }) as HTMLInputElement;
/** One checkbox per augmentation stage: checked = the stage is applied to the views (the run's setting). */
const stageToggles = Object.fromEntries(
  AUGMENT_STAGE_NAMES.map((st) => [st, h('input', { id: `stage-${st}`, type: 'checkbox', checked: true, 'aria-label': `${AUGMENT_STAGE_LABELS[st]} in the augmented views` }) as HTMLInputElement]),
) as Record<AugmentStage, HTMLInputElement>;
const stageFieldset = h(
  'fieldset',
  { id: 'stages', class: 'stages', title: 'Stages of the run’s augmentation applied to the two views' },
  h('legend', {}, 'Stages'),
  ...AUGMENT_STAGE_NAMES.map((st) => h('label', { class: 'stage' }, stageToggles[st], AUGMENT_STAGE_LABELS[st])),
);
const zoomRange = h('input', { id: 'zoom', type: 'range', min: 1, max: 16, step: 1, 'aria-label': 'Zoom' });
const regenerate = h('vscode-button', { id: 'regenerate', title: 'Decompose and attack again (Enter in any field)' }, 'Regenerate');
const exportPng = h('vscode-button', { id: 'export-png', secondary: true, title: 'Save the current sheet as a PNG file' }, 'Save PNG…');
const copySettings = h('vscode-button', { id: 'copy-settings', secondary: true, title: 'Copy ε, steps and seed as a run-config fragment' }, 'Copy settings');
const status = h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });

const field = (label: string, forId: string, ...inputs: HTMLElement[]) => h('div', { class: 'field' }, h('label', { for: forId }, label), ...inputs);

const controls = h(
  'form',
  { id: 'controls', class: 'controls', 'aria-label': 'Controls' },
  field('Checkpoint', 'checkpoint', ckptSelect),
  field('ε', 'eps', epsRange, epsNumber),
  field('Steps', 'steps', stepsInput),
  field('Seed', 'seed', seedInput),
  field('Samples', 'count', countInput),
  field('Split', 'split', splitSelect),
  field('Augmented views', 'augment', augmentToggle),
  stageFieldset,
  field('Zoom', 'zoom', zoomRange),
  h('div', { class: 'buttons' }, regenerate, exportPng, copySettings),
);

const tabs = h('vscode-tabs', { id: 'tabs', panel: true }) as HTMLElement & { selectedIndex: number };
const VIEWS: ViewName[] = ['decomposition', 'dataset', 'training'];
const TITLES: Record<ViewName, string> = { decomposition: 'Decomposition', dataset: 'Dataset', training: 'Training' };
const panels = {} as Record<ViewName, HTMLElement>;
for (const v of VIEWS) {
  // vscode-tabs gives headers its own ids: ours are in data-view.
  tabs.append(h('vscode-tab-header', { slot: 'header', 'data-view': v }, TITLES[v]));
  panels[v] = h('vscode-tab-panel', { id: `view-${v}` });
  tabs.append(panels[v]);
}
root.append(controls, status, tabs);

// Decomposition view
const decoStatus = h('div', { class: 'view-state', role: 'status' });
const decoGrid = h('div', { id: 'decomposition', class: 'deco', role: 'table', 'aria-label': 'Decomposition of the selected samples' });
const numbers = h('table', { id: 'numbers', class: 'numbers', 'aria-label': 'Per-sample numbers' });
const summary = h('p', { id: 'summary', class: 'summary' });
panels.decomposition.append(decoStatus, summary, h('div', { class: 'deco-scroll' }, decoGrid), numbers);

// Dataset view
const classSelect = h('select', { id: 'class-filter', 'aria-label': 'Filter by class' });
const jumpInput = h('input', { id: 'jump', type: 'number', min: 0, 'aria-label': 'Jump to sample index', placeholder: 'index', class: 'num' });
const selInfo = h('span', { id: 'selection', class: 'dim' });
const inspectSelected = h('vscode-button', { id: 'inspect-selected', title: 'Decompose the selected samples' }, 'Inspect selected');
const clearSelection = h('vscode-button', { id: 'clear-selection', secondary: true }, 'Clear');
const dsStatus = h('div', { class: 'view-state', role: 'status' });
const viewport = h('div', { id: 'dataset-grid', class: 'grid-viewport', tabindex: 0, role: 'grid', 'aria-label': 'Dataset samples: arrows move, Space selects, Enter inspects the selection', 'aria-multiselectable': 'true' });
const spacer = h('div', { class: 'grid-spacer' });
viewport.append(spacer);
panels.dataset.append(
  h('div', { class: 'toolbar' }, field('Class', 'class-filter', classSelect), field('Jump to', 'jump', jumpInput), selInfo, inspectSelected, clearSelection),
  dsStatus,
  viewport,
);

// Training view
const trStatus = h('div', { class: 'view-state', role: 'status' });
const charts = h('div', { id: 'charts', class: 'charts' });
// History: the probe batch decomposed and attacked during training (config inspect.probeEvery).
const probeSlider = h('input', { id: 'probe-slider', type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Training step of the probe shown' }) as HTMLInputElement;
const probeLabel = h('span', { id: 'probe-step', class: 'dim', 'aria-live': 'polite' });
const probeNote = h('p', { id: 'probe-note', class: 'dim note' });
const probeGrid = h('div', { id: 'probe-grid', class: 'deco', role: 'table', 'aria-label': 'The probe batch at the chosen training step' });
const probeSection = h(
  'section',
  { id: 'probe-history', class: 'probe-history' },
  h('h3', {}, 'History: the adversarial positives during training'),
  h('div', { class: 'toolbar' }, field('Step', 'probe-slider', probeSlider), probeLabel),
  probeNote,
  h('div', { class: 'deco-scroll' }, probeGrid),
);
panels.training.append(trStatus, charts, probeSection);

// ---------------------------------------------------------------------------------------------
// Status and errors

function setState(el: HTMLElement, kind: 'empty' | 'loading' | 'error' | 'none', text = '', action?: { title: string; run: () => void }): void {
  el.textContent = '';
  el.dataset.kind = kind;
  if (kind === 'none') return;
  if (kind === 'loading') el.append(h('vscode-progress-ring', { class: 'ring' }));
  el.append(h('span', {}, text));
  if (action) {
    const b = h('vscode-button', { secondary: true }, action.title);
    b.addEventListener('click', action.run);
    el.append(b);
  }
}

function showError(m: ErrorMessage): void {
  const el = m.scope === 'dataset' ? dsStatus : m.scope === 'training' ? trStatus : decoStatus;
  const hint =
    m.kind === 'busy'
      ? ' The worker is busy; try again when it is free.'
      : m.kind === 'dataset'
        ? " The run's dataset cannot be read: check data.path in its config.json."
        : m.kind === 'untrusted'
          ? ' Trust this folder to let IDAA Studio start its worker.'
          : m.kind === 'checkpoint'
            ? ' Pick another checkpoint.'
            : '';
  setState(el, 'error', `${m.message}${hint}`, m.action ? { title: m.action.title, run: () => send({ type: 'runCommand', command: m.action!.command }) } : undefined);
  if (m.scope === 'export' || m.scope === 'checkpoints') status.textContent = m.message;
}

// ---------------------------------------------------------------------------------------------
// Controls

function optionLabel(c: CheckpointOption): string {
  const knn = c.knnAccuracy !== undefined ? ` · kNN ${(c.knnAccuracy * 100).toFixed(1)}%` : '';
  return `${c.runId} / ${c.file} (${c.phase} epoch ${c.epoch}, step ${c.step}${knn})`;
}

function fillCheckpoints(): void {
  const current = settings?.checkpoint;
  ckptSelect.textContent = '';
  const values: string[] = [];
  for (const dir of live) {
    const id = dir.split(/[\\/]/).pop() ?? dir;
    ckptSelect.append(h('vscode-option', { value: `live:${dir}`, description: 'newest checkpoint of the run training now' }, `● live: ${id}`));
    values.push(`live:${dir}`);
  }
  for (const c of checkpoints) {
    ckptSelect.append(h('vscode-option', { value: c.path }, optionLabel(c)));
    values.push(c.path);
  }
  const want = chosenCheckpoint || current;
  chosenCheckpoint = want && values.includes(want) ? want : (values[0] ?? '');
  ckptSelect.value = chosenCheckpoint;
  // The element processes new options asynchronously: set the value again once it has.
  requestAnimationFrame(() => {
    if (ckptSelect.value !== chosenCheckpoint) ckptSelect.value = chosenCheckpoint;
  });
}

function readControls(): InspectSettings | undefined {
  const checkpoint = chosenCheckpoint;
  if (!checkpoint) return undefined;
  const num = (el: HTMLInputElement, d: number, lo: number, hi: number, int = true) => {
    const v = Number(el.value);
    if (!Number.isFinite(v)) return d;
    return Math.min(hi, Math.max(lo, int ? Math.round(v) : v));
  };
  const s: InspectSettings = {
    checkpoint,
    split: splitSelect.value === 'train' ? 'train' : 'test',
    eps: num(epsNumber, settings?.eps ?? 1, 0, 100, false),
    steps: num(stepsInput, settings?.steps ?? 1, 0, 100),
    seed: num(seedInput, settings?.seed ?? 0, 0, 2 ** 32 - 1),
    count: num(countInput, settings?.count ?? 16, 1, 64),
    ...(augmentToggle.checked ? { augment: true } : {}),
  };
  const off = AUGMENT_STAGE_NAMES.filter((st) => !stageToggles[st].checked);
  if (augmentToggle.checked && off.length) s.augmentOff = off;
  // A picked selection belongs to its run and split; a different checkpoint of the same run keeps it.
  if (settings?.indices?.length && runOf(settings.checkpoint) === runOf(checkpoint) && settings.split === s.split) s.indices = settings.indices;
  return s;
}

function writeControls(s: InspectSettings): void {
  epsRange.value = String(Math.min(5, s.eps));
  epsNumber.value = String(s.eps);
  stepsInput.value = String(s.steps);
  seedInput.value = String(s.seed);
  countInput.value = String(s.count);
  splitSelect.value = s.split;
  augmentToggle.checked = s.augment === true;
  for (const st of AUGMENT_STAGE_NAMES) stageToggles[st].checked = !s.augmentOff?.includes(st);
  syncStageToggles();
  if (s.checkpoint) {
    chosenCheckpoint = s.checkpoint;
    ckptSelect.value = s.checkpoint;
  }
}

function runOf(choice: string | undefined): string | undefined {
  if (!choice) return undefined;
  if (choice.startsWith('live:')) return choice.slice(5);
  return checkpoints.find((c) => c.path === choice)?.runDir ?? choice.replace(/[\\/]checkpoints[\\/][^\\/]+$/, '');
}

function requestInspect(s: InspectSettings | undefined = readControls()): void {
  if (!s) {
    setState(decoStatus, 'empty', checkpoints.length === 0 ? 'No checkpoint yet: train a run until it writes one (this list updates by itself), or create a run.' : 'Pick a checkpoint above.', {
      title: checkpoints.length === 0 ? 'New Run…' : 'Refresh',
      run: () => send(checkpoints.length === 0 ? { type: 'runCommand', command: 'idaa.newRun' } : { type: 'refreshCheckpoints' }),
    });
    return;
  }
  settings = s;
  persist();
  const requestId = nextRequestId++;
  latestRequested = requestId;
  requestedAt.set(requestId, performance.now());
  if (!shown) setState(decoStatus, 'loading', 'Decomposing and attacking…');
  else decoGrid.classList.add('stale');
  send({ type: 'inspect', requestId, settings: s });
}

/**
 * Controls update the views as they change, without a debounce: the host runs one inspection at a
 * time and keeps only the newest request waiting, so a drag never queues up work.
 */
function onControlChanged(): void {
  requestInspect(readControls());
}

epsRange.addEventListener('input', () => {
  epsNumber.value = epsRange.value;
  onControlChanged();
});
epsNumber.addEventListener('change', () => {
  epsRange.value = String(Math.min(5, Number(epsNumber.value)));
  onControlChanged();
});
/** The stage toggles only mean something while the views are shown. */
function syncStageToggles(): void {
  (stageFieldset as HTMLFieldSetElement).disabled = !augmentToggle.checked;
}
augmentToggle.addEventListener('change', syncStageToggles);
for (const el of [stepsInput, seedInput, countInput, augmentToggle, ...Object.values(stageToggles)]) el.addEventListener('change', () => onControlChanged());
splitSelect.addEventListener('change', () => {
  if (settings) delete settings.indices;
  onControlChanged();
  resetDataset();
});
seedInput.addEventListener('change', () => {
  if (settings) delete settings.indices; // a new seed draws new samples
});
ckptSelect.addEventListener('change', () => {
  const before = runOf(settings?.checkpoint);
  if (ckptSelect.value) chosenCheckpoint = ckptSelect.value;
  onControlChanged();
  if (runOf(chosenCheckpoint) !== before) {
    resetDataset();
    trainingFor = undefined;
    if (ui.view === 'training') loadTraining();
  }
});
controls.addEventListener('submit', (e) => {
  e.preventDefault();
  onControlChanged();
});
regenerate.addEventListener('click', () => onControlChanged());
zoomRange.addEventListener('input', () => {
  ui.zoom = Number(zoomRange.value);
  persist();
  applyZoom();
});
exportPng.addEventListener('click', () => send({ type: 'exportPng' }));
copySettings.addEventListener('click', () => {
  const s = readControls();
  if (s) send({ type: 'copySettings', settings: s });
});

tabs.addEventListener('vsc-tabs-select', (e) => {
  const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  showView(VIEWS[i] ?? 'decomposition');
});

function showView(v: ViewName): void {
  ui.view = v;
  persist();
  if (tabs.selectedIndex !== VIEWS.indexOf(v)) tabs.selectedIndex = VIEWS.indexOf(v);
  if (v === 'dataset') requestAnimationFrame(() => renderGrid());
  if (v === 'training') loadTraining();
}

// ---------------------------------------------------------------------------------------------
// Decomposition

const ROW_LABELS: Record<AnyRow, string> = { x: 'x', g: 'G(x)', r: 'R(x)', xAdv: 'x_adv', absDiff: '|x_adv − x|', viewI: 'view i', viewJ: 'view j' };
const ROW_HELP: Record<AnyRow, string> = {
  viewI: 'a standard (SimCLR) augmentation of x, drawn with the seed',
  viewJ: 'the other standard augmentation view of x',
  x: 'the input',
  g: 'identity part: the VAE reconstruction',
  r: 'residual x − G(x), amplified',
  xAdv: 'the adversarial view: G decoded from the attacked latent, plus R(x)',
  absDiff: 'how much the attack changed each pixel',
};
let canvases: Partial<Record<AnyRow, HTMLCanvasElement[]>> | undefined;
let shapeKey = '';
const legends: Partial<Record<AnyRow, { bar: HTMLCanvasElement; top: HTMLElement; bottom: HTMLElement; note: HTMLElement }>> = {};

function defaultZoom(hh: number, ww: number): number {
  return Math.max(1, Math.min(16, Math.ceil(64 / Math.max(hh, ww, 1))));
}

function applyZoom(): void {
  if (!shown) return;
  const [, hh, ww] = shown.images.x.pixels.shape;
  const z = ui.zoom || defaultZoom(hh, ww);
  zoomRange.value = String(z);
  for (const row of rowsOf(shown.images)) {
    for (const c of canvases?.[row] ?? []) {
      c.style.width = `${ww * z}px`;
      c.style.height = `${hh * z}px`;
    }
  }
}

/** Builds the grid once per shape; later results only repaint the canvases and the numbers. */
function buildGrid(m: InspectResultMessage): void {
  const [n, hh, ww] = m.images.x.pixels.shape;
  decoGrid.textContent = '';
  decoGrid.style.setProperty('--columns', String(n));
  const built: Partial<Record<AnyRow, HTMLCanvasElement[]>> = {};
  canvases = built;
  const header = h('div', { class: 'deco-row header', role: 'row' }, h('div', { class: 'row-label', role: 'columnheader' }, ''));
  for (let i = 0; i < n; i++) header.append(h('div', { class: 'col-head', role: 'columnheader', id: `col-${i}` }));
  header.append(h('div', { class: 'legend', role: 'columnheader' }, 'scale'));
  decoGrid.append(header);
  for (const row of rowsOf(m.images)) {
    const note = h('div', { class: 'row-note dim' });
    const r = h('div', { class: 'deco-row', role: 'row', 'data-row': row }, h('div', { class: 'row-label', role: 'rowheader', title: ROW_HELP[row] }, ROW_LABELS[row], note));
    const cs: HTMLCanvasElement[] = (built[row] = []);
    for (let i = 0; i < n; i++) {
      const c = h('canvas', { width: ww, height: hh, class: 'px', 'data-row': row, 'data-sample': i, role: 'img' });
      cs.push(c);
      r.append(h('div', { class: 'cell', role: 'cell' }, c));
    }
    const legend = h('div', { class: 'legend', role: 'cell' });
    if (row === 'r' || row === 'absDiff') {
      const bar = h('canvas', { width: 1, height: 64, class: 'bar', 'aria-hidden': 'true' });
      bar.getContext('2d')!.putImageData(new ImageData(colourBar(row === 'r' ? 'signed' : 'heat', 1, 64), 1, 64), 0, 0);
      const top = h('span', { class: 'bar-top' });
      const bottom = h('span', { class: 'bar-bottom' });
      legend.append(bar, h('div', { class: 'bar-labels' }, top, bottom));
      legends[row] = { bar, top, bottom, note };
    } else legends[row] = undefined;
    r.append(legend);
    decoGrid.append(r);
    if (row === 'r') legends.r!.note = note;
  }
  shapeKey = gridKey(m);
}

/** The grid is rebuilt when the shape or the rows shown change. */
function gridKey(m: InspectResultMessage): string {
  const [n, hh, ww] = m.images.x.pixels.shape;
  return `${n}x${hh}x${ww}/${rowsOf(m.images).join(',')}`;
}

function readBack(c: HTMLCanvasElement): number {
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  return fnv1a(ctx.getImageData(0, 0, c.width, c.height).data);
}

function showInspection(m: InspectResultMessage): void {
  if (shown && m.requestId < shown.requestId) return; // an older answer overtaken by a newer one
  const t0 = performance.now();
  const [n] = m.images.x.pixels.shape;
  if (gridKey(m) !== shapeKey || !canvases) buildGrid(m);
  const readBackSums = {} as RenderedMessage['checksums'];
  let mismatches = 0;
  for (const row of rowsOf(m.images)) {
    const p = m.images[row]!;
    const rasters = payloadRasters(p, pixelValues(p.pixels));
    readBackSums[row] = [];
    rasters.forEach((r, i) => {
      const c = canvases![row]![i]!;
      const ctx = c.getContext('2d', { willReadFrequently: true })!;
      ctx.putImageData(new ImageData(r.rgba, r.width, r.height), 0, 0);
      const got = readBack(c);
      c.dataset.checksum = String(p.checksums[i]);
      c.dataset.drawn = String(got);
      if (got !== p.checksums[i] || rasterChecksum(r) !== p.checksums[i]) mismatches++;
      readBackSums[row]!.push(got);
      const s = m.samples[i]!;
      c.setAttribute('aria-label', `${ROW_LABELS[row]} of sample ${s.index} (${s.className})`);
    });
  }
  const rl = legends.r;
  if (rl) {
    const g = m.images.r.gain;
    rl.note.textContent = `amplified ${formatGain(g)}`;
    rl.top.textContent = `+${formatNumber(1 / g)}`;
    rl.bottom.textContent = `−${formatNumber(1 / g)}`;
  }
  const hl = legends.absDiff;
  if (hl) {
    hl.note.textContent = 'max over channels';
    hl.top.textContent = formatNumber(m.images.absDiff.max);
    hl.bottom.textContent = '0';
  }
  m.samples.forEach((s, i) => {
    const head = document.getElementById(`col-${i}`);
    if (head) {
      head.textContent = '';
      head.append(h('div', {}, `#${s.index}`), h('div', { class: 'dim' }, s.className));
      head.classList.toggle('lost', !s.identityKept);
    }
  });
  fillNumbers(m);
  const kept = m.samples.filter((s) => s.identityKept).length;
  summary.textContent = `ε ${m.eps} · ${m.steps} step(s) · seed ${m.seed} · attack loss ${formatNumber(m.lossBefore, 4)} → ${formatNumber(m.lossAfter, 4)} · identity kept ${kept}/${n}`;
  shown = m;
  applyZoom();
  decoGrid.classList.toggle('stale', m.requestId < latestRequested);
  setState(decoStatus, mismatches ? 'error' : 'none', mismatches ? `${mismatches} image(s) did not draw as sent (checksum mismatch): see the log.` : '');
  if (mismatches) log('error', `request ${m.requestId}: ${mismatches} canvas(es) differ from the checksums sent`);
  const drawMs = performance.now() - t0;
  const since = requestedAt.get(m.requestId);
  const totalMs = since !== undefined ? performance.now() - since : drawMs;
  for (const k of requestedAt.keys()) if (k <= m.requestId) requestedAt.delete(k);
  lastLatency = { requestId: m.requestId, totalMs, drawMs, workerMs: m.workerMs };
  status.textContent = `${checkpointName(m.checkpoint)} · updated in ${totalMs.toFixed(0)} ms (worker ${m.workerMs} ms, drawing ${drawMs.toFixed(1)} ms)`;
  send({ type: 'rendered', requestId: m.requestId, totalMs, drawMs, checksums: readBackSums });
}

function checkpointName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts.length >= 3 ? `${parts[parts.length - 3]}/${parts[parts.length - 1]}` : p;
}

function fillNumbers(m: InspectResultMessage): void {
  numbers.textContent = '';
  const head = h('tr', {}, h('th', { scope: 'col' }, 'sample'), h('th', { scope: 'col', title: 'mean squared error of G(x) against x (normalised input units)' }, 'reconstruction error'), h('th', { scope: 'col', title: "‖z' − z‖∞ in the latent" }, '‖δ‖∞ (latent)'), h('th', { scope: 'col' }, 'cos(f(x), f(x_adv))'), h('th', { scope: 'col', title: 'rank of x among the batch for x_adv: 1 = identity kept' }, 'rank'), h('th', { scope: 'col' }, 'max |x_adv − x|'), h('th', { scope: 'col', title: "this sample's NT-Xent term of the attack loss at x_adv (their mean is the attack loss)" }, 'loss term'));
  numbers.append(h('thead', {}, head));
  const body = h('tbody');
  for (const s of m.samples) {
    body.append(
      h(
        'tr',
        { class: s.identityKept ? '' : 'lost', 'data-index': s.index },
        h('th', { scope: 'row' }, `#${s.index} ${s.className}`),
        h('td', { class: 'recon' }, formatNumber(s.reconError, 4)),
        h('td', { class: 'linf' }, formatNumber(s.latentLinf, 4)),
        h('td', { class: 'cos' }, formatNumber(s.cosine, 4)),
        h('td', { class: 'rank' }, `${s.rank} ${s.identityKept ? '(kept)' : '(lost)'}`),
        h('td', { class: 'maxdx' }, formatNumber(s.maxPixelChange, 4)),
        h('td', { class: 'loss' }, formatNumber(s.lossTerm, 4)),
      ),
    );
  }
  numbers.append(body);
}

// Keyboard zoom on the decomposition: + / − / 0.
panels.decomposition.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement) return;
  const z = Number(zoomRange.value) || 1;
  if (e.key === '+' || e.key === '=') ui.zoom = Math.min(16, z + 1);
  else if (e.key === '-') ui.zoom = Math.max(1, z - 1);
  else if (e.key === '0') ui.zoom = 0;
  else return;
  e.preventDefault();
  persist();
  applyZoom();
});
decoGrid.tabIndex = 0;

// ---------------------------------------------------------------------------------------------
// Dataset: a virtual grid (only the visible rows exist in the DOM)

const CELL = 64;
interface DatasetInfo {
  runDir: string;
  split: Split;
  dataset: string;
  classNames: string[];
  total: number;
  labels: number[];
  shape: [number, number, number];
}
let ds: DatasetInfo | undefined;
let filtered: number[] = [];
const imageCache = new Map<number, ImageData>();
const pendingIdx = new Set<number>();
let dsRequestId = 0;
let dsLoading = false;
let focusPos = 0;
const pool = new Map<number, HTMLElement>();
let fetchTimer: ReturnType<typeof setTimeout> | undefined;

function resetDataset(): void {
  ds = undefined;
  dsLoading = false;
  filtered = [];
  imageCache.clear();
  pendingIdx.clear();
  for (const el of pool.values()) el.remove();
  pool.clear();
  if (ui.view === 'dataset') renderGrid();
}

function datasetRun(): { runDir: string; split: Split } | undefined {
  const s = readControls() ?? settings;
  const runDir = runOf(s?.checkpoint);
  return runDir ? { runDir, split: s?.split ?? 'test' } : undefined;
}

function requestSamples(indices: number[], withAllLabels: boolean): void {
  const r = datasetRun();
  if (!r) return;
  indices.forEach((i) => pendingIdx.add(i));
  send({ type: 'datasetRequest', requestId: ++dsRequestId, runDir: r.runDir, split: r.split, indices, withAllLabels });
}

function onDataset(m: DatasetMessage): void {
  const r = datasetRun();
  if (!r || r.runDir !== m.runDir || r.split !== m.split) return;
  const [, hh, ww, cc] = m.images.shape;
  dsLoading = false;
  if (!ds || m.allLabels) {
    ds = { runDir: m.runDir, split: m.split, dataset: m.dataset, classNames: m.classNames, total: m.total, labels: m.allLabels ?? ds?.labels ?? [], shape: [hh, ww, cc] };
    classSelect.textContent = '';
    classSelect.append(h('option', { value: -1 }, `all classes (${m.total})`));
    m.classNames.forEach((name, i) => classSelect.append(h('option', { value: i }, `${i}: ${name}`)));
    classSelect.value = String(ui.classFilter);
    applyFilter(false);
  }
  const values = pixelValues(m.images);
  m.indices.forEach((idx, k) => {
    const r8 = sampleToRgba(values, m.images.shape, k, 'image');
    imageCache.set(idx, new ImageData(r8.rgba, r8.width, r8.height));
    pendingIdx.delete(idx);
  });
  while (imageCache.size > 20000) imageCache.delete(imageCache.keys().next().value as number);
  setState(dsStatus, 'none');
  renderGrid();
}

function applyFilter(scrollTop = true): void {
  if (!ds) return;
  filtered = filterByClass(ds.labels, ds.total, ui.classFilter);
  if (scrollTop) viewport.scrollTop = 0;
  else viewport.scrollTop = ui.datasetScroll;
  focusPos = Math.min(focusPos, Math.max(0, filtered.length - 1));
  for (const el of pool.values()) el.remove();
  pool.clear();
  renderGrid();
}

function updateSelectionInfo(): void {
  selInfo.textContent = `${ui.selected.length} selected${ui.selected.length ? `: #${ui.selected.slice(0, 8).join(', #')}${ui.selected.length > 8 ? '…' : ''}` : ''}`;
}

function renderGrid(): void {
  updateSelectionInfo();
  if (!ds) {
    const r = datasetRun();
    if (!r) {
      setState(dsStatus, 'empty', 'Pick a checkpoint: the Dataset view shows the data of its run.');
      return;
    }
    if (!dsLoading) {
      dsLoading = true;
      setState(dsStatus, 'loading', 'Loading the dataset…');
      // First the split's size and labels (no images); the visible cells ask for theirs.
      requestSamples([], true);
    }
    return;
  }
  const w = gridWindow(filtered.length, viewport.clientWidth - 4, viewport.clientHeight, viewport.scrollTop, CELL, 3);
  spacer.style.height = `${w.height}px`;
  const items = windowItems(w, filtered.length);
  const want = new Set(items);
  for (const [pos, el] of pool) {
    if (!want.has(pos)) {
      el.remove();
      pool.delete(pos);
    }
  }
  const missing: number[] = [];
  for (const pos of items) {
    const idx = filtered[pos]!;
    let el = pool.get(pos);
    if (!el) {
      const c = h('canvas', { width: ds.shape[1], height: ds.shape[0], class: 'px' });
      el = h('div', { class: 'gcell', role: 'gridcell', id: `sample-${idx}`, 'data-index': idx }, c, h('span', { class: 'gidx' }, String(idx)));
      el.style.transform = `translate(${(pos % w.columns) * CELL}px, ${Math.floor(pos / w.columns) * CELL}px)`;
      el.addEventListener('click', (e) => {
        focusPos = pos;
        toggle(idx, !(e as MouseEvent).shiftKey);
      });
      viewport.append(el);
      pool.set(pos, el);
      el.dataset.drawn = '';
    }
    el.setAttribute('aria-label', `sample ${idx}, ${ds.classNames[ds.labels[idx] ?? -1] ?? ''}${ui.selected.includes(idx) ? ', selected' : ''}`);
    el.setAttribute('aria-selected', String(ui.selected.includes(idx)));
    el.classList.toggle('focused', pos === focusPos);
    const img = imageCache.get(idx);
    if (img && el.dataset.drawn !== '1') {
      (el.firstChild as HTMLCanvasElement).getContext('2d')!.putImageData(img, 0, 0);
      el.dataset.drawn = '1';
    } else if (!img && !pendingIdx.has(idx)) missing.push(idx);
  }
  const fpos = filtered[focusPos];
  if (fpos !== undefined) viewport.setAttribute('aria-activedescendant', `sample-${fpos}`);
  if (missing.length) {
    if (fetchTimer) clearTimeout(fetchTimer);
    fetchTimer = setTimeout(() => requestSamples(missing.slice(0, 1024), false), 30);
  }
}

function toggle(idx: number, single: boolean): void {
  const i = ui.selected.indexOf(idx);
  if (i >= 0) ui.selected.splice(i, 1);
  else {
    if (single && !multiKey) ui.selected = [];
    if (ui.selected.length < 64) ui.selected.push(idx);
  }
  persist();
  renderGrid();
}
let multiKey = false;
window.addEventListener('keydown', (e) => (multiKey = e.ctrlKey || e.metaKey));
window.addEventListener('keyup', () => (multiKey = false));

let scrollQueued = false;
viewport.addEventListener('scroll', () => {
  if (scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => {
    scrollQueued = false;
    ui.datasetScroll = viewport.scrollTop;
    renderGrid();
  });
});
new ResizeObserver(() => ui.view === 'dataset' && renderGrid()).observe(viewport);
classSelect.addEventListener('change', () => {
  ui.classFilter = Number(classSelect.value);
  persist();
  applyFilter();
});
jumpInput.addEventListener('change', () => jumpTo(Number(jumpInput.value)));

function jumpTo(index: number): void {
  if (!ds || !Number.isInteger(index)) return;
  let pos = filtered.indexOf(index);
  if (pos < 0 && ui.classFilter >= 0) {
    ui.classFilter = -1;
    classSelect.value = '-1';
    applyFilter();
    pos = filtered.indexOf(index);
  }
  if (pos < 0) {
    setState(dsStatus, 'error', `No sample ${index}: this split has 0…${ds.total - 1}.`);
    return;
  }
  focusPos = pos;
  const w = gridWindow(filtered.length, viewport.clientWidth - 4, viewport.clientHeight, 0, CELL);
  viewport.scrollTop = Math.floor(pos / w.columns) * CELL;
  renderGrid();
  viewport.focus();
}

viewport.addEventListener('keydown', (e) => {
  if (!ds || filtered.length === 0) return;
  const w = gridWindow(filtered.length, viewport.clientWidth - 4, viewport.clientHeight, viewport.scrollTop, CELL);
  const page = Math.max(1, Math.floor(viewport.clientHeight / CELL)) * w.columns;
  const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: w.columns, ArrowUp: -w.columns, PageDown: page, PageUp: -page };
  if (e.key in moves) focusPos = Math.max(0, Math.min(filtered.length - 1, focusPos + moves[e.key]!));
  else if (e.key === 'Home') focusPos = 0;
  else if (e.key === 'End') focusPos = filtered.length - 1;
  else if (e.key === ' ') toggle(filtered[focusPos]!, false);
  else if (e.key === 'Enter') inspectSelection();
  else return;
  e.preventDefault();
  const row = Math.floor(focusPos / w.columns);
  if (row * CELL < viewport.scrollTop) viewport.scrollTop = row * CELL;
  else if ((row + 1) * CELL > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = (row + 1) * CELL - viewport.clientHeight;
  renderGrid();
});

function inspectSelection(): void {
  const s = readControls();
  if (!s || ui.selected.length === 0) {
    setState(dsStatus, 'empty', 'Select samples first: click them, or move with the arrows and press Space.');
    return;
  }
  const next = { ...s, indices: ui.selected.slice(), count: ui.selected.length };
  countInput.value = String(next.count);
  showView('decomposition');
  requestInspect(next);
}
inspectSelected.addEventListener('click', inspectSelection);
clearSelection.addEventListener('click', () => {
  ui.selected = [];
  persist();
  renderGrid();
});

// ---------------------------------------------------------------------------------------------
// Training curves

let trainingFor: string | undefined;
let training: TrainingMessage | undefined;

function loadTraining(): void {
  const r = datasetRun();
  if (!r) {
    setState(trStatus, 'empty', 'Pick a checkpoint: the Training view shows the curves of its run.');
    return;
  }
  if (trainingFor === r.runDir && training) {
    send({ type: 'probeRequest', runDir: r.runDir }); // a live run may have stored more
    return drawCharts();
  }
  trainingFor = r.runDir;
  setState(trStatus, 'loading', 'Reading the metrics log…');
  send({ type: 'trainingRequest', runDir: r.runDir });
  probes = undefined;
  probeShown = undefined;
  probeGrid.textContent = '';
  probeNote.textContent = 'Reading the probes…';
  send({ type: 'probeRequest', runDir: r.runDir });
}

// ---------------------------------------------------------------------------------------------
// Probe history slider

let probes: { runDir: string; steps: number[] } | undefined;
let probeShown: NonNullable<ProbesMessage['probe']> | undefined;
let probeCanvases: Record<string, HTMLCanvasElement[]> = {};
let probeKey = '';

function probeWanted(): number | undefined {
  return probes?.steps[Number(probeSlider.value)];
}

probeSlider.addEventListener('input', () => {
  const step = probeWanted();
  if (!probes || step === undefined) return;
  probeLabel.textContent = `step ${step} (${Number(probeSlider.value) + 1} of ${probes.steps.length})`;
  send({ type: 'probeRequest', runDir: probes.runDir, step });
});

function onProbes(m: ProbesMessage): void {
  if (m.runDir !== trainingFor) return;
  const had = probes?.steps.length ?? 0;
  const atEnd = !probes || Number(probeSlider.value) >= had - 1;
  probes = { runDir: m.runDir, steps: m.steps };
  probeSlider.max = String(Math.max(0, m.steps.length - 1));
  probeSlider.disabled = m.steps.length < 2;
  if (m.steps.length === 0) {
    probeNote.textContent = 'This run has stored no probes: set inspect.probeEvery in its config to record the probe batch during training.';
    probeLabel.textContent = '';
    return;
  }
  if (!m.probe) {
    // The list: show the newest probe (or keep the one chosen).
    if (atEnd) probeSlider.value = String(m.steps.length - 1);
    const step = probeWanted()!;
    probeLabel.textContent = `step ${step} (${Number(probeSlider.value) + 1} of ${m.steps.length})`;
    send({ type: 'probeRequest', runDir: m.runDir, step });
    return;
  }
  if (m.probe.step !== probeWanted()) return; // overtaken by a newer slider position
  drawProbe(m.probe);
}

function drawProbe(p: NonNullable<ProbesMessage['probe']>): void {
  const [n, hh, ww] = p.images.x.pixels.shape;
  const key = `${n}x${hh}x${ww}`;
  if (key !== probeKey) {
    probeGrid.textContent = '';
    probeGrid.style.setProperty('--columns', String(n));
    probeCanvases = {};
    const z = ui.zoom || defaultZoom(hh, ww);
    for (const row of PROBE_ROWS) {
      const r = h('div', { class: 'deco-row', role: 'row', 'data-row': row }, h('div', { class: 'row-label', role: 'rowheader', title: ROW_HELP[row] }, ROW_LABELS[row]));
      const cs: HTMLCanvasElement[] = (probeCanvases[row] = []);
      for (let i = 0; i < n; i++) {
        const c = h('canvas', { width: ww, height: hh, class: 'px probe', 'data-row': row, 'data-sample': i, role: 'img' }) as HTMLCanvasElement;
        c.style.width = `${ww * z}px`;
        c.style.height = `${hh * z}px`;
        cs.push(c);
        r.append(h('div', { class: 'cell', role: 'cell' }, c));
      }
      probeGrid.append(r);
    }
    probeKey = key;
  }
  for (const row of PROBE_ROWS) {
    const payload = p.images[row];
    payloadRasters(payload, pixelValues(payload.pixels)).forEach((r, i) => {
      const c = probeCanvases[row]![i]!;
      c.getContext('2d', { willReadFrequently: true })!.putImageData(new ImageData(r.rgba, r.width, r.height), 0, 0);
      c.dataset.checksum = String(payload.checksums[i]);
      const s = p.samples[i]!;
      c.setAttribute('aria-label', `${ROW_LABELS[row]} of sample ${s.index} (${s.className}) at step ${p.step}`);
    });
  }
  const kept = p.samples.filter((s) => s.identityKept).length;
  probeNote.textContent = `Step ${p.step} (SSL epoch ${p.epoch + 1}): ε = ${p.eps}, ${p.steps} step(s); attack loss ${formatNumber(p.lossBefore)} → ${formatNumber(p.lossAfter)}; identity kept ${kept}/${p.samples.length}; largest |x_adv − x| ${formatNumber(p.images.absDiff.max)}.`;
  probeShown = p;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

interface Series {
  name: string;
  colour: string;
  points: Array<[number, number | null]>;
  dots?: boolean;
}

function chart(title: string, xLabel: string, series: Series[], yFormat: (v: number) => string = (v) => formatNumber(v)): HTMLElement {
  const wrap = h('figure', { class: 'chart' });
  const canvas = h('canvas', { role: 'img' });
  const cap = h('figcaption', {}, title);
  const legend = h('div', { class: 'chart-legend' });
  for (const s of series) {
    const sw = h('span', { class: 'swatch' });
    sw.style.background = s.colour;
    legend.append(h('span', {}, sw, ` ${s.name}`));
  }
  wrap.append(cap, canvas, legend);
  const all = series.flatMap((s) => s.points);
  const last = series.map((s) => `${s.name} ${(() => {
    const p = s.points.filter((q) => q[1] !== null).at(-1);
    return p ? yFormat(p[1] as number) : 'none';
  })()}`);
  canvas.setAttribute('aria-label', `${title}: ${all.length ? last.join(', ') : 'no data'}`);
  requestAnimationFrame(() => {
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(200, canvas.clientWidth);
    const H = Math.max(120, canvas.clientHeight);
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(dpr, dpr);
    const fg = cssVar('--vscode-foreground', '#ccc');
    const gridC = cssVar('--vscode-editorWidget-border', '#444');
    const font = cssVar('--vscode-font-family', 'sans-serif');
    ctx.font = `11px ${font}`;
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
    ctx.strokeStyle = gridC;
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
    for (const t of niceTicks(xs[0], xs[1], 6)) {
      const x = Math.round(sx(t)) + 0.5;
      ctx.fillText(formatNumber(t), x - 8, H - 6);
    }
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
  });
  return wrap;
}

function drawCharts(): void {
  charts.textContent = '';
  const m = training;
  if (!m) return;
  if (m.steps.length === 0 && m.epochs.length === 0) {
    setState(trStatus, 'empty', `${m.runId} has no metrics yet: start it, and the curves grow as it trains.`, { title: 'Start', run: () => send({ type: 'runCommand', command: 'idaa.start' }) });
    return;
  }
  setState(trStatus, 'none');
  const colours = ['--vscode-charts-blue', '--vscode-charts-red', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-yellow'].map((v, i) => cssVar(v, ['#3794ff', '#f14c4c', '#89d185', '#d18616', '#b180d7', '#cca700'][i]!));
  const termSeries = (phase: string): Series[] => {
    const steps = m.steps.filter((s) => s.phase === phase);
    const names = [...new Set(steps.flatMap((s) => Object.keys(s.terms)))];
    const win = Math.max(1, Math.round(steps.length / 100));
    return names.map((name, i) => {
      const ys = smooth(steps.map((s) => s.terms[name] ?? null), win);
      return { name, colour: colours[i % colours.length]!, points: steps.map((s, k) => [s.step, ys[k] ?? null] as [number, number | null]) };
    });
  };
  const ssl = termSeries('ssl');
  const vae = termSeries('vae');
  if (ssl.length) charts.append(chart('SSL losses (contrastive, adversarial), smoothed', 'step', ssl));
  if (vae.length) charts.append(chart('VAE losses (reconstruction, KL), smoothed', 'step', vae));
  const knn = m.epochs.filter((e) => e.knnAccuracy !== undefined);
  charts.append(chart('kNN accuracy per epoch', 'epoch', [{ name: 'kNN', colour: colours[2]!, dots: true, points: knn.map((e) => [e.epoch, e.knnAccuracy!] as [number, number]) }], (v) => `${(v * 100).toFixed(0)}%`));
  const ips = m.steps.filter((s) => s.imagesPerSec !== undefined);
  const win = Math.max(1, Math.round(ips.length / 100));
  const ipsY = smooth(ips.map((s) => s.imagesPerSec ?? null), win);
  charts.append(chart('Images per second', 'step', [{ name: 'images/s', colour: colours[3]!, points: ips.map((s, k) => [s.step, ipsY[k] ?? null] as [number, number | null]) }]));
}

// ---------------------------------------------------------------------------------------------
// Messages from the host

window.addEventListener('message', (e: MessageEvent) => {
  const parsed = parseHostMessage(e.data);
  if (!parsed.ok) {
    log('warn', `ignored a message from the host: ${parsed.error}`);
    return;
  }
  try {
    handle(parsed.message);
  } catch (err) {
    log('error', `handling ${parsed.message.type}: ${(err as Error).stack ?? String(err)}`);
  }
});

function handle(m: HostMessage): void {
  switch (m.type) {
    case 'init': {
      checkpoints = m.checkpoints;
      live = m.live;
      if (m.settings) {
        settings = m.settings;
        chosenCheckpoint = m.settings.checkpoint;
      }
      fillCheckpoints();
      if (settings) writeControls({ ...settings, checkpoint: chosenCheckpoint });
      else writeControls({ checkpoint: chosenCheckpoint, split: 'test', eps: 1, steps: 1, seed: 0, count: 16 });
      if (m.notice && checkpoints.length === 0) {
        setState(decoStatus, 'empty', m.notice, { title: 'New Run…', run: () => send({ type: 'runCommand', command: 'idaa.newRun' }) });
      } else {
        const s = readControls();
        if (s && m.settings?.indices) s.indices = m.settings.indices;
        requestInspect(s);
      }
      showView(ui.view);
      return;
    }
    case 'checkpoints': {
      const wasLive = settings?.checkpoint.startsWith('live:');
      const hadNone = checkpoints.length === 0;
      checkpoints = m.checkpoints;
      live = m.live;
      fillCheckpoints();
      if ((wasLive || hadNone) && checkpoints.length > 0) onControlChanged();
      return;
    }
    case 'inspectResult':
      showInspection(m);
      return;
    case 'busy':
      if (m.scope === 'inspect' && !shown) setState(decoStatus, 'loading', `${m.message}…`);
      else status.textContent = `${m.message}…`;
      return;
    case 'error':
      if (m.scope === 'dataset') {
        pendingIdx.clear();
        dsLoading = false;
      }
      showError(m);
      return;
    case 'dataset':
      onDataset(m);
      return;
    case 'training':
      if (m.runDir !== trainingFor) return;
      training = m;
      if (ui.view === 'training') drawCharts();
      return;
    case 'probes':
      onProbes(m);
      return;
    case 'exported':
      status.textContent = m.what === 'png' ? `Saved ${m.detail}` : 'Copied the settings as a run-config fragment.';
      return;
  }
}

// For the tests in the real VS Code suite (read-only snapshot of what is on screen).
(window as unknown as { __idaaInspector: unknown }).__idaaInspector = {
  snapshot: () => ({
    requestId: shown?.requestId ?? 0,
    latestRequested,
    settings: settings ?? null,
    view: ui.view,
    checkpoint: shown?.checkpoint ?? null,
    eps: shown?.eps ?? null,
    latency: lastLatency ?? null,
    numbers: shown?.samples.map((s) => ({ cosine: s.cosine, latentLinf: s.latentLinf, rank: s.rank })) ?? [],
    datasetCells: pool.size,
    datasetTotal: filtered.length,
    selected: ui.selected.slice(),
    charts: charts.querySelectorAll('canvas').length,
    probeSteps: probes?.steps.slice() ?? [],
    probeIndex: Number(probeSlider.value),
    probeStep: probeShown?.step ?? null,
    probeChecksums: Object.fromEntries(Object.entries(probeCanvases).map(([row, cs]) => [row, cs.map((c) => Number(c.dataset.checksum))])),
    options: checkpoints.length + live.length,
  }),
};

send({ type: 'ready' });
