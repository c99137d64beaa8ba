/**
 * *IDAA: Compare Runs* (the runs selected in the tree, the runs given, or a pick) and *IDAA: Compare
 * Experiment Runs* (an `idaa experiment` results folder: its grid of cells), both shown in the
 * runs comparison panel. Each returns what the panel shows (tests read it).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runLabel } from '../../common/runs/display';
import { listRuns } from '../../common/runs/list';
import type { RunsMessage } from '../../protocol/runsCompare';
import { experimentRunDirs } from '../compare';
import type { Messages } from '../messages';
import { readRawConfig } from '../runManager';
import { RunsComparePanel, type RunsCompareDeps } from '../runsComparePanel';
import { runsRoot } from '../settings';

export function compareCommands(deps: RunsCompareDeps, messages: Messages, runDirOf: (arg: never) => string | undefined) {
  const dirOf = runDirOf as (arg: unknown) => string | undefined;

  const compareRuns = async (arg?: unknown, selected?: unknown[]): Promise<RunsMessage | undefined> => {
    let dirs: string[] = [];
    if (Array.isArray(arg)) dirs = arg.map(dirOf).filter((d): d is string => !!d);
    else if (Array.isArray(selected) && selected.length > 1) dirs = selected.map(dirOf).filter((d): d is string => !!d);
    if (dirs.length === 0) {
      const first = dirOf(arg);
      const root = runsRoot();
      const all = root ? listRuns(root).reverse() : [];
      if (all.length === 0) {
        messages.show('info', 'No runs to compare yet. Create one with "IDAA: New Run…".', [], 'noRun');
        return undefined;
      }
      const picks = await vscode.window.showQuickPick(
        all.map((r) => ({ label: runLabel(readRawConfig(r.dir), r.id), description: `${r.status.state} · ${r.id}`, picked: !!first && path.resolve(first) === path.resolve(r.dir), dir: r.dir })),
        { canPickMany: true, title: 'Compare which runs?' },
      );
      if (!picks?.length) return undefined;
      dirs = picks.map((p) => p.dir);
    }
    return RunsComparePanel.createOrShow(deps, dirs).data;
  };

  const compareExperiment = async (arg?: vscode.Uri | string): Promise<RunsMessage | undefined> => {
    let folder = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    if (!folder) {
      const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title: 'Compare the runs of which experiment? (its results folder, e.g. results/default)', openLabel: 'Compare', ...(ws ? { defaultUri: vscode.Uri.joinPath(ws, 'results') } : {}) });
      folder = picked?.[0]?.fsPath;
      if (!folder) return undefined;
    }
    const dirs = experimentRunDirs(folder);
    if (dirs.length === 0) {
      messages.show('warning', `${folder} holds no experiment runs (cells under runs/ with a config.json, as "idaa experiment" writes them).`, [], 'noRun');
      return undefined;
    }
    return RunsComparePanel.createOrShow(deps, dirs, { title: `Experiment ${path.basename(folder)}: ${dirs.length} runs`, experiment: folder }).data;
  };

  return { compareRuns, compareExperiment };
}
