/**
 * Runs the PyTorch side (shared/bench/torch_peer.py) and parses its one-line Python-dict output.
 * Debian's python3-torch lives under /usr/bin/python3, which need not be the first python3 on PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { backgroundCores, cpuSnapshot } from './load';

export type PeerWhat = 'vae' | 'enc' | 'adv';

export interface TorchPeerResult {
  what: PeerWhat;
  threads: number;
  imgPerSec: number;
  medianMs: number;
  peakRssMB: number;
  steps: number;
  warmup: number;
  /** Cores other processes kept busy during the run (see load.ts). */
  backgroundCores?: number;
  /** 'cuda' for bench/gpu/torch_cuda_peer.py; absent: torch_peer.py on the CPU. */
  device?: 'cpu' | 'cuda';
  deviceName?: string;
  torchVersion?: string;
}

export interface TorchAvailability {
  ok: boolean;
  python: string;
  script: string;
  version?: string;
  why?: string;
}

export const TORCH_PYTHON = '/usr/bin/python3';

export function torchPeerScript(repoRoot: string): string {
  return join(resolve(repoRoot, '..', 'shared'), 'bench', 'torch_peer.py');
}

export function checkTorch(repoRoot: string): TorchAvailability {
  const script = torchPeerScript(repoRoot);
  // Recorded relative to the repository, so results files name no machine's folders.
  const base = { python: TORCH_PYTHON, script: relative(repoRoot, script) };
  if (!existsSync(script)) return { ...base, ok: false, why: `${script} not found` };
  if (!existsSync(TORCH_PYTHON)) return { ...base, ok: false, why: `${TORCH_PYTHON} not found` };
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    const line = (r.stderr || r.error?.message || 'unknown error').trim().split('\n').pop() ?? '';
    return { ...base, ok: false, why: `torch not importable by ${TORCH_PYTHON} (${line}); apt-get install -y python3-torch` };
  }
  return { ...base, ok: true, version: r.stdout.trim() };
}

/** Python's repr of a flat dict of str/int/float/bool/None → JSON. */
export function parsePythonDict(line: string): Record<string, unknown> {
  const json = line
    .trim()
    .replace(/'/g, '"')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null');
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`not a dict: ${line}`);
  return parsed as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`torch_peer output lacks numeric '${key}': ${JSON.stringify(o)}`);
  return v;
}

/** PyTorch on CUDA (bench/gpu/torch_cuda_peer.py: torch_peer.py's shapes on a device; python3 from PATH or IDAA_TORCH_PYTHON). */
export const TORCH_CUDA_SCRIPT = join('bench', 'gpu', 'torch_cuda_peer.py');

export function runTorchCudaPeer(repoRoot: string, what: PeerWhat, steps: number, warmup: number): TorchPeerResult {
  const python = process.env.IDAA_TORCH_PYTHON ?? 'python3';
  const r = spawnSync(python, [join(repoRoot, TORCH_CUDA_SCRIPT), what, String(steps), String(warmup)], { encoding: 'utf8', env: { ...process.env, DEVICE: 'cuda' }, timeout: 10 * 60_000 });
  if (r.status !== 0) {
    throw new Error(`${TORCH_CUDA_SCRIPT} ${what} failed (${r.status ?? r.signal ?? r.error?.message}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  const line = r.stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  if (line === undefined) throw new Error(`${TORCH_CUDA_SCRIPT} ${what} printed no result: ${r.stdout}`);
  const o = parsePythonDict(line);
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  return {
    what,
    threads: num(o, 'threads'),
    imgPerSec: num(o, 'imgPerSec'),
    medianMs: num(o, 'medianMs'),
    peakRssMB: num(o, 'peakRssMB'),
    steps,
    warmup,
    device: 'cuda',
    ...(str('deviceName') ? { deviceName: str('deviceName') } : {}),
    ...(str('torch') ? { torchVersion: str('torch') } : {}),
  };
}

export function runTorchPeer(avail: TorchAvailability, what: PeerWhat, threads: number, steps: number, warmup: number): TorchPeerResult {
  const before = cpuSnapshot();
  const r = spawnSync(avail.python, [resolve(avail.script), what, String(steps), String(warmup)], {
    encoding: 'utf8',
    env: { ...process.env, THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    timeout: 30 * 60_000,
  });
  const bg = backgroundCores(before, cpuSnapshot());
  if (r.status !== 0) {
    throw new Error(`torch_peer.py ${what} THREADS=${threads} failed (${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  const line = r.stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  if (line === undefined) throw new Error(`torch_peer.py ${what} printed no result: ${r.stdout}`);
  const o = parsePythonDict(line);
  return { what, threads: num(o, 'threads'), imgPerSec: num(o, 'imgPerSec'), medianMs: num(o, 'medianMs'), peakRssMB: num(o, 'peakRssMB'), steps, warmup, ...(bg === undefined ? {} : { backgroundCores: bg }) };
}
