/**
 * Progress for long commands: a redrawn bar on a terminal, nothing on a pipe (where --json lines
 * or plain log lines carry the information instead).
 */
export class ProgressBar {
  private last = 0;
  private active = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  update(label: string, done: number, total: number, suffix = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - label.length - suffix.length - 16));
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.stream.write(`\r${label} ${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${suffix}\x1b[K`);
    this.active = true;
  }

  /** Ends the bar's line so the next log line starts clean. */
  clear(): void {
    if (this.active) this.stream.write('\r\x1b[K');
    this.active = false;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
