import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HEAT_HIGH, HEAT_LOW, NEUTRAL, diverging, heat } from '../../src/common/colormap';
import { CHAR_ADVANCE, GLYPH_HEIGHT, glyphFor, measureText } from '../../src/common/font';
import { HEAT_FLOOR } from '../../src/common/pixels';
import { encodePng, writePng } from '../../src/common/png';
import { decodePng } from '../../src/engine/inspect/png';
import {
  LAYOUT,
  defaultCellScale,
  renderSheet,
  type Sheet,
  type SheetCell,
  type SheetImage,
  type SheetRow,
} from '../../src/common/sheet';

/** Deterministic pseudo-random stream (mulberry32) so images are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function image(h: number, w: number, c: 1 | 3, f: (y: number, x: number, k: number) => number): SheetImage {
  const data = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = f(y, x, k);
  return { data, height: h, width: w, channels: c };
}

function randomImage(h: number, w: number, c: 1 | 3, seed: number): SheetImage {
  const r = rng(seed);
  return image(h, w, c, () => r());
}

function px(s: Sheet, x: number, y: number): [number, number, number, number] {
  const o = (y * s.width + x) * 4;
  return [s.rgba[o] ?? -1, s.rgba[o + 1] ?? -1, s.rgba[o + 2] ?? -1, s.rgba[o + 3] ?? -1];
}

function cell(s: Sheet, row: number, col: number): SheetCell {
  const c = s.cells.find((e) => e.row === row && e.col === col);
  assert.ok(c, `cell ${row},${col} drawn`);
  return c;
}

test('sheet dimensions follow from rows, columns and zoom', () => {
  const rows = (n: number, cols: number): SheetRow[] =>
    Array.from({ length: n }, (_, i) => ({ label: `row${i}`, kind: 'image' as const, images: Array.from({ length: cols }, (_, j) => randomImage(32, 32, 3, i * 10 + j)) }));
  const base = renderSheet(rows(2, 3), { cellScale: 3 });
  assert.equal(base.rgba.length, base.width * base.height * 4);
  // Zoom +1 grows every cell by the image size.
  const zoomed = renderSheet(rows(2, 3), { cellScale: 4 });
  assert.equal(zoomed.width - base.width, 3 * 32);
  assert.equal(zoomed.height - base.height, 2 * 32);
  // One more column / row adds one cell plus one gap.
  assert.equal(renderSheet(rows(2, 4), { cellScale: 3 }).width - base.width, 96 + LAYOUT.gap);
  assert.equal(renderSheet(rows(3, 3), { cellScale: 3 }).height - base.height, 96 + LAYOUT.gap);
  // Exact size: margins + label column + cells + gaps.
  const labelW = measureText('row0', LAYOUT.textScale).width + LAYOUT.labelPad;
  assert.equal(base.width, 2 * LAYOUT.margin + labelW + 3 * 96 + 2 * LAYOUT.gap);
  assert.equal(base.height, 2 * LAYOUT.margin + 2 * 96 + LAYOUT.gap);
  // Default zoom: 32x32 cells reach at least 96 px; 28x28 (MNIST) too.
  assert.equal(defaultCellScale(32, 32), 3);
  assert.ok(defaultCellScale(28, 28) * 28 >= 96);
  const auto = renderSheet(rows(1, 1));
  assert.equal(cell(auto, 0, 0).width, 96);
});

test("an 'image' cell holds the input pixels exactly, zoomed nearest-neighbour", () => {
  const img = randomImage(5, 7, 3, 1);
  const s = renderSheet([{ label: 'x', kind: 'image', images: [img] }], { cellScale: 4 });
  const c = cell(s, 0, 0);
  assert.deepEqual([c.width, c.height, c.zoom], [28, 20, 4]);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const i = (Math.floor(y / 4) * 7 + Math.floor(x / 4)) * 3;
      const want = [0, 1, 2].map((k) => Math.round((img.data[i + k] ?? 0) * 255));
      assert.deepEqual(px(s, c.x + x, c.y + y), [...want, 255], `pixel ${x},${y}`);
    }
  }
});

test("'image' values are clamped to [0, 1] and grayscale shows as gray", () => {
  const vals = [-0.5, 0, 0.25, 0.5, 1, 2];
  const img: SheetImage = { data: Float32Array.from(vals), height: 1, width: 6, channels: 1 };
  const s = renderSheet([{ label: 'g', kind: 'image', images: [img] }], { cellScale: 2 });
  const c = cell(s, 0, 0);
  vals.forEach((v, i) => {
    const g = Math.round(Math.min(1, Math.max(0, v)) * 255);
    assert.deepEqual(px(s, c.x + i * 2 + 1, c.y + 1), [g, g, g, 255]);
  });
});

test("a 'heat' row maps 0 and the row maximum to the colour map's ends", () => {
  // The maximum lives in the second image: normalisation is per row, not per image.
  const a = image(4, 4, 1, (y, x) => (y === 0 && x === 0 ? 0 : 0.01));
  const b = image(4, 4, 3, (y, x, k) => (y === 3 && x === 3 && k === 1 ? 0.08 : 0.02));
  const s = renderSheet([{ label: '|d|', kind: 'heat', images: [a, b] }], { cellScale: 3 });
  const ca = cell(s, 0, 0);
  const cb = cell(s, 0, 1);
  assert.deepEqual(px(s, ca.x, ca.y).slice(0, 3), [...HEAT_LOW]);
  // 'max' reduction: one changed channel is enough to reach the top.
  assert.deepEqual(px(s, cb.x + cb.width - 1, cb.y + cb.height - 1).slice(0, 3), [...HEAT_HIGH]);
  assert.deepEqual(px(s, cb.x, cb.y).slice(0, 3), heat(0.25));
  assert.deepEqual(heat(0), [...HEAT_LOW]);
  assert.deepEqual(heat(1), [...HEAT_HIGH]);
  assert.deepEqual(heat(-3), heat(0));
  assert.deepEqual(heat(7), heat(1));
  // The colour bar right of the row runs from the top (max) to the bottom (0).
  const barX = cb.x + cb.width + LAYOUT.barGap + Math.floor(LAYOUT.barWidth / 2);
  assert.deepEqual(px(s, barX, cb.y).slice(0, 3), [...HEAT_HIGH]);
  assert.deepEqual(px(s, barX, cb.y + cb.height - 1).slice(0, 3), [...HEAT_LOW]);
});

test("a 'heat' row below the floor stays dark: its top is HEAT_FLOOR (one grey level), and the bar says so", () => {
  // Float noise, as at ε = 0: 4e-8 must not fill the scale.
  const noise = image(4, 4, 1, (y, x) => (y === 1 && x === 2 ? 4e-8 : 0));
  const s = renderSheet([{ label: '|d|', kind: 'heat', images: [noise] }], { cellScale: 3 });
  const c = cell(s, 0, 0);
  assert.deepEqual(px(s, c.x + 2 * 3, c.y + 3).slice(0, 3), [...HEAT_LOW], 'the noisy pixel is as dark as zero');
  // At the floor itself the pixel reaches the top colour.
  const one = image(2, 2, 1, (y, x) => (y === 0 && x === 0 ? HEAT_FLOOR : 0));
  const t = renderSheet([{ label: '|d|', kind: 'heat', images: [one] }], { cellScale: 3 });
  const ct = cell(t, 0, 0);
  assert.deepEqual(px(t, ct.x, ct.y).slice(0, 3), [...HEAT_HIGH]);
  // The floored bar's top label is wider than a plain number: the sheet makes room for it.
  const plain = renderSheet([{ label: '|d|', kind: 'heat', images: [image(2, 2, 1, () => 0.5)] }], { cellScale: 3 });
  assert.ok(t.width > plain.width, 'the label "0.00392 (floor 1/255)" widens the sheet');
});

test("'signed' zero maps to the neutral colour, ±1 to the diverging ends", () => {
  const img = image(2, 3, 3, (y, x) => (y === 0 ? [0, 1, -1][x] ?? 0 : [0.5, 9, -9][x] ?? 0));
  const s = renderSheet([{ label: 'R(x)', kind: 'signed', images: [img], scale: 'R(x) ×4' }], { cellScale: 2 });
  const c = cell(s, 0, 0);
  const at = (x: number, y: number): number[] => px(s, c.x + x * 2, c.y + y * 2).slice(0, 3);
  assert.deepEqual(at(0, 0), [...NEUTRAL]);
  assert.deepEqual(diverging(0), [...NEUTRAL]);
  assert.deepEqual(at(1, 0), diverging(1));
  assert.deepEqual(at(2, 0), diverging(-1));
  assert.deepEqual(at(1, 1), diverging(1), 'saturates above +1');
  // Positive is red-ish, negative blue-ish.
  const pos = diverging(1);
  const neg = diverging(-1);
  assert.ok(pos[0] > pos[2] && neg[2] > neg[0]);
});

test('non-finite values are flagged magenta', () => {
  const img: SheetImage = { data: Float32Array.from([NaN, 0.5]), height: 1, width: 2, channels: 1 };
  for (const kind of ['image', 'signed', 'heat'] as const) {
    const s = renderSheet([{ label: 'n', kind, images: [img] }], { cellScale: 1 });
    const c = cell(s, 0, 0);
    assert.deepEqual(px(s, c.x, c.y).slice(0, 3), [255, 0, 255], kind);
  }
});

test('labels, captions, title and footer are drawn in the font', () => {
  const bg: [number, number, number] = [30, 30, 30];
  const img = randomImage(8, 8, 1, 3);
  const s = renderSheet([{ label: 'x_adv', kind: 'image', images: [img, img] }], {
    cellScale: 12,
    title: 'Title',
    columns: [{ title: '#0', caption: 'cat' }, { title: '#1', caption: 'dog' }],
    footer: ['eps 0.03'],
    background: bg,
  });
  const c0 = cell(s, 0, 0);
  const differs = (x0: number, y0: number, x1: number, y1: number): number => {
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (px(s, x, y).slice(0, 3).some((v, k) => v !== bg[k])) n++;
    return n;
  };
  const ink = (t: string): number => measureText(t, LAYOUT.textScale).width;
  // Row label: left of the first cell, within the row's height.
  assert.ok(differs(LAYOUT.margin, c0.y, LAYOUT.margin + ink('x_adv'), c0.y + c0.height) > 20, 'row label');
  // Title at the top left.
  assert.ok(differs(LAYOUT.margin, LAYOUT.margin, LAYOUT.margin + ink('Title'), LAYOUT.margin + 16) > 20, 'title');
  // Column header above the first cell.
  assert.ok(differs(c0.x, c0.y - 50, c0.x + c0.width, c0.y - 2) > 20, 'column header');
  // Footer below the grid.
  assert.ok(differs(LAYOUT.margin, c0.y + c0.height + 2, s.width, s.height) > 20, 'footer');
});

test('every printable ASCII character has a distinct glyph', () => {
  const seen = new Map<string, string>();
  for (let code = 32; code <= 126; code++) {
    const ch = String.fromCharCode(code);
    const g = glyphFor(ch);
    assert.ok(g, `glyph for ${JSON.stringify(ch)}`);
    assert.equal(g.length, 5);
    if (ch !== ' ') assert.ok(g.some((b) => b !== 0), `ink in ${JSON.stringify(ch)}`);
    const key = Array.from(g).join(',');
    assert.ok(!seen.has(key), `${ch} looks like ${seen.get(key) ?? ''}`);
    seen.set(key, ch);
  }
  for (const ch of '×−εΔ‖∞') assert.ok(glyphFor(ch), ch);
  assert.equal(measureText('ab', 2).width, (2 * CHAR_ADVANCE - 1) * 2);
  assert.equal(measureText('ab', 2).height, GLYPH_HEIGHT * 2);
});

test('PNG encode/decode round-trips the RGBA exactly', () => {
  const s = renderSheet(
    [
      { label: 'x', kind: 'image', images: [randomImage(6, 6, 3, 4)] },
      { label: 'R', kind: 'signed', images: [image(6, 6, 1, (y, x) => (x - y) / 5)] },
    ],
    { cellScale: 2, title: 'round trip' },
  );
  const back = decodePng(encodePng(s));
  assert.equal(back.width, s.width);
  assert.equal(back.height, s.height);
  assert.deepEqual(Buffer.from(back.rgba), Buffer.from(s.rgba));
  // Translucent input keeps its alpha.
  const t = { width: 2, height: 1, rgba: Uint8Array.from([1, 2, 3, 4, 250, 251, 252, 128]) };
  assert.deepEqual(Array.from(decodePng(encodePng(t)).rgba), Array.from(t.rgba));
});

test('bad input is rejected with a message naming the image', () => {
  const bad: SheetImage = { data: new Float32Array(10), height: 4, width: 4, channels: 1 };
  assert.throws(() => renderSheet([{ label: 'x', kind: 'image', images: [bad] }]), /row 0 \("x"\) image 0.*10 values/);
  assert.throws(() => renderSheet([{ label: 'x', kind: 'image', images: [] }], { cellScale: 1.5 }), /cellScale/);
});

/** Synthetic stand-ins for x, G(x), R(x), x_adv: coloured shapes with fine texture. */
function demoRows(n: number): SheetRow[] {
  const H = 32;
  const W = 32;
  const xs: SheetImage[] = [];
  const gs: SheetImage[] = [];
  const rs: SheetImage[] = [];
  const advs: SheetImage[] = [];
  const ds: SheetImage[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng(100 + i);
    const hue = [r(), r(), r()];
    const cx = 10 + r() * 12;
    const cy = 10 + r() * 12;
    const rad = 6 + r() * 6;
    const shape = (y: number, x: number): number => (i % 2 === 0 ? Math.hypot(x - cx, y - cy) < rad : Math.abs(x - cx) + Math.abs(y - cy) < rad) ? 1 : 0;
    const smooth = (y: number, x: number, k: number): number =>
      0.15 + 0.25 * (y / H) + 0.55 * shape(y, x) * (hue[k] ?? 0.5) + 0.05 * Math.sin((x + k * 3) / 5);
    const tex = Array.from({ length: H * W }, () => (r() - 0.5) * 0.06);
    const x = image(H, W, 3, (y, xx, k) => smooth(y, xx, k) + (tex[y * W + xx] ?? 0));
    // A VAE reconstruction is blurry: box-blur the clean image so R(x) holds edges and texture.
    const blur = (y: number, xx: number, k: number): number => {
      let sum = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(H - 1, Math.max(0, y + dy));
          const xc = Math.min(W - 1, Math.max(0, xx + dx));
          sum += smooth(yy, xc, k);
          n++;
        }
      }
      return sum / n;
    };
    const g = image(H, W, 3, blur);
    const res = image(H, W, 3, (y, xx, k) => ((x.data[(y * W + xx) * 3 + k] ?? 0) - (g.data[(y * W + xx) * 3 + k] ?? 0)) * 4);
    // Adversarial step: a smooth, localised change of the reconstruction, identity residual kept.
    const px0 = r() * 32;
    const py0 = r() * 32;
    const bump = (y: number, xx: number): number => 0.09 * Math.exp(-((xx - px0) ** 2 + (y - py0) ** 2) / 60);
    const adv = image(H, W, 3, (y, xx, k) => (x.data[(y * W + xx) * 3 + k] ?? 0) + bump(y, xx) * (k === i % 3 ? 1 : -0.5));
    const d = image(H, W, 3, (y, xx, k) => Math.abs((adv.data[(y * W + xx) * 3 + k] ?? 0) - (x.data[(y * W + xx) * 3 + k] ?? 0)));
    xs.push(x);
    gs.push(g);
    rs.push(res);
    advs.push(adv);
    ds.push(d);
  }
  return [
    { label: 'x', kind: 'image', images: xs },
    { label: 'G(x)', kind: 'image', images: gs },
    { label: 'R(x)', kind: 'signed', images: rs, scale: '×4' },
    { label: 'x_adv', kind: 'image', images: advs },
    { label: '|x_adv − x|', kind: 'heat', images: ds, scale: 'ch. max' },
  ];
}

test('demo sheet renders and is written as a PNG', () => {
  const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse'];
  const s = renderSheet(demoRows(8), {
    title: 'IDAA inspection · epoch 12 · CIFAR-10 test',
    columns: classes.map((c, i) => ({ title: `#${i * 137}`, caption: c })),
    footer: [
      ['‖x_adv − x‖∞', '0.089', '0.087', '0.090', '0.088', '0.089', '0.086', '0.090', '0.089'].join('\t'),
      ['recon MSE', '0.0041', '0.0038', '0.0052', '0.0047', '0.0029', '0.0044', '0.0036', '0.0050'].join('\t'),
      'ε 0.1 · 1 latent step · β-VAE 128-d · seed 0',
    ],
  });
  const file = join(tmpdir(), 'sheet-demo.png');
  writePng(file, s);
  const back = decodePng(readFileSync(file));
  assert.deepEqual([back.width, back.height], [s.width, s.height]);
});
