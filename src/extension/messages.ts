/**
 * User-facing messages. Every error shown goes through here, so each carries the right actions
 * ("Show Log", "Open Config", …) and tests observe it through `onDidShowMessage` without sleeping.
 */
import * as vscode from 'vscode';
import type { WorkerErrorData } from '../protocol/worker';

export interface ShownMessage {
  severity: 'error' | 'warning' | 'info';
  message: string;
  actions: string[];
  /** Machine-readable kind from the worker (config, dataset, checkpoint, busy, …) or the host. */
  kind?: string;
}

export type MessageAction = { title: string; run: () => unknown };

export class Messages implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ShownMessage>();
  readonly onDidShowMessage = this.emitter.event;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** Shows a message without waiting for the user; an action runs when chosen. */
  show(severity: ShownMessage['severity'], message: string, actions: MessageAction[] = [], kind?: string): void {
    (severity === 'error' ? this.output.error : severity === 'warning' ? this.output.warn : this.output.info).call(this.output, message);
    this.emitter.fire({ severity, message, actions: actions.map((a) => a.title), ...(kind ? { kind } : {}) });
    const show = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(show(message, ...actions.map((a) => a.title))).then((picked) => actions.find((a) => a.title === picked)?.run());
  }

  /** An error from a request (a ResponseError from the worker, or any Error), with "Show Log" and, when a file is at fault, "Open Config"/"Open File". */
  error(prefix: string, e: unknown, extra: MessageAction[] = [], configFile?: string): void {
    const err = e as { message?: string; data?: WorkerErrorData };
    const data = err?.data;
    const file = data?.file ?? (data?.kind === 'config' || data?.kind === 'dataset' ? configFile : undefined);
    const actions: MessageAction[] = [...extra];
    if (file && (data?.kind === 'config' || file.endsWith('.json'))) actions.push({ title: 'Open Config', run: () => openFile(file) });
    else if (configFile && (data?.kind === 'dataset' || data?.kind === 'config')) actions.push({ title: 'Open Config', run: () => openFile(configFile) });
    actions.push({ title: 'Show Log', run: () => this.output.show(true) });
    this.show('error', `${prefix}: ${err?.message ?? String(e)}`, actions, data?.kind);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export async function openFile(file: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, { preview: false });
}
