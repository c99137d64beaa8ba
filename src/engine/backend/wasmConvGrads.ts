// Conv2D gradient kernels for the tfjs wasm backend, built on its XNNPACK Conv2D.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (so a conv net cannot train on it) and
// its Conv2DBackpropInput is a plain C++ loop. Both gradients are convolutions themselves,
// so we rewrite them as Conv2D calls and let XNNPACK do the arithmetic:
//   dW = conv(x^T, dy^T, dilation = stride)                    (batch acts as channels)
//   dX = conv(dy, flip(W)^T split into stride phases), then interleave the phases
// Kernels run the stock wasm kernel functions directly (not tf ops) so nothing is recorded
// on the gradient tape and every intermediate is freed through the backend.

import '@tensorflow/tfjs-backend-wasm'; // the stock kernels must be registered before we replace one
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  registerKernel,
  unregisterKernel,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

const BACKEND = 'wasm';

/** Runs stock wasm kernels and frees every intermediate they made, except the one kept. */
class Scratch {
  private readonly owned: TensorInfo[] = [];

  constructor(private readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
    const config = getKernel(kernelName, BACKEND);
    if (config === undefined) {
      throw new Error(`wasm conv gradients: kernel '${kernelName}' is not registered for the wasm backend`);
    }
    // NamedAttrMap has no number[][] member, but kernels take explicit paddings that way.
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    if (Array.isArray(out)) {
      throw new Error(`wasm conv gradients: kernel '${kernelName}' returned several outputs`);
    }
    this.owned.push(out);
    return out;
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

  /** A live view of the wasm heap; valid only until the next allocation. */
  view(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /** A copy, not a heap view: a later allocation may grow the heap and detach views. */
  read(t: TensorInfo): Float32Array {
    return this.backend.readSync(t.dataId) as Float32Array;
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

function checkFormat(kernel: string, dataFormat: string | undefined, dtypes: string[]): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  for (const d of dtypes) {
    if (d !== 'float32') throw new Error(`${kernel} on wasm supports float32 only, got ${d}`);
  }
}

function checkShape(kernel: string, what: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new Error(`${kernel}: ${what} has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}

function convAttrs(pad: Pad4, dilations: [number, number]): object {
  return { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined };
}

function conv2DBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: {};
  attrs?: NamedAttrMap;
}): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  checkFormat(Conv2DBackpropFilter, attrs.dataFormat, [x.dtype, dy.dtype]);
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  checkShape(Conv2DBackpropFilter, 'dy', dy.shape, [batchSize, outHeight, outWidth, outChannels]);

  const s = new Scratch(args.backend as BackendWasm);
  try {
    // dW[a,b,ci,co] = sum_{n,i,j} xpad[n, i*sh+a, j*sw+b, ci] * dy[n,i,j,co]: a conv over (i,j)
    // with dilation = stride, where ci is the batch and n the contracted channel.
    const xT = s.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [Cin, H, W, N]
    const dyT = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, N, Cout]
    // Pad only as far as the forward pass read; rows it never read are cropped below.
    const bottom = Math.max(0, (outHeight - 1) * sh + kh - inHeight - padInfo.top);
    const right = Math.max(0, (outWidth - 1) * sw + kw - inWidth - padInfo.left);
    const pad: Pad4 = [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]];
    let g = s.run('Conv2D', { x: xT, filter: dyT }, convAttrs(pad, [sh, sw])); // [Cin, >=kh, >=kw, Cout]
    if (g.shape[1] !== kh || g.shape[2] !== kw) {
      g = s.slice(g, [0, 0, 0, 0], [inChannels, kh, kw, outChannels]);
    }
    return s.keep(s.run('Transpose', { x: g }, { perm: [1, 2, 0, 3] })); // [kh, kw, Cin, Cout]
  } finally {
    s.dispose();
  }
}

/**
 * The flipped filter split by stride phase, [Mh, Mw, Cout, sh * sw * Cin] with Mh = ceil(kh / sh):
 * out[b, c, co, (ph, pw, ci)] = w[(Mh-1-b)*sh + ph, (Mw-1-c)*sw + pw, ci, co], zero past the kernel.
 * Built in JS because the filter is small and this is one pass over it.
 */
function phaseFilter(s: Scratch, filter: TensorInfo, sh: number, sw: number): TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const mh = Math.ceil(kh / sh);
  const mw = Math.ceil(kw / sw);
  const w = s.read(filter);
  const out = new Float32Array(mh * mw * cout * sh * sw * cin);
  let o = 0;
  for (let b = 0; b < mh; b++) {
    for (let c = 0; c < mw; c++) {
      for (let co = 0; co < cout; co++) {
        for (let ph = 0; ph < sh; ph++) {
          const a = (mh - 1 - b) * sh + ph;
          for (let pw = 0; pw < sw; pw++) {
            const d = (mw - 1 - c) * sw + pw;
            if (a >= kh || d >= kw) {
              o += cin; // stays zero
              continue;
            }
            const base = ((a * kw + d) * cin) * cout + co;
            for (let ci = 0; ci < cin; ci++) out[o++] = w[base + ci * cout];
          }
        }
      }
    }
  }
  return s.make([mh, mw, cout, sh * sw * cin], out);
}

/**
 * dx[n, r, c, ci] = g[n, q, qc, (ph, pw, ci)] where r + offH = q*sh + ph and c + offW = qc*sw + pw.
 * One JS pass over the heap: the Transpose + StridedSlice kernels doing the same took ~3x longer.
 */
function interleavePhases(
  s: Scratch, g: TensorInfo, outShape: Shape4, sh: number, sw: number, offH: number, offW: number,
): TensorInfo {
  const [n, h, w, c] = outShape;
  const [, qh, qw] = g.shape;
  const out = s.empty(outShape);
  // Views only after the last allocation: growing the wasm heap detaches earlier views.
  const src = s.view(g);
  const dst = s.view(out);
  const rowStride = qw * sh * sw * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const rr = r + offH;
      const rowBase = ((b * qh + Math.floor(rr / sh)) * rowStride) + (rr % sh) * sw * c;
      for (let col = 0; col < w; col++) {
        const cc = col + offW;
        let i = rowBase + Math.floor(cc / sw) * sh * sw * c + (cc % sw) * c;
        for (let k = 0; k < c; k++) dst[o++] = src[i++];
      }
    }
  }
  return s.keep(out);
}

function conv2DBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: {};
  attrs?: NamedAttrMap;
}): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  checkFormat(Conv2DBackpropInput, attrs.dataFormat, [dy.dtype, filter.dtype]);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  checkShape(Conv2DBackpropInput, 'dy', dy.shape, [batchSize, outHeight, outWidth, outChannels]);

  // dx[r] = sum_i dy[i] * w[r + pad - i*s]. The textbook form convolves the zero-dilated dy with
  // the flipped filter, but for stride s that multiplies by zeros (s*s - 1)/(s*s) of the time.
  // Instead split dx rows by phase: with r + off = q*s + p (off = pad mod s, u = pad div s)
  //   dx[q*s + p - off] = sum_m dy[q + u - m] * w[m*s + p],
  // a stride-1 conv of dy with an Mh x Mw filter per phase. All phases run as one conv with
  // s*s*Cin output channels, which are then interleaved back into rows and columns.
  // For stride 1 this is exactly the flipped-filter conv, with no interleave and no crop.
  const mh = Math.ceil(kh / sh);
  const mw = Math.ceil(kw / sw);
  const uh = Math.floor(padInfo.top / sh);
  const uw = Math.floor(padInfo.left / sw);
  const offH = padInfo.top - uh * sh;
  const offW = padInfo.left - uw * sw;
  const qh = Math.ceil((offH + inHeight) / sh);
  const qw = Math.ceil((offW + inWidth) / sw);
  const top = mh - 1 - uh;
  const left = mw - 1 - uw;
  const bottom = qh + uh - outHeight;
  const right = qw + uw - outWidth;

  const s = new Scratch(args.backend as BackendWasm);
  try {
    let d = dy;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      // Only with explicit pads wider than the kernel: those dy rows/cols never touch x.
      const cropTop = Math.max(0, -top);
      const cropLeft = Math.max(0, -left);
      d = s.slice(d, [0, cropTop, cropLeft, 0], [
        batchSize,
        outHeight - cropTop - Math.max(0, -bottom),
        outWidth - cropLeft - Math.max(0, -right),
        outChannels,
      ]);
    }
    const w = phaseFilter(s, filter, sh, sw);
    const pad: Pad4 = [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ];
    const g = s.run('Conv2D', { x: d, filter: w }, convAttrs(pad, [1, 1])); // [N, qh, qw, sh*sw*Cin]
    if (sh === 1 && sw === 1) return s.keep(g); // one phase, offset 0: already [N, H, W, Cin]
    return interleavePhases(s, g, [batchSize, inHeight, inWidth, inChannels], sh, sw, offH, offW);
  } finally {
    s.dispose();
  }
}

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
