// Conv2DBackpropFilter for the tfjs wasm backend (which has none), on its XNNPACK Conv2D.
//
// dW[a,b,ci,co] = sum_{n,i,j} xpad[n, i*sh+a, j*sw+b, ci] * dy[n,i,j,co] is itself a convolution
// over (i, j) with dilation = stride, in which ci acts as the batch and n as the contracted
// channel: dW = conv(x^T [Cin,H,W,N], dy^T [OH,OW,N,Cout]). As one conv its GEMM has a huge
// reduction dimension (OH*OW*N) that XNNPACK does not block, so every row tile streams the whole
// packed dy^T (8 MiB at 128x32x32x16) from memory again. Cutting the batch into groups of g
// images, one conv each, keeps a group's packed filter in cache; the groups' results are summed.
// Measured on the peer ResNet's shapes: 680 -> 596 ms of dW per SimCLR step.

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { checkFormat, checkShape, convAttrs, Pad4, Scratch, Shape4 } from './wasmScratch';

/**
 * Images per group, measured on the peer ResNet's shapes (batch 128, 2 MiB L2): 16 when the output
 * is at least 16x16, 32 at 8x8, no split below (there the split only adds overhead). Always a
 * divisor of the batch.
 */
export function filterGradGroup(batch: number, outHeight: number, outWidth: number): number {
  const area = outHeight * outWidth;
  let g = Math.min(area >= 256 ? 16 : area >= 64 ? 32 : batch, batch);
  while (batch % g !== 0) g--;
  return g;
}

export function conv2DBackpropFilterWasm(args: { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  checkFormat(Conv2DBackpropFilter, attrs.dataFormat, [x.dtype, dy.dtype]);
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  checkShape(Conv2DBackpropFilter, 'dy', dy.shape, [n, oh, ow, cout]);
  const g = filterGradGroup(n, oh, ow);
  const groups = n / g;

  const s = new Scratch(args.backend as BackendWasm);
  try {
    // x -> [G, Cin, H*W, g]: block k is group k's conv input [Cin, H, W, g].
    const xg = s.run('Transpose', { x: s.reshape(x, [groups, g, h * w, cin]) }, { perm: [0, 3, 2, 1] });
    // dy -> [G, OH*OW, g, Cout]: block k is group k's filter [OH, OW, g, Cout].
    const dyg = s.run('Transpose', { x: s.reshape(dy, [groups, g, oh * ow, cout]) }, { perm: [0, 2, 1, 3] });
    // Pad only as far as the forward pass read; rows it never read are cropped below.
    const bottom = Math.max(0, (oh - 1) * sh + kh - h - padInfo.top);
    const right = Math.max(0, (ow - 1) * sw + kw - w - padInfo.left);
    const pad: Pad4 = [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]];
    const parts: TensorInfo[] = [];
    for (let k = 0; k < groups; k++) {
      const xk = groups === 1 ? s.reshape(xg, [cin, h, w, g]) : s.block(xg, k, [cin, h, w, g]);
      const fk = groups === 1 ? s.reshape(dyg, [oh, ow, g, cout]) : s.block(dyg, k, [oh, ow, g, cout]);
      parts.push(s.run('Conv2D', { x: xk, filter: fk }, convAttrs(pad, [sh, sw]))); // [Cin, >=kh, >=kw, Cout]
    }
    let acc = parts.length === 1 ? parts[0] : s.run('AddN', parts as unknown as NamedTensorInfoMap, {});
    if (acc.shape[1] !== kh || acc.shape[2] !== kw) acc = s.slice(acc, [0, 0, 0, 0], [cin, kh, kw, cout]);
    return s.keep(s.run('Transpose', { x: acc }, { perm: [1, 2, 0, 3] })); // [kh, kw, Cin, Cout]
  } finally {
    s.dispose();
  }
}
