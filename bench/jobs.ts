/** The parent's jobs: which child runs to start for the arguments, starting one, and its record. */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Args, CaseName, ChildCase, RESULT_PREFIX } from './args';
import { backgroundCores, cpuSnapshot } from './load';
import type { BackendArg, BenchResults, ChildOutput } from './types';

/** The reference preset's batch on a GPU (the authors' setting); CPU backends measure it at 32. */
const GPU_REFERENCE_BATCH = 256;

export interface ChildRun {
  ok: boolean;
  out?: ChildOutput;
  error?: string;
  wallMs: number;
  backgroundCores?: number;
}

/** Runs one child; its stderr is passed through and its tail kept for the error message. */
export function spawnChild(args: string[]): Promise<ChildRun> {
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

export interface Job {
  name: CaseName;
  backend: BackendArg;
  args: string[];
  /** Run when this job fails (e.g. the reference IDAA step at a batch that fits the wasm heap). */
  fallback?: { args: string[]; note: string };
}

export function plannedJobs(args: Args, tfOk: boolean, webgpuOk: boolean): Job[] {
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

/** e.g. "reference-idaa --batch 16" or "peer-enc --bn tf": what the child ran. */
function childLabel(args: string[]): string {
  const at = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  return [at('--case') ?? '?', ...['--bn', '--batch', '--steps'].filter((f) => at(f) !== undefined).map((f) => `${f} ${at(f)}`)].join(' ');
}

export function childRecord(job: Job, args: string[], r: ChildRun): BenchResults['children'][number] {
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
