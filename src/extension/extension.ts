/**
 * IDAA Studio's extension host side: commands, the Runs tree, the status bar, the worker client.
 * It never imports tfjs or the engine's training code (the bundle check in the VS Code suite
 * verifies dist/extension.js); all training happens in the worker process.
 */
import * as vscode from 'vscode';
import { INSPECTOR_VIEW_TYPE } from '../protocol/webview';
import { COMMANDS, registerCommands } from './commands';
import { InspectorPanel, webviewOptions } from './inspectorPanel';
import { Messages, ShownMessage } from './messages';
import { RunManager } from './runManager';
import { RunsTreeProvider } from './runsTree';
import { RunStatusBar } from './statusBar';
import { WorkerClient } from './workerClient';

/** What activate() returns: for other extensions and for the tests (observe without sleeping). */
export interface IdaaApi {
  runs: RunManager;
  worker: WorkerClient;
  tree: RunsTreeProvider;
  statusBar: RunStatusBar;
  onDidShowMessage: vscode.Event<ShownMessage>;
  commands: readonly string[];
  /** The inspector panel (one at a time), for tests. */
  inspector: { current: () => InspectorPanel | undefined; onDidCreate: vscode.Event<InspectorPanel> };
}

let disposeWorker: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): IdaaApi {
  const output = vscode.window.createOutputChannel('IDAA Worker', { log: true });
  const messages = new Messages(output);
  const worker = new WorkerClient(context, output);
  const runs = new RunManager(worker, messages, output);
  const tree = new RunsTreeProvider(runs);
  const statusBar = new RunStatusBar(runs, worker);
  const view = vscode.window.createTreeView('idaa.runs', { treeDataProvider: tree, showCollapseAll: true });

  context.subscriptions.push(output, messages, runs, tree, statusBar, view, ...registerCommands({ runs, tree, worker, messages, output, extensionUri: context.extensionUri }));
  // The inspector comes back after a reload with the state its webview kept (setState).
  const inspectorDeps = { extensionUri: context.extensionUri, runs, worker, output };
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        panel.webview.options = webviewOptions(context.extensionUri);
        InspectorPanel.revive(panel, inspectorDeps, state);
      },
    }),
    { dispose: () => InspectorPanel.current?.dispose() },
  );
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      output.info('workspace trusted: the worker may start now');
      tree.refresh();
    }),
  );
  // The worker is stopped (its run checkpointed) in deactivate(), which may await it.
  disposeWorker = () => worker.dispose();
  if (!vscode.workspace.isTrusted) output.info('untrusted workspace: IDAA Studio shows runs but starts no worker and no training');
  return { runs, worker, tree, statusBar, onDidShowMessage: messages.onDidShowMessage, commands: COMMANDS, inspector: { current: () => InspectorPanel.current, onDidCreate: InspectorPanel.onDidCreate } };
}

export async function deactivate(): Promise<void> {
  await disposeWorker?.();
  disposeWorker = undefined;
}
