/** Start, resume from a checkpoint, reveal a run's folder and open its config. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readManifest } from '../../common/runs/manifest';
import { CheckpointItem } from '../runsTree';
import type { CommandDeps, RunArg, RunPicks } from './runPicks';

export function runControlCommands(ctx: CommandDeps, { runDirOf, pickRun }: RunPicks) {
  const { runs, messages } = ctx;

  const start = async (arg?: RunArg) => {
    const runDir = await pickRun(arg, (s) => s === 'idle' || s === 'stopped' || s === 'failed', 'Start which run?');
    if (!runDir) return undefined;
    let hasCheckpoints = false;
    try {
      hasCheckpoints = readManifest(runDir).checkpoints.length > 0;
    } catch {
      hasCheckpoints = false;
    }
    // A run with checkpoints goes on from its latest; an empty one starts afresh.
    return runs.start(runDir, hasCheckpoints ? { resumeFrom: 'latest' } : {});
  };

  const resumeFromCheckpoint = async (arg?: RunArg | { runDir: string; checkpoint?: string }) => {
    if (arg && typeof arg === 'object' && 'runDir' in arg && !(arg instanceof CheckpointItem)) {
      return runs.start(arg.runDir, { resumeFrom: arg.checkpoint ?? 'latest' });
    }
    if (arg instanceof CheckpointItem) return runs.start(arg.runDir, { resumeFrom: arg.path });
    if (typeof arg === 'string' && arg.endsWith('.ckpt')) return runs.start(runDirOf(arg)!, { resumeFrom: arg });
    const runDir = await pickRun(arg as RunArg, (s) => s !== 'running' && s !== 'paused', 'Resume which run?');
    if (!runDir) return undefined;
    let entries: ReturnType<typeof readManifest>['checkpoints'] = [];
    try {
      entries = readManifest(runDir).checkpoints;
    } catch (e) {
      messages.error('Cannot read the checkpoints', e);
      return undefined;
    }
    if (entries.length === 0) {
      messages.show('error', `${path.basename(runDir)} has no checkpoint to resume from.`, [{ title: 'Start', run: () => runs.start(runDir) }], 'noCheckpoint');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      entries
        .slice()
        .reverse()
        .map((e, i) => ({ label: e.file, description: `${e.phase} epoch ${e.epoch} · step ${e.step}${e.knnAccuracy !== undefined ? ` · kNN ${(e.knnAccuracy * 100).toFixed(1)}%` : ''}${i === 0 ? ' · latest' : ''}`, file: path.join(runDir, 'checkpoints', e.file) })),
      { placeHolder: 'Resume from which checkpoint?' },
    );
    return pick ? runs.start(runDir, { resumeFrom: pick.file }) : undefined;
  };

  const revealRunFolder = async (arg?: RunArg) => {
    const runDir = runDirOf(arg) ?? runs.active?.runDir ?? (await pickRun(undefined, () => true, 'Reveal which run?'));
    if (!runDir) return;
    const uri = vscode.Uri.file(runDir);
    // The OS file manager exists only on a desktop with a local folder; elsewhere the Explorer.
    if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) await vscode.commands.executeCommand('revealFileInOS', uri);
    else await vscode.commands.executeCommand('revealInExplorer', uri);
  };

  const openConfig = async (arg?: RunArg) => {
    const runDir = runDirOf(arg) ?? runs.active?.runDir ?? (await pickRun(undefined, () => true, 'Open the config of which run?'));
    if (!runDir) return undefined;
    await messages.openConfig(path.join(runDir, 'config.json'));
    return runDir;
  };

  return { start, resumeFromCheckpoint, revealRunFolder, openConfig };
}
