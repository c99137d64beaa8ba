import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI, run as users run it (npm test builds before testing). */
export const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliResult {
  code: number;
  lines: Array<Record<string, unknown>>;
  stderr: string;
}

function parseLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function idaaSync(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, IDAA_BACKEND: 'wasm', ...env }, timeout: 240_000 });
  return { code: r.status ?? -1, lines: parseLines(r.stdout), stderr: r.stderr };
}

/** Starts the CLI and lets the caller kill it; resolves with its exit code (null when killed) and signal. */
export function idaaProcess(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, IDAA_BACKEND: 'wasm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) =>
    child.on('exit', (code, signal) => setImmediate(() => res({ code, signal, stdout, stderr }))),
  );
  return { child, done };
}
