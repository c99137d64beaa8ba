/**
 * Converts NHWC uint8 images between 1 and 3 channels: grayscale is repeated into R, G and B;
 * RGB becomes luminance with the ITU-R BT.601 weights (as PIL's "L" mode), rounded.
 * Returns the input itself when `from === to`.
 */
export function expandChannels(images: Uint8Array, count: number, h: number, w: number, from: 1 | 3, to: 1 | 3): Uint8Array {
  if (from === to) return images;
  const pixels = count * h * w;
  if (images.length < pixels * from) throw new RangeError(`expandChannels: ${images.length} bytes for ${pixels} pixels × ${from} channels`);
  if (to === 3) {
    const out = new Uint8Array(pixels * 3);
    for (let p = 0; p < pixels; p++) {
      const v = images[p];
      out[p * 3] = v;
      out[p * 3 + 1] = v;
      out[p * 3 + 2] = v;
    }
    return out;
  }
  const out = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    // Integer weights summing to 1000, so a grey pixel maps to itself exactly.
    out[p] = Math.floor((299 * images[p * 3] + 587 * images[p * 3 + 1] + 114 * images[p * 3 + 2] + 500) / 1000);
  }
  return out;
}
