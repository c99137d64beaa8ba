/**
 * The active run in the status bar: state, position (epochs and step, from RunManager.view and the
 * shared formatter, as the Runs tree says them), images/s and the whole-run ETA while it runs (a
 * paused run shows no speed), and the worker's backend; a click opens the inspector.
 */
import * as vscode from 'vscode';
import { formatDuration, formatImagesPerSec, formatPosition, phaseLabel } from '../common/runs/display';
import type { RunManager } from './runManager';
import type { WorkerClient } from './workerClient';

const ICON: Record<string, string> = {
  idle: '$(circle-outline)',
  running: '$(sync~spin)',
  paused: '$(debug-pause)',
  stopping: '$(loading~spin)',
  completed: '$(pass)',
  stopped: '$(debug-stop)',
  failed: '$(error)',
};

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('idaa.status', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(
    private readonly runs: RunManager,
    private readonly worker: WorkerClient,
  ) {
    this.item.name = 'IDAA Run';
    this.item.command = 'idaa.openInspector';
    this.disposables.push(runs.onDidChangeState(() => this.update()), runs.onDidProgress(() => this.update()), worker.onDidStart(() => this.update()), worker.onDidCrash(() => this.update()));
    this.update();
  }

  /** For tests: what the item shows now. */
  get text(): string {
    return this.item.text;
  }

  update(): void {
    const a = this.runs.active;
    const info = this.worker.info;
    const backend = info ? (info.backendLabel ?? info.backend + (info.gpu ? ' (GPU)' : '')) : undefined;
    if (!a && !backend) {
      this.item.hide();
      return;
    }
    const parts: string[] = [];
    const tip = new vscode.MarkdownString(undefined, true);
    if (a) {
      const view = this.runs.view(a.runDir);
      parts.push(`${ICON[a.state] ?? ''} IDAA ${a.state}`);
      const position = formatPosition(view.position);
      if (position) parts.push(position);
      if (view.imagesPerSec !== undefined) parts.push(formatImagesPerSec(view.imagesPerSec));
      if (view.eta) parts.push(`ETA ${view.eta.estimated ? '~' : ''}${formatDuration(view.eta.seconds)}`);
      tip.appendText(`${this.runs.labelOf(a.runDir)} (${a.runId}): ${a.state}${a.detail ? ` — ${a.detail}` : ''}\n\n`);
      if (position) tip.appendText(`${position}\n\n`);
      if (view.eta) {
        const phases = view.eta.phases.filter((p) => p.steps > 0).map((p) => `${phaseLabel(p.phase)} ${formatDuration(p.seconds)}${p.estimated ? ' (estimated from the other phase’s pace)' : ''}`);
        tip.appendText(`Time left in the whole run: ${formatDuration(view.eta.seconds)} (${phases.join(', ')})\n\n`);
      }
      tip.appendText('Click to open the inspector.');
    } else {
      parts.push('$(beaker) IDAA');
      tip.appendText('IDAA worker ready. Click to open the inspector.');
    }
    if (backend) parts.push(backend);
    this.item.text = parts.join(' · ');
    this.item.tooltip = tip;
    this.item.backgroundColor = a?.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
