// The webgpu backend's selection: what the log says and which backend runs, for 'auto', 'webgpu'
// by name, IDAA_BACKEND, a missing package and an adapter Dawn does not offer. The real packages
// are loaded where the cases can (this machine has no adapter, so the real path ends in "no
// adapter" here and in the adapter's name on a GPU machine); a loader stands in for a missing
// package. tfjs backends are process-global: refusals that touch no tfjs state come first.

import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { activeBackend, BackendError, backendSummary, selectBackend, type BackendChoice } from '../../src/engine/backend/select';
import type { DawnBinding, WebGpuLoader } from '../../src/engine/backend/webgpu';
import { defaultWebGpuLoader } from '../../src/engine/backend/webgpu';
import { guardRequestDevice, type GpuAdapterLike, type GpuDeviceDescriptor } from '../../src/engine/backend/webgpuAdapter';
import { noAdapterReason } from '../../src/engine/backend/webgpuNoAdapter';

const missing = (pkg: string): Error => Object.assign(new Error(`Cannot find module '${pkg}'\nRequire stack:\n- x.js`), { code: 'MODULE_NOT_FOUND' });

/** As if `npm install` had dropped the optional package webgpu. */
const noDawn: WebGpuLoader = {
  dawn: () => Promise.reject(missing('webgpu')),
  tfjsWebgpu: () => {
    throw new Error('must not be loaded without an adapter');
  },
};

/** A Dawn whose requestAdapter() finds nothing (as on this machine, or with only lavapipe). */
const dawnWithoutAdapter = (): WebGpuLoader => ({
  dawn: async (): Promise<DawnBinding> => ({ create: () => ({ requestAdapter: async () => null }), globals: { GPUBufferUsage: {} } }),
  tfjsWebgpu: noDawn.tfjsWebgpu,
});

/** A Dawn that offers only SwiftShader. */
const softwareOnly: WebGpuLoader = {
  dawn: async (): Promise<DawnBinding> => ({
    create: () => ({
      requestAdapter: async () => ({
        features: new Set<string>(),
        limits: {},
        info: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true },
        requestDevice: () => Promise.reject(new Error('must not be asked for a device')),
      }),
    }),
    globals: {},
  }),
  tfjsWebgpu: noDawn.tfjsWebgpu,
};

const navigatorGpu = (): unknown => (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;

describe('webgpu backend selection', () => {
  const savedEnv = process.env.IDAA_BACKEND;
  before(() => {
    delete process.env.IDAA_BACKEND;
  });
  after(() => {
    if (savedEnv === undefined) delete process.env.IDAA_BACKEND;
    else process.env.IDAA_BACKEND = savedEnv;
  });

  it('webgpu by name with the package missing: an error naming the package, and nothing installed', async () => {
    await assert.rejects(selectBackend({ preference: 'webgpu', webgpuLoader: noDawn, log: () => undefined }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /^backend preference 'webgpu' is not available: webgpu: the optional package webgpu \(Dawn's Node binding\) is not installed/);
      assert.match(e.message, /'auto' falls back to the next backend/);
      return true;
    });
    assert.equal(navigatorGpu(), undefined, 'navigator.gpu must not exist without an adapter');
    assert.equal(tf.findBackendFactory('webgpu'), null, 'no webgpu backend registered');
  });

  it('webgpu by name without an adapter: the reason requestAdapter() gave none', async () => {
    await assert.rejects(selectBackend({ preference: 'webgpu', webgpuLoader: dawnWithoutAdapter(), log: () => undefined }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /webgpu: navigator\.gpu\.requestAdapter\(\) returned null: /);
      return true;
    });
    assert.equal(navigatorGpu(), undefined);
    assert.equal(tf.findBackendFactory('webgpu'), null);
  });

  it('IDAA_BACKEND=webgpu overrides the preference and fails naming the variable', async () => {
    process.env.IDAA_BACKEND = 'webgpu';
    try {
      await assert.rejects(selectBackend({ preference: 'cpu', webgpuLoader: noDawn, log: () => undefined }), (e: unknown) => {
        assert.ok(e instanceof BackendError);
        assert.match(e.message, /^backend IDAA_BACKEND=webgpu is not available: webgpu: the optional package webgpu /);
        return true;
      });
    } finally {
      delete process.env.IDAA_BACKEND;
    }
  });

  it('auto with the package missing falls through to wasm, and its one log line says why', async () => {
    const lines: string[] = [];
    const choice = await selectBackend({ webgpuLoader: noDawn, log: (l) => lines.push(l) });
    const native = choice.attempts.filter((a) => a.candidate.startsWith('@tensorflow/tfjs-node'));
    if (choice.name !== 'wasm') return; // a machine with tfjs-node installed rightly prefers it
    assert.deepEqual(
      choice.attempts.map((a) => a.candidate),
      ['@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-node', 'wasm'],
      'the order: tensorflow-gpu, webgpu, tensorflow, wasm',
    );
    assert.equal(native.length, 2);
    assert.deepEqual(choice.attempts[1], { candidate: 'webgpu', ok: false, why: "the optional package webgpu (Dawn's Node binding) is not installed" });
    assert.equal(lines.length, 1);
    assert.equal(lines[0], backendSummary(choice));
    assert.match(lines[0], /^backend wasm \[CPU, 1 thread, SIMD\]; skipped .*webgpu \(the optional package webgpu \(Dawn's Node binding\) is not installed\)/);
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(activeBackend(), choice);
  });

  it("auto skips a software adapter (wasm is faster) and says so", async () => {
    const lines: string[] = [];
    const choice = await selectBackend({ webgpuLoader: softwareOnly, log: (l) => lines.push(l) });
    const attempt = choice.attempts.find((a) => a.candidate === 'webgpu');
    assert.ok(attempt && !attempt.ok);
    assert.equal(attempt.why, `only a software adapter, "SwiftShader driver 5.0.0" (google, swiftshader), software: slower than wasm, so 'auto' skips it ('webgpu' asked for by name uses it)`);
    assert.match(lines[0], /webgpu \(only a software adapter, "SwiftShader driver 5\.0\.0"/);
    assert.equal(navigatorGpu(), undefined);
  });

  it('the real packages: auto and webgpu by name either name the adapter or say exactly why there is none', async () => {
    const lines: string[] = [];
    const auto = await selectBackend({ log: (l) => lines.push(l) });
    const attempt = auto.attempts.find((a) => a.candidate === 'webgpu');
    assert.ok(attempt, 'auto tries webgpu');
    if (auto.name === 'webgpu') {
      // A machine with a GPU: the log names the adapter.
      assert.ok(auto.adapter && !auto.adapter.isFallbackAdapter);
      assert.match(lines[0], /^backend webgpu \[GPU, adapter "[^"]+" \(/);
      return;
    }
    assert.ok(!attempt.ok);
    // Here: Dawn loads and finds no adapter (no Vulkan loader, or lavapipe only), or only a software one.
    assert.match(attempt.why, /^(navigator\.gpu\.requestAdapter\(\) returned null: .+|only a software adapter, .+)$/);
    assert.ok(lines[0].includes(`webgpu (${attempt.why})`), lines[0]);
    const named: BackendChoice | Error = await selectBackend({ preference: 'webgpu', log: () => undefined }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (named instanceof Error) {
      assert.ok(named instanceof BackendError);
      assert.ok(named.message.startsWith(`backend preference 'webgpu' is not available: webgpu: ${attempt.why.startsWith('only') ? '' : 'navigator.gpu'}`), named.message);
    } else {
      // Only a software adapter here (SwiftShader through VK_ICD_FILENAMES): asked by name, it runs.
      assert.equal(named.name, 'webgpu');
      assert.equal(named.gpu, false);
      assert.equal(tf.getBackend(), 'webgpu');
      const x = tf.tensor1d([1, 2, 3]);
      assert.deepEqual(Array.from(await tf.sum(tf.mul(x, x)).data()), [14]);
      assert.throws(() => tf.sum(x).dataSync(), /synchronous read .* not possible on the webgpu backend in Node/);
      x.dispose();
    }
  });
});

test('the real loader finds both packages (they install with npm ci as optional dependencies)', async () => {
  const dawn = await defaultWebGpuLoader.dawn();
  assert.equal(typeof dawn.create, 'function');
  assert.equal(typeof dawn.globals.GPUBufferUsage, 'function', 'Dawn exports the WebGPU globals tfjs refers to');
  // Evaluated without navigator.gpu it registers no backend (startWebgpu then registers it itself).
  assert.equal(typeof defaultWebGpuLoader.tfjsWebgpu().WebGPUBackend, 'function');
});

test("requestDevice asks only for what the adapter has: tfjs 4.22's ['bgra8unorm-storage'] array and unknown limits", async () => {
  let asked: GpuDeviceDescriptor | undefined;
  const adapter: GpuAdapterLike = {
    features: new Set(['timestamp-query', 'bgra8unorm-storage']),
    limits: { maxBufferSize: 1024, maxComputeWorkgroupSizeX: 256 },
    requestDevice: async (d) => {
      asked = d;
      return {};
    },
  };
  const notes = { droppedFeatures: [] as string[], droppedLimits: [] as string[] };
  const guarded = guardRequestDevice(adapter, notes);
  await guarded.requestDevice({
    requiredFeatures: ['timestamp-query', ['bgra8unorm-storage'], 'shader-f16'],
    requiredLimits: { maxBufferSize: 512, maxComputeWorkgroupSizeX: 512, maxStorageBufferBindingSize: undefined },
  });
  assert.deepEqual(asked?.requiredFeatures, ['timestamp-query', 'bgra8unorm-storage']);
  assert.deepEqual(asked?.requiredLimits, { maxBufferSize: 512 });
  assert.deepEqual(notes, { droppedFeatures: ['shader-f16'], droppedLimits: ['maxComputeWorkgroupSizeX', 'maxStorageBufferBindingSize'] });
  const refusing = guardRequestDevice({ ...adapter, requestDevice: () => Promise.reject(new Error('Unsupported feature: 11')) }, notes);
  await assert.rejects(refusing.requestDevice({}), /Unsupported feature/);
  assert.equal((notes as { error?: string }).error, 'Unsupported feature: 11');
});

test('the reason for no adapter names what is missing', () => {
  const linux = { platform: 'linux' as const };
  assert.equal(
    noAdapterReason({ ...linux, loaderFound: false, drivers: [] }),
    'navigator.gpu.requestAdapter() returned null: the Vulkan loader libvulkan.so.1 is not installed (Debian: apt-get install libvulkan1, plus the GPU\'s Vulkan driver)',
  );
  assert.match(noAdapterReason({ ...linux, loaderFound: true, drivers: [] }), /no Vulkan driver is installed/);
  assert.match(noAdapterReason({ ...linux, loaderFound: true, drivers: ['lvp_icd.x86_64.json'] }), /only Vulkan driver is Mesa's lavapipe \(lvp_icd\.x86_64\.json\), which Dawn refuses \("Vulkan shaderUniform\*ArrayDynamicIndexing required"\)/);
  assert.match(noAdapterReason({ ...linux, loaderFound: true, drivers: ['nvidia_icd.json'] }), /Dawn accepted none of the Vulkan drivers nvidia_icd\.json/);
  assert.match(noAdapterReason({ platform: 'darwin', loaderFound: true, drivers: [] }), /Dawn found no Metal\/D3D12\/Vulkan GPU/);
});
