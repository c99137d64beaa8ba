/** Commands on a checkpoint: open the inspector on it, delete it, evaluate it. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { removeFromManifest } from '../../common/runs/manifest';
import type { EvaluateCheckpointResult } from '../../protocol/worker';
import type { InspectSettings } from '../../protocol/webview';
import { InspectorDeps, InspectorPanel } from '../inspectorPanel';
import { CheckpointItem, RunItem } from '../runsTree';
import type { CommandDeps, RunArg, RunPicks } from './runPicks';

export function checkpointCommands(ctx: CommandDeps, { checkpointOf }: RunPicks) {
  const { runs, tree, messages, output } = ctx;
  const inspectorDeps: InspectorDeps = { extensionUri: ctx.extensionUri, runs, worker: ctx.inspectorWorker, output };

  /**
   * Opens the inspector panel: on a checkpoint (the tree's item, a path), on a run's newest
   * checkpoint, or with settings (`{ checkpoint, eps, steps, seed, count, indices }`, for tests and
   * other extensions). With nothing, the panel opens on the newest checkpoint, or says how to get one.
   */
  const openInspector = async (arg?: RunArg | (Partial<InspectSettings> & { checkpoint: string })) => {
    if (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && !(arg instanceof RunItem) && !(arg instanceof CheckpointItem) && 'checkpoint' in arg) {
      return InspectorPanel.createOrShow(inspectorDeps, arg);
    }
    const runArg = arg as RunArg;
    const file = runArg === undefined ? (runs.active ? await checkpointOf(runs.active.runDir) : undefined) : await checkpointOf(runArg);
    if (!file && runArg !== undefined) {
      messages.show('info', 'This run has no checkpoint yet: the inspector shows it once training writes one. Pick another checkpoint in the panel meanwhile.', [], 'noCheckpoint');
    }
    return InspectorPanel.createOrShow(inspectorDeps, file ? { checkpoint: file } : undefined);
  };

  const deleteCheckpoint = async (arg?: RunArg, opts: { confirm?: boolean } = {}) => {
    const file = arg instanceof CheckpointItem ? arg.path : typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!file) {
      messages.show('info', 'Choose a checkpoint to delete in the Runs view.', [], 'noCheckpoint');
      return false;
    }
    if (opts.confirm !== false) {
      const ok = await vscode.window.showWarningMessage(`Delete checkpoint ${path.basename(file)}?`, { modal: true, detail: file }, 'Delete');
      if (ok !== 'Delete') return false;
    }
    try {
      removeFromManifest(path.dirname(path.dirname(file)), file);
      tree.refresh();
      return true;
    } catch (e) {
      messages.error('Cannot delete the checkpoint', e);
      return false;
    }
  };

  /** The checkpoint to evaluate: the item or path given, else the run's newest. */
  const evaluateCheckpoint = async (arg?: RunArg, opts: { epochs?: number } = {}): Promise<EvaluateCheckpointResult | undefined> => {
    const file = await checkpointOf(arg);
    if (!file) {
      messages.show('info', 'This run has no checkpoint to evaluate yet.', [], 'noCheckpoint');
      return undefined;
    }
    return runs.evaluate(file, opts);
  };

  return { openInspector, deleteCheckpoint, evaluateCheckpoint };
}
