/**
 * The "Runs" tree: runs (state icon, epochs, best kNN) → checkpoints (epoch, step, kNN, size, time).
 * Reads the run folders directly (state.json, checkpoints/manifest.json), so runs started from the
 * CLI appear too; a file watcher refreshes it. Menus are chosen by `contextValue`:
 * `run.<state>` (plus `.active` for the run this window trains) and `checkpoint`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns, RunSummary } from '../common/runs/list';
import { readManifest, ManifestEntry } from '../common/runs/manifest';
import type { RunStateName } from '../protocol/worker';
import type { RunManager } from './runManager';
import { runsRoot } from './settings';

export class RunItem extends vscode.TreeItem {
  readonly kind = 'run';
  constructor(
    readonly run: RunSummary,
    active: boolean,
  ) {
    super(run.id, run.checkpoints > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const s = run.status;
    this.id = `run:${run.dir}`;
    const parts: string[] = [s.state];
    if (s.phase && s.epochs !== undefined) parts.push(`${s.phase} ${s.epoch ?? 0}/${s.epochs}`);
    if (s.bestKnnAccuracy !== undefined) parts.push(`kNN ${(s.bestKnnAccuracy * 100).toFixed(1)}%`);
    this.description = parts.join(' · ');
    this.iconPath = stateIcon(s.state);
    this.contextValue = `run.${s.state}${active ? '.active' : ''}`;
    this.resourceUri = vscode.Uri.file(run.dir);
    this.tooltip = new vscode.MarkdownString(
      [`**${run.id}**`, `state: ${s.state}${s.error ? ` — ${s.error}` : ''}`, s.step !== undefined ? `step ${s.step}` : '', `${run.checkpoints} checkpoint(s)`, run.dir].filter(Boolean).join('\n\n'),
    );
    this.command = { command: 'vscode.open', title: 'Open Config', arguments: [vscode.Uri.file(path.join(run.dir, 'config.json'))] };
  }
}

export class CheckpointItem extends vscode.TreeItem {
  readonly kind = 'checkpoint';
  readonly path: string;
  constructor(
    readonly runDir: string,
    readonly entry: ManifestEntry,
  ) {
    super(entry.file, vscode.TreeItemCollapsibleState.None);
    this.path = path.join(runDir, 'checkpoints', entry.file);
    this.id = `ckpt:${this.path}`;
    const when = new Date(entry.createdAt);
    this.description = [
      `${entry.phase} epoch ${entry.epoch}`,
      `step ${entry.step}`,
      ...(entry.knnAccuracy !== undefined ? [`kNN ${(entry.knnAccuracy * 100).toFixed(1)}%`] : []),
      formatBytes(entry.bytes),
      isNaN(when.getTime()) ? '' : when.toLocaleTimeString(),
    ]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon(entry.kind === 'final' ? 'pass' : entry.kind === 'manual' ? 'bookmark' : entry.kind === 'stop' ? 'debug-stop' : 'save');
    this.contextValue = 'checkpoint';
    this.resourceUri = vscode.Uri.file(this.path);
    this.tooltip = `${entry.kind} checkpoint, ${entry.createdAt}\n${this.path}`;
  }
}

export type RunsTreeNode = RunItem | CheckpointItem;

function stateIcon(state: RunStateName): vscode.ThemeIcon {
  switch (state) {
    case 'running':
      return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.green'));
    case 'paused':
      return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.yellow'));
    case 'stopping':
      return new vscode.ThemeIcon('loading~spin');
    case 'completed':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('charts.green'));
    case 'stopped':
      return new vscode.ThemeIcon('debug-stop');
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('charts.red'));
    default:
      return new vscode.ThemeIcon('circle-outline');
  }
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly runs: RunManager) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.idaa/runs/**/{state.json,checkpoints/manifest.json}');
    this.disposables.push(watcher, watcher.onDidCreate(() => this.refreshSoon()), watcher.onDidChange(() => this.refreshSoon()), watcher.onDidDelete(() => this.refreshSoon()));
    this.watchCustomFolder();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('idaa.runsFolder')) {
          this.watchCustomFolder();
          this.refresh();
        }
      }),
      runs.onDidChangeState(() => this.refresh()),
      runs.onDidMetrics((m) => m.kind === 'checkpoint' && this.refresh()),
    );
  }

  private customWatcher: vscode.Disposable[] = [];

  /** A runs folder outside `.idaa/runs` gets its own watcher. */
  private watchCustomFolder(): void {
    this.customWatcher.splice(0).forEach((d) => d.dispose());
    const root = runsRoot();
    if (!root || root.split(path.sep).join('/').endsWith('.idaa/runs')) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/{state.json,checkpoints/manifest.json}'));
    this.customWatcher.push(w, w.onDidCreate(() => this.refreshSoon()), w.onDidChange(() => this.refreshSoon()), w.onDidDelete(() => this.refreshSoon()));
  }

  refresh(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.emitter.fire(undefined);
  }

  private refreshSoon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => this.refresh(), 250);
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    return node;
  }

  getChildren(node?: RunsTreeNode): RunsTreeNode[] {
    if (!node) {
      const root = runsRoot();
      if (!root) return [];
      const active = this.runs.active;
      return listRuns(root)
        .reverse()
        .map((r) => new RunItem(r, !!active && path.resolve(active.runDir) === path.resolve(r.dir) && this.runs.busy));
    }
    if (node instanceof RunItem) {
      try {
        return readManifest(node.run.dir)
          .checkpoints.slice()
          .reverse()
          .map((e) => new CheckpointItem(node.run.dir, e));
      } catch {
        return [];
      }
    }
    return [];
  }

  getParent(node: RunsTreeNode): RunsTreeNode | undefined {
    if (node instanceof CheckpointItem) {
      const run = listRuns(path.dirname(node.runDir)).find((r) => path.resolve(r.dir) === path.resolve(node.runDir));
      return run ? new RunItem(run, false) : undefined;
    }
    return undefined;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.customWatcher.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}
