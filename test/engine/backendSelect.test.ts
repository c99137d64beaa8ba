// Backend selection. tfjs backends are process-global and this file's tests share one process,
// so the order matters: failures that must leave tfjs untouched run before any backend starts,
// then auto (wasm here), then switches between the registered backends.

import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendError,
  backendFromEnv,
  backendSummary,
  parseWasmThreads,
  resolveWasmThreads,
  selectBackend,
  WASM_THREADS_ENV_VAR,
  wasmThreadsFromEnv,
  type BackendChoice,
} from '../../src/engine/backend/select';
import { availableParallelism } from 'node:os';
import { wasmConvGradientsRegistered } from '../../src/engine/backend/wasmConvGrads';

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
// On a machine where the native backend installs, 'auto' rightly picks it instead of wasm.
const nativeInstalled = resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node');

describe('backend selection', () => {
  const savedEnv = process.env.IDAA_BACKEND;
  const quiet = (): void => {};

  before(() => {
    delete process.env.IDAA_BACKEND;
  });

  after(() => {
    if (savedEnv === undefined) delete process.env.IDAA_BACKEND;
    else process.env.IDAA_BACKEND = savedEnv;
  });

  it('reads IDAA_BACKEND and rejects values that are not backends, naming the variable', () => {
    assert.equal(backendFromEnv(), undefined);
    process.env.IDAA_BACKEND = ' WASM ';
    assert.equal(backendFromEnv(), 'wasm');
    process.env.IDAA_BACKEND = 'cuda';
    assert.throws(() => backendFromEnv(), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /IDAA_BACKEND/);
      assert.match(e.message, /"cuda"/);
      assert.match(e.message, /auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
      return true;
    });
    // selectBackend validates it too, before touching tfjs
    return assert.rejects(selectBackend({ preference: 'cpu', log: quiet }), /IDAA_BACKEND/).finally(() => {
      delete process.env.IDAA_BACKEND;
    });
  });

  it('fails a missing wasm directory without starting the wasm module', async () => {
    await assert.rejects(
      selectBackend({ preference: 'wasm', wasmDir: '/nonexistent/idaa-wasm/', log: quiet }),
      (e: unknown) => {
        assert.ok(e instanceof BackendError);
        assert.match(e.message, /preference 'wasm' is not available/);
        assert.match(e.message, /tfjs-backend-wasm\.wasm.*not found in \/nonexistent\/idaa-wasm/);
        return true;
      },
    );
    assert.equal(tf.engine().registry['wasm'], undefined, 'the wasm backend must not have been initialised');
  });

  it('fails preference tensorflow / tensorflow-gpu with the reason instead of falling back', { skip: nativeInstalled }, async () => {
    await assert.rejects(selectBackend({ preference: 'tensorflow', log: quiet }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /preference 'tensorflow' is not available/);
      assert.match(e.message, /@tensorflow\/tfjs-node: not installed/);
      assert.match(e.message, /install @tensorflow\/tfjs-node/);
      return true;
    });
    await assert.rejects(selectBackend({ preference: 'tensorflow-gpu', log: quiet }), /@tensorflow\/tfjs-node-gpu: not installed/);
    assert.notEqual(tf.getBackend(), 'tensorflow');
  });

  it('auto picks wasm here, says why the native and webgpu backends were skipped, and can train a conv', { skip: nativeInstalled }, async (t) => {
    const lines: string[] = [];
    const choice: BackendChoice = await selectBackend({ log: (l) => lines.push(l) });
    if (choice.name === 'webgpu') {
      t.skip('a hardware WebGPU adapter exists here: auto rightly picks it (backendWebgpu.test.ts covers that case)');
      return;
    }
    assert.equal(choice.name, 'wasm');
    assert.equal(choice.gpu, false);
    assert.equal(choice.threads, 1);
    assert.deepEqual(
      choice.attempts.map((a) => [a.candidate, a.ok, a.why]),
      [
        ['@tensorflow/tfjs-node-gpu', false, 'not installed'],
        ['webgpu', false, choice.attempts[1].why],
        ['@tensorflow/tfjs-node', false, 'not installed'],
        ['wasm', true, choice.attempts[3].why],
      ],
    );
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(wasmConvGradientsRegistered(), 'wasm conv gradients must be registered');
    assert.equal(lines.length, 1);
    assert.equal(lines[0], backendSummary(choice));
    assert.match(lines[0], /^backend wasm \[CPU, 1 thread/);
    assert.match(lines[0], /skipped @tensorflow\/tfjs-node-gpu \(not installed\); webgpu \(.+\); @tensorflow\/tfjs-node \(not installed\)/);

    // The point of the wasm kernels: a conv layer's gradients work on this backend.
    const x = tf.ones([2, 8, 8, 3]);
    const w = tf.ones([3, 3, 3, 4]);
    const [dx, dw] = tf.grads((a, b) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]);
    assert.deepEqual(dx.shape, [2, 8, 8, 3]);
    assert.deepEqual(dw.shape, [3, 3, 3, 4]);
    tf.dispose([x, w, dx, dw]);
    assert.equal(tf.memory().numTensors, 0);
  });

  it('preference cpu gives cpu, and IDAA_BACKEND overrides the preference', async () => {
    const cpu = await selectBackend({ preference: 'cpu', log: quiet });
    assert.deepEqual([cpu.name, cpu.gpu, cpu.threads], ['cpu', false, 1]);
    assert.deepEqual(cpu.attempts, [{ candidate: 'cpu', ok: true, why: 'pure JavaScript, slow' }]);
    assert.equal(tf.getBackend(), 'cpu');

    process.env.IDAA_BACKEND = 'wasm';
    try {
      const wasm = await selectBackend({ preference: 'cpu', log: quiet });
      assert.equal(wasm.name, 'wasm');
      assert.equal(tf.getBackend(), 'wasm');
    } finally {
      delete process.env.IDAA_BACKEND;
    }
  });

  it('refuses to run once a tensor exists', async () => {
    const t = tf.scalar(1);
    try {
      await assert.rejects(selectBackend({ preference: 'cpu', log: quiet }), (e: unknown) => {
        assert.ok(e instanceof BackendError);
        assert.match(e.message, /must run before any tensor or variable is created/);
        assert.match(e.message, /1 tensor\(s\) already exist on backend 'wasm'/);
        return true;
      });
    } finally {
      t.dispose();
    }
    assert.equal(tf.getBackend(), 'wasm', 'a refused selection must not switch backends');
  });

  it('refuses when another initialised backend still holds buffers', async () => {
    const cpuBackend = tf.findBackend('cpu');
    assert.ok(cpuBackend, 'cpu was initialised by an earlier test');
    const dataId = cpuBackend.write(new Float32Array([1]), [1], 'float32');
    try {
      await assert.rejects(selectBackend({ preference: 'wasm', log: quiet }), /backend 'cpu' was already initialised and holds 1 buffer/);
    } finally {
      cpuBackend.disposeData(dataId);
    }
    const again = await selectBackend({ preference: 'wasm', log: quiet });
    assert.equal(again.name, 'wasm');
  });
});

test('wasm thread settings: auto or 1..8, anything else is refused naming where it came from', () => {
  assert.equal(parseWasmThreads('auto', 'x'), 'auto');
  assert.equal(parseWasmThreads(' AUTO ', 'x'), 'auto');
  assert.equal(parseWasmThreads('2', 'x'), 2);
  assert.equal(parseWasmThreads(8, 'x'), 8);
  for (const bad of ['0', '9', 'two', '1.5', '', 0, 2.5]) {
    assert.throws(() => parseWasmThreads(bad, 'the setting idaa.wasmThreads'), (e: Error) => e instanceof BackendError && /^the setting idaa\.wasmThreads is .*; allowed: 'auto' or a whole number of threads from 1 to 8$/.test(e.message), String(bad));
  }
  const auto = resolveWasmThreads('auto');
  assert.ok(auto >= 1 && auto <= 8 && auto <= availableParallelism(), `auto = ${auto}`);
  assert.equal(resolveWasmThreads(3), 3);
  process.env[WASM_THREADS_ENV_VAR] = 'lots';
  try {
    assert.throws(() => wasmThreadsFromEnv(), /environment variable IDAA_WASM_THREADS is "lots"/);
  } finally {
    delete process.env[WASM_THREADS_ENV_VAR];
  }
  assert.equal(wasmThreadsFromEnv(), undefined);
});
