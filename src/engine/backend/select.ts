// Picks the tfjs backend once, before any tensor exists.
//
// Order in 'auto': native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu, only when it finds a
// CUDA GPU), WebGPU (webgpu.ts; only a hardware adapter), native TensorFlow on CPU
// (@tensorflow/tfjs-node), the wasm backend (XNNPACK, SIMD), then the pure-JS cpu backend. The
// native packages are optional dependencies that often fail to install, so they are required at
// run time under computed names (bundlers keep them external).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tfjs-core alone registers no gradients
// A named import: the package's "sideEffects" list omits its node bundle, so esbuild drops a bare
// `import '@tensorflow/tfjs-backend-cpu'` and the cpu backend silently goes missing from dist/.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { IdaaError } from '../../common/errors';
import { registerWasmConvGradients } from './wasmConvGrads';
import { startWebgpu, WebGpuAdapterInfo, WebGpuLoader } from './webgpu';
import { registerWasmFastKernels } from './wasmFastKernels';
import { initThreadedWasm, threadedSources } from './wasmThreads';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export interface BackendAttempt {
  candidate: string;
  ok: boolean;
  why: string;
}
export interface BackendChoice {
  name: BackendName;
  gpu: boolean;
  threads: number;
  /** The webgpu backend's adapter. */
  adapter?: WebGpuAdapterInfo;
  attempts: BackendAttempt[];
}

/** The backend cannot be used as asked; the message says which one and why. */
export class BackendError extends IdaaError {}

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
export const BACKEND_ENV_VAR = 'IDAA_BACKEND';
/** Threads for the wasm backend: a positive integer, or 'auto' (the machine's cores, at most 8). */
export type WasmThreads = number | 'auto';
export const WASM_THREADS_ENV_VAR = 'IDAA_WASM_THREADS';
/** Emscripten's pthread pool in tfjs 4.22 holds 8 workers. */
const MAX_WASM_THREADS = 8;

const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE_CPU = '@tensorflow/tfjs-node';
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];
const WASM_THREADED = 'tfjs-backend-wasm-threaded-simd.wasm';

// `require` exists in the CommonJS build and under tsx; the fallback covers an ESM loader.
const nodeRequire: NodeJS.Require =
  typeof require === 'function' ? require : createRequire(join(process.cwd(), 'package.json'));

function isPreference(v: string): v is BackendPreference {
  return (BACKEND_PREFERENCES as readonly string[]).includes(v);
}

/** The IDAA_BACKEND environment variable, validated; undefined when unset or empty. */
export function backendFromEnv(): BackendPreference | undefined {
  const raw = process.env[BACKEND_ENV_VAR];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim().toLowerCase();
  if (isPreference(value)) return value;
  throw new BackendError(
    `environment variable ${BACKEND_ENV_VAR} is ${JSON.stringify(raw)}; allowed values: ${BACKEND_PREFERENCES.join(', ')}`,
  );
}

/** A thread setting, validated (`what` names where it came from, for the error). */
export function parseWasmThreads(raw: string | number, what: string): WasmThreads {
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (v === 'auto') return 'auto';
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= MAX_WASM_THREADS) return n;
  throw new BackendError(`${what} is ${JSON.stringify(raw)}; allowed: 'auto' or a whole number of threads from 1 to ${MAX_WASM_THREADS}`);
}

/** IDAA_WASM_THREADS, validated; undefined when unset or empty. */
export function wasmThreadsFromEnv(): WasmThreads | undefined {
  const raw = process.env[WASM_THREADS_ENV_VAR];
  if (raw === undefined || raw.trim() === '') return undefined;
  return parseWasmThreads(raw, `environment variable ${WASM_THREADS_ENV_VAR}`);
}

/** 'auto' → the machine's cores (at most 8); a number as given. */
export function resolveWasmThreads(t: WasmThreads): number {
  return t === 'auto' ? Math.max(1, Math.min(MAX_WASM_THREADS, availableParallelism())) : t;
}

/** One line for logs: the backend, its threads (or its adapter), and why better candidates were skipped. */
export function backendSummary(choice: BackendChoice): string {
  const chosen = choice.attempts.find((a) => a.ok);
  const detail = [
    choice.gpu ? 'GPU' : 'CPU',
    // A count of CPU threads says nothing about a WebGPU device: its adapter (in `why`) does.
    ...(choice.name === 'webgpu' ? [] : [`${choice.threads} thread${choice.threads === 1 ? '' : 's'}`]),
    ...(chosen && chosen.why !== '' ? [chosen.why] : []),
  ].join(', ');
  const skipped = choice.attempts.filter((a) => !a.ok).map((a) => `${a.candidate} (${a.why})`);
  return `backend ${choice.name} [${detail}]${skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : ''}`;
}

type Outcome = { ok: true; choice: Omit<BackendChoice, 'attempts'>; why: string } | { ok: false; why: string };

interface Candidate {
  label: string;
  backend: BackendName;
  /** Must not touch tfjs state when it fails before loading anything. */
  load(): Promise<Outcome>;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

/** The last choice of this process: what `activeBackend()` reports (run state, listings). */
let lastChoice: BackendChoice | undefined;

/** The backend selectBackend last chose in this process, if it ran. */
export function activeBackend(): BackendChoice | undefined {
  return lastChoice;
}

/** The package the 'tensorflow' backend came from in this process, if any. */
let nativeLoadedFrom: string | undefined;

async function activate(name: BackendName): Promise<string | undefined> {
  try {
    if (await tf.setBackend(name)) return undefined;
    return 'backend initialisation failed (tfjs logged the cause above)';
  } catch (e) {
    return firstLine(e);
  }
}

function nativeCandidate(pkg: string, requireGpu: boolean): Candidate {
  return {
    label: pkg,
    backend: 'tensorflow',
    async load() {
      if (nativeLoadedFrom !== undefined && nativeLoadedFrom !== pkg) {
        return { ok: false, why: `not tried: ${nativeLoadedFrom} already provides the tensorflow backend` };
      }
      if (nativeLoadedFrom === undefined) {
        try {
          nodeRequire(pkg); // computed name: bundlers must not inline the native addon
        } catch (e) {
          const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND' && firstLine(e).includes(`'${pkg}'`);
          return { ok: false, why: missing ? 'not installed' : firstLine(e) };
        }
        if (tf.findBackendFactory('tensorflow') == null) {
          return { ok: false, why: 'loaded but registered no tensorflow backend (a second copy of @tensorflow/tfjs-core?)' };
        }
        nativeLoadedFrom = pkg;
      }
      const failed = await activate('tensorflow');
      if (failed !== undefined) return { ok: false, why: failed };
      // NodeJSKernelBackend reports whether TensorFlow found a CUDA device.
      const gpu = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
      if (requireGpu && !gpu) {
        return { ok: false, why: 'loaded, but TensorFlow found no usable CUDA GPU (check the CUDA/cuDNN install)' };
      }
      // TensorFlow sizes its intra-op thread pool from the core count.
      return { ok: true, choice: { name: 'tensorflow', gpu, threads: availableParallelism() }, why: '' };
    },
  };
}

/** Where the .wasm binaries are: next to the bundle (dist/), else in node_modules. */
function defaultWasmDir(): string | undefined {
  if (typeof __dirname === 'string' && existsSync(join(__dirname, WASM_FILES[0]))) return __dirname;
  try {
    return join(dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

/** Why the threaded build cannot start from `dir`, checked before tfjs state changes; undefined if it can. */
function threadedUnavailable(dir: string, simd: boolean): string | undefined {
  if (!simd) return 'no SIMD (the threaded build needs it)';
  if (!existsSync(join(dir, WASM_THREADED))) return `${WASM_THREADED} not found in ${dir}`;
  if (threadedSources(dir) === undefined) return `its JS files are not in ${dir}`;
  return undefined;
}

function wasmCandidate(wasmDir: string | undefined, threads: number, log: (line: string) => void): Candidate {
  return {
    label: 'wasm',
    backend: 'wasm',
    async load() {
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      let note = '';
      // Paths and threads only matter before the first initialisation; tfjs refuses them after it.
      if (tf.engine().registry['wasm'] === undefined) {
        const dir = wasmDir ?? defaultWasmDir();
        if (dir === undefined) {
          return { ok: false, why: 'cannot find the tfjs-backend-wasm binaries (not next to the bundle, not in node_modules)' };
        }
        const missing = WASM_FILES.filter((f) => !existsSync(join(dir, f)));
        if (missing.length > 0) return { ok: false, why: `${missing.join(', ')} not found in ${dir}` };
        const noThreads = threads > 1 ? threadedUnavailable(dir, simd) : 'one thread asked';
        if (noThreads === undefined) {
          try {
            await initThreadedWasm(threads, dir);
          } catch (e) {
            return { ok: false, why: `the threaded build failed to start: ${firstLine(e)} (${WASM_THREADS_ENV_VAR}=1 runs one thread)` };
          }
        } else {
          if (threads > 1) {
            note = `; ${threads} threads asked, but ${noThreads}`;
            log(`wasm: ${threads} threads asked, but ${noThreads}: running one thread`);
          }
          try {
            setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
          } catch (e) {
            return { ok: false, why: firstLine(e) };
          }
        }
      }
      const failed = await activate('wasm');
      if (failed !== undefined) return { ok: false, why: failed };
      registerWasmConvGradients();
      registerWasmFastKernels();
      return { ok: true, choice: { name: 'wasm', gpu: false, threads: getThreadsCount() }, why: `${simd ? 'SIMD' : 'no SIMD'}${note}` };
    },
  };
}

/** `allowSoftware`: only for 'webgpu' asked by name; 'auto' prefers wasm to a software adapter. */
function webgpuCandidate(allowSoftware: boolean, loader: WebGpuLoader | undefined, log: (line: string) => void): Candidate {
  return {
    label: 'webgpu',
    backend: 'webgpu',
    async load() {
      const r = await startWebgpu({ allowSoftware, log, ...(loader ? { loader } : {}) });
      if (!r.ok) return r;
      return { ok: true, choice: { name: 'webgpu', gpu: !r.adapter.isFallbackAdapter, threads: 1, adapter: r.adapter }, why: r.why };
    },
  };
}

/**
 * The 'tensorflow' step of 'auto': tfjs-node, or tfjs-node-gpu's backend on CPU when that package
 * loaded earlier but found no CUDA GPU (a process has only one native backend).
 */
function nativeCpuStep(): Candidate {
  const plain = nativeCandidate(NODE_CPU, false);
  const viaGpuPackage = nativeCandidate(NODE_GPU, false);
  return {
    get label() {
      return nativeLoadedFrom === NODE_GPU ? NODE_GPU : NODE_CPU;
    },
    backend: 'tensorflow',
    load: () => (nativeLoadedFrom === NODE_GPU ? viaGpuPackage.load() : plain.load()),
  };
}

const cpuCandidate: Candidate = {
  label: 'cpu',
  backend: 'cpu',
  async load() {
    // Referencing the class keeps the package (and its kernel registrations) in the bundle.
    if (tf.findBackendFactory('cpu') == null) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
    const failed = await activate('cpu');
    if (failed !== undefined) return { ok: false, why: failed };
    return { ok: true, choice: { name: 'cpu', gpu: false, threads: 1 }, why: 'pure JavaScript, slow' };
  },
};

function candidatesFor(preference: BackendPreference, wasm: Candidate, webgpu: (allowSoftware: boolean) => Candidate): Candidate[] {
  switch (preference) {
    case 'auto':
      return [nativeCandidate(NODE_GPU, true), webgpu(false), nativeCpuStep(), wasm, cpuCandidate];
    case 'tensorflow-gpu':
      return [nativeCandidate(NODE_GPU, true)];
    case 'webgpu':
      return [webgpu(true)];
    case 'tensorflow':
      // Either package provides the native backend; prefer the plain one when asked for 'tensorflow'.
      return [nativeCandidate(NODE_CPU, false), nativeCandidate(NODE_GPU, false)];
    case 'wasm':
      return [wasm];
    case 'cpu':
      return [cpuCandidate];
  }
}

/** Tensors made before the switch would stay on the old backend and be copied lazily. */
function assertNothingAllocated(): void {
  const engine = tf.engine();
  const n = engine.state.numTensors;
  if (n > 0) {
    const vars = Object.keys(engine.state.registeredVariables).length;
    throw new BackendError(
      `selectBackend must run before any tensor or variable is created, but ${n} tensor(s)` +
        `${vars > 0 ? ` and ${vars} variable(s)` : ''} already exist on backend '${engine.backendName}'`,
    );
  }
}

/** Buffers without tensors mean something allocated behind the engine's back (or leaked). */
function assertOthersEmpty(chosen: BackendName): void {
  for (const [name, backend] of Object.entries(tf.engine().registry)) {
    if (name !== chosen && backend.numDataIds() > 0) {
      throw new BackendError(
        `backend '${name}' was already initialised and holds ${backend.numDataIds()} buffer(s); ` +
          `selectBackend must run before any tensor is created`,
      );
    }
  }
}

/**
 * Chooses and activates the backend. IDAA_BACKEND overrides `preference`. 'auto' falls back down
 * the list; any other preference either works or throws a BackendError saying why.
 */
export async function selectBackend(opts?: {
  preference?: BackendPreference;
  wasmDir?: string;
  /** wasm only: XNNPACK threads (default 1; IDAA_WASM_THREADS overrides). More than one uses tfjs's threaded build. */
  wasmThreads?: WasmThreads;
  /** How the webgpu packages are loaded (tests simulate a missing package with it). */
  webgpuLoader?: WebGpuLoader;
  log?: (line: string) => void;
}): Promise<BackendChoice> {
  const fromEnv = backendFromEnv();
  const preference = fromEnv ?? opts?.preference ?? 'auto';
  if (!isPreference(preference)) {
    throw new BackendError(`backend preference ${JSON.stringify(preference)}; allowed: ${BACKEND_PREFERENCES.join(', ')}`);
  }
  assertNothingAllocated();
  // Production mode: no debug checks, and no "install tfjs-node" banner from the cpu backend (the
  // log line below already says which backends were skipped and why).
  tf.env().set('PROD', true);

  const log = opts?.log ?? ((line: string) => console.error(line)); // stderr: stdout may carry protocol messages
  const threads = resolveWasmThreads(wasmThreadsFromEnv() ?? opts?.wasmThreads ?? 1);
  const attempts: BackendAttempt[] = [];
  const webgpu = (allowSoftware: boolean): Candidate => webgpuCandidate(allowSoftware, opts?.webgpuLoader, log);
  for (const candidate of candidatesFor(preference, wasmCandidate(opts?.wasmDir, threads, log), webgpu)) {
    assertOthersEmpty(candidate.backend);
    const outcome = await candidate.load();
    if (!outcome.ok) {
      attempts.push({ candidate: candidate.label, ok: false, why: outcome.why });
      continue;
    }
    attempts.push({ candidate: candidate.label, ok: true, why: outcome.why });
    const choice: BackendChoice = { ...outcome.choice, attempts };
    lastChoice = choice;
    log(backendSummary(choice));
    return choice;
  }

  const source = fromEnv !== undefined ? `${BACKEND_ENV_VAR}=${fromEnv}` : `preference '${preference}'`;
  const reasons = attempts.map((a) => `${a.candidate}: ${a.why}`).join('; ');
  const hint =
    preference === 'tensorflow' || preference === 'tensorflow-gpu'
      ? ` (install ${preference === 'tensorflow' ? NODE_CPU : NODE_GPU} 4.22.0, or use 'auto' or 'wasm')`
      : preference === 'webgpu'
        ? " (needs a GPU with Vulkan, Metal or D3D12 drivers and the optional packages webgpu 0.6.2 and @tensorflow/tfjs-backend-webgpu 4.22.0; 'auto' falls back to the next backend)"
        : '';
  throw new BackendError(`backend ${source} is not available: ${reasons}${hint}`);
}
