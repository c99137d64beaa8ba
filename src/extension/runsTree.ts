/**
 * The "Runs" tree: runs → checkpoints. Reads the run folders directly (config.json, state.json,
 * checkpoints/manifest.json, linear-probe.json), so runs written by the CLI or by hand appear too,
 * without a manual refresh (runsWatcher.ts).
 *
 * - A run's label is its config's `name`, else "dataset · method · IDAA on/off"; its description
 *   the time it was created, its state and position (epochs and step, as the status bar says them:
 *   both come from RunManager.view and src/common/runs/display.ts); a Markdown tooltip has the rest.
 * - A checkpoint's label is its phase, epochs, step and kNN accuracy; the description its kind,
 *   linear-probe accuracy (when evaluated), size and time.
 * - Menus are chosen by `contextValue`: `run.<state>` (plus `.active` for the run this window
 *   trains) and `checkpoint`.
 * - While a run trains, only its item is refreshed (about once a second), not the whole tree.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDuration, formatImagesPerSec, formatPercent, formatPosition, formatWhen, LabelConfig, methodLabel, phaseLabel, positionFromCheckpoint, runCreatedAt, runLabel, runTraits } from '../common/runs/display';
import { finalLinearProbe, LinearProbeRecord, readLinearProbesQuietly } from '../common/runs/linearProbe';
import { listRuns, RunSummary } from '../common/runs/list';
import { readManifest, ManifestEntry } from '../common/runs/manifest';
import type { RunStateName } from '../protocol/worker';
import { readRawConfig, RunManager } from './runManager';
import type { LiveView } from './runProgress';
import { RunsWatcher } from './runsWatcher';
import { runsRoot } from './settings';

/** Markdown's special characters escaped, for text from files inside a tooltip. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

function createdAt(run: RunSummary): Date | undefined {
  const fromId = runCreatedAt(run.id);
  if (fromId) return fromId;
  try {
    return statSync(path.join(run.dir, 'config.json')).birthtime;
  } catch {
    return undefined;
  }
}

export class RunItem extends vscode.TreeItem {
  readonly kind = 'run';
  run!: RunSummary;
  /** config.json as written (undefined when unreadable). */
  config: (LabelConfig & Record<string, unknown>) | undefined;
  probes: LinearProbeRecord[] = [];
  view!: LiveView;

  constructor(run: RunSummary, active: boolean, view: LiveView) {
    super(run.id, vscode.TreeItemCollapsibleState.None);
    this.id = `run:${run.dir}`;
    this.update(run, active, view);
  }

  /** Re-reads the run's files (config, probes) and redraws from `run` and `view`. */
  update(run: RunSummary, active: boolean, view: LiveView): void {
    this.run = run;
    this.config = readRawConfig(run.dir);
    this.probes = readLinearProbesQuietly(run.dir);
    this.redraw(active, view);
  }

  /** Redraws from the live view only (progress while training); the files are not read again. */
  redraw(active: boolean, view: LiveView): void {
    const run = this.run;
    const s = run.status;
    this.view = view;
    const state = view.state;
    this.label = runLabel(this.config, run.id);
    this.collapsibleState = run.checkpoints > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const when = createdAt(run);
    const position = formatPosition(view.position);
    const probe = finalLinearProbe(this.probes);
    const parts: string[] = [];
    if (when) parts.push(formatWhen(when));
    parts.push(state);
    if (position) parts.push(position);
    if (state === 'running' && view.eta) parts.push(`ETA ${view.eta.estimated ? '~' : ''}${formatDuration(view.eta.seconds)}`);
    if (state !== 'running' && state !== 'paused' && s.bestKnnAccuracy !== undefined) parts.push(`kNN ${formatPercent(s.bestKnnAccuracy)}`);
    if (probe) parts.push(`probe ${formatPercent(probe.probe.finalTestAccuracy)}`);
    this.description = parts.join(' · ');
    this.iconPath = stateIcon(state);
    this.contextValue = `run.${state}${active ? '.active' : ''}`;
    this.resourceUri = vscode.Uri.file(run.dir);
    this.tooltip = this.tooltipFor(view, when, probe);
    this.command = { command: 'idaa.openConfig', title: 'Open Config', arguments: [run.dir] };
  }

  private tooltipFor(view: LiveView, when: Date | undefined, probe: LinearProbeRecord | undefined): vscode.MarkdownString {
    const run = this.run;
    const s = run.status;
    const t = runTraits(this.config);
    const rows: Array<[string, string]> = [];
    rows.push(['State', `${view.state}${s.error ? ` — ${s.error}` : ''}`]);
    const position = formatPosition(view.position);
    if (position) rows.push(['Position', position]);
    if (view.imagesPerSec !== undefined) rows.push(['Speed', formatImagesPerSec(view.imagesPerSec)]);
    if (view.eta) rows.push(['ETA', `${view.eta.estimated ? 'about ' : ''}${formatDuration(view.eta.seconds)} (the whole run: ${view.eta.phases.filter((p) => p.steps > 0).map((p) => `${phaseLabel(p.phase)} ${p.steps} steps${p.estimated ? ', pace estimated' : ''}`).join(', ')})`]);
    if (s.lastKnnAccuracy !== undefined || s.bestKnnAccuracy !== undefined) rows.push(['kNN accuracy', `last ${formatPercent(s.lastKnnAccuracy)} · best ${formatPercent(s.bestKnnAccuracy)}`]);
    if (probe) rows.push(['Linear probe', `${formatPercent(probe.probe.finalTestAccuracy)} (final, ${probe.probe.epochs} epochs) at ${formatPosition({ phase: probe.phase, epochsDone: probe.epoch, step: probe.step })}`]);
    rows.push(['Config', `preset ${t.preset} · ${t.dataset} · ${methodLabel(t.method)} · IDAA ${t.idaa ? 'on' : 'off'}`]);
    if (when) rows.push(['Created', when.toLocaleString()]);
    if (s.updatedAt) rows.push(['Updated', new Date(s.updatedAt).toLocaleString()]);
    rows.push(['Checkpoints', String(run.checkpoints)]);
    const m = new vscode.MarkdownString(undefined, true);
    m.appendMarkdown(`**${md(runLabel(this.config, run.id))}**\n\n`);
    m.appendMarkdown(`| | |\n|---|---|\n${rows.map(([k, v]) => `| ${md(k)} | ${md(v)} |`).join('\n')}\n\n`);
    m.appendMarkdown(`$(folder) ${md(run.dir)}`);
    return m;
  }
}

export class CheckpointItem extends vscode.TreeItem {
  readonly kind = 'checkpoint';
  readonly path: string;
  constructor(
    readonly runDir: string,
    readonly entry: ManifestEntry,
    /** The run's linear-probe evaluation of this checkpoint, when there is one. */
    readonly probe?: LinearProbeRecord,
    /** Epochs of the checkpoint's phase, when known (the run's current phase). */
    epochs?: number,
  ) {
    super(checkpointLabel(entry, epochs), vscode.TreeItemCollapsibleState.None);
    this.path = path.join(runDir, 'checkpoints', entry.file);
    this.id = `ckpt:${this.path}`;
    const when = new Date(entry.createdAt);
    this.description = [entry.kind, ...(probe ? [`probe ${formatPercent(probe.probe.finalTestAccuracy)}`] : []), formatBytes(entry.bytes), isNaN(when.getTime()) ? '' : formatWhen(when)].filter(Boolean).join(' · ');
    this.iconPath = new vscode.ThemeIcon(entry.kind === 'final' ? 'pass' : entry.kind === 'manual' ? 'bookmark' : entry.kind === 'stop' ? 'debug-stop' : 'save');
    this.contextValue = 'checkpoint';
    this.resourceUri = vscode.Uri.file(this.path);
    const m = new vscode.MarkdownString();
    m.appendMarkdown(`**${md(entry.file)}**: ${md(entry.kind)} checkpoint\n\n`);
    m.appendMarkdown(`${md(formatPosition(positionFromCheckpoint(entry, epochs)))}${entry.knnAccuracy !== undefined ? ` · kNN ${md(formatPercent(entry.knnAccuracy))}` : ''}\n\n`);
    if (probe) m.appendMarkdown(`Linear probe ${md(formatPercent(probe.probe.finalTestAccuracy))} (final, ${probe.probe.epochs} epochs; train ${md(formatPercent(probe.probe.trainAccuracy))}), kNN ${md(formatPercent(probe.knnAccuracy))}, evaluated ${md(new Date(probe.createdAt).toLocaleString())}\n\n`);
    m.appendMarkdown(`${md(formatBytes(entry.bytes))}, written ${md(isNaN(when.getTime()) ? entry.createdAt : when.toLocaleString())}\n\n${md(this.path)}`);
    this.tooltip = m;
  }
}

/** "SSL 2/2 epochs · step 64 · kNN 65.5%". */
export function checkpointLabel(entry: ManifestEntry, epochs?: number): string {
  const p = formatPosition(positionFromCheckpoint(entry, epochs));
  return entry.knnAccuracy !== undefined ? `${p} · kNN ${formatPercent(entry.knnAccuracy)}` : p;
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
  private liveTimer: NodeJS.Timeout | undefined;
  private lastLiveRedraw = 0;
  /** The run items last handed out, by folder: kept, so a live redraw can name the item VS Code knows. */
  private readonly items = new Map<string, RunItem>();
  /** Run folders changing on disk (by hand, the CLI, another window): refresh, debounced. */
  private readonly watcher = new RunsWatcher(() => this.refresh());

  constructor(private readonly runs: RunManager) {
    this.disposables.push(
      this.watcher,
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('idaa.runsFolder') && this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
      runs.onDidChangeState(() => this.refresh()),
      runs.onDidMetrics((m) => m.kind === 'checkpoint' && this.refresh()),
      runs.onDidEvaluate(() => this.refresh()),
      runs.onDidProgress((p) => this.liveSoon(p.runDir)),
    );
  }

  refresh(): void {
    // A runs folder created since (the first New Run) gets its watcher now.
    this.watcher.ensureNodeWatcher();
    this.emitter.fire(undefined);
  }

  /** The training run's item redrawn from its live view, about once a second. */
  private liveSoon(runDir: string): void {
    if (this.liveTimer) return;
    const wait = Math.max(0, this.lastLiveRedraw + 1000 - Date.now());
    this.liveTimer = setTimeout(() => {
      this.liveTimer = undefined;
      this.lastLiveRedraw = Date.now();
      const item = this.items.get(path.resolve(runDir));
      if (!item) return;
      item.redraw(this.isActive(item.run.dir), this.runs.view(item.run.dir, item.run.status));
      this.emitter.fire(item);
    }, wait);
  }

  private isActive(dir: string): boolean {
    const a = this.runs.active;
    return !!a && path.resolve(a.runDir) === path.resolve(dir) && this.runs.busy;
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    return node;
  }

  getChildren(node?: RunsTreeNode): RunsTreeNode[] {
    if (!node) {
      const root = runsRoot();
      if (!root) return [];
      const seen = new Set<string>();
      const out = listRuns(root)
        .reverse()
        .map((r) => {
          const key = path.resolve(r.dir);
          seen.add(key);
          const active = this.isActive(r.dir);
          const view = this.runs.view(r.dir, r.status);
          let item = this.items.get(key);
          if (item) item.update(r, active, view);
          else this.items.set(key, (item = new RunItem(r, active, view)));
          return item;
        });
      for (const k of [...this.items.keys()]) if (!seen.has(k)) this.items.delete(k);
      return out;
    }
    if (node instanceof RunItem) {
      try {
        const s = node.run.status;
        const probes = new Map(node.probes.map((p) => [p.checkpoint, p]));
        return readManifest(node.run.dir)
          .checkpoints.slice()
          .reverse()
          .map((e) => new CheckpointItem(node.run.dir, e, probes.get(e.file), e.phase === s.phase ? s.epochs : undefined));
      } catch {
        return [];
      }
    }
    return [];
  }

  getParent(node: RunsTreeNode): RunsTreeNode | undefined {
    if (node instanceof CheckpointItem) return this.items.get(path.resolve(node.runDir));
    return undefined;
  }

  dispose(): void {
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.disposables.forEach((d) => d.dispose());
  }
}
