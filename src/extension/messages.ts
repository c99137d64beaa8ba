/**
 * User-facing messages. Every error shown goes through here, so each carries the right actions
 * ("Show Log", "Open Config", …) and tests observe it through `onDidShowMessage` without sleeping
 * (and may choose one of its actions with `choose`, as a click on its button would).
 */
import * as vscode from 'vscode';
import type { WorkerErrorData } from '../protocol/worker';

export interface ShownMessage {
  severity: 'error' | 'warning' | 'info';
  message: string;
  actions: string[];
  /** Machine-readable kind from the worker (config, dataset, checkpoint, busy, …) or the host (completed, stopped, evaluated, …). */
  kind?: string;
  /** Runs the action with this title, as clicking its button does (for tests); undefined for an unknown title. */
  choose?: (title: string) => Promise<unknown>;
}

export type MessageAction = { title: string; run: () => unknown };

export class Messages implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ShownMessage>();
  private readonly configErrorEmitter = new vscode.EventEmitter<string>();
  readonly onDidShowMessage = this.emitter.event;
  /** A config file was reported at fault (a Start refused it): its diagnostics should be refreshed. */
  readonly onDidReportConfigError = this.configErrorEmitter.event;
  /** How "Open Config" opens a config; extension.ts makes it jump to the first error (configDiagnostics.ts). */
  openConfig: (file: string) => Promise<void> = openFile;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** Shows a message without waiting for the user; an action runs when chosen. */
  show(severity: ShownMessage['severity'], message: string, actions: MessageAction[] = [], kind?: string): void {
    (severity === 'error' ? this.output.error : severity === 'warning' ? this.output.warn : this.output.info).call(this.output, message);
    const choose = async (title: string): Promise<unknown> => actions.find((a) => a.title === title)?.run();
    this.emitter.fire({ severity, message, actions: actions.map((a) => a.title), ...(kind ? { kind } : {}), choose });
    const show = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(show(message, ...actions.map((a) => a.title))).then((picked) => actions.find((a) => a.title === picked)?.run());
  }

  /** An error from a request (a ResponseError from the worker, or any Error), with "Show Log" and, when a file is at fault, "Open Config"/"Open File". */
  error(prefix: string, e: unknown, extra: MessageAction[] = [], configFile?: string): void {
    const err = e as { message?: string; data?: WorkerErrorData };
    const data = err?.data;
    const file = data?.file ?? (data?.kind === 'config' || data?.kind === 'dataset' ? configFile : undefined);
    const actions: MessageAction[] = [...extra];
    if (file && (data?.kind === 'config' || file.endsWith('.json'))) actions.push({ title: 'Open Config', run: () => this.openConfig(file) });
    else if (configFile && (data?.kind === 'dataset' || data?.kind === 'config')) actions.push({ title: 'Open Config', run: () => this.openConfig(configFile) });
    actions.push({ title: 'Show Log', run: () => this.output.show(true) });
    if (data?.kind === 'config' && (file ?? configFile)) this.configErrorEmitter.fire((file ?? configFile)!);
    this.show('error', `${prefix}: ${err?.message ?? String(e)}`, actions, data?.kind);
  }

  dispose(): void {
    this.emitter.dispose();
    this.configErrorEmitter.dispose();
  }
}

export async function openFile(file: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, { preview: false });
}
