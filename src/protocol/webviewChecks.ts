/**
 * The runtime schema of the host ↔ webview messages declared in webview.ts (written with the
 * combinators of checks.ts): one check per message. Both sides parse what arrives with these
 * before using it.
 */
import { AUGMENT_STAGE_NAMES, IMAGE_ROWS, PROBE_ROWS, rowsOf, VIEW_ROWS, WEBVIEW_COMMANDS } from './webview';
import type { DatasetMessage, HostMessage, InspectResultMessage, InspectSettings, PixelBuffer, ProbesMessage, WebviewMessage } from './webview';
import { arrayOf, bool, int, nullable, num, numOrNull, obj, oneOf, parse, recordOf, str, type Check, type Parsed } from './checks';

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
  'mode?': oneOf('training', 'inference'),
  'batchSize?': int(1, 1024),
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
  batchSize: int(1),
});
const attackInfo: Check = obj({
  mode: oneOf('training', 'inference'),
  batch: arrayOf(int(0), 4096),
  views: bool,
  agreement: obj({ cosine: numOrNull, signAgreement: numOrNull, perSampleCosine: arrayOf(numOrNull, 256) }),
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
/** A metrics-log line as the charts get it (the Training view, the runs comparison). */
export const metricStep: Check = obj({ step: num, phase: str, loss: numOrNull, terms: recordOf(numOrNull), 'imagesPerSec?': num, 'epoch?': num, 'elapsed?': num });
export const metricEpoch: Check = obj({ step: num, phase: str, epoch: num, meanLoss: numOrNull, 'knnAccuracy?': num, 'seconds?': num, 'elapsed?': num });
/** exportCsv: a file name without folders, and at most 64 MB of text. */
export const exportCsv: Check = obj({ name: (v, p) => str(v, p) ?? (/^[\w.-]{1,100}$/.test(v as string) ? undefined : `${p}: a plain file name`), csv: (v, p) => str(v, p) ?? ((v as string).length <= 64 * 1024 * 1024 ? undefined : `${p}: too long`) });
const scope = oneOf('inspect', 'dataset', 'training', 'export', 'checkpoints', 'compare');
const command = oneOf(...WEBVIEW_COMMANDS);

/** An inspection's fields (the Decomposition's result and the Compare view's second checkpoint). */
const INSPECT_RESULT_FIELDS: Record<string, Check> = {
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
  attack: attackInfo,
  images: obj(Object.fromEntries([...IMAGE_ROWS.map((r) => [r, pixelBuffer]), ...VIEW_ROWS.map((r) => [`${r}?`, pixelBuffer])])),
  workerMs: num,
};

const HOST_SCHEMAS: Record<HostMessage['type'], Check> = {
  init: obj({ checkpoints: arrayOf(checkpointOption), live: arrayOf(str), settings: nullable(settings), 'notice?': str }),
  checkpoints: obj({ checkpoints: arrayOf(checkpointOption), live: arrayOf(str) }),
  inspectResult: (v, p) => obj({ requestId: int(0), ...INSPECT_RESULT_FIELDS })(v, p) ?? sameShapes(v as InspectResultMessage, p),
  compareResult: (v, p) => {
    const kind = (v as { kind?: unknown })?.kind;
    const result =
      kind === 'checkpoint'
        ? (r: unknown, q: string) => obj(INSPECT_RESULT_FIELDS)(r, q) ?? sameShapes(r as InspectResultMessage, q)
        : kind === 'sweep'
          ? obj({ checkpoint: str, split, steps: int(0), attack: attackInfo, x: pixelBuffer, points: arrayOf(obj({ eps: num, samples: arrayOf(sampleNumbers, 256), lossAfter: numOrNull, xAdv: pixelBuffer }), 32) })
          : obj({ checkpoint: str, split, eps: num, steps: int(0), mode: oneOf('training', 'inference'), batchSize: int(1), samples: int(0), rows: arrayOf(obj({ label: int(0), className: str, count: int(0), kept: int(0), meanCosine: numOrNull, meanL2: numOrNull }), 1000) });
    return obj({ requestId: int(0), kind: oneOf('checkpoint', 'sweep', 'classes'), result })(v, p);
  },
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
    steps: arrayOf(metricStep),
    epochs: arrayOf(metricEpoch),
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
  exported: obj({ what: oneOf('png', 'settings', 'csv'), detail: str }),
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
  compareRequest: obj({ requestId: int(0), kind: oneOf('checkpoint', 'sweep', 'classes'), settings, 'epsList?': arrayOf(epsCheck, 32), 'count?': int(2, 4096) }),
  datasetRequest: obj({ requestId: int(0), runDir: str, split, indices: arrayOf(int(0), 4096), withAllLabels: bool }),
  trainingRequest: obj({ runDir: str }),
  probeRequest: obj({ runDir: str, 'step?': int(0) }),
  exportPng: obj({}),
  exportCsv,
  copySettings: obj({ settings: resolvedSettings }),
  runCommand: obj({ command }),
  refreshCheckpoints: obj({}),
  log: obj({ level: oneOf('info', 'warn', 'error'), message: str }),
  rendered: obj({ requestId: int(0), totalMs: num, drawMs: num }),
};

export type { Parsed };

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

