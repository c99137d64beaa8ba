/**
 * The inspector webview's entry: lays out the Controls and the three views (Decomposition,
 * Dataset, Training), wires them together and dispatches the host's messages. Bundled by esbuild
 * for the browser (dist/webview/main.js, an IIFE); runs under the panel's strict CSP (no inline
 * script or style: the DOM API builds everything, main.css styles it).
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
import { type ErrorMessage, type HostMessage, type InspectSettings, type ViewName } from '../src/protocol/webview';
import { parseHostMessage } from '../src/protocol/webviewChecks';
import { installChartHook } from './chartHook';
import { setCsvSink } from './charts';
import { CompareView } from './compare';
import { Controls } from './controls';
import { DatasetView } from './dataset';
import { DecompositionView } from './decomposition';
import { byId, h, setViewState } from './dom';
import { log, persist, runOf, send, session, ui } from './state';
import { installTestHook } from './testHook';
import { TrainingView } from './training';

const VIEWS: ViewName[] = ['decomposition', 'compare', 'dataset', 'training'];
const TITLES: Record<ViewName, string> = { decomposition: 'Decomposition', compare: 'Compare', dataset: 'Dataset', training: 'Training' };

const root = byId('idaa-root');
root.textContent = '';

const controls = new Controls({
  changed: () => inspect(controls.read()),
  runChanged: () => {
    dataset.reset();
    training.forget();
    if (ui.view === 'training') training.load(currentRun()?.runDir);
  },
  zoomed: () => {
    persist();
    deco.applyZoom();
    training.history.applyZoom();
  },
  exportPng: () => send({ type: 'exportPng' }),
  copySettings: (s) => send({ type: 'copySettings', settings: s }),
});

const tabs = h('vscode-tabs', { id: 'tabs', panel: true }) as HTMLElement & { selectedIndex: number };
const panels = {} as Record<ViewName, HTMLElement>;
for (const v of VIEWS) {
  // vscode-tabs gives headers its own ids: ours are in data-view.
  tabs.append(h('vscode-tab-header', { slot: 'header', 'data-view': v }, TITLES[v]));
  panels[v] = h('vscode-tab-panel', { id: `view-${v}` });
  tabs.append(panels[v]);
}
root.append(controls.form, controls.status, tabs);

const deco = new DecompositionView(panels.decomposition, controls.status, (z) => controls.showZoom(z));
const compare = new CompareView(panels.compare, { settings: () => controls.read() });
const dataset = new DatasetView(
  panels.dataset,
  {
    run: currentRun,
    inspectSelection: (indices) => {
      const s = controls.read();
      if (!s) return;
      controls.count.value = String(indices.length);
      showView('decomposition');
      inspect({ ...s, indices, count: indices.length });
    },
  },
  () => ui.view === 'dataset',
);
const training = new TrainingView(panels.training, () => ui.view === 'training');

tabs.addEventListener('vsc-tabs-select', (e) => {
  const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  showView(VIEWS[i] ?? 'decomposition');
});

function showView(v: ViewName): void {
  ui.view = v;
  persist();
  if (tabs.selectedIndex !== VIEWS.indexOf(v)) tabs.selectedIndex = VIEWS.indexOf(v);
  if (v === 'dataset') requestAnimationFrame(() => dataset.render());
  if (v === 'compare') compare.fillCheckpoints();
  if (v === 'training') training.load(currentRun()?.runDir);
}

/** The run (and split) the checkpoint picked belongs to. */
function currentRun(): { runDir: string; split: InspectSettings['split'] } | undefined {
  const s = controls.read() ?? ui.settings;
  const runDir = runOf(s?.checkpoint);
  return runDir ? { runDir, split: s?.split ?? 'test' } : undefined;
}

function inspect(s: InspectSettings | undefined): void {
  if (s) return deco.request(s);
  const none = session.checkpoints.length === 0;
  setViewState(deco.state, 'empty', none ? 'No checkpoint yet: train a run until it writes one (this list updates by itself), or create a run.' : 'Pick a checkpoint above.', {
    title: none ? 'New Run…' : 'Refresh',
    run: () => send(none ? { type: 'runCommand', command: 'idaa.newRun' } : { type: 'refreshCheckpoints' }),
  });
}

function showError(m: ErrorMessage): void {
  const el = m.scope === 'dataset' ? dataset.state : m.scope === 'training' ? training.state : m.scope === 'compare' ? compare.state : deco.state;
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
  const action = m.action;
  setViewState(el, 'error', `${m.message}${hint}`, action ? { title: action.title, run: () => send({ type: 'runCommand', command: action.command }) } : undefined);
  if (m.scope === 'export' || m.scope === 'checkpoints') controls.status.textContent = m.message;
}

function handle(m: HostMessage): void {
  switch (m.type) {
    case 'init': {
      session.checkpoints = m.checkpoints;
      session.live = m.live;
      if (m.settings) {
        ui.settings = m.settings;
        session.chosenCheckpoint = m.settings.checkpoint;
      }
      controls.fillCheckpoints();
      controls.write({ ...(ui.settings ?? { split: 'test', seed: 0, count: 16 }), checkpoint: session.chosenCheckpoint });
      if (m.notice && session.checkpoints.length === 0) {
        setViewState(deco.state, 'empty', m.notice, { title: 'New Run…', run: () => send({ type: 'runCommand', command: 'idaa.newRun' }) });
      } else {
        const s = controls.read();
        if (s && m.settings?.indices) s.indices = m.settings.indices;
        inspect(s);
      }
      showView(ui.view);
      return;
    }
    case 'checkpoints': {
      const wasLive = ui.settings?.checkpoint.startsWith('live:');
      const hadNone = session.checkpoints.length === 0;
      session.checkpoints = m.checkpoints;
      session.live = m.live;
      controls.fillCheckpoints();
      compare.fillCheckpoints();
      if ((wasLive || hadNone) && session.checkpoints.length > 0) inspect(controls.read());
      return;
    }
    case 'inspectResult':
      session.runs.set(m.runDir, m.run);
      deco.show(m);
      if (session.shown === m) controls.applyResult(m);
      return;
    case 'compareResult':
      compare.onResult(m);
      return;
    case 'busy':
      if (m.scope === 'compare') compare.busy(m.message);
      else if (m.scope === 'inspect' && !session.shown) setViewState(deco.state, 'loading', `${m.message}…`);
      else controls.status.textContent = `${m.message}…`;
      return;
    case 'error':
      if (m.scope === 'dataset') dataset.failed();
      showError(m);
      return;
    case 'dataset':
      dataset.onDataset(m);
      return;
    case 'training':
      training.onTraining(m);
      return;
    case 'probes':
      training.history.onProbes(m);
      return;
    case 'exported':
      controls.status.textContent = m.what === 'settings' ? 'Copied the settings as a run-config fragment.' : `Saved ${m.detail}`;
      return;
  }
}

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

// A chart's CSV button: the host asks where and saves it.
setCsvSink((name, csv) => send({ type: 'exportCsv', name, csv }));
installChartHook();

installTestHook(() => {
  const shown = session.shown;
  return {
    requestId: shown?.requestId ?? 0,
    latestRequested: deco.latest,
    settings: ui.settings ?? null,
    view: ui.view,
    zoom: deco.zoom(),
    checkpoint: shown?.checkpoint ?? null,
    eps: shown?.eps ?? null,
    steps: shown?.steps ?? null,
    latency: deco.latency ?? null,
    numbers: shown?.samples.map((s) => ({ cosine: s.cosine, latentLinf: s.latentLinf, rank: s.rank })) ?? [],
    datasetCells: dataset.cells,
    datasetTotal: dataset.total,
    selected: ui.selected.slice(),
    charts: training.charts.querySelectorAll('canvas').length,
    probeSteps: training.history.steps,
    probeIndex: Number(training.history.slider.value),
    probeStep: training.history.shown?.step ?? null,
    detail: deco.detail.isOpen ? deco.detail.current : null,
    residual: { ...ui.residual },
    options: session.checkpoints.length + session.live.length,
    attackMode: shown?.attack.mode ?? null,
    attackBatch: shown?.attack.batch.length ?? null,
    modeCosine: shown?.attack.agreement.cosine ?? null,
    compare: {
      pair: compare.shown.pair ? { a: compare.shown.pair.a.samples.map((s) => s.cosine), b: compare.shown.pair.b.samples.map((s) => s.cosine), checkpointB: compare.shown.pair.b.checkpoint } : null,
      sweep: compare.shown.sweep ? compare.shown.sweep.points.map((p) => ({ eps: p.eps, ranks: p.samples.map((s) => s.rank), cosines: p.samples.map((s) => s.cosine) })) : null,
      classes: compare.shown.classes ? { samples: compare.shown.classes.samples, rows: compare.shown.classes.rows.map((r) => ({ className: r.className, count: r.count, kept: r.kept })) } : null,
      charts: panels.compare.querySelectorAll('#sweep-charts .chart').length,
    },
  };
});

send({ type: 'ready' });
