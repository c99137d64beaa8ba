// Faster wasm kernels for the elementwise and reduction work of a training step, each one a
// measured fix of a stock tfjs-backend-wasm 4.22 kernel (peer SimCLR step, one thread: these
// alone take it to 0.80x of its time; bench/NOTES.md):
// 1. Sum / Mean over LEADING axes (NHWC [0, 1, 2]: batch-norm statistics, bias gradients). The
//    stock kernels first move the reduced axes innermost with a full Transpose (~7 ms for
//    128x32x32x16); here the tensor is viewed as [outer, inner] and averaged over its rows by
//    XNNPACK average pooling (~0.5 ms), in two stages, which also rounds less (5e-7 against a
//    float64 sum vs 8e-6 for the stock kernel); Sum scales the mean back.
// 2. Multiply / Add / Sub of a big [..., C] tensor with a per-channel vector ([C] or [1, ..., C]),
//    either order: the stock binary kernels take a generic broadcasting path (~1.9 ms for
//    128x32x32x16 vs ~0.7 ms same-shape); here it is one XNNPACK depthwise 1x1 convolution with
//    bias (~0.8 ms): x·v, x·1 + v, x·1 + (−v), x·(−1) + v. Bit-identical to the stock kernels (one
//    rounding per element either way).
// 3. Identity, and Cast to the same dtype: the stock kernels copy the buffer; here the output
//    shares the input's data with a reference count, as the wasm Reshape kernel and the cpu
//    backend's Identity do. Safe because nothing writes into an existing tensor's buffer
//    (Variable.assign swaps buffers; our kernels only write into outputs they allocate).
// Everything else (other axes, dtypes, small tensors, few channels) goes to the stock kernel,
// kept as the fallback.

import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  Add,
  Cast,
  getKernel,
  Identity,
  Mean,
  Multiply,
  registerKernel,
  Sub,
  Sum,
  unregisterKernel,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { runWasmKernel, WASM as BACKEND } from './wasmScratch';

type Args = { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap };

/** The stock kernel functions, captured when ours replace them (fallbacks). */
const stock = new Map<string, KernelFunc>();
function stockKernel(name: string): KernelFunc {
  const f = stock.get(name);
  if (f === undefined) throw new Error(`wasm fast kernels: the stock ${name} was not captured`);
  return f;
}

/** Number of leading axes reduced, if `axis` is exactly [0, 1, ..., k-1] (k < rank); else -1. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return -1;
  for (let i = 0; i < axes.length; i++) if (axes[i] !== i) return -1;
  return axes.length;
}

/** Channel limit for the AvgPool / depthwise paths (see makeLeadingReduce). */
const MAX_POOL_CHANNELS = 8192;

/** Largest divisor of n that is <= sqrt(n). */
function splitFactor(n: number): number {
  for (let d = Math.floor(Math.sqrt(n)); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/** Mean over the rows of x viewed as [outer, inner], as [inner]: XNNPACK average pooling, two stages. */
function rowMean(x: TensorInfo, outer: number, inner: number, backend: BackendWasm): TensorInfo {
  const pool = (t: TensorInfo, shape: number[], win: number): TensorInfo => {
    const r = runWasmKernel(backend, 'Reshape', { x: t }, { shape });
    const o = runWasmKernel(backend, 'AvgPool', { x: r }, { filterSize: [win, 1], strides: [win, 1], pad: 'valid', dimRoundingMode: undefined });
    backend.disposeData(r.dataId);
    return o;
  };
  // Two stages (b rows, then a partial means) keep float32 rounding at the level of pairwise sums.
  const b = splitFactor(outer);
  const a = outer / b;
  if (b === 1) return pool(x, [1, outer, 1, inner], outer);
  const p = pool(x, [a, b, 1, inner], b); // [a, 1, 1, inner]
  const m = pool(p, [1, a, 1, inner], a); // [1, 1, 1, inner]
  backend.disposeData(p.dataId);
  return m;
}

function makeLeadingReduce(name: typeof Sum | typeof Mean): KernelFunc {
  return ((args: Args): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const k = x.dtype === 'float32' ? leadingAxes(axis, rank) : -1;
    const outer = k > 0 ? util.sizeFromShape(x.shape.slice(0, k)) : 0;
    const innerShape = x.shape.slice(k);
    const inner = util.sizeFromShape(innerShape);
    // Small reductions: the stock kernel's transpose is cheap there.
    // inner > 8192: tfjs 4.22's wasm AvgPool corrupts the heap at >= 16384 channels (a stock bug:
    // tf.avgPool on [16, 8, 1, 16384] throws 'memory access out of bounds'), so stay well below.
    if (k <= 0 || outer * inner < 4096 || inner === 0 || inner > MAX_POOL_CHANNELS) return stockKernel(name)(args) as TensorInfo;
    const backend = args.backend as BackendWasm;
    const m = rowMean(x, outer, inner, backend);
    if (name === Sum) {
      const v = backend.typedArrayFromHeap(m) as Float32Array;
      for (let i = 0; i < v.length; i++) v[i] *= outer;
    }
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
    const out = runWasmKernel(backend, 'Reshape', { x: m }, { shape: outShape });
    backend.disposeData(m.dataId);
    return out;
  }) as KernelFunc;
}

/** A float32 backend tensor of `shape` holding `values`. */
function small(backend: BackendWasm, shape: number[], values: ArrayLike<number>): TensorInfo {
  const t = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(t) as Float32Array).set(values);
  return t;
}

/** True when `v` is a per-channel vector for `full`: size C = full's last dim, all other dims 1. */
function isChannelVector(v: TensorInfo, full: TensorInfo): boolean {
  const c = full.shape[full.shape.length - 1];
  return v.shape.length >= 1 && v.shape.length <= full.shape.length && v.shape[v.shape.length - 1] === c &&
    v.shape.slice(0, -1).every((d) => d === 1);
}

function makeChannelBinary(name: typeof Multiply | typeof Add | typeof Sub): KernelFunc {
  return ((args: Args): TensorInfo => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const fallback = (): TensorInfo => stockKernel(name)(args) as TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback();
    const channels = Math.max(a.shape[a.shape.length - 1] ?? 0, b.shape[b.shape.length - 1] ?? 0);
    if (channels > MAX_POOL_CHANNELS) return fallback();
    const sizeA = util.sizeFromShape(a.shape);
    const sizeB = util.sizeFromShape(b.shape);
    let full: TensorInfo;
    let vec: TensorInfo;
    let vecFirst: boolean;
    // Only big tensors with >= 16 channels: below that XNNPACK's depthwise kernel is slower than the
    // stock loop (with bias and 3 channels ~4x slower), and dispatch overhead dominates small tensors.
    const big = (t: TensorInfo, size: number): boolean => t.shape.length >= 2 && size >= 65536 && t.shape[t.shape.length - 1] >= 16;
    if (big(a, sizeA) && sizeB < sizeA && isChannelVector(b, a)) {
      [full, vec, vecFirst] = [a, b, false];
    } else if (big(b, sizeB) && sizeA < sizeB && isChannelVector(a, b)) {
      [full, vec, vecFirst] = [b, a, true];
    } else {
      return fallback();
    }
    const backend = args.backend as BackendWasm;
    const c = full.shape[full.shape.length - 1];
    const v = (backend.typedArrayFromHeap(vec) as Float32Array).slice(); // copy: allocations below may move the heap
    const temps: TensorInfo[] = [];
    let filterVals: ArrayLike<number>;
    let biasVals: ArrayLike<number> | null = null;
    if (name === Multiply) {
      filterVals = v;
    } else if (name === Add) {
      filterVals = new Float32Array(c).fill(1);
      biasVals = v;
    } else if (!vecFirst) {
      filterVals = new Float32Array(c).fill(1); // x − v = x·1 + (−v)
      biasVals = v.map((t) => -t);
    } else {
      filterVals = new Float32Array(c).fill(-1); // v − x = x·(−1) + v
      biasVals = v;
    }
    const filter = small(backend, [1, 1, c, 1], filterVals);
    temps.push(filter);
    const x4 = runWasmKernel(backend, 'Reshape', { x: full }, { shape: [1, util.sizeFromShape(full.shape) / c, 1, c] });
    temps.push(x4);
    const inputs: NamedTensorInfoMap = { x: x4, filter };
    if (biasVals !== null) {
      const bias = small(backend, [c], biasVals);
      temps.push(bias);
      inputs.bias = bias;
    }
    const y = runWasmKernel(backend, 'FusedDepthwiseConv2D', inputs, {
      strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined, activation: 'linear',
    });
    temps.push(y);
    const out = runWasmKernel(backend, 'Reshape', { x: y }, { shape: full.shape });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  }) as KernelFunc;
}

function shareIdentity(args: Args): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return stockKernel(Identity)(args) as TensorInfo;
  (args.backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function shareCast(args: Args): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as unknown as { dtype: string };
  if (x.dtype !== dtype || x.dtype === 'string') return stockKernel(Cast)(args) as TensorInfo;
  (args.backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const configs: KernelConfig[] = [
  { kernelName: Sum, backendName: BACKEND, kernelFunc: makeLeadingReduce(Sum) },
  { kernelName: Mean, backendName: BACKEND, kernelFunc: makeLeadingReduce(Mean) },
  { kernelName: Multiply, backendName: BACKEND, kernelFunc: makeChannelBinary(Multiply) },
  { kernelName: Add, backendName: BACKEND, kernelFunc: makeChannelBinary(Add) },
  { kernelName: Sub, backendName: BACKEND, kernelFunc: makeChannelBinary(Sub) },
  { kernelName: Identity, backendName: BACKEND, kernelFunc: shareIdentity as KernelFunc },
  { kernelName: Cast, backendName: BACKEND, kernelFunc: shareCast as KernelFunc },
];

/**
 * Replaces the stock wasm kernels above with these, keeping the stock ones as fallbacks. Call
 * after the wasm backend has initialised (the stock kernels' setup must have run). Idempotent.
 */
export function registerWasmFastKernels(): void {
  for (const c of configs) {
    const existing = getKernel(c.kernelName, BACKEND);
    if (existing?.kernelFunc === c.kernelFunc) continue;
    if (existing === undefined) throw new Error(`wasm fast kernels: no stock ${c.kernelName} on wasm`);
    if (!stock.has(c.kernelName)) stock.set(c.kernelName, existing.kernelFunc);
    unregisterKernel(c.kernelName, BACKEND);
    registerKernel(c);
  }
}

/** Puts the stock kernels back (the benchmark's A/B). */
export function restoreStockWasmKernels(): void {
  for (const [name, kernelFunc] of stock) {
    unregisterKernel(name, BACKEND);
    registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc });
  }
}

/** True when these kernels are the ones the wasm backend runs. */
export function wasmFastKernelsRegistered(): boolean {
  return configs.every((c) => getKernel(c.kernelName, BACKEND)?.kernelFunc === c.kernelFunc);
}
