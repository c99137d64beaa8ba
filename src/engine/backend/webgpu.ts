// The webgpu backend: @tensorflow/tfjs-backend-webgpu on Dawn's Node binding (the npm package
// `webgpu`: Vulkan, Metal or D3D12 from one code path). Both are optional dependencies.
//
// Traps of tfjs-backend-webgpu 4.22 in Node, each handled here:
// - It registers its backend only if `navigator.gpu` exists when the module is evaluated, and Node
//   has no navigator.gpu: the adapter is found first, navigator.gpu is installed, then the module
//   is loaded (and if it was loaded earlier, without navigator.gpu, the backend is registered here).
// - Its requestDevice asks for `['bgra8unorm-storage']` (an array) and copies adapter limits, which
//   strict implementations refuse: webgpuAdapter.ts cleans the descriptor.
// - It reads GPU buffers synchronously (dataSync) through OffscreenCanvas, which Node lacks: such a
//   read cannot work here, so it fails with a message that says to read asynchronously instead.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { adapterInfo, describeAdapter, DeviceRequestNotes, GpuAdapterLike, GpuLike, guardRequestDevice, WebGpuAdapterInfo } from './webgpuAdapter';
import { noAdapterReason } from './webgpuNoAdapter';

export type { WebGpuAdapterInfo } from './webgpuAdapter';

/** Dawn's Node binding: what the `webgpu` package exports. */
export interface DawnBinding {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** The parts of @tensorflow/tfjs-backend-webgpu used here. */
export interface TfjsWebgpuModule {
  WebGPUBackend: new (device: unknown, adapterInfo?: object) => tf.KernelBackend;
}

/** How the two packages are loaded; tests replace it to simulate a missing package. */
export interface WebGpuLoader {
  dawn(): Promise<DawnBinding>;
  tfjsWebgpu(): TfjsWebgpuModule;
}

export type WebGpuOutcome = { ok: true; adapter: WebGpuAdapterInfo; why: string } | { ok: false; why: string };

export const WEBGPU_PKG = 'webgpu';
export const TFJS_WEBGPU_PKG = '@tensorflow/tfjs-backend-webgpu';

export const SYNC_READ_MESSAGE =
  'a synchronous read (dataSync, arraySync, bufferSync) of a tensor on the GPU is not possible on the webgpu backend in Node ' +
  '(tfjs reads GPU buffers synchronously through OffscreenCanvas, which Node lacks): read it with `await tensor.data()`';

const nodeRequire: NodeJS.Require = typeof require === 'function' ? require : createRequire(join(process.cwd(), 'package.json'));

function isMissing(e: unknown, pkg: string): boolean {
  const code = (e as { code?: unknown }).code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((e as Error).message).includes(pkg);
}

function firstLine(e: unknown): string {
  const t = e instanceof Error ? e.message : String(e);
  return t.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

export const defaultWebGpuLoader: WebGpuLoader = {
  async dawn() {
    // The package is an ES module: imported by file URL, so that neither esbuild (CommonJS bundles)
    // nor Node 20's require() has to load it as CommonJS. A computed name keeps bundlers off it.
    const entry = nodeRequire.resolve(WEBGPU_PKG);
    const mod = (await import(pathToFileURL(entry).href)) as Partial<DawnBinding>;
    if (typeof mod.create !== 'function' || typeof mod.globals !== 'object') throw new Error(`${entry} exports no create() and globals`);
    return mod as DawnBinding;
  },
  tfjsWebgpu() {
    // A literal name: bundled (pure JS, and it must share this bundle's copy of tfjs-core), but
    // evaluated only here, after navigator.gpu exists.
    return require('@tensorflow/tfjs-backend-webgpu') as TfjsWebgpuModule;
  },
};

/** The adapter behind the 'webgpu' backend of this process, once it has started. */
let started: { adapter: WebGpuAdapterInfo; why: string } | undefined;

export function webgpuAdapter(): WebGpuAdapterInfo | undefined {
  return started?.adapter;
}

/** navigator.gpu for tfjs: it returns the adapter already found (with the guarded requestDevice). */
function installNavigatorGpu(gpu: GpuLike, adapter: GpuAdapterLike): void {
  const shim: GpuLike = {
    requestAdapter: async () => adapter,
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat?.() ?? 'bgra8unorm',
  };
  const g = globalThis as { navigator?: object };
  // Node 21+ has a navigator (without gpu); Node 20 has none.
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu: shim }, configurable: true, writable: true });
  else Object.defineProperty(g.navigator, 'gpu', { value: shim, configurable: true, writable: true });
}

/** GPUBufferUsage, GPUMapMode, … : tfjs refers to them as globals, as in a browser. */
function installGlobals(globals: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
}

/** Registers the backend ourselves when the module was evaluated before navigator.gpu existed. */
function registerIfMissing(mod: TfjsWebgpuModule, adapter: GpuAdapterLike): void {
  if (tf.findBackendFactory('webgpu') != null) return;
  const limits = adapter.limits as Record<string, number | undefined>;
  tf.registerBackend(
    'webgpu',
    async () => {
      // The descriptor tfjs-backend-webgpu 4.22 asks for (src/base.ts).
      const device = await adapter.requestDevice({
        requiredFeatures: ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f)),
        requiredLimits: Object.fromEntries(
          ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'].map((k) => [k, limits[k]]),
        ),
      });
      return new mod.WebGPUBackend(device, adapter.info);
    },
    3,
  );
}

/** tfjs's readSync cannot work without OffscreenCanvas: fail with what to do instead, and quietly. */
function guardReadSync(backend: tf.KernelBackend): void {
  const b = backend as tf.KernelBackend & { hasReadSyncWarned?: boolean };
  b.hasReadSyncWarned = true; // its "synchronous reads are slow" warning would precede our error
  const original = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    try {
      return original(dataId);
    } catch (e) {
      if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) throw new Error(SYNC_READ_MESSAGE);
      throw e;
    }
  };
}

async function activate(notes: DeviceRequestNotes): Promise<string | undefined> {
  try {
    if (await tf.setBackend('webgpu')) return undefined;
  } catch (e) {
    return firstLine(e);
  }
  return notes.error !== undefined ? `requestDevice failed: ${notes.error}` : 'backend initialisation failed (tfjs logged the cause above)';
}

function deviceNote(notes: DeviceRequestNotes): string {
  const parts = [
    ...(notes.droppedFeatures.length > 0 ? [`features not requested: ${notes.droppedFeatures.join(', ')}`] : []),
    ...(notes.droppedLimits.length > 0 ? [`limits not requested: ${notes.droppedLimits.join(', ')}`] : []),
  ];
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/**
 * Finds an adapter and starts the 'webgpu' backend. `allowSoftware`: accept a software adapter
 * (SwiftShader …), which 'auto' skips because the wasm backend is faster. Touches no tfjs or
 * global state before an adapter is found.
 */
export async function startWebgpu(opts: { allowSoftware: boolean; loader?: WebGpuLoader; log: (line: string) => void }): Promise<WebGpuOutcome> {
  const loader = opts.loader ?? defaultWebGpuLoader;
  if (started !== undefined && tf.engine().registry['webgpu'] !== undefined) {
    // A second selection in the same process: the device is already open.
    const failed = await activate({ droppedFeatures: [], droppedLimits: [] });
    return failed === undefined ? { ok: true, ...started } : { ok: false, why: failed };
  }
  let dawn: DawnBinding;
  try {
    dawn = await loader.dawn();
  } catch (e) {
    return { ok: false, why: isMissing(e, WEBGPU_PKG) ? `the optional package ${WEBGPU_PKG} (Dawn's Node binding) is not installed` : `the ${WEBGPU_PKG} package failed to load: ${firstLine(e)}` };
  }
  let gpu: GpuLike;
  let adapter: GpuAdapterLike | null;
  try {
    gpu = dawn.create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, why: `requesting a WebGPU adapter failed: ${firstLine(e)}` };
  }
  if (adapter === null) return { ok: false, why: noAdapterReason() };
  const info = await adapterInfo(adapter);
  if (info.isFallbackAdapter && !opts.allowSoftware) {
    return { ok: false, why: `only a software adapter, ${describeAdapter(info)}: slower than wasm, so 'auto' skips it ('webgpu' asked for by name uses it)` };
  }
  const notes: DeviceRequestNotes = { droppedFeatures: [], droppedLimits: [] };
  const guarded = guardRequestDevice(adapter, notes);
  installGlobals(dawn.globals);
  installNavigatorGpu(gpu, guarded);
  let mod: TfjsWebgpuModule;
  try {
    mod = loader.tfjsWebgpu();
  } catch (e) {
    return { ok: false, why: isMissing(e, TFJS_WEBGPU_PKG) ? `the optional package ${TFJS_WEBGPU_PKG} is not installed` : `${TFJS_WEBGPU_PKG} failed to load: ${firstLine(e)}` };
  }
  if (typeof mod.WebGPUBackend !== 'function') return { ok: false, why: `${TFJS_WEBGPU_PKG} exports no WebGPUBackend (a version other than 4.22?)` };
  registerIfMissing(mod, guarded);
  const failed = await activate(notes);
  if (failed !== undefined) return { ok: false, why: failed };
  const backend = tf.backend();
  guardReadSync(backend);
  const device = (backend as tf.KernelBackend & { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  void device?.lost?.then((l) => opts.log(`webgpu: the GPU device was lost (${l.reason ?? 'unknown'}: ${l.message ?? ''}); training cannot go on in this process`));
  started = { adapter: info, why: `adapter ${describeAdapter(info)}${deviceNote(notes)}` };
  return { ok: true, ...started };
}
