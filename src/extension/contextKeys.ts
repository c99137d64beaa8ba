/**
 * The context keys the menus and command enablement read (package.json `when`/`enablement`), set
 * with `setContext` as the active run's state changes, so Pause, Resume, Stop and Save Checkpoint
 * are offered only when they apply:
 *
 * - `idaa.activeRunState`: the state of the run this window trains (`none` when there is none):
 *   idle (starting), running, paused, stopping, completed, stopped, failed.
 * - `idaa.training`: a run of this window is starting, running, paused or stopping.
 */
import * as vscode from 'vscode';
import type { RunManager } from './runManager';

export class ContextKeys implements vscode.Disposable {
  private readonly values = new Map<string, unknown>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly runs: RunManager) {
    this.disposables.push(runs.onDidChangeState(() => this.update()), runs.worker.onDidCrash(() => this.update()));
    this.update();
  }

  /** For tests: the values set now. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }

  update(): void {
    const a = this.runs.active;
    this.set('idaa.activeRunState', a?.state ?? 'none');
    this.set('idaa.training', this.runs.busy);
  }

  private set(key: string, value: unknown): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
