/**
 * The host's view of training: which run is active in this window, its state and progress, and the
 * operations the commands call. Talks to the worker only through src/protocol/worker.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { formatDuration, formatPercent, formatPosition, LabelConfig, positionFromStatus, runLabel } from '../common/runs/display';
import { readManifest } from '../common/runs/manifest';
import { readMetrics } from '../common/runs/metricsLog';
import { readRunStatus } from '../common/runs/state';
import {
  DescribeRunRequest,
  EvaluateCheckpointRequest,
  EvaluateCheckpointResult,
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
  RunStatus,
  SaveCheckpointRequest,
  SaveCheckpointResult,
  StartRunParams,
  StartRunRequest,
  StartRunResult,
  StopRequest,
} from '../protocol/worker';
import { Messages, MessageAction } from './messages';
import { LiveView, RunProgress } from './runProgress';
import { UntrustedWorkspaceError, WorkerClient } from './workerClient';

export interface ActiveRun {
  runDir: string;
  runId: string;
  state: RunStateName;
  detail?: string;
  progress?: ProgressParams;
}

const LIVE: ReadonlySet<RunStateName> = new Set(['idle', 'running', 'paused', 'stopping']);

/** What the finishing notification offers, and what its actions call (commands.ts wires them). */
export interface FinishActions {
  openInspector(runDir: string): unknown;
  evaluate(runDir: string): unknown;
  compare(runDir: string): unknown;
  resume(runDir: string): unknown;
}

/** A run config as written, for labels (undefined when unreadable). */
export function readRawConfig(runDir: string): (LabelConfig & Record<string, unknown>) | undefined {
  try {
    const v = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as LabelConfig & Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds of training the run's epoch lines record (across resumes; a partial last epoch is not counted). */
function trainedSeconds(runDir: string): { seconds: number; epochs: number } {
  let seconds = 0;
  let epochs = 0;
  try {
    for (const l of readMetrics(runDir)) {
      if (l.kind === 'epoch' && typeof l.seconds === 'number' && Number.isFinite(l.seconds)) {
        seconds += l.seconds;
        epochs++;
      }
    }
  } catch {
    /* an unreadable log: no time to report */
  }
  return { seconds, epochs };
}

export class RunManager implements vscode.Disposable {
  private readonly stateEmitter = new vscode.EventEmitter<RunStateParams>();
  private readonly progressEmitter = new vscode.EventEmitter<ProgressParams>();
  private readonly metricsEmitter = new vscode.EventEmitter<MetricsParams>();
  private readonly logEmitter = new vscode.EventEmitter<LogParams>();
  private readonly evaluateEmitter = new vscode.EventEmitter<EvaluateCheckpointResult>();
  private readonly disposables: vscode.Disposable[] = [this.stateEmitter, this.progressEmitter, this.metricsEmitter, this.logEmitter, this.evaluateEmitter];
  /** The active run's live position, speed and ETA (the one source the tree and status bar read). */
  private live: RunProgress | undefined;
  /** Runs to evaluate (linear probe) when they complete, e.g. the demo. */
  private readonly evaluateOnCompletion = new Set<string>();
  /** Set by commands.ts: what the finishing notification's actions do. */
  finishActions: FinishActions | undefined;

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidProgress = this.progressEmitter.event;
  readonly onDidMetrics = this.metricsEmitter.event;
  readonly onDidLog = this.logEmitter.event;
  /** A checkpoint was evaluated and its result stored with the run. */
  readonly onDidEvaluate = this.evaluateEmitter.event;

  active: ActiveRun | undefined;

  /** `side`: the inspector's worker, for long work that is not training (Evaluate), so it never slows a run. */
  constructor(
    readonly worker: WorkerClient,
    private readonly messages: Messages,
    private readonly output: vscode.LogOutputChannel,
    private readonly side: WorkerClient = worker,
  ) {
    worker.onClient((client) => [
      client.onNotification(RunStateNotification.type, (p) => this.setState(p)),
      client.onNotification(ProgressNotification.type, (p) => {
        if (this.active && this.active.runDir === p.runDir) {
          this.active.progress = p;
          this.liveFor(p.runDir).onProgress(p, Date.now());
        }
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
    const was = this.active && this.active.runDir === p.runDir ? this.active.state : undefined;
    if (!this.active || this.active.runDir !== p.runDir) this.active = { runDir: p.runDir, runId: p.runId, state: p.state };
    this.active.state = p.state;
    this.active.detail = p.detail;
    if (!LIVE.has(p.state)) this.active.progress = undefined;
    const live = this.liveFor(p.runDir);
    live.onState();
    if (!LIVE.has(p.state)) live.progress = undefined;
    if (p.state === 'running' && !live.hasPlan) void this.loadPlan(live);
    this.stateEmitter.fire(p);
    const ended = was === undefined || LIVE.has(was);
    if (p.state === 'failed') this.offerResume(p.runDir, `Run ${this.labelOf(p.runDir)} failed: ${p.detail ?? 'see the log'}${this.finalNumbers(p.runDir, false)}`);
    else if ((p.state === 'completed' || p.state === 'stopped') && ended) void this.announceEnd(p.runDir, p.state);
  }

  private liveFor(runDir: string): RunProgress {
    if (!this.live || path.resolve(this.live.runDir) !== path.resolve(runDir)) this.live = new RunProgress(runDir);
    return this.live;
  }

  /** The run's phases (resolved config, from the worker) and the pace of its earlier steps, for the whole-run ETA. */
  private async loadPlan(live: RunProgress): Promise<void> {
    live.loadHistory();
    try {
      const client = await this.worker.get();
      const d = await client.sendRequest(DescribeRunRequest.type, { runDir: live.runDir });
      const r = d.resolved as unknown as Parameters<RunProgress['setPlan']>[0] | undefined;
      if (r?.vae && r.ssl && r.idaa) live.setPlan(r, d.summary.status.job === 'vae' ? 'vae' : 'train');
    } catch (e) {
      this.output.warn(`no whole-run ETA for ${path.basename(live.runDir)}: ${(e as Error).message}`);
    }
  }

  /**
   * The one view of a run's position, speed and ETA: live from the worker's progress while this
   * window trains it, else from its state.json (`status`, read when not given).
   */
  view(runDir: string, status?: RunStatus): LiveView {
    const a = this.active;
    if (a && path.resolve(a.runDir) === path.resolve(runDir) && this.live && path.resolve(this.live.runDir) === path.resolve(runDir) && LIVE.has(a.state)) {
      return this.live.view(a.state, status);
    }
    const s = status ?? readRunStatus(runDir);
    return { state: s.state, position: positionFromStatus(s) };
  }

  /** The run's label for people: its config's name, or dataset · method · IDAA on/off. */
  labelOf(runDir: string): string {
    return runLabel(readRawConfig(runDir), path.basename(runDir));
  }

  /** " (SSL 2/2 epochs · step 64; kNN 65.5%, best 65.5%; 2 epochs in 1m12s)", from state.json and the metrics log. */
  private finalNumbers(runDir: string, withTime = true): string {
    let s: RunStatus;
    try {
      s = readRunStatus(runDir);
    } catch {
      return '';
    }
    const parts = [formatPosition(positionFromStatus(s))].filter(Boolean);
    if (s.lastKnnAccuracy !== undefined) parts.push(`kNN ${formatPercent(s.lastKnnAccuracy)}${s.bestKnnAccuracy !== undefined && s.bestKnnAccuracy !== s.lastKnnAccuracy ? `, best ${formatPercent(s.bestKnnAccuracy)}` : ''}`);
    if (withTime) {
      const t = trainedSeconds(runDir);
      if (t.epochs > 0) parts.push(`${t.epochs} epoch${t.epochs === 1 ? '' : 's'} in ${formatDuration(t.seconds)}`);
    }
    return parts.length ? ` (${parts.join('; ')})` : '';
  }

  /** The notification when a run completes or stops: its final numbers and what to do next. */
  private async announceEnd(runDir: string, state: 'completed' | 'stopped'): Promise<void> {
    let probe = '';
    if (state === 'completed' && this.evaluateOnCompletion.delete(path.resolve(runDir))) {
      const latest = (() => {
        try {
          return readManifest(runDir).checkpoints.at(-1);
        } catch {
          return undefined;
        }
      })();
      const r = latest ? await this.evaluate(path.join(runDir, 'checkpoints', latest.file), { quiet: true }) : undefined;
      if (r) probe = ` Linear probe ${formatPercent(r.record.probe.finalTestAccuracy)} (${r.record.probe.epochs} epochs).`;
    }
    const a = this.finishActions;
    const actions: MessageAction[] = [];
    if (state === 'stopped' && a) actions.push({ title: 'Resume', run: () => a.resume(runDir) });
    if (a) {
      actions.push({ title: 'Open Inspector', run: () => a.openInspector(runDir) }, { title: 'Evaluate', run: () => a.evaluate(runDir) }, { title: 'Compare', run: () => a.compare(runDir) });
    }
    this.messages.show('info', `Run ${this.labelOf(runDir)} ${state}${this.finalNumbers(runDir)}.${probe}`, actions, state);
  }

  /** Evaluate (linear probe) this run's final checkpoint when it completes (the demo does). */
  evaluateWhenComplete(runDir: string): void {
    this.evaluateOnCompletion.add(path.resolve(runDir));
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
    const a = this.finishActions;
    if (has && a) actions.push({ title: 'Open Inspector', run: () => a.openInspector(runDir) });
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
      this.live = new RunProgress(runDir);
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
        (progress, token) => withWorkerProgress(client, 'inspect', progress, (progressToken) => client.sendRequest(InspectRequest.type, { checkpoint, progressToken, ...opts }, token)),
      );
    } catch (e) {
      if ((e as { code?: number }).code === -32800) return undefined; // cancelled by the user
      this.messages.error('Cannot inspect the checkpoint', e, [], path.join(checkpoint, '..', '..', 'config.json'));
      return undefined;
    }
  }

  /**
   * The kNN monitor and a linear probe at a checkpoint, in the worker, with a cancellable progress
   * notification; the worker stores the result with the run. Undefined when cancelled or failed
   * (the error is shown).
   */
  async evaluate(checkpoint: string, opts: { epochs?: number; quiet?: boolean } = {}): Promise<EvaluateCheckpointResult | undefined> {
    try {
      const client = await this.side.get();
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Evaluating ${checkpoint.startsWith('live:') ? 'the newest checkpoint' : path.basename(checkpoint)} (linear probe)`, cancellable: true },
        (progress, token) => withWorkerProgress(client, 'evaluate', progress, (progressToken) => client.sendRequest(EvaluateCheckpointRequest.type, { checkpoint, progressToken, ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}) }, token)),
      );
      this.evaluateEmitter.fire(r);
      if (!opts.quiet) {
        const rec = r.record;
        this.messages.show(
          'info',
          `Linear probe of ${this.labelOf(r.runDir)} at ${formatPosition({ phase: rec.phase, epochsDone: rec.epoch, step: rec.step })}: ${formatPercent(rec.probe.finalTestAccuracy)} test accuracy (final, ${rec.probe.epochs} epochs); kNN ${formatPercent(rec.knnAccuracy)}. Stored in linear-probe.json.`,
          this.finishActions ? [{ title: 'Compare', run: () => this.finishActions!.compare(r.runDir) }] : [],
          'evaluated',
        );
      }
      return r;
    } catch (e) {
      if ((e as { code?: number }).code === -32800) return undefined; // cancelled by the user
      if (e instanceof UntrustedWorkspaceError) {
        this.messages.show('warning', e.message, [{ title: 'Manage Workspace Trust', run: () => vscode.commands.executeCommand('workbench.trust.manage') }], 'untrusted');
        return undefined;
      }
      this.messages.error('Cannot evaluate the checkpoint', e, [], checkpoint.startsWith('live:') ? undefined : path.join(checkpoint, '..', '..', 'config.json'));
      return undefined;
    }
  }

  openConfig(runDir: string): Promise<void> {
    return this.messages.openConfig(path.join(runDir, 'config.json'));
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Runs a worker request whose progress (on its own token) moves a VS Code progress notification. */
async function withWorkerProgress<T>(client: LanguageClient, what: string, progress: vscode.Progress<{ message?: string; increment?: number }>, send: (progressToken: string) => Promise<T>): Promise<T> {
  const progressToken = `${what}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  let last = 0;
  const sub = client.onProgress(LongWorkProgressType.type, progressToken, (v) => {
    const increment = v.percentage !== undefined ? v.percentage - last : undefined;
    if (v.percentage !== undefined) last = v.percentage;
    progress.report({ message: v.message, ...(increment !== undefined ? { increment } : {}) });
  });
  try {
    return await send(progressToken);
  } finally {
    sub.dispose();
  }
}
