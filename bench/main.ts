/**
 * IDAA Studio speed benchmark: `npm run bench` (= npm run build && node dist/bench.js).
 *
 *   node dist/bench.js [--quick] [--only case1,case2] [--backends wasm,cpu,tensorflow,webgpu] [--long N] [--no-torch] [--torch-cuda] [--out NAME]
 *
 * The parent process runs each (backend, case) in a child process, because a tfjs backend is
 * process-global:  node dist/bench.js --backend wasm --case peer-enc [--bn tf] [--quick] [--steps N --warmup N]
 * A child prints one line "BENCH_RESULT <json>" on stdout; progress goes to stderr.
 * Results: bench/results/latest.json and bench/results/latest.md (--out NAME: NAME.json, NAME.md). See bench/NOTES.md.
 * webgpu rows run when a child finds a hardware adapter (`--case probe`); --torch-cuda adds PyTorch
 * on CUDA at the peer shapes (bench/gpu/torch_cuda_peer.py), the peer of the webgpu rows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { backendSummary, selectBackend } from '../src/engine/backend/select';
import { CaseContext, idaaMemoryCase, inspectCase, methodsCase, peerCase, peerMemoryCase, Plan, presetCase, PresetPlans, wasmHeapMB } from './cases';
import { BACKGROUND_THRESHOLD, backgroundCores, cpuSnapshot } from './load';
import { renderMarkdown } from './report';
import { checkTorch, PeerWhat, runTorchCudaPeer, runTorchPeer, TORCH_CUDA_SCRIPT, TorchPeerResult } from './torchPeer';
import { BN_VARIANTS } from './types';
import type { BackendArg, BackendInfo, BenchResults, BnVariant, ChildOutput, InspectLiveResult, MachineInfo } from './types';

const RESULT_PREFIX = 'BENCH_RESULT ';
const REPO_ROOT = typeof __dirname === 'string' ? resolve(__dirname, '..') : process.cwd();

/** Parent-level case names (what --only takes). */
const ALL_CASES = ['torch', 'peer-vae', 'peer-enc', 'bn-ab', 'peer-adv', 'peer-idaa', 'small', 'methods', 'inspect', 'inspect-live', 'reference', 'memory', 'long'] as const;
type CaseName = (typeof ALL_CASES)[number];
/** Child-level cases (what --case takes). */
const CHILD_CASES = ['probe', 'peer-vae', 'peer-enc', 'peer-adv', 'peer-idaa', 'small', 'methods', 'inspect', 'reference', 'reference-idaa', 'memory', 'memory-idaa', 'long'] as const;
type ChildCase = (typeof CHILD_CASES)[number];
const BACKENDS: readonly BackendArg[] = ['wasm', 'cpu', 'tensorflow', 'webgpu'];
/** The reference preset's batch on a GPU (the authors' setting); CPU backends measure it at 32. */
const GPU_REFERENCE_BATCH = 256;

interface Args {
  quick: boolean;
  only?: Set<string>;
  backends?: Set<string>;
  long?: number;
  torch: boolean;
  torchCuda: boolean;
  /** Base name of the results files in bench/results/. */
  out: string;
  childCase?: string;
  backend?: string;
  bn: BnVariant;
  steps?: number;
  warmup?: number;
  batch?: number;
  /** wasm threads of a child (default 1). */
  threads?: number;
}

const USAGE = `usage: node dist/bench.js [--quick] [--only ${ALL_CASES.join(',')}] [--backends ${BACKENDS.join(',')}] [--long N] [--no-torch] [--torch-cuda] [--out NAME]
       node dist/bench.js --backend ${BACKENDS.join('|')} --case ${CHILD_CASES.join('|')} [--bn engine|moments|tf] [--threads N] [--quick] [--steps N] [--warmup N] [--batch N]`;

/** A bad command line: printed without a stack. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, torch: true, torchCuda: false, out: 'latest', bn: 'engine' };
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${argv[i]} needs a value\n${USAGE}`);
    return v;
  };
  const int = (i: number): number => {
    const n = Number(value(i));
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${argv[i]} needs a non-negative integer, got ${argv[i + 1]}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    switch (k) {
      case '--quick':
        a.quick = true;
        break;
      case '--no-torch':
        a.torch = false;
        break;
      case '--torch-cuda':
        a.torchCuda = true;
        break;
      case '--out': {
        const v = value(i);
        if (!/^[\w.-]+$/.test(v)) throw new UsageError(`--out takes a file base name (letters, digits, . _ -), got ${v}`);
        a.out = v;
        i++;
        break;
      }
      case '--only':
        a.only = new Set(value(i).split(',').map((s) => s.trim()).filter((s) => s !== ''));
        i++;
        break;
      case '--backends':
        a.backends = new Set(value(i).split(',').map((s) => s.trim()));
        i++;
        break;
      case '--long':
        a.long = int(i);
        i++;
        break;
      case '--case':
        a.childCase = value(i);
        i++;
        break;
      case '--backend':
        a.backend = value(i);
        i++;
        break;
      case '--bn': {
        const v = value(i);
        const variant = BN_VARIANTS.find((x) => x === v);
        if (variant === undefined) throw new UsageError(`--bn takes ${BN_VARIANTS.join(', ')}, got ${v}`);
        a.bn = variant;
        i++;
        break;
      }
      case '--steps':
        a.steps = int(i);
        i++;
        break;
      case '--warmup':
        a.warmup = int(i);
        i++;
        break;
      case '--batch':
        a.batch = int(i);
        i++;
        break;
      case '--threads':
        a.threads = int(i);
        i++;
        break;
      case '--help':
      case '-h':
        process.stderr.write(USAGE + '\n');
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${k}\n${USAGE}`);
    }
  }
  for (const c of a.only ?? []) if (!(ALL_CASES as readonly string[]).includes(c)) throw new UsageError(`--only: unknown case ${c}; cases: ${ALL_CASES.join(', ')}`);
  for (const b of a.backends ?? []) if (!(BACKENDS as readonly string[]).includes(b)) throw new UsageError(`--backends: unknown backend ${b}`);
  return a;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// ---------------------------------------------------------------- child

function isChildCase(c: string): c is ChildCase {
  return (CHILD_CASES as readonly string[]).includes(c);
}
function isBackend(b: string): b is BackendArg {
  return (BACKENDS as readonly string[]).includes(b);
}

async function runChild(args: Args): Promise<void> {
  const c = args.childCase ?? '';
  const b = args.backend ?? 'wasm';
  if (!isChildCase(c)) throw new Error(`--case: unknown case ${c}; child cases: ${CHILD_CASES.join(', ')}`);
  if (!isBackend(b)) throw new Error(`--backend: unknown backend ${b}`);
  const t0 = performance.now();
  const choice = await selectBackend({ preference: b, wasmThreads: args.threads ?? 1, log: (l) => log(`[${b}] ${l}`) });
  if (args.threads !== undefined && choice.threads !== args.threads) throw new Error(`${args.threads} threads asked, the backend runs ${choice.threads}`);
  const backend: BackendInfo = {
    name: choice.name,
    threads: choice.threads,
    detail: choice.attempts.find((x) => x.ok)?.why ?? '',
    summary: backendSummary(choice),
  };
  const ctx: CaseContext = { backend: b, threads: choice.threads, quick: args.quick, log: (l) => log(`[${b}] ${l}`) };
  const P = (full: Plan, quick: Plan): Plan => {
    const p = args.quick ? quick : full;
    return { steps: args.steps ?? p.steps, warmup: args.warmup ?? p.warmup };
  };
  const out: ChildOutput = { case: c, backend, results: [], notes: [], wallMs: 0 };
  log(`[${b}] case ${c}${c === 'peer-enc' || c === 'peer-adv' || c === 'peer-idaa' ? ` (bn ${args.bn})` : ''}${args.quick ? ' (quick)' : ''}`);
  switch (c) {
    case 'probe':
      // Only the backend selection: the parent learns whether (and with which adapter) webgpu runs.
      break;
    case 'peer-vae':
      out.results.push(await peerCase(ctx, 'vae', args.bn, P({ steps: 20, warmup: 3 }, { steps: 3, warmup: 1 })));
      break;
    case 'peer-enc':
      out.results.push(await peerCase(ctx, 'enc', args.bn, P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 })));
      break;
    case 'peer-adv':
      out.results.push(await peerCase(ctx, 'adv', args.bn, P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 })));
      break;
    case 'peer-idaa':
      out.results.push(await peerCase(ctx, 'idaa', args.bn, P({ steps: 6, warmup: 2 }, { steps: 2, warmup: 1 })));
      break;
    case 'small': {
      const plans: PresetPlans = {
        vae: P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 }),
        simclr: P({ steps: 5, warmup: 1 }, { steps: 1, warmup: 1 }),
        adv: P({ steps: 5, warmup: 1 }, { steps: 1, warmup: 1 }),
        idaa: P({ steps: 5, warmup: 1 }, { steps: 1, warmup: 1 }),
        augment: P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 }),
      };
      out.results.push(...(await presetCase(ctx, 'small', args.batch ?? 64, plans)));
      break;
    }
    // The IDAA step runs in its own child: on wasm it can exhaust the 4 GiB heap, which aborts the process.
    case 'reference':
    case 'reference-idaa': {
      const plan = P({ steps: 3, warmup: 1 }, { steps: 1, warmup: 0 });
      const plans: PresetPlans = c === 'reference' ? { vae: plan, simclr: plan, adv: plan } : { idaa: plan };
      out.results.push(...(await presetCase(ctx, 'reference', args.batch ?? 32, plans)));
      if (plan.warmup === 0) out.notes.push(`${c} on ${b}: no warm-up step (--quick), first-step overheads included`);
      break;
    }
    case 'methods':
      out.results.push(...(await methodsCase(ctx, args.batch ?? 64, P({ steps: 3, warmup: 1 }, { steps: 1, warmup: 1 }))));
      break;
    case 'inspect': {
      const p = P({ steps: 7, warmup: 2 }, { steps: 2, warmup: 1 });
      out.inspect = inspectCase(ctx, p.steps, p.warmup);
      break;
    }
    case 'memory': {
      const steps = args.steps ?? (args.quick ? 30 : 300);
      out.memory = await peerMemoryCase(ctx, steps, args.quick ? 10 : 50);
      break;
    }
    case 'memory-idaa': {
      const steps = args.steps ?? (args.quick ? 30 : 1000);
      out.memory = await idaaMemoryCase(ctx, 'tiny', 32, steps, args.quick ? 10 : 100);
      break;
    }
    case 'long': {
      const steps = args.steps ?? 1000;
      out.memory = await idaaMemoryCase(ctx, 'small', 64, steps, Math.max(1, Math.min(50, Math.floor(steps / 10))));
      break;
    }
  }
  out.wallMs = Math.round(performance.now() - t0);
  const heap = wasmHeapMB();
  if (heap !== undefined) out.wasmHeapMB = heap;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(out)}\n`);
}

// ---------------------------------------------------------------- parent

function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirtyFiles = dirty.status === 0 ? dirty.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim()) : [];
  // A copy without .git (the GPU machine's) is told its commit by bench/gpu/run.sh.
  const commit = git.status === 0 ? git.stdout.trim() + (dirty.status === 0 && dirty.stdout.trim() !== '' ? '+dirty' : '') : (process.env.IDAA_BENCH_COMMIT ?? 'unknown');
  return {
    cpuModel,
    cores: cpus().length,
    availableParallelism: availableParallelism(),
    totalMemGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: tf.version_core,
    gitCommit: commit,
    gitDirty: dirtyFiles.slice(0, 40),
    loadAvgAtStart: loadavg(),
  };
}

function tensorflowAvailable(): { ok: boolean; why?: string } {
  const req = createRequire(join(REPO_ROOT, 'package.json'));
  for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      req.resolve(pkg);
      return { ok: true };
    } catch {
      // try the next one
    }
  }
  return { ok: false, why: '@tensorflow/tfjs-node (optional dependency) is not installed' };
}

interface ChildRun {
  ok: boolean;
  out?: ChildOutput;
  error?: string;
  wallMs: number;
  backgroundCores?: number;
}

/** Runs one child; its stderr is passed through and its tail kept for the error message. */
function spawnChild(args: string[]): Promise<ChildRun> {
  const t0 = performance.now();
  const cpu0 = cpuSnapshot();
  return new Promise((resolvePromise) => {
    const env = { ...process.env };
    delete env.IDAA_BACKEND; // it would override the child's --backend
    delete env.IDAA_WASM_THREADS; // and this its --threads
    const child = spawn(process.execPath, [process.argv[1], ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let errTail = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      process.stderr.write(d);
      errTail = (errTail + d).slice(-4000);
    });
    child.on('error', (e) => resolvePromise({ ok: false, error: e.message, wallMs: performance.now() - t0 }));
    child.on('close', (code, signal) => {
      const wallMs = Math.round(performance.now() - t0);
      const bg = backgroundCores(cpu0, cpuSnapshot());
      const extra = bg === undefined ? {} : { backgroundCores: bg };
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || line === undefined) {
        // The first line naming the error (wasm aborts print "Aborted()" then a RuntimeError).
        const why = errTail
          .split('\n')
          .map((l) => l.trim())
          .find((l) => /^(bench: )?\w*Error\b|Aborted\(/.test(l));
        resolvePromise({ ok: false, error: `exit ${code ?? signal}${line === undefined ? ', no result' : ''}${why ? `: ${why.slice(0, 600)}` : ''}`, wallMs, ...extra });
        return;
      }
      try {
        resolvePromise({ ok: true, out: JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildOutput, wallMs, ...extra });
      } catch (e) {
        resolvePromise({ ok: false, error: `unparseable result: ${(e as Error).message}`, wallMs, ...extra });
      }
    });
  });
}

interface Job {
  name: CaseName;
  backend: BackendArg;
  args: string[];
  /** Run when this job fails (e.g. the reference IDAA step at a batch that fits the wasm heap). */
  fallback?: { args: string[]; note: string };
}

function plannedJobs(args: Args, tfOk: boolean, webgpuOk: boolean): Job[] {
  const want = (c: CaseName): boolean => (args.only ? args.only.has(c) : c !== 'long' || args.long !== undefined);
  const wantBackend = (b: BackendArg): boolean => !args.backends || args.backends.has(b);
  const q = args.quick ? ['--quick'] : [];
  const jobs: Job[] = [];
  const add = (name: CaseName, backend: BackendArg, childCase: ChildCase, extra: string[] = [], fallback?: Job['fallback']): void => {
    if (want(name) && wantBackend(backend)) jobs.push({ name, backend, args: ['--backend', backend, '--case', childCase, ...q, ...extra], ...(fallback ? { fallback } : {}) });
  };
  for (const b of ['wasm', ...(tfOk ? ['tensorflow' as const] : [])] as BackendArg[]) {
    add('peer-vae', b, 'peer-vae');
    add('peer-enc', b, 'peer-enc');
    if (b === 'wasm') {
      add('bn-ab', b, 'peer-enc', ['--bn', 'moments']);
      add('bn-ab', b, 'peer-enc', ['--bn', 'tf']);
    }
    add('peer-adv', b, 'peer-adv');
    add('peer-idaa', b, 'peer-idaa');
    add('small', b, 'small');
    add('methods', b, 'methods');
    add('inspect', b, 'inspect');
    add('reference', b, 'reference');
    add('reference', b, 'reference-idaa', [], {
      args: ['--backend', b, '--case', 'reference-idaa', ...q, '--batch', '16'],
      note: `reference IDAA step failed at batch 32 on ${b}; measured at batch 16 instead`,
    });
  }
  // webgpu: the peer shapes (against PyTorch CUDA) and the reference preset at the authors' batch.
  if (webgpuOk) {
    for (const c of ['peer-vae', 'peer-enc', 'peer-adv', 'peer-idaa'] as const) add(c, 'webgpu', c);
    const b = ['--batch', String(GPU_REFERENCE_BATCH)];
    add('reference', 'webgpu', 'reference', b);
    add('reference', 'webgpu', 'reference-idaa', b, {
      args: ['--backend', 'webgpu', '--case', 'reference-idaa', ...q, '--batch', String(GPU_REFERENCE_BATCH / 2)],
      note: `reference IDAA step failed at batch ${GPU_REFERENCE_BATCH} on webgpu; measured at batch ${GPU_REFERENCE_BATCH / 2} instead`,
    });
  }
  // wasm on all cores (tfjs's threaded build), compared with PyTorch at the same thread count.
  const cores = availableParallelism();
  if (cores > 1) {
    const t = ['--threads', String(Math.min(cores, 8))];
    for (const c of ['peer-vae', 'peer-enc', 'peer-adv', 'peer-idaa', 'small'] as const) add(c, 'wasm', c, t);
  }
  // The pure-JS cpu backend is very slow (about a minute per peer VAE step): one timed step.
  add('peer-vae', 'cpu', 'peer-vae', args.quick ? ['--steps', '1', '--warmup', '0'] : ['--steps', '1', '--warmup', '1']);
  add('memory', 'wasm', 'memory');
  add('memory', 'wasm', 'memory-idaa');
  if (want('long')) add('long', 'wasm', 'long', ['--steps', String(args.long ?? 1000)]);
  return jobs;
}

async function runParent(args: Args): Promise<void> {
  const t0 = performance.now();
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const tfAvail = tensorflowAvailable();
  const results: BenchResults = {
    kind: 'idaa-studio-bench',
    createdAt: new Date().toISOString(),
    argv: process.argv.slice(2),
    quick: args.quick,
    machine: machineInfo(),
    backends: [
      { backend: 'wasm', available: true },
      { backend: 'cpu', available: true },
      { backend: 'tensorflow', available: tfAvail.ok, ...(tfAvail.ok ? {} : { why: tfAvail.why }) },
    ],
    torch: { availability: checkTorch(REPO_ROOT), results: [] },
    results: [],
    memory: [],
    inspect: [],
    notes: [],
    children: [],
    wallMs: 0,
  };
  const save = (): void => {
    results.wallMs = Math.round(performance.now() - t0);
    results.machine.loadAvgAtEnd = loadavg();
    writeFileSync(join(resultsDir, `${args.out}.json`), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(resultsDir, `${args.out}.md`), renderMarkdown(results));
  };
  const m = results.machine;
  log(`[bench] ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, tfjs ${m.tfjs}${args.quick ? ', --quick' : ''}; load average ${m.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  if (!tfAvail.ok) results.notes.push(`tensorflow backend skipped: ${tfAvail.why}`);
  const disturbed: string[] = [];

  const wantTorch = args.torch && (!args.only || args.only.has('torch'));
  if (wantTorch && !results.torch.availability.ok) {
    results.notes.push(`PyTorch peer skipped: ${results.torch.availability.why}`);
    log(`[bench] PyTorch peer skipped: ${results.torch.availability.why}`);
  } else if (wantTorch) {
    const [steps, warm] = args.quick ? [3, 1] : [10, 3];
    for (const threads of [1, 2]) {
      for (const what of ['vae', 'enc', 'adv'] as PeerWhat[]) {
        log(`[torch] ${what} THREADS=${threads} (${steps} steps after ${warm} warm-up)`);
        try {
          const r: TorchPeerResult = runTorchPeer(results.torch.availability, what, threads, steps, warm);
          results.torch.results.push(r);
          log(`[torch] ${what} ${threads}t: ${r.imgPerSec} img/s (${r.medianMs} ms/step; other processes used ${r.backgroundCores ?? '?'} cores)`);
          if ((r.backgroundCores ?? 0) > BACKGROUND_THRESHOLD) disturbed.push(`torch ${what} ${threads}t (${r.backgroundCores} cores)`);
        } catch (e) {
          results.notes.push(`torch ${what} ${threads}t failed: ${(e as Error).message}`);
          log(`[torch] ${(e as Error).message}`);
        }
      }
    }
    save();
  } else if (!args.torch) {
    results.notes.push('PyTorch peer not run (--no-torch)');
  }

  if (args.torchCuda) {
    const cuda: NonNullable<BenchResults['torchCuda']> = { script: TORCH_CUDA_SCRIPT, results: [], errors: [] };
    results.torchCuda = cuda;
    const [steps, warm] = args.quick ? [5, 2] : [30, 5];
    for (const what of ['vae', 'enc', 'adv'] as PeerWhat[]) {
      log(`[torch cuda] ${what} (${steps} steps after ${warm} warm-up)`);
      try {
        const r = runTorchCudaPeer(REPO_ROOT, what, steps, warm);
        cuda.results.push(r);
        log(`[torch cuda] ${what}: ${r.imgPerSec} img/s (${r.medianMs} ms/step on ${r.deviceName ?? 'cuda'}, torch ${r.torchVersion ?? '?'})`);
      } catch (e) {
        cuda.errors.push((e as Error).message);
        results.notes.push(`torch CUDA ${what} failed: ${(e as Error).message}`);
        log(`[torch cuda] ${(e as Error).message}`);
      }
    }
    save();
  }

  // webgpu runs only where a child finds an adapter: it says which, or why there is none.
  let webgpuOk = false;
  if (!args.backends || args.backends.has('webgpu')) {
    const probe = await spawnChild(['--backend', 'webgpu', '--case', 'probe']);
    // A software adapter (SwiftShader) runs the engine's GPU code on the CPU: a correctness tool, no benchmark.
    const software = probe.out !== undefined && !probe.out.backend.summary.startsWith('backend webgpu [GPU');
    webgpuOk = probe.ok && probe.out !== undefined && !software;
    const why = software ? `only a software adapter: ${probe.out?.backend.summary ?? ''}` : (probe.error ?? 'the probe failed');
    const entry: BenchResults['backends'][number] = webgpuOk && probe.out ? { backend: 'webgpu', available: true, info: probe.out.backend } : { backend: 'webgpu', available: false, why };
    results.backends.push(entry);
    if (!webgpuOk) {
      results.notes.push(`webgpu backend skipped: ${entry.why}`);
      log(`[bench] webgpu skipped: ${entry.why}`);
    }
  }

  const jobs = plannedJobs(args, tfAvail.ok, webgpuOk);
  for (const [i, job] of jobs.entries()) {
    log(`[bench] (${i + 1}/${jobs.length}) ${job.backend} ${job.name}: node dist/bench.js ${job.args.join(' ')}`);
    let r = await spawnChild(job.args);
    let args2 = job.args;
    results.children.push(childRecord(job, job.args, r));
    if (!r.ok && job.fallback) {
      log(`[bench] ${job.backend} ${job.name} failed (${r.error}); fallback: node dist/bench.js ${job.fallback.args.join(' ')}`);
      results.notes.push(`${job.fallback.note} (${r.error})`);
      args2 = job.fallback.args;
      r = await spawnChild(args2);
      results.children.push(childRecord(job, args2, r));
    }
    const bg = r.backgroundCores;
    if (r.out) {
      const tag = <T extends { backgroundCores?: number }>(x: T): T => (bg === undefined ? x : { ...x, backgroundCores: bg });
      results.results.push(...r.out.results.map(tag));
      if (r.out.memory) results.memory.push(tag(r.out.memory));
      if (r.out.inspect) results.inspect.push(tag(r.out.inspect));
      results.notes.push(...r.out.notes);
      const entry = results.backends.find((x) => x.backend === job.backend);
      if (entry && !entry.info) entry.info = r.out.backend;
      for (const s of r.out.results) {
        if (s.tensorsPerStep !== 0) results.notes.push(`tensor leak: ${s.backend} ${s.group}/${s.step} leaves ${s.tensorsPerStep} tensors per step`);
      }
      if ((bg ?? 0) > BACKGROUND_THRESHOLD) disturbed.push(`${job.backend} ${job.name} (${bg} cores)`);
    } else {
      log(`[bench] ${job.backend} ${job.name} FAILED: ${r.error}`);
    }
    log(`[bench] ${job.backend} ${job.name} done in ${(r.wallMs / 1000).toFixed(0)} s${bg !== undefined ? ` (other processes used ${bg} cores)` : ''}`);
    save();
  }
  if (args.only ? args.only.has('inspect-live') : true) {
    log('[bench] inspect-live: node dist/benchInspectLive.js (two workers: one trains, one inspects)');
    const live = spawnSync(process.execPath, [join(__dirname, 'benchInspectLive.js'), ...(args.quick ? ['--quick'] : []), '--out', join(tmpdir(), `idaa-inspect-live-${process.pid}.json`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
    const line = (live.stdout ?? '').split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (live.status === 0 && line) results.inspectLive = JSON.parse(line.slice(RESULT_PREFIX.length)) as InspectLiveResult;
    else results.notes.push(`inspect-live failed: exit ${live.status ?? live.signal}`);
    save();
  }
  for (const mt of results.memory) {
    if (!mt.tensorsFlat) results.notes.push(`tensor count not flat over ${mt.steps} ${mt.what} steps: ${mt.samples.map((s) => s.numTensors).join(' → ')}`);
  }
  for (const ins of results.inspect) {
    for (const [what, x] of [['fresh', ins.fresh], ['ε change', ins.epsChange]] as const) {
      if (x.tensorsPerRun !== 0) results.notes.push(`tensor leak: inspection (${what}) on ${ins.backend} leaves ${x.tensorsPerRun} tensors per run`);
    }
  }
  if (disturbed.length > 0) {
    results.notes.push(`other processes used more than ${BACKGROUND_THRESHOLD} cores during: ${disturbed.join(', ')} — those timings are pessimistic; rerun on an idle machine`);
  }
  save();
  log(`[bench] wrote ${join(resultsDir, `${args.out}.json`)} and ${args.out}.md in ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  process.stderr.write('\n' + readFileSync(join(resultsDir, `${args.out}.md`), 'utf8'));
}

/** e.g. "reference-idaa --batch 16" or "peer-enc --bn tf": what the child ran. */
function childLabel(args: string[]): string {
  const at = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  return [at('--case') ?? '?', ...['--bn', '--batch', '--steps'].filter((f) => at(f) !== undefined).map((f) => `${f} ${at(f)}`)].join(' ');
}

function childRecord(job: Job, args: string[], r: ChildRun): BenchResults['children'][number] {
  return {
    backend: job.backend,
    case: childLabel(args),
    args,
    ok: r.ok,
    wallMs: r.wallMs,
    ...(r.error ? { error: r.error } : {}),
    ...(r.backgroundCores !== undefined ? { backgroundCores: r.backgroundCores } : {}),
    ...(r.out?.wasmHeapMB !== undefined ? { wasmHeapMB: r.out.wasmHeapMB } : {}),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.childCase !== undefined) await runChild(args);
  else await runParent(args);
}

main().catch((e: unknown) => {
  log(`bench: ${e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
