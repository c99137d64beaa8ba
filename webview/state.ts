/**
 * The webview's state, in one place: what survives a reload (persisted with setState), what this
 * page has learnt from the host (checkpoints, the run each checkpoint was trained with), and the one
 * channel to the host (validated messages only, see src/protocol/webview.ts).
 */
import { type CheckpointOption, type InspectResultMessage, type InspectRunInfo, type InspectSettings, type ViewName, type WebviewMessage } from '../src/protocol/webview';
import { isInspectSettings } from '../src/protocol/webviewChecks';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

/** R(x)'s display: contrast multiplies its gain, brightness shifts it (both only change colours). */
export interface ResidualDisplay {
  contrast: number;
  brightness: number;
}

export interface PersistedState {
  settings?: InspectSettings;
  view: ViewName;
  /** 0: fit the images (64 px); else the integer zoom. */
  zoom: number;
  classFilter: number;
  datasetScroll: number;
  selected: number[];
  residual: ResidualDisplay;
}

const restored = vscode.getState() as Partial<PersistedState> | undefined;
const finite = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

/** What the page persists. */
export const ui: PersistedState = {
  view: restored?.view === 'compare' || restored?.view === 'dataset' || restored?.view === 'training' ? restored.view : 'decomposition',
  zoom: finite(restored?.zoom, 1, 16) ? Math.round(restored.zoom) : 0,
  classFilter: typeof restored?.classFilter === 'number' ? restored.classFilter : -1,
  datasetScroll: typeof restored?.datasetScroll === 'number' ? restored.datasetScroll : 0,
  selected: Array.isArray(restored?.selected) ? restored.selected.filter((i): i is number => Number.isInteger(i) && i >= 0).slice(0, 256) : [],
  residual: {
    contrast: finite(restored?.residual?.contrast, 0.125, 16) ? restored.residual.contrast : 1,
    brightness: finite(restored?.residual?.brightness, -1, 1) ? restored.residual.brightness : 0,
  },
  ...(isInspectSettings(restored?.settings) ? { settings: restored.settings } : {}),
};

/** What this page knows now (not persisted: the host sends it again after a reload). */
export const session = {
  checkpoints: [] as CheckpointOption[],
  live: [] as string[],
  /** The picker's choice, kept here: the element's own value lags until its options are processed. */
  chosenCheckpoint: ui.settings?.checkpoint ?? '',
  /** The inspection on screen. */
  shown: undefined as InspectResultMessage | undefined,
  /** Run folder → what its checkpoints were trained with (learnt from inspections). */
  runs: new Map<string, InspectRunInfo>(),
};

export function persist(): void {
  vscode.setState(ui);
}

export function send(m: WebviewMessage): void {
  vscode.postMessage(m);
}

export function log(level: 'info' | 'warn' | 'error', message: string): void {
  send({ type: 'log', level, message });
}

/** The run folder of a checkpoint choice (a path or `live:<runDir>`). */
export function runOf(choice: string | undefined): string | undefined {
  if (!choice) return undefined;
  if (choice.startsWith('live:')) return choice.slice(5);
  return session.checkpoints.find((c) => c.path === choice)?.runDir ?? choice.replace(/[\\/]checkpoints[\\/][^\\/]+$/, '');
}
