import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { IdaaError, RunLockedError } from '../errors';
import { processAlive } from './process';
import { readRegularFileSync } from '../fileGuard';

/**
 * One owner per run folder: `<run>/.lock` names the process that trains, resumes or evaluates in it.
 *
 * Hand-written rather than a lock library: those (proper-lockfile and kin) decide staleness by a
 * file's age, refreshed on a timer, which a long synchronous training batch can starve into a
 * false "stale"; on one machine the owner's pid (and its start time) says exactly whether it lives.
 * The lock file appears atomically with its full content (written aside, then hard-linked), so a
 * reader never sees it half-written; a dead owner's lock is taken over under a second, short-lived
 * lock so that two processes can never both take it over.
 */
export interface LockOwner {
  pid: number;
  /** Start time of the owner (from /proc on Linux), so a reused pid is not mistaken for it. */
  procStart?: string;
  host: string;
  command: string;
  since: string;
  nonce: string;
}

export interface RunLock {
  readonly runDir: string;
  readonly owner: LockOwner;
  release(): void;
}

const LOCK = '.lock';
const TAKEOVER = '.lock.takeover';
const held = new Map<string, RunLock>();

/** Takes the run folder's lock (creating the folder), or throws RunLockedError naming the holder. */
export function acquireRunLock(runDir: string, command: string, log?: (line: string) => void): RunLock {
  try {
    mkdirSync(runDir, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new IdaaError(`cannot create the run folder ${runDir}: ${err.code ?? err.message}`);
  }
  const mine = held.get(runDir);
  if (mine) throw new RunLockedError(runDir, { ...mine.owner, command: `${mine.owner.command}, in this process` });
  const owner: LockOwner = { pid: process.pid, procStart: procStart(process.pid), host: hostname(), command, since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  const file = join(runDir, LOCK);
  if (!linkNew(file, owner)) {
    const current = readOwner(file);
    if (current && ownerAlive(current)) throw new RunLockedError(runDir, current);
    takeOver(runDir, current, owner, log);
  }
  const lock: RunLock = {
    runDir,
    owner,
    release: () => {
      if (held.get(runDir) !== lock) return;
      held.delete(runDir);
      // Only our own lock file is removed, never one a later owner took over.
      if (readOwner(file)?.nonce === owner.nonce) tryUnlink(file);
    },
  };
  held.set(runDir, lock);
  return lock;
}

/** Who holds a run folder, if a live process does (for listings and refusals). */
export function runLockHolder(runDir: string): LockOwner | undefined {
  const o = readOwner(join(runDir, LOCK));
  return o && ownerAlive(o) ? o : undefined;
}

function takeOver(runDir: string, stale: LockOwner | undefined, owner: LockOwner, log?: (line: string) => void): void {
  const file = join(runDir, LOCK);
  const guard = join(runDir, TAKEOVER);
  const guardOwner: LockOwner = { ...owner, nonce: `${owner.nonce}-takeover` };
  if (!linkNew(guard, guardOwner)) {
    const g = readOwner(guard);
    // A takeover lasts microseconds; a guard left behind belongs to a process that died inside one.
    if (g && ownerAlive(g)) throw new RunLockedError(runDir, g);
    tryUnlink(guard);
    if (!linkNew(guard, guardOwner)) throw new RunLockedError(runDir, readOwner(guard) ?? { ...owner, command: 'another process taking over a stale lock' });
  }
  try {
    const now = readOwner(file);
    // Under the guard no other takeover runs; a plain acquirer can only link after our unlink, and then ours fails.
    if (now && ownerAlive(now)) throw new RunLockedError(runDir, now);
    tryUnlink(file);
    if (!linkNew(file, owner)) throw new RunLockedError(runDir, readOwner(file) ?? { ...owner, command: 'another process' });
    if (stale) log?.(`took over the lock of ${runDir} left by process ${stale.pid} (${stale.command}), which is no longer running`);
  } finally {
    tryUnlink(guard);
  }
}

/** Creates `file` with the owner's record, atomically and only if it does not exist. */
function linkNew(file: string, owner: LockOwner): boolean {
  const tmp = `${file}.${owner.nonce}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    tryUnlink(tmp);
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readRegularFileSync(file, { what: 'run lock', maxBytes: 64 * 1024 }).toString('utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.nonce !== 'string') return undefined;
    // The host is named in refusals only when it is another machine's.
    const host = String(o.host ?? '') === hostname() ? '' : String(o.host ?? '');
    return { pid: o.pid, procStart: o.procStart, host, command: String(o.command ?? '?'), since: String(o.since ?? '?'), nonce: o.nonce };
  } catch {
    return undefined; // missing or damaged: nobody can be shown to hold it
  }
}

function ownerAlive(o: LockOwner): boolean {
  if (o.host) return true; // another machine's process (a shared folder): we cannot tell, so respect it
  if (!processAlive(o.pid)) return false;
  const start = procStart(o.pid);
  return !(o.procStart && start && start !== o.procStart);
}

/** The process's start time in clock ticks since boot (Linux), undefined elsewhere. */
function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces, so count after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

// A normal exit (including process.exit after Ctrl-C) leaves no lock behind; a kill leaves a stale one, recovered by pid.
process.on('exit', () => {
  for (const l of [...held.values()]) l.release();
});
