/**
 * Separable image resizing on uint8 NHWC pixels. Each axis is resampled on its own: area
 * averaging when it shrinks (every source pixel counts by the fraction it covers, so no
 * aliasing), bilinear with half-pixel centres when it grows (as PIL and tf.image do).
 */

/** For each output index, the source indices and weights that make it (CSR layout). */
interface AxisWeights {
  readonly start: Int32Array; // out + 1 offsets into index/weight
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

function axisWeights(inSize: number, outSize: number): AxisWeights {
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(outSize + 1);
  if (outSize <= inSize) {
    const scale = inSize / outSize;
    for (let j = 0; j < outSize; j++) {
      const lo = j * scale;
      const hi = Math.min(inSize, (j + 1) * scale);
      for (let i = Math.floor(lo); i < Math.ceil(hi); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        // Rounding can leave a sliver of the next pixel; it carries no weight.
        if (overlap > 1e-9) {
          index.push(i);
          weight.push(overlap / scale);
        }
      }
      start[j + 1] = index.length;
    }
  } else {
    const scale = inSize / outSize;
    for (let j = 0; j < outSize; j++) {
      const s = Math.min(inSize - 1, Math.max(0, (j + 0.5) * scale - 0.5));
      const i0 = Math.floor(s);
      const f = s - i0;
      index.push(i0);
      weight.push(1 - f);
      if (f > 0 && i0 + 1 < inSize) {
        index.push(i0 + 1);
        weight.push(f);
      }
      start[j + 1] = index.length;
    }
  }
  return { start, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

/** Reusable resizer for one (input size -> output size) pair. */
export class Resizer {
  private readonly wx: AxisWeights;
  private readonly wy: AxisWeights;
  private readonly tmp: Float32Array;

  constructor(
    readonly inH: number,
    readonly inW: number,
    readonly channels: number,
    readonly outH: number,
    readonly outW: number,
  ) {
    this.wx = axisWeights(inW, outW);
    this.wy = axisWeights(inH, outH);
    this.tmp = new Float32Array(inH * outW * channels);
  }

  /** Resizes the image at src[srcOffset..] into out[outOffset..]. */
  run(src: Uint8Array, srcOffset: number, out: Uint8Array, outOffset: number): void {
    const { inH, inW, channels: c, outH, outW, tmp, wx, wy } = this;
    // Horizontal pass: inH rows of outW pixels.
    for (let y = 0; y < inH; y++) {
      const rowIn = srcOffset + y * inW * c;
      const rowTmp = y * outW * c;
      for (let x = 0; x < outW; x++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let k = wx.start[x]; k < wx.start[x + 1]; k++) acc += wx.weight[k] * src[rowIn + wx.index[k] * c + ch];
          tmp[rowTmp + x * c + ch] = acc;
        }
      }
    }
    // Vertical pass: outH rows from the horizontally resized rows.
    const rowLen = outW * c;
    for (let y = 0; y < outH; y++) {
      const rowOut = outOffset + y * rowLen;
      for (let i = 0; i < rowLen; i++) {
        let acc = 0;
        for (let k = wy.start[y]; k < wy.start[y + 1]; k++) acc += wy.weight[k] * tmp[wy.index[k] * rowLen + i];
        out[rowOut + i] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
      }
    }
  }
}

/** Resizes one HWC image. */
export function resizeImage(src: Uint8Array, h: number, w: number, channels: number, outH: number, outW: number): Uint8Array {
  if (h === outH && w === outW) return src.slice(0, h * w * channels);
  const out = new Uint8Array(outH * outW * channels);
  new Resizer(h, w, channels, outH, outW).run(src, 0, out, 0);
  return out;
}

/** Resizes `count` NHWC images of one size to another. */
export function resizeImages(
  images: Uint8Array,
  count: number,
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
): Uint8Array {
  if (h === outH && w === outW) return images;
  const out = new Uint8Array(count * outH * outW * channels);
  const r = new Resizer(h, w, channels, outH, outW);
  const inLen = h * w * channels;
  const outLen = outH * outW * channels;
  for (let n = 0; n < count; n++) r.run(images, n * inLen, out, n * outLen);
  return out;
}
