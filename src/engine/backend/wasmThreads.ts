// The threaded tfjs wasm backend in Node: XNNPACK on several threads (tfjs never enables it in
// Node, tfjs issue 3830). Measured on 2 cores (bench/NOTES.md): training steps 1.45-1.56x faster
// than one thread, bit-identical results.
//
// tfjs-backend-wasm 4.22 ships the Emscripten pthread build (tfjs-backend-wasm-threaded-simd.*),
// but WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false in Node, and even forced on, the pthread
// pool cannot start there. What this module works around, all of it Emscripten/tfjs internals of
// that version (the factory's layout is checked, and selection falls back to one thread on any
// failure before the backend initialises):
//  1. Emscripten spawns each pthread with `new Worker(<blob: URL of the worker source>)`, which
//     worker_threads.Worker cannot load, and assigns `global.Worker = worker_threads.Worker` on
//     start-up. -> globalThis.Worker is pinned (setter ignored) to a subclass of
//     worker_threads.Worker that evaluates the worker source (`eval: true`) whatever it is given.
//  2. The pthread 'load' message carries the *transpiled* factory from tfjs's bundle as a Blob,
//     which needs bundle-scoped helpers and a URL Node cannot read. -> the subclass's postMessage
//     swaps in the untranspiled factory text (wasm-out/…threaded-simd.js without its CommonJS
//     tail), and the worker source gets an importScripts() that evaluates text.
//  3. backend.cc caps XNNPACK's pool at (logical cores)/2, i.e. 1 thread on 2 cores. -> os.cpus()
//     reports max(real, 2·threads) entries while the backend initialises, then is restored.
//  4. Emscripten ref()s a pool worker while it runs a pthread, and XNNPACK's threads never end, so
//     the process would never exit. -> every worker is unref'd and ref() does nothing.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

// `require` exists in the CommonJS build and under tsx; the fallback covers an ESM loader (as in select.ts).
const req: NodeJS.Require = typeof require === 'function' ? require : createRequire(join(process.cwd(), 'package.json'));
// The CommonJS module object, the one Emscripten's `require("os")` sees (mutable, unlike an ESM namespace).
const osModule = req('os') as typeof import('node:os');

const THREADED_JS = 'tfjs-backend-wasm-threaded-simd.js';
const THREADED_WORKER_JS = 'tfjs-backend-wasm-threaded-simd.worker.js';

/**
 * Where the threaded build's two JS files are: next to the .wasm binaries (a bundle's dist/, where
 * the build copies them) or in the package's wasm-out/ (running from source).
 */
export function threadedSources(wasmDir: string): { factory: string; worker: string } | undefined {
  for (const dir of [wasmDir, join(wasmDir, '..', 'wasm-out')]) {
    const factory = join(dir, THREADED_JS);
    const worker = join(dir, THREADED_WORKER_JS);
    if (existsSync(factory) && existsSync(worker)) return { factory, worker };
  }
  return undefined;
}

/** The pthread worker source, plus an importScripts() that evaluates text (see 2. above). */
function workerSource(workerFile: string): string {
  const { wasmWorkerContents } = req(workerFile) as { wasmWorkerContents: string };
  // The worker source assigns global.importScripts = (file) => eval(readFileSync(file)); the
  // appended line replaces it before any message can arrive.
  // The template literal turned the source's "\n" escapes into newlines inside string literals.
  return `${wasmWorkerContents.replace(/\n/g, '\\n')}\n;global.importScripts=function(src){(0,eval)(src)};`;
}

/** The untranspiled Emscripten factory, defining the global WasmBackendModuleThreadedSimd. */
function factorySource(factoryFile: string): string {
  const text = readFileSync(factoryFile, 'utf8');
  const cut = text.indexOf("if (typeof exports === 'object' && typeof module === 'object')");
  if (cut < 0 || !text.includes('var WasmBackendModuleThreadedSimd')) {
    throw new Error(`unexpected layout of ${THREADED_JS}; this tfjs-backend-wasm version is not supported`);
  }
  return `${text.slice(0, cut)}\n//# sourceURL=${THREADED_JS}`;
}

let installed = false;

function installWorkerShim(files: { factory: string; worker: string }): void {
  if (installed) return;
  const source = workerSource(files.worker);
  const factory = factorySource(files.factory);
  class PthreadWorker extends NodeWorker {
    // Emscripten passes the (blob) URL of the worker script; the source is always the same.
    constructor(_url: unknown, _opts?: WorkerOptions) {
      super(source, { eval: true });
      super.unref(); // idle pool workers must not keep the process alive
    }
    // Emscripten ref()s a worker while it runs a pthread; XNNPACK's pool threads run for the
    // life of the backend, so they would keep the process alive forever. Never ref.
    override ref(): void {}
    override postMessage(msg: unknown, transfer?: readonly (ArrayBuffer | import('node:worker_threads').MessagePort)[]): void {
      if (typeof msg === 'object' && msg !== null && (msg as { cmd?: unknown }).cmd === 'load') {
        msg = { ...(msg as object), urlOrBlob: factory };
      }
      super.postMessage(msg, transfer as never);
    }
  }
  // Emscripten runs `global.Worker = worker_threads.Worker` at start-up: keep ours.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => PthreadWorker,
    set: () => {},
  });
  installed = true;
}

/**
 * Initialises tfjs's 'wasm' backend from the threaded SIMD build with `threads` XNNPACK threads
 * (the calling thread counts as one), reading the binaries from `wasmDir`. Must run before any
 * tensor exists and before anything else initialises the wasm backend; the caller checks SIMD
 * support first (the threaded build is SIMD only). Returns the thread count XNNPACK uses.
 */
export async function initThreadedWasm(threads: number, wasmDir: string): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`threaded wasm needs at least 2 threads, got ${threads}`);
  const files = threadedSources(wasmDir);
  if (!files) throw new Error(`${THREADED_JS} and ${THREADED_WORKER_JS} not found in ${wasmDir} or its ../wasm-out`);
  installWorkerShim(files);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  setWasmPaths(wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/`);
  const realCpus = osModule.cpus;
  const cpus = realCpus.call(osModule);
  const want = Math.max(cpus.length, 2 * threads);
  osModule.cpus = () => Array.from({ length: want }, (_, i) => cpus[i % cpus.length]);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('backend initialisation failed (tfjs logged the cause above)');
  } finally {
    osModule.cpus = realCpus;
  }
  return getThreadsCount();
}
