/**
 * The host's view of training: which run is active in this window, its state and progress, and the
 * operations the commands call. Talks to the worker only through src/protocol/worker.ts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readManifest } from '../common/runs/manifest';
import {
  InspectRequest,
  InspectResultWire,
  LogNotification,
  LogParams,
  LongWorkProgressType,
  MetricsNotification,
  MetricsParams,
  PauseRequest,
  ProgressNotification,
  ProgressParams,
  ResumeRequest,
  RunControlResult,
  RunStateName,
  RunStateNotification,
  RunStateParams,
  SaveCheckpointRequest,
  SaveCheckpointResult,
  StartRunParams,
  StartRunRequest,
  StartRunResult,
  StopRequest,
} from '../protocol/worker';
import { Messages, MessageAction, openFile } from './messages';
import { UntrustedWorkspaceError, WorkerClient } from './workerClient';

export interface ActiveRun {
  runDir: string;
  runId: string;
  state: RunStateName;
  detail?: string;
  progress?: ProgressParams;
}

const LIVE: ReadonlySet<RunStateName> = new Set(['idle', 'running', 'paused', 'stopping']);

export class RunManager implements vscode.Disposable {
  private readonly stateEmitter = new vscode.EventEmitter<RunStateParams>();
  private readonly progressEmitter = new vscode.EventEmitter<ProgressParams>();
  private readonly metricsEmitter = new vscode.EventEmitter<MetricsParams>();
  private readonly logEmitter = new vscode.EventEmitter<LogParams>();
  private readonly disposables: vscode.Disposable[] = [this.stateEmitter, this.progressEmitter, this.metricsEmitter, this.logEmitter];

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidProgress = this.progressEmitter.event;
  readonly onDidMetrics = this.metricsEmitter.event;
  readonly onDidLog = this.logEmitter.event;

  active: ActiveRun | undefined;

  constructor(
    readonly worker: WorkerClient,
    private readonly messages: Messages,
    private readonly output: vscode.LogOutputChannel,
  ) {
    worker.onClient((client) => [
      client.onNotification(RunStateNotification.type, (p) => this.setState(p)),
      client.onNotification(ProgressNotification.type, (p) => {
        if (this.active && this.active.runDir === p.runDir) this.active.progress = p;
        this.progressEmitter.fire(p);
      }),
      client.onNotification(MetricsNotification.type, (p) => this.metricsEmitter.fire(p)),
      client.onNotification(LogNotification.type, (p) => {
        const line = p.runDir ? `[${path.basename(p.runDir)}] ${p.message}` : p.message;
        (p.level === 'error' ? this.output.error : p.level === 'warn' ? this.output.warn : this.output.info).call(this.output, line);
        this.logEmitter.fire(p);
      }),
    ]);
    this.disposables.push(worker.onDidCrash((reason) => this.workerDied(reason)));
  }

  get busy(): boolean {
    return !!this.active && LIVE.has(this.active.state);
  }

  private setState(p: RunStateParams): void {
    if (!this.active || this.active.runDir !== p.runDir) this.active = { runDir: p.runDir, runId: p.runId, state: p.state };
    this.active.state = p.state;
    this.active.detail = p.detail;
    if (!LIVE.has(p.state)) this.active.progress = undefined;
    this.stateEmitter.fire(p);
    if (p.state === 'failed') this.offerResume(p.runDir, `Run ${p.runId} failed: ${p.detail ?? 'see the log'}`);
  }

  private workerDied(reason: string): void {
    const a = this.active;
    if (a && LIVE.has(a.state)) this.setState({ runDir: a.runDir, runId: a.runId, state: 'failed', detail: reason });
    else this.messages.show('warning', `The IDAA worker stopped: ${reason}. It starts again on the next request.`, [{ title: 'Show Log', run: () => this.output.show(true) }], 'crash');
  }

  private offerResume(runDir: string, message: string): void {
    let has = false;
    try {
      has = readManifest(runDir).checkpoints.length > 0;
    } catch {
      has = false;
    }
    const actions: MessageAction[] = [];
    if (has) actions.push({ title: 'Resume from last checkpoint', run: () => this.start(runDir, { resumeFrom: 'latest' }) });
    actions.push({ title: 'Show Log', run: () => this.output.show(true) });
    this.messages.show('error', message, actions, 'failed');
  }

  /** Starts a run folder afresh, or from a checkpoint ('latest' or a path). Shows errors; returns undefined after one. */
  async start(runDir: string, opts: { resumeFrom?: string; force?: boolean; config?: Record<string, unknown> } = {}): Promise<StartRunResult | undefined> {
    const configFile = path.join(runDir, 'config.json');
    const what = opts.resumeFrom ? 'Cannot resume the run' : 'Cannot start the run';
    if (this.busy) {
      this.messages.show(
        'error',
        `${what}: ${this.active!.runId} is ${this.active!.state}; IDAA Studio trains one run at a time. Stop it first.`,
        [{ title: 'Stop Active Run', run: () => this.control('stop') }, { title: 'Show Log', run: () => this.output.show(true) }],
        'busy',
      );
      return undefined;
    }
    try {
      const client = await this.worker.get();
      const params: StartRunParams = { runDir, ...(opts.resumeFrom ? { resumeFrom: opts.resumeFrom } : {}), ...(opts.force ? { force: true } : {}), ...(opts.config ? { config: opts.config } : {}) };
      this.active = { runDir, runId: path.basename(runDir), state: 'idle' };
      // Loading a dataset can take seconds (the first Fashion-MNIST parse): say so in the status bar.
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `IDAA: ${opts.resumeFrom ? 'resuming' : 'starting'} ${path.basename(runDir)}` }, () =>
        client.sendRequest(StartRunRequest.type, params),
      );
      if (this.active?.runDir === runDir && this.active.state === 'idle') this.active.state = r.state;
      return r;
    } catch (e) {
      if (this.active?.runDir === runDir && this.active.state === 'idle') this.active = undefined;
      const extra: MessageAction[] = [];
      const msg = (e as Error).message ?? '';
      if (opts.resumeFrom && /differs from the config of checkpoint/.test(msg)) {
        extra.push({ title: 'Resume Anyway', run: () => this.start(runDir, { ...opts, force: true }) });
      }
      if (e instanceof UntrustedWorkspaceError) {
        this.messages.show('warning', e.message, [{ title: 'Manage Workspace Trust', run: () => vscode.commands.executeCommand('workbench.trust.manage') }], 'untrusted');
      } else {
        this.messages.error(what, e, extra, configFile);
      }
      return undefined;
    }
  }

  /** Pause, resume or stop the active run; resolves when it has taken effect. */
  async control(kind: 'pause' | 'resume' | 'stop'): Promise<RunControlResult | undefined> {
    if (!this.busy || !this.worker.running) {
      this.messages.show('info', `No run is training in this window, so there is nothing to ${kind}.`, [], 'noRun');
      return undefined;
    }
    try {
      const client = await this.worker.get();
      const type = kind === 'pause' ? PauseRequest.type : kind === 'resume' ? ResumeRequest.type : StopRequest.type;
      return await client.sendRequest(type, { runDir: this.active!.runDir });
    } catch (e) {
      this.messages.error(`Cannot ${kind} the run`, e);
      return undefined;
    }
  }

  async saveCheckpoint(): Promise<SaveCheckpointResult | undefined> {
    if (!this.busy || !this.worker.running) {
      this.messages.show('info', 'No run is training in this window; checkpoints of finished runs are in the Runs view.', [], 'noRun');
      return undefined;
    }
    try {
      const client = await this.worker.get();
      const r = await client.sendRequest(SaveCheckpointRequest.type, { runDir: this.active!.runDir });
      this.messages.show('info', `Saved checkpoint ${r.checkpoint.file} (step ${r.checkpoint.step}).`, [], 'checkpoint');
      return r;
    } catch (e) {
      this.messages.error('Cannot save a checkpoint', e);
      return undefined;
    }
  }

  /** Decompose and attack samples at a checkpoint, with a cancellable progress notification. */
  async inspect(checkpoint: string, opts: { count?: number; eps?: number; steps?: number; seed?: number } = {}): Promise<InspectResultWire | undefined> {
    try {
      const client = await this.worker.get();
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Inspecting ${path.basename(checkpoint)}`, cancellable: true },
        async (progress, token) => {
          const progressToken = `inspect-${Date.now()}-${Math.random().toString(36).slice(2)}`;
          let last = 0;
          const sub = client.onProgress(LongWorkProgressType.type, progressToken, (v) => {
            const increment = v.percentage !== undefined ? v.percentage - last : undefined;
            if (v.percentage !== undefined) last = v.percentage;
            progress.report({ message: v.message, ...(increment !== undefined ? { increment } : {}) });
          });
          try {
            return await client.sendRequest(InspectRequest.type, { checkpoint, progressToken, ...opts }, token);
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (e) {
      if ((e as { code?: number }).code === -32800) return undefined; // cancelled by the user
      this.messages.error('Cannot inspect the checkpoint', e, [], path.join(checkpoint, '..', '..', 'config.json'));
      return undefined;
    }
  }

  openConfig(runDir: string): Promise<void> {
    return openFile(path.join(runDir, 'config.json'));
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
