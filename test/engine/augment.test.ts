import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/engine/rng';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  applyAugmentParams,
  applyColorJitter,
  denormalize,
  JitterOp,
  JitterParams,
  LUMA_WEIGHTS,
  randomGrayscale,
  resizedCrop,
  rgbToGrayscale,
  sampleAugmentParams,
  sampleCropBox,
  SIMCLR_DEFAULTS,
  simclrAugment,
  testTransform,
  toUnitFloat,
  type AugmentOptions,
} from '../../src/engine/augment/simclr';

const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.243, 0.261];
const OPTS: AugmentOptions = { size: 32, mean: MEAN, std: STD };

function randomImages(seed: number, n: number, h: number, w: number, c: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const u8 = new Uint8Array(n * h * w * c);
  for (let i = 0; i < u8.length; i++) u8[i] = rng.int(256);
  return toUnitFloat(u8, n, h, w, c);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Runs fn and checks that it leaves no tensors behind beyond what it returns (disposed here). */
function noLeak<T extends tf.Tensor>(fn: () => T): Float32Array {
  const before = tf.memory().numTensors;
  const out = fn();
  const vals = out.dataSync() as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  return vals;
}

// --- scalar references (float64), transcribed from torchvision's _functional_tensor ---

function refRgb2Hsv(r: number, g: number, b: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  const eqc = maxc === minc;
  const cr = maxc - minc;
  const s = cr / (eqc ? 1 : maxc);
  const d = eqc ? 1 : cr;
  const rc = (maxc - r) / d;
  const gc = (maxc - g) / d;
  const bc = (maxc - b) / d;
  let h: number;
  if (maxc === r) h = bc - gc;
  else if (maxc === g) h = 2 + rc - bc;
  else h = 4 + gc - rc;
  h = (h / 6 + 1) % 1;
  return [h, s, maxc];
}

function refHsv2Rgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const clamp = (x: number): number => Math.min(1, Math.max(0, x));
  const p = clamp(v * (1 - s));
  const q = clamp(v * (1 - s * f));
  const t = clamp(v * (1 - s * (1 - f)));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

const lum = (r: number, g: number, b: number): number => LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

test('setup cpu backend', async () => {
  await tf.setBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('same seed gives identical output, different seed differs, shape is [N,size,size,C]', () => {
  const imgs = randomImages(1, 8, 32, 32, 3);
  const a = noLeak(() => simclrAugment(imgs, new Rng(7), OPTS));
  const b = noLeak(() => simclrAugment(imgs, new Rng(7), OPTS));
  const c = noLeak(() => simclrAugment(imgs, new Rng(8), OPTS));
  assert.deepEqual(a, b);
  assert.ok(maxAbsDiff(a, c) > 0.1);
  const out = simclrAugment(imgs, new Rng(7), { ...OPTS, size: 24 });
  assert.deepEqual(out.shape, [8, 24, 24, 3]);
  out.dispose();
  imgs.dispose();
});

test('full-image crop without flip / jitter / grayscale equals the normalised input', () => {
  const imgs = randomImages(2, 5, 32, 32, 3);
  const opts: AugmentOptions = { ...OPTS, scale: [1, 1], ratio: [1, 1], flip: false, jitter: null, grayscaleP: 0 };
  const got = noLeak(() => simclrAugment(imgs, new Rng(3), opts));
  const want = noLeak(() => testTransform(imgs, OPTS));
  assert.ok(maxAbsDiff(got, want) < 1e-6, `diff ${maxAbsDiff(got, want)}`);
  // And the normalisation itself: (x - mean) / std, inverted by denormalize.
  const x = imgs.dataSync();
  for (const i of [0, 1, 2, 100, 3000]) assert.ok(Math.abs(want[i] - (x[i] - MEAN[i % 3]) / STD[i % 3]) < 1e-6);
  const back = noLeak(() => tf.tidy(() => denormalize(testTransform(imgs, OPTS), MEAN, STD)));
  assert.ok(maxAbsDiff(back, x) < 1e-6);
  imgs.dispose();
});

test('the pipeline applies grayscale and jitter: p = 1 gives equal channels, p = 0 does not', () => {
  const imgs = randomImages(3, 4, 16, 16, 3);
  const opts: AugmentOptions = { size: 16, mean: MEAN, std: STD, scale: [1, 1], ratio: [1, 1], flip: false };
  const channelSpread = (x: Float32Array): number => {
    let m = 0;
    for (let i = 0; i < x.length; i += 3) m = Math.max(m, Math.abs(x[i] - x[i + 1]), Math.abs(x[i] - x[i + 2]));
    return m;
  };
  const unit = (o: AugmentOptions): Float32Array => noLeak(() => tf.tidy(() => denormalize(simclrAugment(imgs, new Rng(1), o), MEAN, STD)));
  assert.ok(channelSpread(unit({ ...opts, jitter: null, grayscaleP: 1 })) < 1e-6);
  assert.ok(channelSpread(unit({ ...opts, grayscaleP: 1 })) < 1e-6);
  assert.ok(channelSpread(unit({ ...opts, jitter: null, grayscaleP: 0 })) > 0.1);
  // Jitter with p = 1 changes the image; with p = 0 it does not.
  const plain = unit({ ...opts, jitter: null, grayscaleP: 0 });
  const jitterOff = unit({ ...opts, jitter: { ...SIMCLR_DEFAULTS.jitter, p: 0 }, grayscaleP: 0 });
  const jitterOn = unit({ ...opts, jitter: { ...SIMCLR_DEFAULTS.jitter, p: 1 }, grayscaleP: 0 });
  assert.ok(maxAbsDiff(jitterOff, plain) < 1e-6);
  assert.ok(maxAbsDiff(jitterOn, plain) > 0.05);
  imgs.dispose();
});

test('1-channel images: full crop is the identity too, and jitter keeps 1 channel', () => {
  const imgs = randomImages(4, 3, 28, 28, 1);
  const opts: AugmentOptions = { size: 28, mean: [0.286], std: [0.353], scale: [1, 1], ratio: [1, 1], flip: false, jitter: null };
  const got = noLeak(() => simclrAugment(imgs, new Rng(1), { ...opts, grayscaleP: 1 }));
  const want = noLeak(() => testTransform(imgs, opts));
  assert.ok(maxAbsDiff(got, want) < 1e-6);
  const full = simclrAugment(imgs, new Rng(1), { size: 32, mean: [0.286], std: [0.353] });
  assert.deepEqual(full.shape, [3, 32, 32, 1]);
  full.dispose();
  imgs.dispose();
});

test('enlarging matches torchvision / PIL bilinear (half-pixel centres, clamped at the crop edge)', () => {
  // Upsample a 5x7 crop of a 9x9 image at (2,1) to 8x8 and check every pixel.
  const h = 9;
  const w = 9;
  const imgs = randomImages(5, 1, h, w, 1);
  const x = imgs.dataSync();
  const crop = { top: 2, left: 1, height: 5, width: 7 };
  const size = 8;
  const got = noLeak(() => resizedCrop(imgs, [crop], [false], size));
  const src = (d: number, len: number): [number, number, number] => {
    const s = Math.max(0, ((d + 0.5) * len) / size - 0.5);
    const i0 = Math.floor(s);
    const i1 = Math.min(i0 + 1, len - 1);
    return [i0, i1, s - i0];
  };
  for (let oy = 0; oy < size; oy++) {
    const [y0, y1, ly] = src(oy, crop.height);
    for (let ox = 0; ox < size; ox++) {
      const [x0, x1, lx] = src(ox, crop.width);
      const px = (yy: number, xx: number): number => x[(crop.top + yy) * w + crop.left + xx];
      const top = px(y0, x0) * (1 - lx) + px(y0, x1) * lx;
      const bot = px(y1, x0) * (1 - lx) + px(y1, x1) * lx;
      const want = top * (1 - ly) + bot * ly;
      assert.ok(Math.abs(got[oy * size + ox] - want) < 1e-5, `(${oy},${ox}) ${got[oy * size + ox]} vs ${want}`);
    }
  }
  imgs.dispose();
});

/** PIL's bilinear coefficients for one axis (precompute_coeffs), written out for the test. */
function pilCoeffs(len: number, outSize: number): number[][] {
  const scale = len / outSize;
  const fs = Math.max(scale, 1);
  const rows: number[][] = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - fs + 0.5), 0);
    const hi = Math.min(Math.trunc(center + fs + 0.5), len);
    const row = new Array<number>(len).fill(0);
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const d = Math.abs((x + 0.5 - center) / fs);
      row[x] = d < 1 ? 1 - d : 0;
      total += row[x];
    }
    rows.push(row.map((v) => v / total));
  }
  return rows;
}

test('shrinking crops are antialiased like PIL (triangle filter widened by the scale)', () => {
  const h = 20;
  const w = 20;
  const imgs = randomImages(55, 2, h, w, 3);
  const x = imgs.dataSync();
  const crops = [
    { top: 3, left: 2, height: 15, width: 17 },
    { top: 0, left: 5, height: 4, width: 15 }, // taller output than crop: enlarge in y, shrink in x
  ];
  const size = 6;
  const got = noLeak(() => resizedCrop(imgs, crops, [false, true], size));
  crops.forEach((crop, n) => {
    const cy = pilCoeffs(crop.height, size);
    const cx = pilCoeffs(crop.width, size);
    for (let oy = 0; oy < size; oy++) {
      for (let ox = 0; ox < size; ox++) {
        for (let c = 0; c < 3; c++) {
          let want = 0;
          for (let yy = 0; yy < crop.height; yy++) {
            for (let xx = 0; xx < crop.width; xx++) {
              want += cy[oy][yy] * cx[n === 1 ? size - 1 - ox : ox][xx] * x[((n * h + crop.top + yy) * w + crop.left + xx) * 3 + c];
            }
          }
          const g = got[((n * size + oy) * size + ox) * 3 + c];
          assert.ok(Math.abs(g - want) < 1e-5, `sample ${n} (${oy},${ox},${c}) ${g} vs ${want}`);
        }
      }
    }
  });
  const resized = testTransform(imgs, { size: 32, mean: [0], std: [1] });
  assert.deepEqual(resized.shape, [2, 32, 32, 3]);
  resized.dispose();
  imgs.dispose();
});

test('a flipped crop equals tf.reverse of the unflipped one', () => {
  const imgs = randomImages(6, 16, 32, 32, 3);
  const rng = new Rng(11);
  const crops = Array.from({ length: 16 }, () => sampleCropBox(rng, 32, 32, SIMCLR_DEFAULTS.scale, SIMCLR_DEFAULTS.ratio));
  const flipped = noLeak(() => resizedCrop(imgs, crops, crops.map(() => true), 32));
  const reversed = noLeak(() => tf.tidy(() => tf.reverse(resizedCrop(imgs, crops, null, 32), 2)));
  assert.equal(maxAbsDiff(flipped, reversed), 0);
  // The full-image case is exact.
  const full = [{ top: 0, left: 0, height: 32, width: 32 }];
  const one = tf.slice(imgs, [0, 0, 0, 0], [1, -1, -1, -1]);
  const f = noLeak(() => resizedCrop(one, full, [true], 32));
  const r = noLeak(() => tf.reverse(one, 2));
  assert.equal(maxAbsDiff(f, r), 0);
  one.dispose();
  imgs.dispose();
});

test('brightness multiplies by f and clamps; contrast and saturation blend like torchvision', () => {
  const imgs = randomImages(7, 3, 4, 5, 3);
  const x = imgs.dataSync();
  const factors = [0.3, 1.0, 1.7];
  const px = 4 * 5;
  const bright = noLeak(() => adjustBrightness(imgs, factors));
  const contrast = noLeak(() => adjustContrast(imgs, factors));
  const sat = noLeak(() => adjustSaturation(imgs, factors));
  for (let n = 0; n < 3; n++) {
    const f = factors[n];
    let meanGray = 0;
    for (let p = 0; p < px; p++) {
      const o = (n * px + p) * 3;
      meanGray += lum(x[o], x[o + 1], x[o + 2]) / px;
    }
    for (const p of [0, 7, 19]) {
      const o = (n * px + p) * 3;
      const g = lum(x[o], x[o + 1], x[o + 2]);
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(bright[o + c] - clamp01(f * x[o + c])) < 1e-6);
        assert.ok(Math.abs(contrast[o + c] - clamp01(f * x[o + c] + (1 - f) * meanGray)) < 1e-6);
        assert.ok(Math.abs(sat[o + c] - clamp01(f * x[o + c] + (1 - f) * g)) < 1e-6);
      }
    }
  }
  imgs.dispose();
});

test('hue: scalar reference, shift 0 is the identity, shift 0.5 twice returns the original', () => {
  const imgs = randomImages(8, 4, 6, 6, 3);
  const x = imgs.dataSync();
  const shifts = [0.2, -0.2, 0.05, -0.5];
  const got = noLeak(() => adjustHue(imgs, shifts));
  for (let i = 0; i < 4 * 36; i++) {
    const o = i * 3;
    const [h, s, v] = refRgb2Hsv(x[o], x[o + 1], x[o + 2]);
    const hh = (((h + shifts[Math.floor(i / 36)]) % 1) + 1) % 1;
    const want = refHsv2Rgb(hh, s, v);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[o + c] - want[c]) < 1e-5, `pixel ${i}`);
  }
  const zero = noLeak(() => adjustHue(imgs, [0, 0, 0, 0]));
  assert.ok(maxAbsDiff(zero, x) < 1e-6, `identity diff ${maxAbsDiff(zero, x)}`);
  const twice = noLeak(() => tf.tidy(() => adjustHue(adjustHue(imgs, [0.5, 0.5, 0.5, 0.5]), [0.5, 0.5, 0.5, 0.5])));
  assert.ok(maxAbsDiff(twice, x) < 1e-5, `twice diff ${maxAbsDiff(twice, x)}`);
  // Grays have no hue: unchanged by any shift.
  const gray = tf.fill([1, 2, 2, 3], 0.4) as tf.Tensor4D;
  assert.ok(maxAbsDiff(noLeak(() => adjustHue(gray, [0.3])), gray.dataSync()) < 1e-7);
  gray.dispose();
  imgs.dispose();
});

test('grayscale replicates the luminance to all channels, only for selected samples', () => {
  const imgs = randomImages(9, 2, 4, 4, 3);
  const x = imgs.dataSync();
  const got = noLeak(() => randomGrayscale(imgs, [true, false]));
  for (let p = 0; p < 16; p++) {
    const o = p * 3;
    const g = lum(x[o], x[o + 1], x[o + 2]);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[o + c] - g) < 1e-6);
    const o2 = (16 + p) * 3;
    for (let c = 0; c < 3; c++) assert.equal(got[o2 + c], x[o2 + c]);
  }
  const g1 = noLeak(() => rgbToGrayscale(imgs));
  assert.equal(g1.length, 2 * 16);
  imgs.dispose();
});

test('batched jitter equals applying each sample its own ops in its own order', () => {
  const n = 24;
  const imgs = randomImages(10, n, 8, 8, 3);
  const rng = new Rng(12);
  const params = sampleAugmentParams(n, 8, 8, rng, { ...OPTS, size: 8, jitter: { ...SIMCLR_DEFAULTS.jitter, p: 0.8 } });
  const jit = params.map((p) => p.jitter);
  assert.ok(jit.some((j) => j === null) && jit.some((j) => j !== null));
  const got = noLeak(() => applyColorJitter(imgs, jit));
  const want = noLeak(() =>
    tf.tidy(() => {
      const rows: tf.Tensor4D[] = [];
      for (let i = 0; i < n; i++) {
        let xi = tf.slice(imgs, [i, 0, 0, 0], [1, -1, -1, -1]);
        const j = jit[i] as JitterParams | null;
        if (j) {
          for (const op of j.order) {
            if (op === JitterOp.Brightness) xi = adjustBrightness(xi, [j.brightness as number]);
            else if (op === JitterOp.Contrast) xi = adjustContrast(xi, [j.contrast as number]);
            else if (op === JitterOp.Saturation) xi = adjustSaturation(xi, [j.saturation as number]);
            else xi = adjustHue(xi, [j.hue as number]);
          }
        }
        rows.push(xi);
      }
      return tf.concat(rows, 0);
    }),
  );
  assert.ok(maxAbsDiff(got, want) < 1e-6, `diff ${maxAbsDiff(got, want)}`);
  // Jitter draws: orders are permutations, factors within the torchvision ranges.
  for (const j of jit) {
    if (!j) continue;
    assert.deepEqual([...j.order].sort(), [0, 1, 2, 3]);
    for (const f of [j.brightness, j.contrast, j.saturation] as number[]) assert.ok(f >= 0.2 && f <= 1.8);
    assert.ok((j.hue as number) >= -0.2 && (j.hue as number) <= 0.2);
  }
  imgs.dispose();
});

test('whole pipeline equals a per-sample sequential application of the drawn parameters', () => {
  const n = 40;
  const imgs = randomImages(21, n, 20, 24, 3);
  const opts: AugmentOptions = { size: 16, mean: MEAN, std: STD };
  const params = sampleAugmentParams(n, 20, 24, new Rng(22), opts);
  const got = noLeak(() => applyAugmentParams(imgs, params, opts));
  const want = noLeak(() =>
    tf.tidy(() => {
      const rows = params.map((p, i) => {
        let xi = resizedCrop(tf.slice(imgs, [i, 0, 0, 0], [1, -1, -1, -1]), [p.crop], [p.flip], 16);
        if (p.jitter) {
          const j = p.jitter;
          for (const op of j.order) {
            if (op === JitterOp.Brightness) xi = adjustBrightness(xi, [j.brightness as number]);
            else if (op === JitterOp.Contrast) xi = adjustContrast(xi, [j.contrast as number]);
            else if (op === JitterOp.Saturation) xi = adjustSaturation(xi, [j.saturation as number]);
            else xi = adjustHue(xi, [j.hue as number]);
          }
        }
        if (p.grayscale) xi = tf.tile(rgbToGrayscale(xi), [1, 1, 1, 3]);
        return xi;
      });
      return testTransform(tf.concat(rows, 0), { size: 16, mean: MEAN, std: STD });
    }),
  );
  assert.ok(maxAbsDiff(got, want) < 1e-6, `diff ${maxAbsDiff(got, want)}`);
  assert.ok(params.some((p) => p.grayscale) && params.some((p) => p.flip) && params.some((p) => p.jitter));
  imgs.dispose();
});

test('crop boxes: area fraction in [0.08, 1] and aspect ratio in [3/4, 4/3]; fallback is a centre crop', () => {
  // A large image so that rounding w and h to pixels barely moves the ratios.
  const rng = new Rng(13);
  const H = 1000;
  const W = 1000;
  let minA = Infinity;
  let maxA = -Infinity;
  let minR = Infinity;
  let maxR = -Infinity;
  for (let i = 0; i < 20000; i++) {
    const c = sampleCropBox(rng, H, W, [0.08, 1], [3 / 4, 4 / 3]);
    assert.ok(c.top >= 0 && c.left >= 0 && c.top + c.height <= H && c.left + c.width <= W);
    const a = (c.height * c.width) / (H * W);
    const r = c.width / c.height;
    minA = Math.min(minA, a);
    maxA = Math.max(maxA, a);
    minR = Math.min(minR, r);
    maxR = Math.max(maxR, r);
  }
  assert.ok(minA >= 0.08 - 0.002 && maxA <= 1, `area ${minA}..${maxA}`);
  assert.ok(minR >= 3 / 4 - 0.003 && maxR <= 4 / 3 + 0.003, `ratio ${minR}..${maxR}`);
  assert.ok(minA < 0.085 && maxA > 0.95 && minR < 0.76 && maxR > 1.32, 'ranges are covered');
  // On 32x32 every box lies inside the image.
  for (let i = 0; i < 5000; i++) {
    const c = sampleCropBox(rng, 32, 32, [0.08, 1], [3 / 4, 4 / 3]);
    assert.ok(c.height >= 1 && c.width >= 1 && c.top + c.height <= 32 && c.left + c.width <= 32);
  }
  // No draw can fit a 2:1 to 3:1 full-area crop into a square: centre crop of height round(W / 2).
  assert.deepEqual(sampleCropBox(new Rng(1), 32, 32, [1, 1], [2, 3]), { top: 8, left: 0, height: 16, width: 32 });
  assert.deepEqual(sampleCropBox(new Rng(1), 30, 30, [1, 1], [1 / 3, 1 / 2]), { top: 0, left: 7, height: 30, width: 15 });
});

test('resumable: a generator restored from saved state continues identically', () => {
  const imgs = randomImages(14, 6, 32, 32, 3);
  const a = new Rng(99);
  noLeak(() => simclrAugment(imgs, a, OPTS));
  const second = noLeak(() => simclrAugment(imgs, a, OPTS));
  const b = new Rng(99);
  noLeak(() => simclrAugment(imgs, b, OPTS));
  const saved = b.getState();
  const resumed = Rng.fromState(saved);
  const again = noLeak(() => simclrAugment(imgs, resumed, OPTS));
  assert.deepEqual(again, second);
  assert.deepEqual(resumed.getState(), a.getState());
  imgs.dispose();
});

test('bad options and inputs are refused with a clear error', () => {
  const imgs = randomImages(15, 1, 8, 8, 3);
  assert.throws(() => simclrAugment(imgs, new Rng(1), { ...OPTS, size: 0 }), /augment\.size/);
  assert.throws(() => simclrAugment(imgs, new Rng(1), { ...OPTS, scale: [0.5, 0.1] }), /augment\.scale/);
  assert.throws(() => simclrAugment(imgs, new Rng(1), { ...OPTS, jitter: { ...SIMCLR_DEFAULTS.jitter, hue: 0.7 } }), /hue/);
  assert.throws(() => simclrAugment(imgs, new Rng(1), { ...OPTS, mean: [0.1, 0.2] }), /mean/);
  assert.throws(() => toUnitFloat(new Uint8Array(5), 1, 2, 2, 1), /toUnitFloat/);
  imgs.dispose();
});

test('timing: batch of 256 at 32x32x3 on cpu', () => {
  const imgs = randomImages(16, 256, 32, 32, 3);
  const rng = new Rng(17);
  simclrAugment(imgs, rng, OPTS).dispose(); // warm-up
  const reps = 3;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const out = simclrAugment(imgs, rng, OPTS);
    out.dataSync();
    out.dispose();
  }
  const ms = (performance.now() - t0) / reps;
  console.log(`# simclrAugment 256x32x32x3 on cpu: ${ms.toFixed(1)} ms/batch`);
  imgs.dispose();
});
