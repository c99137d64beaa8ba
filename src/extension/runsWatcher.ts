/**
 * Tells the Runs tree when run folders change on disk (created by hand, by the CLI, by another
 * window; deleted; a run's state, manifest, config or linear-probe results rewritten), debounced.
 *
 * Two sources, either enough:
 * - VS Code's FileSystemWatcher on the runs folder (`.idaa/runs` anywhere in the workspace, and the
 *   configured folder), the editor's own watcher.
 * - Node's `fs.watch` on the runs folder, on each folder in it and on each `checkpoints/`
 *   (non-recursive: two watches per run). VS Code's recursive watcher (parcel, inotify) was seen to
 *   miss everything below a folder created with its parents in one go (`mkdir -p .idaa/runs/<run>`,
 *   which is what the first New Run in a fresh folder does): after that no run folder written by
 *   the CLI appeared. These watches cover that; events of files the tree does not show
 *   (metrics.jsonl grows every step, checkpoint files, probes) are dropped.
 */
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsRoot } from './settings';

/** Files of a run folder whose change means the tree should be redrawn. */
const SHOWN = new Set(['config.json', 'state.json', 'linear-probe.json']);
const WATCHED_GLOB = '*/{config.json,state.json,linear-probe.json,checkpoints/manifest.json}';

export class RunsWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  /** Node watches by folder: the runs folder, each run folder, each checkpoints/ folder. */
  private readonly node = new Map<string, FSWatcher>();
  private nodeRoot: string | undefined;
  private pending: NodeJS.Timeout | undefined;
  private pendingSince = 0;
  private readonly retry: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly onChange: () => void) {
    this.watch();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('idaa.runsFolder') && this.watch()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.watch()),
    );
    // The runs folder may not exist yet (a fresh workspace): look again now and then.
    this.retry = setInterval(() => this.ensureNodeWatcher(), 5000);
  }

  /** (Re)starts both watchers for the current runs folder. */
  watch(): void {
    this.watchers.splice(0).forEach((d) => d.dispose());
    const patterns: vscode.GlobPattern[] = [`**/.idaa/runs/${WATCHED_GLOB}`, '**/.idaa/runs/*'];
    const root = runsRoot();
    if (root && !root.split(path.sep).join('/').endsWith('.idaa/runs')) patterns.push(new vscode.RelativePattern(vscode.Uri.file(root), WATCHED_GLOB), new vscode.RelativePattern(vscode.Uri.file(root), '*'));
    for (const p of patterns) {
      const w = vscode.workspace.createFileSystemWatcher(p);
      this.watchers.push(w, w.onDidCreate(() => this.changed()), w.onDidChange(() => this.changed()), w.onDidDelete(() => this.changed()));
    }
    this.closeNode();
    this.ensureNodeWatcher();
  }

  /**
   * Brings the Node watches in line with the folders on disk: the runs folder (once it exists), each
   * folder in it, each of their checkpoints/. Called on every tree refresh and when the runs folder
   * changes; cheap when nothing changed.
   */
  ensureNodeWatcher(): void {
    const root = runsRoot();
    if (root !== this.nodeRoot) this.closeNode();
    if (!root || !existsSync(root)) return;
    this.nodeRoot = root;
    const wanted = new Map<string, (file: string | null) => void>();
    wanted.set(root, () => {
      // A run folder appeared or went: redraw, and watch what is there now.
      this.changed();
      this.ensureNodeWatcher();
    });
    let entries: string[] = [];
    try {
      entries = readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      entries = [];
    }
    for (const name of entries) {
      const dir = path.join(root, name);
      wanted.set(dir, (file) => {
        if (file === 'checkpoints') this.ensureNodeWatcher();
        if (file === null || SHOWN.has(file)) this.changed();
      });
      const ckpts = path.join(dir, 'checkpoints');
      if (existsSync(ckpts)) wanted.set(ckpts, (file) => (file === null || file === 'manifest.json') && this.changed());
    }
    for (const [dir, w] of [...this.node]) {
      if (!wanted.has(dir)) {
        this.node.delete(dir);
        close(w);
      }
    }
    for (const [dir, onEvent] of wanted) {
      if (this.node.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => onEvent(file === null ? null : String(file)));
        w.on('error', () => {
          // The folder went away: forget it (the runs folder's watch says so, and syncs).
          if (this.node.get(dir) === w) this.node.delete(dir);
          close(w);
          this.changed();
        });
        this.node.set(dir, w);
      } catch {
        // Gone in between, or not watchable: VS Code's watcher alone for it.
      }
    }
  }

  private closeNode(): void {
    for (const w of this.node.values()) close(w);
    this.node.clear();
    this.nodeRoot = undefined;
  }

  /** Debounced: 200 ms after the last event, at most 1 s after the first (a CLI writing many files). */
  private changed(): void {
    const now = Date.now();
    if (!this.pending) this.pendingSince = now;
    else clearTimeout(this.pending);
    const wait = Math.max(0, Math.min(200, this.pendingSince + 1000 - now));
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.onChange();
    }, wait);
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    clearInterval(this.retry);
    this.closeNode();
    this.watchers.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}

function close(w: FSWatcher): void {
  try {
    w.close();
  } catch {
    /* already closed */
  }
}
