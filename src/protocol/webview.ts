/**
 * Every message between the extension host and the inspector webview, declared once.
 *
 * Each message is a plain JSON object with a literal `type`. Both sides import this module: the
 * host (src/extension/inspectorPanel.ts) and the webview (webview/main.ts, bundled for the
 * browser). Whatever arrives is checked with `parseHostMessage` / `parseWebviewMessage` before it is
 * used; a message that fails is logged and ignored, never half-applied.
 *
 * Images travel as the worker sent them: raw pixel buffers with their shape (`PixelBuffer`, base64 of
 * the bytes). The host does not colour them; the webview does, once, with src/common/pixels.ts (the
 * sheet renderer's colouring too).
 *
 * No `vscode`, no Node APIs, no tfjs: type-only imports from the worker protocol and the engine.
 */
import type { PixelBuffer, InspectSampleNumbers, InspectRunInfo, WorkerErrorKind } from './worker';
import type { ProbeSummary } from '../engine/runs/probe';
import type { AugmentStage } from '../engine/augment/simclr';
import type { ImageKind } from '../common/pixels';
export type { PixelBuffer, InspectSampleNumbers, InspectRunInfo, ImageKind };

/** The panel's view type (also the serializer's key and the activation event `onWebviewPanel:…`). */
export const INSPECTOR_VIEW_TYPE = 'idaa.inspector';

// ---------------------------------------------------------------------------------------------
// Shared shapes

export type Split = 'train' | 'test';
export type ViewName = 'decomposition' | 'dataset' | 'training';

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
  /** Also show the two standard (SimCLR) augmentation views of each sample, drawn with `seed`. */
  augment?: boolean;
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
  return [...IMAGE_ROWS, ...VIEW_ROWS.filter((r) => images[r] !== undefined)];
}

export interface MetricStep {
  step: number;
  phase: string;
  loss: number;
  /** Named loss terms: contrastive, adversarial (SSL phase); mse, kl (VAE phase). */
  terms: Record<string, number>;
  imagesPerSec?: number;
}

export interface MetricEpoch {
  step: number;
  phase: string;
  epoch: number;
  meanLoss: number;
  knnAccuracy?: number;
  seconds?: number;
}

export type ErrorScope = 'inspect' | 'dataset' | 'training' | 'export' | 'checkpoints';

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
  images: InspectImagesPayload;
  /** Time the worker took, host-side (request sent → answer). */
  workerMs: number;
}

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
  what: 'png' | 'settings';
  /** The PNG file written, or the fragment copied. */
  detail: string;
}

export type HostMessage = InitMessage | CheckpointsMessage | InspectResultMessage | DatasetMessage | TrainingMessage | ProbesMessage | BusyMessage | ErrorMessage | ExportedMessage;

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
  | DatasetRequestMessage
  | TrainingRequestMessage
  | ProbeRequestMessage
  | ExportPngMessage
  | CopySettingsMessage
  | RunCommandMessage
  | RefreshMessage
  | LogMessage
  | RenderedMessage;

// ---------------------------------------------------------------------------------------------
// Runtime validation: a few combinators, then one schema per message.

type Check = (v: unknown, path: string) => string | undefined;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${p}: expected a finite number`);
/** Numbers computed by a model may be NaN or ±Infinity; JSON turns those into null. */
const numOrNull: Check = (v, p) => (typeof v === 'number' || v === null ? undefined : `${p}: expected a number`);
const int = (min = -Infinity, max = Infinity): Check => (v, p) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `${p}: expected an integer in ${min}..${max}`);
const str: Check = (v, p) => (typeof v === 'string' ? undefined : `${p}: expected a string`);
const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected a boolean`);
const oneOf = (...values: readonly unknown[]): Check => (v, p) => (values.includes(v) ? undefined : `${p}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
const nullable = (c: Check): Check => (v, p) => (v === null ? undefined : c(v, p));
const arrayOf = (c: Check, maxLength = 1_000_000): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p}: expected an array`;
  if (v.length > maxLength) return `${p}: more than ${maxLength} items`;
  for (let i = 0; i < v.length; i++) {
    const e = c(v[i], `${p}[${i}]`);
    if (e) return e;
  }
  return undefined;
};
const recordOf = (c: Check): Check => (v, p) => {
  if (!isObj(v)) return `${p}: expected an object`;
  for (const [k, x] of Object.entries(v)) {
    const e = c(x, `${p}.${k}`);
    if (e) return e;
  }
  return undefined;
};
/** Required fields, and optional ones (`key?`). Unknown fields are allowed (newer senders). */
const obj = (fields: Record<string, Check>): Check => (v, p) => {
  if (!isObj(v)) return `${p}: expected an object`;
  for (const [key, c] of Object.entries(fields)) {
    const optional = key.endsWith('?');
    const k = optional ? key.slice(0, -1) : key;
    if (!(k in v) || v[k] === undefined) {
      if (optional) continue;
      return `${p}.${k}: missing`;
    }
    const e = c(v[k], `${p}.${k}`);
    if (e) return e;
  }
  return undefined;
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const pixelBuffer: Check = (v, p) => {
  const e = obj({ shape: arrayOf(int(0, 1 << 20), 4), dtype: oneOf('uint8', 'float32'), data: str })(v, p);
  if (e) return e;
  const b = v as PixelBuffer;
  if (b.shape.length !== 4) return `${p}.shape: expected NHWC (4 numbers)`;
  if (b.shape[3] !== 1 && b.shape[3] !== 3) return `${p}.shape: 1 or 3 channels`;
  if (b.data.length % 4 !== 0 || !BASE64.test(b.data)) return `${p}.data: not base64`;
  const bytes = (b.data.length / 4) * 3 - (b.data.endsWith('==') ? 2 : b.data.endsWith('=') ? 1 : 0);
  const expected = b.shape.reduce((a, x) => a * x, 1) * (b.dtype === 'float32' ? 4 : 1);
  return bytes === expected ? undefined : `${p}.data: ${bytes} bytes for shape [${b.shape.join(', ')}] ${b.dtype} (expected ${expected})`;
};

const split = oneOf('train', 'test');
const epsCheck: Check = (v, p) => num(v, p) ?? ((v as number) >= 0 && (v as number) <= 100 ? undefined : `${p}: ε must be in 0..100`);
const settings: Check = obj({
  checkpoint: str,
  split,
  'eps?': epsCheck,
  'steps?': int(0, 1000),
  seed: int(0, 2 ** 32 - 1),
  count: int(1, 256),
  'indices?': arrayOf(int(0), 256),
  'augment?': bool,
  'augmentOff?': arrayOf(oneOf(...AUGMENT_STAGE_NAMES), AUGMENT_STAGE_NAMES.length),
});
const resolvedSettings: Check = (v, p) => settings(v, p) ?? obj({ eps: epsCheck, steps: int(0, 1000) })(v, p);
const checkpointOption: Check = obj({ path: str, runDir: str, runId: str, file: str, phase: str, epoch: num, step: num, 'knnAccuracy?': num, kind: str });
const runInfo: Check = obj({
  phase: oneOf('vae', 'ssl', 'done'),
  optimizerSteps: obj({ vae: int(0), ssl: int(0) }),
  method: str,
  idaa: obj({ enabled: bool, eps: num, steps: int(0), alpha: num }),
  augment: obj({ cropScale: arrayOf(num, 2), cropRatio: arrayOf(num, 2), flip: bool, jitter: arrayOf(num, 4), jitterP: num, grayscaleP: num }),
  seed: int(0),
});
const sampleNumbers: Check = obj({
  index: int(0),
  label: int(0),
  className: str,
  reconError: numOrNull,
  latentLinf: numOrNull,
  cosine: numOrNull,
  rank: int(1),
  identityKept: bool,
  maxPixelChange: numOrNull,
  lossTerm: numOrNull,
});
const scope = oneOf('inspect', 'dataset', 'training', 'export', 'checkpoints');
const command = oneOf(...WEBVIEW_COMMANDS);

const HOST_SCHEMAS: Record<HostMessage['type'], Check> = {
  init: obj({ checkpoints: arrayOf(checkpointOption), live: arrayOf(str), settings: nullable(settings), 'notice?': str }),
  checkpoints: obj({ checkpoints: arrayOf(checkpointOption), live: arrayOf(str) }),
  inspectResult: (v, p) =>
    obj({
      requestId: int(0),
      checkpoint: str,
      runDir: str,
      split,
      eps: num,
      steps: int(0),
      seed: int(0),
      lossBefore: numOrNull,
      lossAfter: numOrNull,
      samples: arrayOf(sampleNumbers, 256),
      run: runInfo,
      images: obj(Object.fromEntries([...IMAGE_ROWS.map((r) => [r, pixelBuffer]), ...VIEW_ROWS.map((r) => [`${r}?`, pixelBuffer])])),
      workerMs: num,
    })(v, p) ?? sameShapes(v as InspectResultMessage, p),
  dataset: (v, p) =>
    obj({
      requestId: int(0),
      runDir: str,
      split,
      dataset: str,
      classNames: arrayOf(str),
      total: int(0),
      'allLabels?': arrayOf(int(0), 10_000_000),
      indices: arrayOf(int(0)),
      labels: arrayOf(int(0)),
      images: pixelBuffer,
    })(v, p) ??
    ((v as DatasetMessage).images.dtype === 'uint8' && (v as DatasetMessage).images.shape[0] === (v as DatasetMessage).indices.length && (v as DatasetMessage).labels.length === (v as DatasetMessage).indices.length
      ? undefined
      : `${p}: one uint8 image and one label per index`),
  training: obj({
    runDir: str,
    runId: str,
    steps: arrayOf(obj({ step: num, phase: str, loss: numOrNull, terms: recordOf(numOrNull), 'imagesPerSec?': num })),
    epochs: arrayOf(obj({ step: num, phase: str, epoch: num, meanLoss: numOrNull, 'knnAccuracy?': num, 'seconds?': num })),
  }),
  probes: (v, p) =>
    obj({
      runDir: str,
      steps: arrayOf(int(0), 1_000_000),
      'probe?': obj({
        step: int(0),
        epoch: int(0),
        eps: num,
        steps: int(0),
        lossBefore: numOrNull,
        lossAfter: numOrNull,
        samples: arrayOf(sampleNumbers, 256),
        images: obj(Object.fromEntries(PROBE_ROWS.map((r) => [r, pixelBuffer]))),
      }),
    })(v, p) ?? probeShapes(v as ProbesMessage, p),
  busy: obj({ scope, 'requestId?': int(0), message: str, 'percentage?': num }),
  error: obj({ scope, 'requestId?': int(0), kind: str, message: str, 'action?': obj({ title: str, command }) }),
  exported: obj({ what: oneOf('png', 'settings'), detail: str }),
};

function probeShapes(m: ProbesMessage, p: string): string | undefined {
  if (!m.probe) return undefined;
  const shape = m.probe.images.x.shape.join(',');
  for (const r of PROBE_ROWS) if (m.probe.images[r].shape.join(',') !== shape) return `${p}.probe.images.${r}: shape differs from x`;
  if (m.probe.images.x.shape[0] !== m.probe.samples.length) return `${p}.probe.samples: one per image`;
  return undefined;
}

function sameShapes(m: InspectResultMessage, p: string): string | undefined {
  const shape = m.images.x.shape.join(',');
  if (m.images.viewI === undefined !== (m.images.viewJ === undefined)) return `${p}.images: both augmentation views or neither`;
  for (const r of rowsOf(m.images)) if (m.images[r]!.shape.join(',') !== shape) return `${p}.images.${r}: shape differs from x`;
  if (m.images.x.shape[0] !== m.samples.length) return `${p}.samples: one per image`;
  return undefined;
}

const WEBVIEW_SCHEMAS: Record<WebviewMessage['type'], Check> = {
  ready: obj({}),
  inspect: obj({ requestId: int(0), settings }),
  datasetRequest: obj({ requestId: int(0), runDir: str, split, indices: arrayOf(int(0), 4096), withAllLabels: bool }),
  trainingRequest: obj({ runDir: str }),
  probeRequest: obj({ runDir: str, 'step?': int(0) }),
  exportPng: obj({}),
  copySettings: obj({ settings: resolvedSettings }),
  runCommand: obj({ command }),
  refreshCheckpoints: obj({}),
  log: obj({ level: oneOf('info', 'warn', 'error'), message: str }),
  rendered: obj({ requestId: int(0), totalMs: num, drawMs: num }),
};

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parse<T extends { type: string }>(schemas: Record<string, Check>, v: unknown, side: string): Parsed<T> {
  if (!isObj(v) || typeof v.type !== 'string') return { ok: false, error: `${side} message: expected an object with a string "type"` };
  const schema = Object.prototype.hasOwnProperty.call(schemas, v.type) ? schemas[v.type] : undefined;
  if (!schema) return { ok: false, error: `${side} message: unknown type ${JSON.stringify(v.type).slice(0, 60)}` };
  const e = schema(v, v.type);
  return e ? { ok: false, error: `${side} message ${e}` } : { ok: true, message: v as unknown as T };
}

/** Checks a message the webview received from the host. */
export function parseHostMessage(v: unknown): Parsed<HostMessage> {
  return parse<HostMessage>(HOST_SCHEMAS, v, 'host');
}

/** Checks a message the host received from the webview. */
export function parseWebviewMessage(v: unknown): Parsed<WebviewMessage> {
  return parse<WebviewMessage>(WEBVIEW_SCHEMAS, v, 'webview');
}

/** True when `s` is valid InspectSettings (restored webview state is checked with it too). */
export function isInspectSettings(s: unknown): s is InspectSettings {
  return settings(s, 'settings') === undefined;
}

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
