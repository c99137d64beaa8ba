/**
 * Which run or checkpoint a command means: the tree's item, a path, the config open in the
 * editor, the active run, or a quick pick. Also the context every command area works with.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runLabel } from '../../common/runs/display';
import { listRuns } from '../../common/runs/list';
import { readManifest } from '../../common/runs/manifest';
import type { Messages } from '../messages';
import { readRawConfig, type RunManager } from '../runManager';
import { CheckpointItem, RunItem, type RunsTreeProvider } from '../runsTree';
import { runsRoot } from '../settings';
import type { WorkerClient } from '../workerClient';

/** What registerCommands is given (extension.ts), shared by every command area. */
export interface CommandDeps {
  runs: RunManager;
  tree: RunsTreeProvider;
  worker: WorkerClient;
  inspectorWorker: WorkerClient;
  messages: Messages;
  output: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
}

export type RunArg = RunItem | CheckpointItem | vscode.Uri | string | undefined;

export type RunPicks = ReturnType<typeof runPicks>;

export function runPicks(ctx: CommandDeps) {
  const { runs, messages } = ctx;

  const runDirOf = (arg: RunArg): string | undefined => {
    if (arg instanceof RunItem) return arg.run.dir;
    if (arg instanceof CheckpointItem) return arg.runDir;
    const p = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    if (!p) return undefined;
    if (p.endsWith('.ckpt')) return path.dirname(path.dirname(p));
    if (path.basename(p) === 'config.json') return path.dirname(p);
    return p;
  };

  /** The run a palette command means: the argument, the config open in the editor, the active run, or a pick. */
  const pickRun = async (arg: RunArg, filter: (s: string) => boolean, placeHolder: string): Promise<string | undefined> => {
    const given = runDirOf(arg);
    if (given) return given;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && path.basename(doc.fileName) === 'config.json') {
      const dir = path.dirname(doc.fileName);
      const root = runsRoot();
      if (root && path.resolve(path.dirname(dir)) === path.resolve(root)) return dir;
    }
    const root = runsRoot();
    const candidates = root ? listRuns(root).filter((r) => filter(r.status.state)).reverse() : [];
    if (candidates.length === 0) {
      messages.show('info', 'No run to choose from. Create one with "IDAA: New Run…".', [{ title: 'New Run…', run: () => vscode.commands.executeCommand('idaa.newRun') }], 'noRun');
      return undefined;
    }
    if (candidates.length === 1) return candidates[0].dir;
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: runLabel(readRawConfig(r.dir), r.id), description: `${r.status.state} · ${r.checkpoints} checkpoint(s) · ${r.id}`, dir: r.dir })),
      { placeHolder },
    );
    return pick?.dir;
  };

  const checkpointOf = async (arg: RunArg): Promise<string | undefined> => {
    if (arg instanceof CheckpointItem) return arg.path;
    if (typeof arg === 'string' && arg.endsWith('.ckpt')) return arg;
    if (arg instanceof vscode.Uri && arg.fsPath.endsWith('.ckpt')) return arg.fsPath;
    const runDir = runDirOf(arg) ?? runs.active?.runDir ?? (await pickRun(undefined, () => true, 'Which run?'));
    if (!runDir) return undefined;
    let entries: ReturnType<typeof readManifest>['checkpoints'] = [];
    try {
      entries = readManifest(runDir).checkpoints;
    } catch {
      entries = [];
    }
    const last = entries[entries.length - 1];
    return last ? path.join(runDir, 'checkpoints', last.file) : undefined;
  };

  return { runDirOf, pickRun, checkpointOf };
}
