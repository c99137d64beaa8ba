import * as vscode from 'vscode';
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

/** The active run's state, epoch/step, images/s and the worker's backend; a click opens the inspector. */
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
    const backend = this.worker.info ? this.worker.info.backend + (this.worker.info.gpu ? ' (GPU)' : '') : undefined;
    if (!a && !backend) {
      this.item.hide();
      return;
    }
    const parts: string[] = [];
    if (a) {
      parts.push(`${ICON[a.state] ?? ''} IDAA ${a.state}`);
      const p = a.progress;
      if (p && (a.state === 'running' || a.state === 'paused')) {
        parts.push(`${p.phase} ${p.epoch}/${p.epochs}`, `step ${p.step}`, `${Math.round(p.imagesPerSec)} img/s`);
        if (p.etaSeconds !== undefined && a.state === 'running') parts.push(`ETA ${formatEta(p.etaSeconds)}`);
      }
    } else {
      parts.push('$(beaker) IDAA');
    }
    if (backend) parts.push(backend);
    this.item.text = parts.join(' · ');
    this.item.tooltip = a ? `${a.runId}: ${a.state}${a.detail ? ` — ${a.detail}` : ''}\nClick to open the inspector.` : 'IDAA worker ready. Click to open the inspector.';
    this.item.backgroundColor = a?.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

function formatEta(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
