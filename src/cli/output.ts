/** What commands print: human lines (and a progress bar) on a terminal, or JSON lines with --json. */
import { ProgressBar } from './progress';

export class Output {
  readonly bar = new ProgressBar();
  constructor(readonly json: boolean) {}
  log(line: string): void {
    if (this.json) {
      process.stdout.write(JSON.stringify({ type: 'log', message: line }) + '\n');
    } else {
      this.bar.clear();
      process.stderr.write(line + '\n');
    }
  }
  event(obj: Record<string, unknown>): void {
    if (this.json) process.stdout.write(JSON.stringify(obj) + '\n');
  }
  result(obj: Record<string, unknown>, human: string): void {
    if (this.json) process.stdout.write(JSON.stringify({ type: 'result', ...obj }) + '\n');
    else process.stdout.write(human + '\n');
  }
}

export function pct(v: number | undefined): string {
  return v === undefined ? '-' : `${(v * 100).toFixed(2)}%`;
}

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}
