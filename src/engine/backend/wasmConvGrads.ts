// Conv2D gradient kernels for the tfjs wasm backend, built on its XNNPACK Conv2D.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (so a conv net cannot train on it) and
// its Conv2DBackpropInput is a plain C++ loop. Both gradients are convolutions themselves, so
// our kernels rewrite them as Conv2D calls (wasmConvFilterGrad.ts, wasmConvInputGrad.ts); they
// run the stock wasm kernel functions directly (not tf ops), so nothing is recorded on the
// gradient tape and every intermediate is freed through the backend.

import '@tensorflow/tfjs-backend-wasm'; // the stock kernels must be registered before we replace one
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterWasm } from './wasmConvFilterGrad';
import { conv2DBackpropInputWasm } from './wasmConvInputGrad';
import { WASM as BACKEND } from './wasmScratch';

const configs: KernelConfig[] = [
  { kernelName: Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: conv2DBackpropFilterWasm as KernelFunc },
  { kernelName: Conv2DBackpropInput, backendName: BACKEND, kernelFunc: conv2DBackpropInputWasm as KernelFunc },
];

/**
 * Registers Conv2DBackpropFilter and Conv2DBackpropInput for the wasm backend, replacing the
 * stock Conv2DBackpropInput (which conv2dTranspose also uses). Safe to call more than once.
 */
export function registerWasmConvGradients(): void {
  for (const config of configs) {
    const existing = getKernel(config.kernelName, BACKEND);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    // registerKernel only warns on duplicates; unregister first so the swap is explicit.
    if (existing !== undefined) unregisterKernel(config.kernelName, BACKEND);
    registerKernel(config);
  }
}

/** True when this module's kernels are the ones the wasm backend will run. */
export function wasmConvGradientsRegistered(): boolean {
  return configs.every((c) => getKernel(c.kernelName, BACKEND)?.kernelFunc === c.kernelFunc);
}
