/**
 * The inspector panel's host side: a WebviewPanel (one at a time, `createOrShow`), restored after a
 * reload by a WebviewPanelSerializer, that relays the webview's requests to the worker and sends
 * back pixels and numbers. Every message both ways is declared in src/protocol/webview.ts and
 * checked on receipt; a bad one is logged and ignored.
 *
 * Security: Content-Security-Policy `default-src 'none'`, the one script by nonce, styles and
 * images only from the webview's own source, `localResourceRoots` limited to dist/webview and
 * media, no remote content.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderSheet, type SheetImage, type SheetRow } from '../engine/inspect/sheet';
import { encodePng } from '../engine/inspect/png';
import { listRuns } from '../common/runs/list';
import { readManifest } from '../common/runs/manifest';
import { readMetrics } from '../common/runs/metricsLog';
import {
  CheckpointOption,
  DatasetRequestMessage,
  ErrorMessage,
  ErrorScope,
  HostMessage,
  AnyRow,
  InspectImagesPayload,
  rowsOf,
  ImagePayload,
  INSPECTOR_VIEW_TYPE,
  InspectResultMessage,
  InspectSettings,
  isInspectSettings,
  MetricEpoch,
  MetricStep,
  parseWebviewMessage,
  pixelValues,
  PROBE_ROWS,
  ProbeRequestMessage,
  ProbesMessage,
  RenderedMessage,
  settingsFragment,
  WebviewMessage,
} from '../protocol/webview';
import { DatasetSamplesRequest, InspectRequest, InspectResultWire, LongWorkProgressType, PixelBuffer, ProbeHistoryRequest, WorkerErrorData } from '../protocol/worker';
import { formatGain, formatNumber, heatMax, payloadRasters, rasterChecksum, residualGain } from '../../webview/render';
import type { RunManager } from './runManager';
import { runsRoot } from './settings';
import { UntrustedWorkspaceError, WorkerClient } from './workerClient';

export interface InspectorDeps {
  extensionUri: vscode.Uri;
  runs: RunManager;
  worker: WorkerClient;
  output: vscode.LogOutputChannel;
}

/** What the webview keeps with setState (and the serializer hands back). */
export interface InspectorState {
  settings?: InspectSettings;
}

const DEFAULTS: Omit<InspectSettings, 'checkpoint'> = { split: 'test', eps: 1, steps: 1, seed: 0, count: 16 };

export class InspectorPanel implements vscode.Disposable {
  static current: InspectorPanel | undefined;
  private static readonly createdEmitter = new vscode.EventEmitter<InspectorPanel>();
  /** Fires when a panel is created or revived (tests wait on it). */
  static readonly onDidCreate = InspectorPanel.createdEmitter.event;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly receivedEmitter = new vscode.EventEmitter<WebviewMessage>();
  private readonly postedEmitter = new vscode.EventEmitter<HostMessage>();
  private readonly rejectedEmitter = new vscode.EventEmitter<string>();
  /** Every valid message from the webview, after it is handled. */
  readonly onDidReceive = this.receivedEmitter.event;
  /** Every message sent to the webview. */
  readonly onDidPost = this.postedEmitter.event;
  /** Every message from the webview that failed validation (the reason). */
  readonly onDidReject = this.rejectedEmitter.event;

  private ready = false;
  private readonly queue: HostMessage[] = [];
  private pendingSettings: InspectSettings | null;
  /** The last inspection sent: the PNG export renders it. */
  lastInspect: InspectResultMessage | undefined;
  /** The last 'rendered' report from the webview. */
  lastRendered: RenderedMessage | undefined;
  private lastWire: InspectResultWire | undefined;
  private inFlight = false;
  private nextInspect: { requestId: number; settings: InspectSettings } | undefined;
  private trainingRun: string | undefined;

  static createOrShow(deps: InspectorDeps, settings?: Partial<InspectSettings> & { checkpoint: string }): InspectorPanel {
    const full = settings ? { ...DEFAULTS, ...(InspectorPanel.current?.lastInspect ? pick(InspectorPanel.current.lastInspect) : {}), ...settings } : undefined;
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal(undefined, false);
      if (full) InspectorPanel.current.sendInit(full);
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, 'IDAA Inspector', vscode.ViewColumn.Active, {
      ...webviewOptions(deps.extensionUri),
      retainContextWhenHidden: true,
    });
    return new InspectorPanel(panel, deps, full ?? null);
  }

  static revive(panel: vscode.WebviewPanel, deps: InspectorDeps, state: unknown): InspectorPanel {
    InspectorPanel.current?.dispose();
    const s = (state as InspectorState | undefined)?.settings;
    return new InspectorPanel(panel, deps, isInspectSettings(s) ? s : null);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: InspectorDeps,
    settings: InspectSettings | null,
  ) {
    InspectorPanel.current = this;
    this.pendingSettings = settings;
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'idaa.svg');
    panel.webview.html = this.html(panel.webview);
    this.disposables.push(
      this.receivedEmitter,
      this.postedEmitter,
      this.rejectedEmitter,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => this.receive(m)),
      deps.runs.onDidMetrics((m) => {
        if (m.kind === 'checkpoint') this.sendCheckpoints();
        if (m.kind === 'epoch' && this.trainingRun && path.resolve(m.runDir) === path.resolve(this.trainingRun)) this.sendTraining(this.trainingRun);
      }),
      deps.runs.onDidChangeState(() => this.sendCheckpoints()),
    );
    InspectorPanel.createdEmitter.fire(this);
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /** Sends a message (queued until the webview says it is ready). */
  post(m: HostMessage): void {
    if (!this.ready) {
      this.queue.push(m);
      return;
    }
    void this.panel.webview.postMessage(m);
    this.postedEmitter.fire(m);
  }

  /** Sends anything, unchecked: tests use it to see the webview reject a bad message. */
  postUnchecked(m: unknown): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  /** Handles one message from the webview (public so tests can feed it bad ones). */
  receive(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.deps.output.warn(`inspector: ignored a message from the webview: ${parsed.error}`);
      this.rejectedEmitter.fire(parsed.error);
      return;
    }
    const m = parsed.message;
    try {
      this.handle(m);
    } catch (e) {
      this.deps.output.error(`inspector: handling ${m.type}: ${(e as Error).stack ?? String(e)}`);
    }
    this.receivedEmitter.fire(m);
  }

  private handle(m: WebviewMessage): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendInit(this.pendingSettings);
        for (const q of this.queue.splice(0)) this.post(q);
        return;
      case 'inspect':
        this.requestInspect(m.requestId, m.settings);
        return;
      case 'datasetRequest':
        void this.dataset(m);
        return;
      case 'trainingRequest':
        this.trainingRun = m.runDir;
        this.sendTraining(m.runDir);
        return;
      case 'probeRequest':
        void this.probes(m);
        return;
      case 'exportPng':
        void this.exportPng();
        return;
      case 'copySettings':
        void this.copySettings(m.settings);
        return;
      case 'runCommand':
        void vscode.commands.executeCommand(m.command);
        return;
      case 'refreshCheckpoints':
        this.sendCheckpoints();
        return;
      case 'log':
        (m.level === 'error' ? this.deps.output.error : m.level === 'warn' ? this.deps.output.warn : this.deps.output.info).call(this.deps.output, `inspector webview: ${m.message}`);
        return;
      case 'rendered':
        this.lastRendered = m;
        this.deps.output.info(`inspector: request ${m.requestId} on screen in ${m.totalMs.toFixed(0)} ms (drawing ${m.drawMs.toFixed(1)} ms)`);
        return;
    }
  }

  private sendInit(settings: InspectSettings | null): void {
    if (!this.ready) {
      this.pendingSettings = settings;
      return;
    }
    const { checkpoints, live } = this.checkpointList();
    const notice = !runsRoot()
      ? 'Open a folder: runs live in the workspace (setting idaa.runsFolder).'
      : checkpoints.length === 0
        ? 'No checkpoint yet. Train a run until it writes one (the picker updates by itself), or create a run.'
        : undefined;
    this.post({ type: 'init', checkpoints, live, settings, ...(notice ? { notice } : {}) });
  }

  private sendCheckpoints(): void {
    if (!this.ready) return;
    this.post({ type: 'checkpoints', ...this.checkpointList() });
  }

  /** Every checkpoint of every run in the runs folder, newest run first. */
  checkpointList(): { checkpoints: CheckpointOption[]; live: string[] } {
    const root = runsRoot();
    const checkpoints: CheckpointOption[] = [];
    if (root && existsSync(root)) {
      for (const r of listRuns(root).reverse()) {
        let entries: ReturnType<typeof readManifest>['checkpoints'] = [];
        try {
          entries = readManifest(r.dir).checkpoints;
        } catch {
          entries = [];
        }
        for (const e of entries.slice().reverse()) {
          checkpoints.push({
            path: path.join(r.dir, 'checkpoints', e.file),
            runDir: r.dir,
            runId: r.id,
            file: e.file,
            phase: e.phase,
            epoch: e.epoch,
            step: e.step,
            kind: e.kind,
            ...(e.knnAccuracy !== undefined ? { knnAccuracy: e.knnAccuracy } : {}),
          });
        }
      }
    }
    const a = this.deps.runs.active;
    return { checkpoints, live: a && this.deps.runs.busy ? [a.runDir] : [] };
  }

  private error(scope: ErrorScope, e: unknown, requestId?: number): void {
    const data = (e as { data?: WorkerErrorData }).data;
    const message = (e as Error)?.message ?? String(e);
    const m: ErrorMessage = { type: 'error', scope, kind: e instanceof UntrustedWorkspaceError ? 'untrusted' : (data?.kind ?? 'host'), message, ...(requestId !== undefined ? { requestId } : {}) };
    if (m.kind === 'busy' || m.kind === 'internal' || m.kind === 'backend') m.action = { title: 'Show Worker Log', command: 'idaa.showWorkerLog' };
    if (m.kind === 'dataset' || m.kind === 'checkpoint') m.action = { title: 'Refresh Runs', command: 'idaa.refreshRuns' };
    this.deps.output.warn(`inspector: ${scope}: ${message}`);
    this.post(m);
  }

  // -------------------------------------------------------------------------------------------
  // Inspection: one request to the worker at a time; while one runs, only the newest waits.

  private requestInspect(requestId: number, settings: InspectSettings): void {
    if (this.inFlight) {
      this.nextInspect = { requestId, settings };
      return;
    }
    this.inFlight = true;
    void this.inspect(requestId, settings).finally(() => {
      this.inFlight = false;
      const n = this.nextInspect;
      this.nextInspect = undefined;
      if (n) this.requestInspect(n.requestId, n.settings);
    });
  }

  /** `live:<runDir>` → that run's newest checkpoint. */
  private resolveCheckpoint(choice: string): string | undefined {
    if (!choice.startsWith('live:')) return choice;
    const runDir = choice.slice(5);
    try {
      const last = readManifest(runDir).checkpoints.at(-1);
      return last ? path.join(runDir, 'checkpoints', last.file) : undefined;
    } catch {
      return undefined;
    }
  }

  private async inspect(requestId: number, s: InspectSettings): Promise<void> {
    const checkpoint = this.resolveCheckpoint(s.checkpoint);
    if (!checkpoint) {
      this.post({ type: 'error', scope: 'inspect', requestId, kind: 'noCheckpoint', message: 'This run has not written a checkpoint yet. It appears here when it does; or pick another one.' });
      return;
    }
    try {
      const client = await this.deps.worker.get();
      const progressToken = `inspector-${requestId}-${Date.now()}`;
      const sub = client.onProgress(LongWorkProgressType.type, progressToken, (p) => {
        if (p.message !== 'done') this.post({ type: 'busy', scope: 'inspect', requestId, message: p.message, ...(p.percentage !== undefined ? { percentage: p.percentage } : {}) });
      });
      const t0 = Date.now();
      let r: InspectResultWire;
      try {
        r = await client.sendRequest(InspectRequest.type, { checkpoint, progressToken, split: s.split, eps: s.eps, steps: s.steps, seed: s.seed, count: s.count, ...(s.indices?.length ? { indices: s.indices } : {}), ...(s.augment ? { augment: { seed: s.seed, off: s.augmentOff ?? [] } } : {}) });
      } finally {
        sub.dispose();
      }
      const workerMs = Date.now() - t0;
      this.lastWire = r;
      const msg: InspectResultMessage = {
        type: 'inspectResult',
        requestId,
        checkpoint,
        runDir: path.dirname(path.dirname(checkpoint)),
        split: r.split,
        eps: r.eps,
        steps: r.steps,
        seed: s.seed,
        lossBefore: r.lossBefore,
        lossAfter: r.lossAfter,
        samples: r.samples,
        images: payloads(r),
        workerMs,
      };
      this.lastInspect = msg;
      this.post(msg);
    } catch (e) {
      this.error('inspect', e, requestId);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Dataset, training curves

  private async dataset(m: DatasetRequestMessage): Promise<void> {
    try {
      const client = await this.deps.worker.get();
      const r = await client.sendRequest(DatasetSamplesRequest.type, { runDir: m.runDir, split: m.split, indices: m.indices, withAllLabels: m.withAllLabels });
      this.post({
        type: 'dataset',
        requestId: m.requestId,
        runDir: m.runDir,
        split: m.split,
        dataset: r.dataset,
        classNames: r.classNames,
        total: r.total ?? 0,
        ...(r.allLabels ? { allLabels: r.allLabels } : {}),
        indices: r.indices,
        labels: r.labels,
        images: r.images,
      });
    } catch (e) {
      this.error('dataset', e, m.requestId);
    }
  }

  /** The probe history of a run (config `inspect.probeEvery`): its steps, and one probe's images and numbers. */
  private async probes(m: ProbeRequestMessage): Promise<void> {
    try {
      const client = await this.deps.worker.get();
      const r = await client.sendRequest(ProbeHistoryRequest.type, { runDir: m.runDir, ...(m.step !== undefined ? { step: m.step } : {}) });
      const msg: ProbesMessage = { type: 'probes', runDir: m.runDir, steps: r.steps };
      if (r.probe) {
        const { images, ...numbers } = r.probe;
        const kinds: Record<(typeof PROBE_ROWS)[number], ImagePayload['kind']> = { x: 'image', xAdv: 'image', absDiff: 'heat' };
        msg.probe = { ...numbers, images: Object.fromEntries(PROBE_ROWS.map((row) => [row, imagePayload(images[row], kinds[row])])) as NonNullable<ProbesMessage['probe']>['images'] };
      }
      if (msg.probe) this.lastProbe = msg.probe;
      this.post(msg);
    } catch (e) {
      this.error('training', e);
    }
  }

  /** The last probe posted with its images (for tests; list-only messages do not replace it). */
  lastProbe: ProbesMessage['probe'];

  private sendTraining(runDir: string): void {
    try {
      const steps: MetricStep[] = [];
      const epochs: MetricEpoch[] = [];
      for (const l of readMetrics(runDir)) {
        if (l.kind === 'step') {
          const terms: Record<string, number> = {};
          for (const [k, v] of Object.entries((l.terms as Record<string, unknown>) ?? {})) if (typeof v === 'number') terms[k] = v;
          steps.push({ step: l.step, phase: String(l.phase ?? ''), loss: Number(l.loss), terms, ...(typeof l.imagesPerSec === 'number' && Number.isFinite(l.imagesPerSec) ? { imagesPerSec: l.imagesPerSec } : {}) });
        } else if (l.kind === 'epoch') {
          epochs.push({
            step: l.step,
            phase: String(l.phase ?? ''),
            epoch: Number(l.epoch) + 1,
            meanLoss: Number(l.meanLoss),
            ...(typeof l.knnAccuracy === 'number' ? { knnAccuracy: l.knnAccuracy } : {}),
            ...(typeof l.seconds === 'number' ? { seconds: l.seconds } : {}),
          });
        }
      }
      // Long runs have many thousands of step lines: per phase, at most 2,000 points.
      const thinned = ['vae', 'ssl', ''].flatMap((ph) => thinPoints(steps.filter((s) => s.phase === ph), 2000));
      const other = steps.filter((s) => s.phase !== 'vae' && s.phase !== 'ssl' && s.phase !== '');
      this.post({ type: 'training', runDir, runId: path.basename(runDir), steps: [...thinned, ...other].sort((a, b) => a.phase.localeCompare(b.phase) || a.step - b.step), epochs });
    } catch (e) {
      this.error('training', e);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Export

  /** Writes the current decomposition as a PNG contact sheet; asks where unless `file` is given. */
  async exportPng(file?: string): Promise<string | undefined> {
    const r = this.lastWire;
    const m = this.lastInspect;
    if (!r || !m) {
      this.post({ type: 'error', scope: 'export', kind: 'host', message: 'Nothing to export yet: wait for the decomposition to appear.' });
      return undefined;
    }
    let target = file;
    if (!target) {
      const uri = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(path.join(m.runDir, `inspect-${path.basename(m.checkpoint, '.ckpt')}-eps${m.eps}-steps${m.steps}.png`)),
        filters: { PNG: ['png'] },
        title: 'Save the inspection sheet',
      });
      if (!uri) return undefined;
      target = uri.fsPath;
    }
    try {
      const sheet = sheetOf(r, m);
      await vscode.workspace.fs.writeFile(vscode.Uri.file(target), encodePng(sheet));
      this.post({ type: 'exported', what: 'png', detail: target });
      return target;
    } catch (e) {
      this.error('export', e);
      return undefined;
    }
  }

  /** Copies the attack settings as a run-config fragment; returns the text. */
  async copySettings(s: InspectSettings): Promise<string> {
    const text = JSON.stringify(settingsFragment(s), null, 2);
    try {
      await vscode.env.clipboard.writeText(text);
    } catch (e) {
      this.deps.output.warn(`inspector: the clipboard refused the settings: ${(e as Error).message}`);
    }
    this.post({ type: 'exported', what: 'settings', detail: text });
    return text;
  }

  // -------------------------------------------------------------------------------------------

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const js = webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview', 'main.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview', 'main.css'));
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource}`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${css}" rel="stylesheet">
<title>IDAA Inspector</title>
</head>
<body>
<div id="idaa-root" role="application" aria-label="IDAA Inspector"><p class="state">Loading the inspector…</p></div>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    const d = this.disposables.splice(0);
    this.panel.dispose();
    d.forEach((x) => x.dispose());
  }
}

function pick(m: InspectResultMessage): Partial<InspectSettings> {
  return { eps: m.eps, steps: m.steps, seed: m.seed, split: m.split };
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars.charAt(Math.floor(Math.random() * chars.length));
  return s;
}

function thinPoints<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const stride = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * stride)] as T);
}

/** The five image rows with their colouring and each sample's checksum. */
export function payloads(r: InspectResultWire): InspectImagesPayload {
  const kindOf: Record<AnyRow, ImagePayload['kind']> = { x: 'image', g: 'image', r: 'signed', xAdv: 'image', absDiff: 'heat', viewI: 'image', viewJ: 'image' };
  const out = {} as InspectImagesPayload;
  for (const row of rowsOf(r.images)) out[row] = imagePayload(r.images[row]!, kindOf[row]);
  return out;
}

/** One image row: its colouring (gain, heat maximum) and each sample's checksum. */
function imagePayload(pixels: PixelBuffer, kind: ImagePayload['kind']): ImagePayload {
  const values = pixelValues(pixels);
  const gain = kind === 'signed' ? residualGain(values) : 1;
  const max = kind === 'heat' ? heatMax(values) : 1;
  const p: ImagePayload = { pixels, kind, gain, max, checksums: [] };
  p.checksums = payloadRasters(p, values).map(rasterChecksum);
  return p;
}

/** The PNG sheet: the engine's contact-sheet renderer over the inspection's rows. */
function sheetOf(r: InspectResultWire, m: InspectResultMessage) {
  const [n, h, w, c] = r.images.x.shape;
  const per = h * w * c;
  const gain = m.images.r.gain;
  const row = (key: AnyRow, scale = 1): SheetImage[] => {
    const raw = pixelValues(r.images[key]!);
    // Image rows may come as displayed bytes (encodeImagePixels): k / 255 renders as k again.
    const v = raw instanceof Uint8Array ? Float32Array.from(raw, (b) => b / 255) : raw;
    return Array.from({ length: n }, (_, i) => {
      const data = v.slice(i * per, (i + 1) * per);
      if (scale !== 1) for (let k = 0; k < data.length; k++) data[k] = (data[k] as number) * scale;
      return { data, height: h, width: w, channels: c as 1 | 3 };
    });
  };
  const rows: SheetRow[] = [
    { label: 'x', kind: 'image', images: row('x') },
    { label: 'G(x)', kind: 'image', images: row('g') },
    { label: 'R(x)', kind: 'signed', scale: formatGain(gain).replace('×', 'x'), images: row('r', gain) },
    { label: 'x_adv', kind: 'image', images: row('xAdv') },
    { label: '|x_adv-x|', kind: 'heat', images: row('absDiff') },
    ...(r.images.viewI && r.images.viewJ
      ? ([
          { label: 'view i', kind: 'image', images: row('viewI') },
          { label: 'view j', kind: 'image', images: row('viewJ') },
        ] as SheetRow[])
      : []),
  ];
  const kept = m.samples.filter((s) => s.identityKept).length;
  const footer = [
    `eps ${m.eps}, ${m.steps} step(s), seed ${m.seed}; attack loss ${formatNumber(m.lossBefore)} -> ${formatNumber(m.lossAfter)}; identity kept ${kept}/${n}`,
    `recon\t${m.samples.map((s) => formatNumber(s.reconError)).join('\t')}`,
    `|dz|inf\t${m.samples.map((s) => formatNumber(s.latentLinf)).join('\t')}`,
    `cos\t${m.samples.map((s) => formatNumber(s.cosine)).join('\t')}`,
    `rank\t${m.samples.map((s) => String(s.rank)).join('\t')}`,
    `loss\t${m.samples.map((s) => formatNumber(s.lossTerm)).join('\t')}`,
  ];
  return renderSheet(rows, {
    title: `${path.basename(m.runDir)} / ${path.basename(m.checkpoint)}`,
    columns: m.samples.map((s) => ({ title: `#${s.index}`, caption: s.className })),
    footer,
  });
}
