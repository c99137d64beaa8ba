/**
 * IDAA Studio's extension host side: commands, the Runs tree, the status bar, the worker client.
 * It never imports tfjs or the engine's training code (the bundle check in the VS Code suite
 * verifies dist/extension.js); all training happens in the worker process.
 */
import * as vscode from 'vscode';
import { RUNS_COMPARE_VIEW_TYPE } from '../protocol/runsCompare';
import { INSPECTOR_VIEW_TYPE } from '../protocol/webview';
import { COMMANDS, registerCommands } from './commands';
import { ConfigDiagnostics } from './configDiagnostics';
import { ContextKeys } from './contextKeys';
import { RunsComparePanel } from './runsComparePanel';
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
  /** The inspector's own worker process. */
  inspectorWorker: WorkerClient;
  tree: RunsTreeProvider;
  statusBar: RunStatusBar;
  onDidShowMessage: vscode.Event<ShownMessage>;
  commands: readonly string[];
  /** Config diagnostics (idaa/checkConfig), for tests. */
  diagnostics: ConfigDiagnostics;
  /** The context keys set for menus and enablement, for tests. */
  contextKeys: () => Record<string, unknown>;
  /** The inspector panel (one at a time), for tests. */
  inspector: { current: () => InspectorPanel | undefined; onDidCreate: vscode.Event<InspectorPanel> };
  /** The runs comparison panel (one at a time), for tests. */
  /** `revive` is what the panel serializer does after a reload (the suite's seam). */
  runsCompare: { current: () => RunsComparePanel | undefined; revive: (panel: vscode.WebviewPanel, state: unknown) => RunsComparePanel };
}

let disposeWorker: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): IdaaApi {
  const output = vscode.window.createOutputChannel('IDAA Worker', { log: true });
  const messages = new Messages(output);
  const worker = new WorkerClient(context, output);
  // The inspector has a worker of its own: it stays responsive while a run trains; Evaluate and the
  // config diagnostics use it too, so they never queue behind (or slow) training steps.
  const inspectorWorker = new WorkerClient(context, output, 'inspector');
  const runs = new RunManager(worker, messages, output, inspectorWorker);
  const tree = new RunsTreeProvider(runs);
  const statusBar = new RunStatusBar(runs, worker);
  const view = vscode.window.createTreeView('idaa.runs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const diagnostics = new ConfigDiagnostics(inspectorWorker, output);
  const contextKeys = new ContextKeys(runs);
  // "Open Config" jumps to the config's first error; a config a Start refused gets its diagnostics.
  messages.openConfig = async (file) => void (await diagnostics.openAtFirstError(file));

  context.subscriptions.push(output, messages, runs, tree, statusBar, view, diagnostics, contextKeys, messages.onDidReportConfigError((f) => void diagnostics.checkFile(f)), ...registerCommands({ runs, tree, worker, inspectorWorker, messages, output, extensionUri: context.extensionUri }));
  // The inspector comes back after a reload with the state its webview kept (setState).
  const inspectorDeps = { extensionUri: context.extensionUri, runs, worker: inspectorWorker, output };
  const compareDeps = { extensionUri: context.extensionUri, output };
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        panel.webview.options = webviewOptions(context.extensionUri);
        InspectorPanel.revive(panel, inspectorDeps, state);
      },
    }),
    // So does a runs comparison, with the runs its page kept, read again from disk.
    vscode.window.registerWebviewPanelSerializer(RUNS_COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => void RunsComparePanel.revive(panel, compareDeps, state),
    }),
    { dispose: () => InspectorPanel.current?.dispose() },
    { dispose: () => RunsComparePanel.current?.dispose() },
  );
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      output.info('workspace trusted: the worker may start now');
      tree.refresh();
    }),
  );
  // The worker is stopped (its run checkpointed) in deactivate(), which may await it.
  disposeWorker = async () => {
    await Promise.all([worker.dispose(), inspectorWorker.dispose()]);
  };
  if (!vscode.workspace.isTrusted) output.info('untrusted workspace: IDAA Studio shows runs but starts no worker and no training');
  return { runs, worker, inspectorWorker, tree, statusBar, onDidShowMessage: messages.onDidShowMessage, commands: COMMANDS, diagnostics, contextKeys: () => contextKeys.snapshot(), inspector: { current: () => InspectorPanel.current, onDidCreate: InspectorPanel.onDidCreate }, runsCompare: { current: () => RunsComparePanel.current, revive: (panel: vscode.WebviewPanel, state: unknown) => RunsComparePanel.revive(panel, compareDeps, state) } };
}

export async function deactivate(): Promise<void> {
  await disposeWorker?.();
  disposeWorker = undefined;
}
