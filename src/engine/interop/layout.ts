/**
 * Tensor layouts between the engine (tfjs: NHWC activations, conv kernels [kh, kw, in, out],
 * transposed-conv kernels [kh, kw, out, in], dense [in, out]) and PyTorch (NCHW, conv [out, in, kh,
 * kw], transposed conv [in, out, kh, kw], Linear [out, in]). Both conv kinds move by the same axis
 * permutation, without a spatial flip: each is the other framework's cross-correlation (or its
 * adjoint) with the same taps. The dense layers next to the VAE's flatten/reshape also reorder
 * their features, because an 8x8xd map flattens as (h, w, c) here and as (c, h, w) in PyTorch.
 */
export type LayoutKind =
  /** By rank: 4 → conv kernel, 2 → dense, 1 → as is. */
  | 'auto'
  /** fc11/fc12: a dense layer that reads the flattened map, [f·f·d, z] ↔ [z, d·f·f]. */
  | 'flattenIn'
  /** fc21's weight: a dense layer whose output is reshaped to the map, [z, f·f·d] ↔ [d·f·f, z]. */
  | 'flattenOut'
  /** fc21's bias: [f·f·d] ↔ [d·f·f]. */
  | 'flattenOutBias';

/** The VAE's bottleneck map: f × f × d. */
export interface MapGeometry {
  f: number;
  d: number;
}

interface Plan {
  /** The engine tensor seen with this shape, then its axes permuted by `perm`, gives the PyTorch tensor. */
  view: number[];
  perm: number[];
  torchShape: number[];
}

function plan(kind: LayoutKind, engineShape: readonly number[], g?: MapGeometry): Plan {
  const shape = [...engineShape];
  const geometry = (): MapGeometry => {
    if (!g) throw new Error(`layout ${kind} needs the VAE's map geometry`);
    return g;
  };
  switch (kind) {
    case 'auto': {
      const perm = shape.length === 4 ? [3, 2, 0, 1] : shape.length === 2 ? [1, 0] : shape.map((_, i) => i);
      return { view: shape, perm, torchShape: perm.map((p) => shape[p]) };
    }
    case 'flattenIn': {
      const { f, d } = geometry();
      return { view: [f, f, d, shape[1]], perm: [3, 2, 0, 1], torchShape: [shape[1], d * f * f] };
    }
    case 'flattenOut': {
      const { f, d } = geometry();
      return { view: [shape[0], f, f, d], perm: [3, 1, 2, 0], torchShape: [d * f * f, shape[0]] };
    }
    case 'flattenOutBias': {
      const { f, d } = geometry();
      return { view: [f, f, d], perm: [2, 0, 1], torchShape: [d * f * f] };
    }
  }
}

/** out[i_0, …] = in[…] with out's axis k = in's axis perm[k] (numpy's transpose). */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`permute: shape [${shape}] does not match ${data.length} values`);
  if (perm.every((p, i) => p === i)) return Float32Array.from(data);
  const inStrides = new Array<number>(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    inStrides[k] = s;
    s *= shape[k];
  }
  const outShape = perm.map((p) => shape[p]);
  const stride = perm.map((p) => inStrides[p]); // input step per unit of each output axis
  const out = new Float32Array(size);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < size; o++) {
    out[o] = data[src];
    // Odometer over the output index, moving the input offset along.
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      src += stride[k];
      if (idx[k] < outShape[k]) break;
      src -= stride[k] * outShape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/** The PyTorch shape of an engine tensor of this layout. */
export function torchShape(kind: LayoutKind, engineShape: readonly number[], g?: MapGeometry): number[] {
  return plan(kind, engineShape, g).torchShape;
}

export function toTorch(kind: LayoutKind, engineShape: readonly number[], data: Float32Array, g?: MapGeometry): { shape: number[]; data: Float32Array } {
  const p = plan(kind, engineShape, g);
  return { shape: p.torchShape, data: permute(data, p.view, p.perm) };
}

/** The engine's values of a PyTorch tensor for an engine variable of `engineShape`. */
export function toEngine(kind: LayoutKind, engineShape: readonly number[], torchData: Float32Array, g?: MapGeometry): Float32Array {
  const p = plan(kind, engineShape, g);
  const inverse = new Array<number>(p.perm.length);
  p.perm.forEach((axis, k) => (inverse[axis] = k));
  return permute(torchData, p.perm.map((axis) => p.view[axis]), inverse);
}
