/**
 * Starts and owns the training worker (dist/worker.js) through vscode-languageclient over IPC.
 *
 * - Never starts in an untrusted workspace.
 * - `idaa.workerRuntime` (machine scope, restricted in untrusted workspaces) names the Node
 *   executable; empty means the editor's own (the language client forks `process.execPath`).
 * - No automatic restart: a worker that dies is reported through `onDidCrash` (the run manager
 *   marks the active run failed and offers to resume); the next request starts a fresh worker.
 */
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, State, TransportKind } from 'vscode-languageclient/node';
import { RunsRootNotification, WorkerInfo, WorkerInitializationOptions } from '../protocol/worker';
import { runsRoot, settings } from './settings';

export class UntrustedWorkspaceError extends Error {
  constructor() {
    super('IDAA Studio does not start its training worker in an untrusted workspace. Trust this folder (Manage Workspace Trust) to train or inspect runs.');
  }
}

export type WorkerRole = 'training' | 'inspector';

export class WorkerClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private stoppingOnPurpose = false;
  private readonly crashEmitter = new vscode.EventEmitter<string>();
  private readonly startEmitter = new vscode.EventEmitter<WorkerInfo>();
  private readonly disposables: vscode.Disposable[] = [this.crashEmitter, this.startEmitter];
  /** Subscriptions on the current client (notifications), renewed with each client. */
  private clientSubscriptions: vscode.Disposable[] = [];
  private readonly listeners: Array<(client: LanguageClient) => vscode.Disposable[]> = [];

  /** Fires with a reason when the worker process ends without being asked to. */
  readonly onDidCrash = this.crashEmitter.event;
  /** Fires when a worker has started and chosen its backend. */
  readonly onDidStart = this.startEmitter.event;
  info: WorkerInfo | undefined;

  /**
   * `role` 'inspector': a second worker that serves only the inspector, reading checkpoints from
   * disk, so inspection never queues behind training steps (and a training step never waits for it).
   */
  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    readonly role: WorkerRole = 'training',
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** Registers notification handlers; they are attached to every worker this client starts. */
  onClient(attach: (client: LanguageClient) => vscode.Disposable[]): void {
    this.listeners.push(attach);
    if (this.client && this.running) this.clientSubscriptions.push(...attach(this.client));
  }

  /** The running worker, started on first use. */
  async get(): Promise<LanguageClient> {
    if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError();
    if (this.client && this.running) return this.client;
    if (!this.starting) {
      this.starting = this.start().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  private async start(): Promise<LanguageClient> {
    await this.disposeClient();
    const s = settings();
    const module = this.context.asAbsolutePath('dist/worker.js');
    const env = { ...process.env, IDAA_WORKER_ROLE: this.role, IDAA_TRAINING_PRIORITY: s.trainingPriority };
    const runtime = s.workerRuntime || undefined;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, ...(runtime ? { runtime } : {}), options: { env } },
      debug: { module, transport: TransportKind.ipc, ...(runtime ? { runtime } : {}), options: { env, execArgv: ['--nolazy', '--inspect=6010'] } },
    };
    // The worker opens files only inside the runs folder (and a run's own dataset folder, read only).
    const root = runsRoot();
    const initializationOptions: WorkerInitializationOptions = { backend: s.backend, wasmThreads: this.role === 'inspector' ? s.inspectorThreads : s.wasmThreads, ...(root ? { runsRoot: root } : {}) };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions,
      // No restart into training: a dead worker is reported, and the user decides.
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => {
          if (!this.stoppingOnPurpose) {
            this.output.error('the worker process ended unexpectedly');
            this.crashEmitter.fire('the worker process ended unexpectedly (killed or crashed)');
          }
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      initializationFailedHandler: (e) => {
        this.output.error(`the worker failed to initialise: ${e instanceof Error ? e.message : String(e)}`);
        return false;
      },
    };
    const client = this.role === 'inspector' ? new LanguageClient('idaaInspector', 'IDAA Inspector Worker', serverOptions, clientOptions) : new LanguageClient('idaaWorker', 'IDAA Worker', serverOptions, clientOptions);
    this.client = client;
    this.stoppingOnPurpose = false;
    this.output.info(`starting the ${this.role} worker: ${runtime ?? 'the editor\'s Node'} ${module} (backend ${s.backend})`);
    try {
      await client.start();
    } catch (e) {
      this.client = undefined;
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(`The IDAA worker could not start: ${msg}${runtime ? ` (idaa.workerRuntime is ${runtime})` : ''}`);
    }
    const result = client.initializeResult as unknown as { idaa?: WorkerInfo } | undefined;
    this.info = result?.idaa;
    if (this.info) this.output.info(`${this.role} worker ${this.info.pid} on Node ${this.info.nodeVersion}: ${this.info.backendSummary}`);
    for (const attach of this.listeners) this.clientSubscriptions.push(...attach(client));
    // A changed runs folder reaches the running worker without a restart (which would stop training).
    const sendRoot = (): void => {
      const r = runsRoot();
      // A worker that died since has nothing to tell; the next one gets the folder at start.
      if (client.state !== State.Running) return;
      client.sendNotification(RunsRootNotification.type, r ? { runsRoot: r } : {}).catch((e: unknown) => this.output.warn(`runs folder not sent to the ${this.role} worker: ${(e as Error).message}`));
    };
    this.clientSubscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('idaa.runsFolder') && sendRoot()), vscode.workspace.onDidChangeWorkspaceFolders(sendRoot));
    if (this.info) this.startEmitter.fire(this.info);
    return client;
  }

  /** Stops the worker (its active run, if any, is stopped with a checkpoint by the worker). */
  async stop(): Promise<void> {
    await this.disposeClient();
  }

  /** For tests and "kill": ends the worker process abruptly. */
  kill(): boolean {
    if (!this.info) return false;
    try {
      process.kill(this.info.pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  }

  private async disposeClient(): Promise<void> {
    this.clientSubscriptions.splice(0).forEach((d) => d.dispose());
    const c = this.client;
    this.client = undefined;
    this.info = undefined;
    if (!c) return;
    this.stoppingOnPurpose = true;
    try {
      if (c.state === State.Running) await c.stop(10000);
      await c.dispose(2000);
    } catch (e) {
      this.output.warn(`stopping the worker: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async dispose(): Promise<void> {
    await this.disposeClient();
    this.disposables.forEach((d) => d.dispose());
  }
}
