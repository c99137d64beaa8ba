// Conv2DBackpropInput for the tfjs wasm backend, on its XNNPACK Conv2D (the stock kernel is a
// plain C++ loop; conv2dTranspose runs it too).
//
// dx[r] = sum_i dy[i] * w[r + pad - i*s]. The textbook form convolves the zero-dilated dy with the
// flipped filter, multiplying by zeros (s*s - 1)/(s*s) of the time. Both kernels here split dx
// rows and columns by stride phase instead: with r + pad = q*s + p,
//   dx[q*s + p - pad] = sum_m dy[q - m] * w[m*s + p],
// a stride-1 conv of dy with phase p's taps of the flipped filter.
// - per phase (the default): one conv per phase with exactly its taps over exactly its rows, so
//   the work equals the forward conv's (3x3 stride 2: 4 convs of 2x2, 2x1, 1x2, 1x1 taps);
// - combined: all phases as one conv with s*s*Cin output channels, every phase padded to
//   ceil(k/s) taps (2.8x the arithmetic for 3x3 stride 2), then interleaved. Used where dx has
//   fewer than 8 channels, where XNNPACK is slow on the narrow per-phase outputs (the VAE's last
//   up-sampling: 3.0 ms combined vs 4.6 ms per phase).
// Stride 1 is one phase either way: the flipped-filter conv, with no interleave.

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { checkFormat, checkShape, convAttrs, Pad4, Scratch, Shape4 } from './wasmScratch';

type KernelArgs = { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap };

/** Fewer dx channels than this: the combined kernel (see above). */
const PER_PHASE_MIN_CHANNELS = 8;

export function conv2DBackpropInputWasm(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  checkFormat(Conv2DBackpropInput, attrs.dataFormat, [dy.dtype, filter.dtype]);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  checkShape(Conv2DBackpropInput, 'dy', dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
  const s = new Scratch(args.backend as BackendWasm);
  try {
    return stride1 || info.inChannels >= PER_PHASE_MIN_CHANNELS ? perPhase(s, dy, filter, info) : conv2DBackpropInputCombined(s, dy, filter, info);
  } finally {
    s.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Per phase

/** One dimension of one phase p: taps, first dx row, row count, and the conv's pads (or crops) on dy. */
interface PhaseDim {
  taps: number;
  first: number;
  count: number;
  padLo: number;
  padHi: number;
  cropLo: number;
  cropHi: number;
}

/** taps = ceil((k - p)/s); dx rows first, first + s, ... (count of them) come from q = q0 .. q0 + count - 1. */
function phaseDim(p: number, k: number, s: number, pad: number, inSize: number, outSize: number): PhaseDim {
  const taps = Math.max(0, Math.ceil((k - p) / s));
  const first = (((p - pad) % s) + s) % s;
  const count = first < inSize ? Math.ceil((inSize - first) / s) : 0;
  const q0 = (first + pad - p) / s;
  const padLo = taps - 1 - q0;
  const padHi = count - 1 + taps - outSize - padLo;
  // Negative pads (explicit pads wider than the kernel) crop dy instead: those rows never touch x.
  return { taps, first, count, padLo: Math.max(0, padLo), padHi: Math.max(0, padHi), cropLo: Math.max(0, -padLo), cropHi: Math.max(0, -padHi) };
}

/** f[a, b, co, ci] = w[(th-1-a)*sh + ph, (tw-1-b)*sw + pw, ci, co]: phase (ph, pw)'s flipped taps. */
function phaseTaps(w: Float32Array, kw: number, cin: number, cout: number, sh: number, sw: number, ph: number, pw: number, th: number, tw: number): Float32Array {
  const out = new Float32Array(th * tw * cout * cin);
  let o = 0;
  for (let a = 0; a < th; a++) {
    const r = (th - 1 - a) * sh + ph;
    for (let b = 0; b < tw; b++) {
      const c = (tw - 1 - b) * sw + pw;
      const base = (r * kw + c) * cin * cout;
      for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) out[o++] = w[base + ci * cout + co];
    }
  }
  return out;
}

function perPhase(s: Scratch, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: wd, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const w = s.read(filter);
  const convs: Array<{ out: TensorInfo; fh: number; fw: number; ch: number; cw: number }> = [];
  let covered = 0;
  for (let ph = 0; ph < sh; ph++) {
    const dh = phaseDim(ph, kh, sh, padInfo.top, h, oh);
    for (let pw = 0; pw < sw; pw++) {
      const dw = phaseDim(pw, kw, sw, padInfo.left, wd, ow);
      if (dh.count === 0 || dw.count === 0 || dh.taps === 0 || dw.taps === 0) continue; // no tap reaches: zeros
      const d = dh.cropLo + dh.cropHi + dw.cropLo + dw.cropHi > 0
        ? s.slice(dy, [0, dh.cropLo, dw.cropLo, 0], [n, oh - dh.cropLo - dh.cropHi, ow - dw.cropLo - dw.cropHi, cout])
        : dy;
      const f = s.make([dh.taps, dw.taps, cout, cin], phaseTaps(w, kw, cin, cout, sh, sw, ph, pw, dh.taps, dw.taps));
      const pad: Pad4 = [[0, 0], [dh.padLo, dh.padHi], [dw.padLo, dw.padHi], [0, 0]];
      const out = s.run('Conv2D', { x: d, filter: f }, convAttrs(pad, [1, 1]));
      if (out.shape[1] !== dh.count || out.shape[2] !== dw.count) {
        throw new Error(`${Conv2DBackpropInput}: phase (${ph}, ${pw}) gave [${out.shape.join(', ')}], expected ${dh.count}x${dw.count} rows`);
      }
      convs.push({ out, fh: dh.first, fw: dw.first, ch: dh.count, cw: dw.count });
      covered += dh.count * dw.count;
    }
  }
  if (sh === 1 && sw === 1 && convs.length === 1) return s.keep(convs[0].out); // already [N, H, W, Cin]
  const dx = s.empty([n, h, wd, cin]);
  // Views only after the last allocation: growing the wasm heap detaches earlier views.
  const dst = s.view(dx);
  if (covered < h * wd) dst.fill(0); // positions no tap reaches (e.g. 1x1 stride 2)
  for (const { out, fh, fw, ch, cw } of convs) {
    const src = s.view(out);
    let i = 0;
    for (let b = 0; b < n; b++) {
      for (let qi = 0; qi < ch; qi++) {
        const rowBase = ((b * h + fh + qi * sh) * wd + fw) * cin;
        for (let qj = 0; qj < cw; qj++) {
          let o = rowBase + qj * sw * cin;
          for (let c = 0; c < cin; c++) dst[o++] = src[i++];
        }
      }
    }
  }
  return s.keep(dx);
}

// ---------------------------------------------------------------------------------------------
// Combined

/**
 * The flipped filter split by stride phase, [Mh, Mw, Cout, sh * sw * Cin] with Mh = ceil(kh / sh):
 * out[b, c, co, (ph, pw, ci)] = w[(Mh-1-b)*sh + ph, (Mw-1-c)*sw + pw, ci, co], zero past the kernel.
 * Built in JS because the filter is small and this is one pass over it.
 */
function combinedPhaseFilter(s: Scratch, filter: TensorInfo, sh: number, sw: number): TensorInfo {
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

function conv2DBackpropInputCombined(s: Scratch, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  // With r + off = q*s + p (off = pad mod s, u = pad div s): dx[q*s + p - off] =
  // sum_m dy[q + u - m] * w[m*s + p], an Mh x Mw filter per phase, all phases as one conv.
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
  const w = combinedPhaseFilter(s, filter, sh, sw);
  const pad: Pad4 = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  const g = s.run('Conv2D', { x: d, filter: w }, convAttrs(pad, [1, 1])); // [N, qh, qw, sh*sw*Cin]
  if (sh === 1 && sw === 1) return s.keep(g); // one phase, offset 0: already [N, H, W, Cin]
  return interleavePhases(s, g, [batchSize, inHeight, inWidth, inChannels], sh, sw, offH, offW);
}
