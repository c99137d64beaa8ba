/**
 * How a failed command ends: one message on stderr (and a JSON error line with --json), and the
 * stack, for errors not raised on purpose, in a log file only: `<run folder>/idaa-error.log` when
 * the command works in a run folder, else `idaa-error-<pid>.log` in the temporary folder.
 */
import { appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../common/runs/manifest';
import { describeError, SystemError, UserFacingError } from '../common/userError';
import type { FaultContext } from './context';

/** Where a report goes; tests pass their own. */
export interface ReportSink {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  tmpdir: string;
  pid: number;
  argv: string[];
}

export const processSink: ReportSink = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  tmpdir: tmpdir(),
  pid: process.pid,
  argv: process.argv.slice(2),
};

export const ERROR_LOG = 'idaa-error.log';

export function reportError(e: unknown, opts: { json: boolean; fault: FaultContext }, sink: ReportSink = processSink): { info: UserFacingError; log?: string } {
  const info = describeError(e, { folder: opts.fault.runDir });
  const log = info.logStack ? writeStackLog(e, opts.fault.runDir, sink) : undefined;
  const extra: string[] = [];
  const resume = info.kind === 'system' && opts.fault.training && opts.fault.runDir ? resumeHint(opts.fault.runDir) : undefined;
  if (resume) extra.push(resume);
  if (info.logStack) {
    if (!log) extra.push('the stack trace could not be written to a log file (set IDAA_DEBUG=1 to print it)');
    else extra.push(info.kind === 'internal' ? `the stack trace is in ${log}; please include it when reporting this problem` : `details: ${log}`);
  }
  if (opts.json) {
    const { kind, message, file, field, code } = info;
    sink.stdout(JSON.stringify({ type: 'error', message, kind, ...(file ? { file } : {}), ...(field ? { field } : {}), ...(code ? { code } : {}), ...(log ? { log } : {}) }) + '\n');
  }
  sink.stderr([info.message, ...extra].map((l) => `idaa: ${l}\n`).join(''));
  if (sink.env.IDAA_DEBUG === '1') sink.stderr(stackOf(e) + '\n');
  return { info, ...(log ? { log } : {}) };
}

/** A training that failed on a system error keeps its checkpoints: say how to go on. */
function resumeHint(runDir: string): string | undefined {
  try {
    return readManifest(runDir).checkpoints.length > 0 ? `the run keeps its last complete checkpoint; continue with: idaa resume ${runDir}` : undefined;
  } catch {
    return undefined;
  }
}

function writeStackLog(e: unknown, runDir: string | undefined, sink: ReportSink): string | undefined {
  const text = `--- ${new Date().toISOString()} pid ${sink.pid}: idaa ${sink.argv.join(' ')}\n${stackOf(e)}\n`;
  // The run folder may be the very thing that failed (deleted, full, read-only): then the temporary folder.
  const candidates = [...(runDir && isFolder(runDir) ? [join(runDir, ERROR_LOG)] : []), join(sink.tmpdir, `idaa-error-${sink.pid}.log`)];
  for (const file of candidates) {
    try {
      appendFileSync(file, text);
      return file;
    } catch {
      /* try the next place */
    }
  }
  return undefined;
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function stackOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const x = e as SystemError;
  const sys = [x.code && `code: ${x.code}`, x.syscall && `syscall: ${x.syscall}`, x.path && `path: ${x.path}`, x.dest && `dest: ${x.dest}`].filter(Boolean).join(', ');
  const own = (e.stack ?? `${e.name}: ${e.message}`) + (sys ? `\n  (${sys})` : '');
  return e.cause !== undefined ? `${own}\nCaused by: ${stackOf(e.cause)}` : own;
}
