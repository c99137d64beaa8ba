/**
 * The runs comparison page (the panel of *IDAA: Compare Runs*): the runs' curves overlaid and a
 * table of their numbers. Messages are declared in src/protocol/runsCompare.ts and checked on
 * receipt; a bad one is logged to the host and ignored.
 */
import { type RunsHostMessage, type RunsMessage, type RunsPageMessage, type RunsPanelState } from '../../src/protocol/runsCompare';
import { parseRunsHostMessage } from '../../src/protocol/runsCompareChecks';
import { installChartHook } from '../chartHook';
import { setCsvSink } from '../charts';
import { PALETTE } from '../chartTheme';
import { chartSettingsFrom, chartToolbar, type ChartSettings } from '../chartToolbar';
import { byId, h } from '../dom';
import { runsCharts } from './curves';
import { runsTable } from './table';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const send = (m: RunsPageMessage) => vscode.postMessage(m);

const restored = (vscode.getState() ?? {}) as RunsPanelState;
let settings: ChartSettings = chartSettingsFrom(restored.charts);
let data: RunsMessage | undefined;
/** Kept for a reload: the chart settings and which runs are shown (the host reads them again). */
const persist = () => vscode.setState({ charts: settings, ...(data ? { shown: { runDirs: data.runs.map((r) => r.runDir), title: data.title, ...(data.experiment ? { experiment: data.experiment } : {}) } } : {}) } satisfies RunsPanelState);

const root = byId('idaa-runs-root');
const title = h('h2', { class: 'runs-title' });
const note = h('p', { class: 'dim', role: 'status', 'aria-live': 'polite' });
const table = h('div', { class: 'runs-table-wrap' });
const charts = h('div', { id: 'runs-charts', class: 'charts' });
const toolbar = chartToolbar('runs', settings, (s) => {
  settings = s;
  persist();
  drawCharts();
});
root.textContent = '';
root.append(title, note, table, toolbar, charts);

const colourOf = (i: number) => PALETTE[i % PALETTE.length]!;

function drawCharts(): void {
  charts.textContent = '';
  if (data) charts.append(...runsCharts(data, settings, colourOf));
}

function show(m: RunsMessage): void {
  data = m;
  persist();
  title.textContent = m.title;
  note.textContent = m.runs.length < 2 ? 'Select two or more runs in the Runs view (Ctrl/Cmd-click), then Compare Runs.' : m.experiment ? `The grid of ${m.experiment}.` : '';
  table.textContent = '';
  table.append(runsTable(m, colourOf));
  drawCharts();
}

function handle(m: RunsHostMessage): void {
  if (m.type === 'runs') show(m);
  else note.textContent = `Saved ${m.detail}`;
}

window.addEventListener('message', (e: MessageEvent) => {
  const parsed = parseRunsHostMessage(e.data);
  if (!parsed.ok) {
    send({ type: 'log', level: 'warn', message: `ignored a message from the host: ${parsed.error}` });
    return;
  }
  try {
    handle(parsed.message);
  } catch (err) {
    send({ type: 'log', level: 'error', message: `handling ${parsed.message.type}: ${(err as Error).stack ?? String(err)}` });
  }
});

setCsvSink((name, csv) => send({ type: 'exportCsv', name, csv }));
installChartHook();
(window as unknown as { __idaaRuns: unknown }).__idaaRuns = { snapshot: () => ({ runs: data?.runs.map((r) => r.label) ?? [], differing: data?.differing ?? [], charts: charts.querySelectorAll('.chart').length, state: vscode.getState() }) };
send({ type: 'ready' });
