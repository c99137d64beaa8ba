/**
 * The inspector panel's host side: a WebviewPanel (one at a time, `createOrShow`), restored after a
 * reload by a WebviewPanelSerializer, that relays the webview's requests to the worker and forwards
 * its answers as they come (pixels are coloured once, in the webview). Every message both ways is
 * declared in src/protocol/webview.ts and checked on receipt; a bad one is logged and ignored.
 * Imports src/common and the protocols only: no engine code, no tfjs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CompareRequestMessage,
  CompareResultMessage,
  DatasetRequestMessage,
  ErrorMessage,
  ErrorScope,
  ExportCsvMessage,
  HostMessage,
  INSPECTOR_VIEW_TYPE,
  InspectResultMessage,
  InspectSettings,
  ProbeRequestMessage,
  ProbesMessage,
  RenderedMessage,
  ResolvedSettings,
  settingsFragment,
  WebviewMessage,
} from '../protocol/webview';
import { isInspectSettings, parseWebviewMessage } from '../protocol/webviewChecks';
import type { WorkerErrorData } from '../protocol/worker';
import { listCheckpointOptions, resolveCheckpointChoice, trainingMessage } from './inspectorData';
import { runComparison } from './inspectorCompare';
import { saveCsv } from './csvExport';
import { savePngSheet } from './inspectorExport';
import { fetchDataset, fetchProbes, inspectCheckpoint, onWorkProgress } from './inspectorRequests';
import { inspectorHtml, webviewOptions } from './inspectorHtml';
import type { RunManager } from './runManager';
import { runsRoot } from './settings';
import { UntrustedWorkspaceError, WorkerClient } from './workerClient';

export { webviewOptions };

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

/** ε and steps are left out: absent, the worker uses the checkpoint's training values. */
const DEFAULTS: Omit<InspectSettings, 'checkpoint'> = { split: 'test', seed: 0, count: 16 };

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
    panel.webview.html = inspectorHtml(panel.webview, deps.extensionUri);
    this.disposables.push(
      this.receivedEmitter,
      this.postedEmitter,
      this.rejectedEmitter,
      this.csvEmitter,
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
      case 'compareRequest':
        void this.compare(m);
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
      case 'exportCsv':
        void this.exportCsv(m);
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

  /** Every checkpoint of every run in the runs folder, and the run training now ("live"). */
  checkpointList(): { checkpoints: ReturnType<typeof listCheckpointOptions>; live: string[] } {
    const a = this.deps.runs.active;
    return { checkpoints: listCheckpointOptions(runsRoot()), live: a && this.deps.runs.busy ? [a.runDir] : [] };
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

  private async inspect(requestId: number, s: InspectSettings): Promise<void> {
    const checkpoint = resolveCheckpointChoice(s.checkpoint);
    if (!checkpoint) {
      this.post({ type: 'error', scope: 'inspect', requestId, kind: 'noCheckpoint', message: 'This run has not written a checkpoint yet. It appears here when it does; or pick another one.' });
      return;
    }
    try {
      const client = await this.deps.worker.get();
      const progressToken = `inspector-${requestId}-${Date.now()}`;
      const sub = onWorkProgress(client, progressToken, (message, percentage) => this.post({ type: 'busy', scope: 'inspect', requestId, message, ...(percentage !== undefined ? { percentage } : {}) }));
      const r = await inspectCheckpoint(client, s, checkpoint, progressToken).finally(() => sub.dispose());
      const msg: InspectResultMessage = { type: 'inspectResult', requestId, ...r };
      this.lastInspect = msg;
      this.post(msg);
    } catch (e) {
      this.error('inspect', e, requestId);
    }
  }

  /** The Compare view: another checkpoint on the same samples, an ε sweep, a per-class table. */
  private async compare(m: CompareRequestMessage): Promise<void> {
    try {
      const client = await this.deps.worker.get();
      const r = await runComparison(client, m, (message, percentage) => this.post({ type: 'busy', scope: 'compare', requestId: m.requestId, message, ...(percentage !== undefined ? { percentage } : {}) }));
      this.lastCompare = r;
      this.post(r);
    } catch (e) {
      this.error('compare', e, m.requestId);
    }
  }

  /** The last comparison posted (for tests). */
  lastCompare: CompareResultMessage | undefined;

  // -------------------------------------------------------------------------------------------
  // Dataset, training curves

  private async dataset(m: DatasetRequestMessage): Promise<void> {
    try {
      this.post(await fetchDataset(await this.deps.worker.get(), m));
    } catch (e) {
      this.error('dataset', e, m.requestId);
    }
  }

  /** The probe history of a run (config `inspect.probeEvery`). */
  private async probes(m: ProbeRequestMessage): Promise<void> {
    try {
      const msg = await fetchProbes(await this.deps.worker.get(), m);
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
      this.post(trainingMessage(runDir));
    } catch (e) {
      this.error('training', e);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Export

  /** Writes the current decomposition as a PNG contact sheet; asks where unless `file` is given. */
  async exportPng(file?: string): Promise<string | undefined> {
    const m = this.lastInspect;
    if (!m) {
      this.post({ type: 'error', scope: 'export', kind: 'host', message: 'Nothing to export yet: wait for the decomposition to appear.' });
      return undefined;
    }
    try {
      const target = await savePngSheet(m, file);
      if (target) this.post({ type: 'exported', what: 'png', detail: target });
      return target;
    } catch (e) {
      this.error('export', e);
      return undefined;
    }
  }

  /** Where the next chart CSV goes without a dialog (the suite's seam; used once). */
  csvFile: string | undefined;
  private readonly csvEmitter = new vscode.EventEmitter<string>();
  /** Fires with each CSV file written. */
  readonly onDidExportCsv = this.csvEmitter.event;

  /** Saves a chart's CSV (asks where, in the shown run's folder, unless `csvFile` is set). */
  async exportCsv(m: ExportCsvMessage): Promise<string | undefined> {
    const file = this.csvFile;
    this.csvFile = undefined;
    try {
      const written = await saveCsv(m, this.trainingRun ?? this.lastInspect?.runDir, file);
      if (!written) return undefined;
      this.post({ type: 'exported', what: 'csv', detail: written });
      this.csvEmitter.fire(written);
      return written;
    } catch (e) {
      this.error('export', e);
      return undefined;
    }
  }

  /** Copies the attack settings as a run-config fragment; returns the text. */
  async copySettings(s: ResolvedSettings): Promise<string> {
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

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    const d = this.disposables.splice(0);
    this.panel.dispose();
    d.forEach((x) => x.dispose());
  }
}

/** What a new checkpoint keeps of the panel's last inspection: which samples, not the attack (its run's own ε and steps). */
function pick(m: InspectResultMessage): Partial<InspectSettings> {
  return { seed: m.seed, split: m.split };
}
