/**
 * Every message between the extension host and the inspector webview, declared once.
 *
 * Each message is a plain JSON object with a literal `type`. Both sides import this module: the
 * host (src/extension/inspectorPanel.ts) and the webview (webview/main.ts, bundled for the
 * browser). Whatever arrives is checked with `parseHostMessage` / `parseWebviewMessage`
 * (webviewChecks.ts, the runtime schema of these types) before it is used; a message that fails is
 * logged and ignored, never half-applied.
 *
 * Images travel as the worker sent them: raw pixel buffers with their shape (`PixelBuffer`, base64 of
 * the bytes). The host does not colour them; the webview does, once, with src/common/pixels.ts (the
 * sheet renderer's colouring too).
 *
 * No `vscode`, no Node APIs, no tfjs: type-only imports from the worker protocol and the engine.
 */
import type { AttackMode, ClassTableResult, InspectAttackInfo, InspectSweepResult, PixelBuffer, InspectSampleNumbers, InspectRunInfo, WorkerErrorKind } from './worker';
import type { ProbeSummary } from '../engine/runs/probe';
import type { AugmentStage } from '../engine/augment/simclr';
import type { ImageKind } from '../common/pixels';
export type { AttackMode, ClassTableResult, InspectAttackInfo, InspectSweepResult, PixelBuffer, InspectSampleNumbers, InspectRunInfo, ImageKind };

/** The panel's view type (also the serializer's key and the activation event `onWebviewPanel:…`). */
export const INSPECTOR_VIEW_TYPE = 'idaa.inspector';

// ---------------------------------------------------------------------------------------------
// Shared shapes

export type Split = 'train' | 'test';
export type ViewName = 'decomposition' | 'compare' | 'dataset' | 'training';

/** One entry of the checkpoint picker: any checkpoint of any run in the runs folder. */
export interface CheckpointOption {
  /** Absolute path of the .ckpt file. */
  path: string;
  runDir: string;
  runId: string;
  file: string;
  phase: string;
  epoch: number;
  step: number;
  knnAccuracy?: number;
  kind: string;
}

/** What the Controls view sets; also the panel's persisted state and the run-config fragment. */
export interface InspectSettings {
  /** A checkpoint path, or `live:<runDir>` for the newest checkpoint of the run training now. */
  checkpoint: string;
  split: Split;
  /** Absent: the checkpoint's training value (its config's idaa.eps / idaa.steps). */
  eps?: number;
  steps?: number;
  seed: number;
  count: number;
  /** Samples picked in the Dataset view; when absent, `count` indices drawn with `seed`. */
  indices?: number[];
  /** Attack the run's training views (the run's augmentation, drawn with `seed`): view i is attacked, view j shown. */
  augment?: boolean;
  /** Absent: 'training', the attack training does (auxiliary batch norm with batch statistics). */
  mode?: AttackMode;
  /** The attack batch's size; absent: the run's batch size. */
  batchSize?: number;
  /** Stages of the run's augmentation left out of those views (the augmentation toggles). */
  augmentOff?: AugmentStage[];
}

/** The augmentation stages the Controls can toggle, with their labels (every stage, checked by the type). */
export const AUGMENT_STAGE_LABELS = {
  crop: 'Random resized crop',
  flip: 'Horizontal flip',
  jitter: 'Colour jitter',
  grayscale: 'Random grayscale',
} as const satisfies Record<AugmentStage, string>;
export type { AugmentStage };
export const AUGMENT_STAGE_NAMES = Object.keys(AUGMENT_STAGE_LABELS) as AugmentStage[];

/** Settings with the attack's values filled in (what an inspection used; what Copy settings writes). */
export type ResolvedSettings = InspectSettings & { eps: number; steps: number };

export const IMAGE_ROWS = ['x', 'g', 'r', 'xAdv', 'absDiff'] as const;
export type ImageRow = (typeof IMAGE_ROWS)[number];
/** The two augmentation views: present only when the settings ask for them. */
export const VIEW_ROWS = ['viewI', 'viewJ'] as const;
export type ViewRow = (typeof VIEW_ROWS)[number];
export type AnyRow = ImageRow | ViewRow;
export type InspectImagesPayload = Record<ImageRow, PixelBuffer> & Partial<Record<ViewRow, PixelBuffer>>;

/** How each row is coloured (src/common/pixels.ts). */
export const ROW_KINDS: Record<AnyRow, ImageKind> = { x: 'image', g: 'image', r: 'signed', xAdv: 'image', absDiff: 'heat', viewI: 'image', viewJ: 'image' };

/** The rows an inspection carries, in display order. */
export function rowsOf(images: Partial<Record<AnyRow, unknown>>): AnyRow[] {
  // With training views the attacked input is view i: the views come first, then what is made of x_i.
  const views = VIEW_ROWS.filter((r) => images[r] !== undefined);
  return views.length ? ['x', ...views, ...IMAGE_ROWS.filter((r) => r !== 'x')] : [...IMAGE_ROWS];
}

export interface MetricStep {
  step: number;
  phase: string;
  loss: number;
  /** Named loss terms: contrastive, adversarial (SSL phase); mse, kl (VAE phase). */
  terms: Record<string, number>;
  imagesPerSec?: number;
  /** Completed epochs of its phase at this step, fractional within an epoch (the charts' epoch axis). */
  epoch?: number;
  /** Seconds since the metrics log's first line (the charts' wall-time axis). */
  elapsed?: number;
}

export interface MetricEpoch {
  step: number;
  phase: string;
  epoch: number;
  meanLoss: number;
  knnAccuracy?: number;
  seconds?: number;
  /** Seconds since the metrics log's first line. */
  elapsed?: number;
}

export type ErrorScope = 'inspect' | 'dataset' | 'training' | 'export' | 'checkpoints' | 'compare';

/** Commands the webview may ask the host to run (buttons in empty and error states). */
export const WEBVIEW_COMMANDS = ['idaa.newRun', 'idaa.start', 'idaa.showWorkerLog', 'idaa.refreshRuns', 'idaa.selectBackend'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

// ---------------------------------------------------------------------------------------------
// Host → webview

export interface InitMessage {
  type: 'init';
  checkpoints: CheckpointOption[];
  /** Runs training in this window now (their newest checkpoint is offered as "live"). */
  live: string[];
  /** The settings to start from (the command's argument, or the restored state). */
  settings: InspectSettings | null;
  /** Why there is nothing to show yet, when so (no runs folder, no checkpoint). */
  notice?: string;
}

export interface CheckpointsMessage {
  type: 'checkpoints';
  checkpoints: CheckpointOption[];
  live: string[];
}

export interface InspectResultMessage {
  type: 'inspectResult';
  requestId: number;
  /** The checkpoint actually used (a `live:` choice resolved). */
  checkpoint: string;
  runDir: string;
  split: Split;
  eps: number;
  steps: number;
  seed: number;
  lossBefore: number;
  lossAfter: number;
  samples: InspectSampleNumbers[];
  /** What the checkpoint was trained with and how far (defaults, untrained-encoder notice). */
  run: InspectRunInfo;
  attack: InspectAttackInfo;
  images: InspectImagesPayload;
  /** Time the worker took, host-side (request sent → answer). */
  workerMs: number;
}

/** One inspection's content, without the message's envelope (Compare → another checkpoint carries it too). */
export type Inspection = Omit<InspectResultMessage, 'type' | 'requestId'>;

export interface DatasetMessage {
  type: 'dataset';
  requestId: number;
  runDir: string;
  split: Split;
  dataset: string;
  classNames: string[];
  /** Samples in the split. */
  total: number;
  /** The label of every sample of the split, when asked for (class filter). */
  allLabels?: number[];
  indices: number[];
  labels: number[];
  /** uint8 NHWC, one image per index. */
  images: PixelBuffer;
}

export interface TrainingMessage {
  type: 'training';
  runDir: string;
  runId: string;
  steps: MetricStep[];
  epochs: MetricEpoch[];
}

/** The rows of a training probe (the inspector's history slider). */
export const PROBE_ROWS = ['x', 'xAdv', 'absDiff'] as const;
export type ProbeRow = (typeof PROBE_ROWS)[number];

/** The probe steps a run stored during training, and the probe at one of them. */
export interface ProbesMessage {
  type: 'probes';
  runDir: string;
  /** Steps that have a probe, ascending. */
  steps: number[];
  probe?: ProbeSummary & { images: Record<ProbeRow, PixelBuffer> };
}

export interface BusyMessage {
  type: 'busy';
  scope: ErrorScope;
  requestId?: number;
  message: string;
  percentage?: number;
}

export interface ErrorMessage {
  type: 'error';
  scope: ErrorScope;
  requestId?: number;
  /** The worker's error kind (config, dataset, checkpoint, busy, …) or a host one. */
  kind: WorkerErrorKind | 'untrusted' | 'noCheckpoint' | 'host';
  message: string;
  /** What to do about it: a button that runs a command. */
  action?: { title: string; command: WebviewCommand };
}

export interface ExportedMessage {
  type: 'exported';
  what: 'png' | 'settings' | 'csv';
  /** The PNG or CSV file written, or the fragment copied. */
  detail: string;
}

/** The Compare view's results: another checkpoint on the same samples, an ε sweep, a per-class table. */
export type CompareResultMessage =
  | { type: 'compareResult'; requestId: number; kind: 'checkpoint'; result: Inspection }
  | { type: 'compareResult'; requestId: number; kind: 'sweep'; result: InspectSweepResult }
  | { type: 'compareResult'; requestId: number; kind: 'classes'; result: ClassTableResult };
export type CompareKind = CompareResultMessage['kind'];

export type HostMessage = CompareResultMessage | InitMessage | CheckpointsMessage | InspectResultMessage | DatasetMessage | TrainingMessage | ProbesMessage | BusyMessage | ErrorMessage | ExportedMessage;

// ---------------------------------------------------------------------------------------------
// Webview → host

export interface ReadyMessage {
  type: 'ready';
}

export interface InspectMessage {
  type: 'inspect';
  requestId: number;
  settings: InspectSettings;
}

/** A comparison in the Compare view (settings as the Controls give them; `checkpoint` the one to compare with for 'checkpoint'). */
export interface CompareRequestMessage {
  type: 'compareRequest';
  requestId: number;
  kind: CompareKind;
  settings: InspectSettings;
  /** kind 'sweep': the radii. */
  epsList?: number[];
  /** kind 'classes': how many samples of the split. */
  count?: number;
}

export interface DatasetRequestMessage {
  type: 'datasetRequest';
  requestId: number;
  /** The run whose dataset (its config's data section) is shown. */
  runDir: string;
  split: Split;
  indices: number[];
  withAllLabels: boolean;
}

export interface TrainingRequestMessage {
  type: 'trainingRequest';
  runDir: string;
}

/** The run's probe steps; with `step`, also that probe's images and numbers. */
export interface ProbeRequestMessage {
  type: 'probeRequest';
  runDir: string;
  step?: number;
}

export interface ExportPngMessage {
  type: 'exportPng';
}

/** A chart's CSV button: the host asks where and saves `csv` (what the chart shows). Shared by every page with charts. */
export interface ExportCsvMessage {
  type: 'exportCsv';
  /** Suggested file name ("ssl-losses.csv"). */
  name: string;
  csv: string;
}

export interface CopySettingsMessage {
  type: 'copySettings';
  settings: ResolvedSettings;
}

export interface RunCommandMessage {
  type: 'runCommand';
  command: WebviewCommand;
}

export interface RefreshMessage {
  type: 'refreshCheckpoints';
}

export interface LogMessage {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Sent after the webview has drawn an inspection: what it took, for the latency figure. */
export interface RenderedMessage {
  type: 'rendered';
  requestId: number;
  /** Control changed → images and numbers on screen, in the webview's clock. */
  totalMs: number;
  /** Decoding and drawing only. */
  drawMs: number;
}

export type WebviewMessage =
  | ReadyMessage
  | InspectMessage
  | CompareRequestMessage
  | DatasetRequestMessage
  | TrainingRequestMessage
  | ProbeRequestMessage
  | ExportPngMessage
  | ExportCsvMessage
  | CopySettingsMessage
  | RunCommandMessage
  | RefreshMessage
  | LogMessage
  | RenderedMessage;

// ---------------------------------------------------------------------------------------------
// Pixel buffers: base64 decoding, the same in Node and in the browser

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Uint8Array(128);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Decodes base64 into a fresh, aligned buffer (so a Float32Array view is always possible). */
export function base64ToBytes(s: string): Uint8Array {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const n = (s.length / 4) * 3 - pad;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const a = B64_INDEX[s.charCodeAt(i)] as number;
    const b = B64_INDEX[s.charCodeAt(i + 1)] as number;
    const c = B64_INDEX[s.charCodeAt(i + 2)] as number;
    const d = B64_INDEX[s.charCodeAt(i + 3)] as number;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < n) out[o++] = (v >> 16) & 255;
    if (o < n) out[o++] = (v >> 8) & 255;
    if (o < n) out[o++] = v & 255;
  }
  return out;
}

/** The values of a pixel buffer: Float32Array for float32, Uint8Array for uint8. */
export function pixelValues(p: PixelBuffer): Float32Array | Uint8Array {
  const bytes = base64ToBytes(p.data);
  return p.dtype === 'float32' ? new Float32Array(bytes.buffer, 0, bytes.byteLength / 4) : bytes;
}

/** The run-config fragment that reproduces the Controls' attack settings (Export → Copy settings). */
export function settingsFragment(s: ResolvedSettings): Record<string, unknown> {
  const off = s.augment ? s.augmentOff ?? [] : [];
  const augment = {
    ...(off.includes('crop') ? { cropScale: [1, 1], cropRatio: [1, 1] } : {}),
    ...(off.includes('flip') ? { flip: false } : {}),
    ...(off.includes('jitter') ? { jitterP: 0 } : {}),
    ...(off.includes('grayscale') ? { grayscaleP: 0 } : {}),
  };
  return { idaa: { eps: s.eps, steps: s.steps }, seed: s.seed, ...(off.length ? { augment } : {}) };
}
