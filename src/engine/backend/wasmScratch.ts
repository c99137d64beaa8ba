// Running stock wasm kernels from inside our own kernels: nothing goes on the gradient tape, and
// every intermediate is freed through the backend unless kept.

import '@tensorflow/tfjs-backend-wasm'; // the stock kernels must be registered before we run them
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

export type Shape4 = [number, number, number, number];
export type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

export const WASM = 'wasm';

/** Runs a kernel registered for wasm (stock or ours) on backend tensors. */
export function runWasmKernel(backend: BackendWasm, kernelName: string, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
  const config = getKernel(kernelName, WASM);
  if (config === undefined) throw new Error(`wasm kernels: '${kernelName}' is not registered for the wasm backend`);
  // NamedAttrMap has no number[][] member, but kernels take explicit paddings that way.
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`wasm kernels: '${kernelName}' returned several outputs`);
  return out;
}

/** Runs stock wasm kernels and frees every intermediate they made, except the ones kept. */
export class Scratch {
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
    const out = runWasmKernel(this.backend, kernelName, inputs, attrs);
    this.owned.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** A new float32 tensor holding `values`, owned by this scratch. */
  make(shape: number[], values: Float32Array): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32', undefined, values);
    this.owned.push(out);
    return out;
  }

  /** A new, uninitialised float32 tensor owned by this scratch. */
  empty(shape: number[]): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.owned.push(out);
    return out;
  }

  /** A live view of the wasm heap; valid only until the next allocation (growth detaches it). */
  view(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /** A copy (readSync copies out of the heap), not a view: later allocations cannot detach it. */
  read(t: TensorInfo): Float32Array {
    return this.backend.readSync(t.dataId) as Float32Array;
  }

  /** Block `index` of `t` viewed as [blocks, ...shape] (contiguous), copied into a new tensor. */
  block(t: TensorInfo, index: number, shape: number[]): TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    const out = this.empty(shape); // allocate first: growing the heap detaches older views
    this.view(out).set(this.view(t).subarray(index * size, (index + 1) * size));
    return out;
  }

  /** A contiguous copy of a 4-D box. StridedSlice runs in wasm; the Slice kernel copies via JS. */
  slice(x: TensorInfo, begin: Shape4, size: Shape4): TensorInfo {
    return this.run('StridedSlice', { x }, {
      begin,
      end: begin.map((b, i) => b + size[i]),
      strides: [1, 1, 1, 1],
      beginMask: 0,
      endMask: 0,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask: 0,
    });
  }

  /** Hands `t` to the caller: it will not be freed by dispose(). */
  keep(t: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(t);
    if (i >= 0) this.owned.splice(i, 1);
    return t;
  }

  dispose(): void {
    // Reshape outputs share a dataId with a reference count, so each one is released once.
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

export function checkFormat(kernel: string, dataFormat: string | undefined, dtypes: string[]): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  for (const d of dtypes) {
    if (d !== 'float32') throw new Error(`${kernel} on wasm supports float32 only, got ${d}`);
  }
}

export function checkShape(kernel: string, what: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new Error(`${kernel}: ${what} has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}

export function convAttrs(pad: Pad4, dilations: [number, number]): object {
  return { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined };
}
