// The inspector webview's pure parts, in plain Node: message validation (both directions), pixel
// decoding, the one colouring (src/common/pixels.ts, also the sheet renderer's), the colour scales'
// labels and the heat floor, the run's defaults and tooltips, the pixel read-out, the virtual grid's
// window, chart helpers.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { diverging, heat, HEAT_LOW } from '../../src/common/colormap';
import { fnv1a, formatGain, formatNumber, HEAT_FLOOR, heatScale, residualGain, sampleRaster, type Colouring } from '../../src/common/pixels';
import { renderSheet } from '../../src/common/sheet';
import {
  base64ToBytes,
  IMAGE_ROWS,
  rowsOf,
  pixelValues,
  settingsFragment,
  type InspectResultMessage,
  type InspectRunInfo,
  type PixelBuffer,
  type ResolvedSettings,
} from '../../src/protocol/webview';
import { isInspectSettings, parseHostMessage, parseWebviewMessage } from '../../src/protocol/webviewChecks';
import { encodeImagePixels, encodePixels } from '../../src/protocol/worker';
import { detailZoom, formatPixel, pixelAt, pixelUnder } from '../../webview/readout';
import { colourBar, extent, filterByClass, gridWindow, niceTicks, smooth, thin, windowItems } from '../../webview/render';
import { controlHints, encoderUntrained } from '../../webview/runDefaults';
import { contrastOf, contrastStep, heatScaleLabels, residualScale } from '../../webview/scales';

const SETTINGS: ResolvedSettings = { checkpoint: '/r/a/checkpoints/ssl-final.ckpt', split: 'test', eps: 1.5, steps: 2, seed: 7, count: 2 };

const RUN: InspectRunInfo = {
  phase: 'ssl',
  optimizerSteps: { vae: 40, ssl: 12 },
  method: 'simclr',
  idaa: { enabled: true, eps: 0.1, steps: 1, alpha: 1 },
  augment: { cropScale: [0.2, 1], cropRatio: [0.75, 1.3333], flip: true, jitter: [0.4, 0.4, 0.4, 0.1], jitterP: 0.8, grayscaleP: 0.2 },
  seed: 3,
  batchSize: 64,
};

function inspectMessage(): InspectResultMessage {
  const shape: [number, number, number, number] = [2, 3, 4, 3];
  const n = 2 * 3 * 4 * 3;
  const v = Float32Array.from({ length: n }, (_, i) => (i % 11) / 10);
  const images = Object.fromEntries(IMAGE_ROWS.map((r) => [r, encodePixels(shape, v)])) as InspectResultMessage['images'];
  const sample = (index: number) => ({ index, label: 1, className: 'trouser', reconError: 0.01, latentLinf: 0.5, cosine: 0.9, rank: 1, identityKept: true, maxPixelChange: 0.2, lossTerm: 1.5 });
  return { type: 'inspectResult', requestId: 3, checkpoint: SETTINGS.checkpoint, runDir: '/r/a', split: 'test', eps: 1.5, steps: 2, seed: 7, lossBefore: 1, lossAfter: 2, samples: [sample(4), sample(9)], run: RUN, attack: { mode: 'training', batch: [4, 9, 0, 1], views: false, agreement: { cosine: 0.15, signAgreement: 0.45, perSampleCosine: [0.2, 0.1] } }, images, workerMs: 12 };
}

const raster = (values: Float32Array | Uint8Array, shape: PixelBuffer['shape'], i: number, c: Colouring) => sampleRaster(values, shape, i, c);

test('valid messages pass, both ways', () => {
  assert.equal(parseHostMessage(inspectMessage()).ok, true);
  assert.equal(parseHostMessage({ type: 'init', checkpoints: [], live: [], settings: null, notice: 'No checkpoint yet' }).ok, true);
  assert.equal(parseHostMessage({ type: 'error', scope: 'inspect', kind: 'busy', message: 'busy', action: { title: 'Show Worker Log', command: 'idaa.showWorkerLog' } }).ok, true);
  for (const m of [
    { type: 'ready' },
    { type: 'inspect', requestId: 1, settings: SETTINGS },
    { type: 'inspect', requestId: 2, settings: { ...SETTINGS, indices: [1, 2, 3] } },
    // ε and steps left out: the checkpoint's training values.
    { type: 'inspect', requestId: 3, settings: { checkpoint: SETTINGS.checkpoint, split: 'test', seed: 0, count: 16 } },
    { type: 'inspect', requestId: 4, settings: { ...SETTINGS, mode: 'inference', batchSize: 32 } },
    { type: 'datasetRequest', requestId: 1, runDir: '/r/a', split: 'train', indices: [0, 1], withAllLabels: true },
    { type: 'trainingRequest', runDir: '/r/a' },
    { type: 'exportPng' },
    { type: 'copySettings', settings: SETTINGS },
    { type: 'runCommand', command: 'idaa.newRun' },
    { type: 'log', level: 'warn', message: 'x' },
  ]) {
    const r = parseWebviewMessage(m);
    assert.equal(r.ok, true, `${m.type}: ${r.ok ? '' : r.error}`);
  }
});

test('the training views travel as two optional rows, validated like the others, shown after x (what is attacked comes next)', () => {
  const m = inspectMessage();
  const view = m.images.x;
  const withViews = { ...m, images: { ...m.images, viewI: view, viewJ: view } };
  const ok = parseHostMessage(withViews);
  assert.equal(ok.ok, true, ok.ok ? '' : ok.error);
  assert.deepEqual(rowsOf(withViews.images), ['x', 'viewI', 'viewJ', 'g', 'r', 'xAdv', 'absDiff']);
  assert.deepEqual(rowsOf(m.images), [...IMAGE_ROWS]);
  const one = parseHostMessage({ ...m, images: { ...m.images, viewI: view } });
  assert.equal(one.ok, false);
  if (!one.ok) assert.match(one.error, /both augmentation views or neither/);
  const wrongShape = parseHostMessage({ ...m, images: { ...m.images, viewI: view, viewJ: encodePixels([1, 3, 4, 3], new Float32Array(3 * 4 * 3)) } });
  assert.equal(wrongShape.ok, false);
  if (!wrongShape.ok) assert.match(wrongShape.error, /images\.viewJ/);
  const noTerm = { ...m, samples: m.samples.map(({ lossTerm: _t, ...rest }) => rest) };
  const r = parseHostMessage(noTerm);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /lossTerm: missing/);
  assert.equal(parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, augment: true } }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, augment: 'yes' } }).ok, false);
  // The stage toggles: known stage names only, each at most once in length.
  assert.equal(parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, augment: true, augmentOff: ['crop', 'jitter'] } }).ok, true);
  const unknown = parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, augment: true, augmentOff: ['blur'] } });
  assert.equal(unknown.ok, false);
  if (!unknown.ok) assert.match(unknown.error, /augmentOff\[0\]: expected one of "crop", "flip", "jitter", "grayscale"/);
  const badMode = parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, mode: 'eval' } });
  assert.equal(badMode.ok, false);
  if (!badMode.ok) assert.match(badMode.error, /mode: expected one of "training", "inference"/);
  const badBatch = parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, batchSize: 0 } });
  assert.equal(badBatch.ok, false, 'a batch of 0 is refused');
  const tooMany = parseWebviewMessage({ type: 'inspect', requestId: 1, settings: { ...SETTINGS, augmentOff: ['crop', 'flip', 'jitter', 'grayscale', 'crop'] } });
  assert.equal(tooMany.ok, false);
});

test('bad messages are rejected with a reason naming the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /object with a string "type"/],
    [{ type: 'nope' }, /unknown type/],
    [{ type: 'inspect', requestId: 1 }, /settings: missing/],
    [{ type: 'inspect', requestId: 1, settings: { ...SETTINGS, eps: 'big' } }, /settings\.eps/],
    [{ type: 'inspect', requestId: 1, settings: { ...SETTINGS, eps: -1 } }, /ε must be/],
    [{ type: 'inspect', requestId: 1.5, settings: SETTINGS }, /requestId/],
    [{ type: 'inspect', requestId: 1, settings: { ...SETTINGS, count: 0 } }, /count/],
    [{ type: 'runCommand', command: 'workbench.action.terminal.new' }, /command: expected one of/],
    [{ type: 'datasetRequest', requestId: 1, runDir: '/r', split: 'dev', indices: [], withAllLabels: false }, /split/],
    [{ type: 'toString' }, /unknown type/],
  ];
  for (const [m, why] of bad) {
    const r = parseWebviewMessage(m);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, why);
  }
  const m = inspectMessage();
  const wrongBytes = { ...m, images: { ...m.images, g: { ...m.images.g, data: m.images.g.data.slice(8) } } };
  const r1 = parseHostMessage(wrongBytes);
  assert.equal(r1.ok, false);
  if (!r1.ok) assert.match(r1.error, /images\.g\.data/);
  const wrongShape = { ...m, images: { ...m.images, r: encodePixels([1, 3, 4, 3], new Float32Array(3 * 4 * 3)) } };
  const r2 = parseHostMessage(wrongShape);
  assert.equal(r2.ok, false);
  const { run: _run, ...noRun } = m;
  const r3 = parseHostMessage(noRun);
  assert.equal(r3.ok, false);
  if (!r3.ok) assert.match(r3.error, /run: missing/);
  const badPhase = parseHostMessage({ ...m, run: { ...RUN, phase: 'warmup' } });
  assert.equal(badPhase.ok, false);
  // Copy settings writes numbers: ε and steps must be there.
  const { eps: _e, ...noEps } = SETTINGS;
  const r4 = parseWebviewMessage({ type: 'copySettings', settings: noEps });
  assert.equal(r4.ok, false);
  if (!r4.ok) assert.match(r4.error, /eps: missing/);
  assert.equal(parseHostMessage({ type: 'dataset', requestId: 1, runDir: '/r', split: 'test', dataset: 'mnist', classNames: [], total: 5, indices: [0], labels: [], images: encodePixels([1, 2, 2, 1], new Uint8Array(4)) }).ok, false);
  assert.equal(isInspectSettings({ ...SETTINGS, seed: -1 }), false);
  assert.equal(isInspectSettings(SETTINGS), true);
});

test('base64 decoding matches Node and gives aligned float32 views', () => {
  for (const len of [0, 1, 2, 3, 4, 5, 255, 1000]) {
    const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 37 + 11) & 255);
    assert.deepEqual(base64ToBytes(Buffer.from(bytes).toString('base64')), bytes);
  }
  const f = Float32Array.from([0, 0.5, -1.25, NaN, 3e-8]);
  const back = pixelValues(encodePixels([1, 1, 5, 1], f));
  assert.ok(back instanceof Float32Array);
  assert.deepEqual(Array.from(back), Array.from(f));
});

test('FNV-1a (the test hook\'s checksum): the standard 32-bit test vectors', () => {
  assert.equal(fnv1a([]), 0x811c9dc5);
  assert.equal(fnv1a(Buffer.from('a')), 0xe40c292c);
  assert.equal(fnv1a(Buffer.from('foobar')), 0xbf9cf968);
});

test('the webview and the sheet renderer colour alike, pixel for pixel (one module: src/common/pixels.ts)', () => {
  const h = 3;
  const w = 4;
  const c = 3;
  const vals = Float32Array.from({ length: h * w * c }, (_, i) => Math.sin(i) * 0.8);
  for (const kind of ['image', 'signed', 'heat'] as const) {
    const mine = raster(vals, [1, h, w, c], 0, { kind, max: heatScale(vals).max });
    const sheet = renderSheet([{ label: '', kind, images: [{ data: vals, height: h, width: w, channels: c }] }], { cellScale: 1 });
    const cell = sheet.cells[0]!;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < 4; k++) assert.equal(mine.rgba[(y * w + x) * 4 + k], sheet.rgba[((cell.y + y) * sheet.width + cell.x + x) * 4 + k], `${kind} (${x},${y}) channel ${k}`);
  }
});

test('kinds: grey for one channel, NaN magenta, signed gain and offset, heat normalised, uint8 as is', () => {
  const g = raster(Float32Array.from([0, 0.5, 1, 2]), [1, 2, 2, 1], 0, { kind: 'image' });
  assert.deepEqual(Array.from(g.rgba.slice(0, 8)), [0, 0, 0, 255, 128, 128, 128, 255]);
  assert.deepEqual(Array.from(g.rgba.slice(12, 16)), [255, 255, 255, 255]);
  const nan = raster(Float32Array.from([NaN]), [1, 1, 1, 1], 0, { kind: 'heat', max: 1 });
  assert.deepEqual(Array.from(nan.rgba), [255, 0, 255, 255]);
  const s = raster(Float32Array.from([0.125]), [1, 1, 1, 1], 0, { kind: 'signed', gain: 4 });
  assert.deepEqual(Array.from(s.rgba.slice(0, 3)), diverging(0.5));
  // Brightness shifts the signed value after the gain (contrast multiplies the gain).
  const shifted = raster(Float32Array.from([0.125]), [1, 1, 1, 1], 0, { kind: 'signed', gain: 4, offset: -0.5 });
  assert.deepEqual(Array.from(shifted.rgba.slice(0, 3)), diverging(0));
  const hm = raster(Float32Array.from([0.25, 0.125, 0.0625]), [1, 1, 1, 3], 0, { kind: 'heat', max: 0.5 });
  assert.deepEqual(Array.from(hm.rgba.slice(0, 3)), heat(0.5));
  const u8 = raster(Uint8Array.from([1, 2, 3, 4, 5, 6]), [2, 1, 1, 3], 1, { kind: 'image' });
  assert.deepEqual(Array.from(u8.rgba), [4, 5, 6, 255]);
  assert.equal(fnv1a(u8.rgba), fnv1a([4, 5, 6, 255]));
});

test('residual gain 1/2/5×10^k, gain label, colour bar ends', () => {
  assert.equal(residualGain(Float32Array.from([0.1, -0.3])), 2);
  assert.equal(residualGain(Float32Array.from([0.01])), 100);
  assert.equal(residualGain(Float32Array.from([0.15])), 5);
  assert.equal(residualGain(Float32Array.from([0, 0])), 1);
  assert.equal(residualGain(Float32Array.from([NaN, 0.5])), 2);
  assert.equal(formatGain(5), '×5');
  assert.equal(formatGain(0.2), '×0.2');
  const bar = colourBar('heat', 2, 10);
  assert.deepEqual(Array.from(bar.slice(0, 3)), heat(1));
  assert.deepEqual(Array.from(bar.slice(bar.length - 4, bar.length - 1)), heat(0));
});

test('the |x_adv − x| scale has a floor: float noise at ε = 0 stays black, and the scale says why', () => {
  const noise = Float32Array.from([0, 4e-8, 1e-9, NaN, 0]);
  const s = heatScale(noise);
  assert.equal(s.max, HEAT_FLOOR);
  assert.equal(s.batchMax, Math.fround(4e-8));
  assert.equal(s.floored, true);
  const r = raster(noise, [1, 1, 5, 1], 0, { kind: 'heat', max: s.max });
  assert.deepEqual(Array.from(r.rgba.slice(4, 7)), [...HEAT_LOW], '4e-8 is as dark as 0');
  const l = heatScaleLabels(s);
  assert.equal(l.top, '0.00392');
  assert.equal(l.note, 'floor 1/255');
  assert.match(l.title, /4\.0e−8/);
  // Above the floor the batch sets the top, with all its digits: '0.163', not '0.1'.
  const big = heatScale(Float32Array.from([0.01, 0.163, 0.05]));
  assert.equal(big.floored, false);
  assert.equal(big.max, Math.fround(0.163));
  assert.equal(heatScaleLabels(big).top, '0.163');
  assert.equal(heatScaleLabels(big).note, 'batch max');
  assert.equal(heatScale(Float32Array.from([Infinity, 0.7])).max, Math.fround(0.7));
});

test("R(x)'s scale: the residual values at the bar's ends follow gain, contrast and brightness", () => {
  const plain = residualScale(5, 1, 0);
  assert.deepEqual([plain.top, plain.mid, plain.bottom], ['+0.2', '0', '−0.2']);
  assert.equal(plain.note, 'saturates beyond');
  const c = residualScale(5, 2, 0);
  assert.deepEqual([c.top, c.bottom], ['+0.1', '−0.1']);
  const b = residualScale(5, 1, 0.5);
  // v · 5 + 0.5 = 1 at v = 0.1; = 0 at v = −0.1; = −1 at v = −0.3.
  assert.deepEqual([b.top, b.mid, b.bottom], ['+0.1', '−0.1', '−0.3']);
  assert.match(b.note, /contrast ×1 · brightness \+0\.5/);
  assert.equal(contrastOf(contrastStep(4)), 4);
  assert.equal(contrastOf(0), 1);
});

test("the Controls' defaults and tooltips come from the checkpoint's training config", () => {
  const hints = controlHints(RUN, 'run-a');
  assert.match(hints.eps, /Trained with ε = 0\.1 \(idaa\.eps of run-a\)/);
  assert.match(hints.steps, /Trained with 1 \(idaa\.steps/);
  assert.match(hints.seed, /seed 3/);
  assert.match(hints.stages.crop, /scale \[0\.2, 1\]/);
  assert.match(hints.stages.jitter, /p = 0\.8/);
  assert.equal(hints.trained, 'trained: ε 0.1 · 1 step');
  const off = controlHints({ ...RUN, idaa: { ...RUN.idaa, enabled: false }, augment: { ...RUN.augment, flip: false, grayscaleP: 0 } }, 'b');
  assert.match(off.eps, /IDAA was off/);
  assert.match(off.stages.flip, /off in training/);
  assert.match(off.stages.grayscale, /\(off\)/);
  assert.equal(encoderUntrained(RUN), false);
  assert.equal(encoderUntrained({ ...RUN, phase: 'vae', optimizerSteps: { vae: 40, ssl: 0 } }), true);
});

test('pixel read-out: values at a pixel (bytes as k / 255), the pixel under the pointer, the enlarged zoom', () => {
  const shape: [number, number, number, number] = [2, 2, 3, 1];
  const bytes = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
  assert.deepEqual(pixelAt(bytes, shape, 1, 2, 1), [220 / 255]);
  assert.deepEqual(pixelAt(bytes, shape, 0, 3, 0), [], 'outside the image');
  const rgb = Float32Array.from([0.5, -0.25, 0, 1, 1, 1]);
  assert.deepEqual(pixelAt(rgb, [1, 1, 2, 3], 0, 0, 0), [0.5, -0.25, 0]);
  assert.equal(formatPixel([0.5, -0.25, 0], true), '(+0.5, −0.25, 0)');
  assert.equal(formatPixel([0.42]), '0.42');
  assert.deepEqual(pixelUnder(31.9, 0, 32, 32, 8, 8), [7, 0]);
  assert.deepEqual(pixelUnder(-3, 40, 32, 32, 8, 8), [0, 7]);
  assert.equal(detailZoom(8, 8), 28);
  assert.equal(detailZoom(32, 32), 7);
  assert.equal(formatNumber(0.163), '0.163');
});

test('virtual grid: only visible rows (plus overscan) for thousands of samples', () => {
  const w = gridWindow(10_000, 640, 400, 64 * 500, 64, 2);
  assert.equal(w.columns, 10);
  assert.equal(w.rows, 1000);
  assert.equal(w.height, 64_000);
  assert.equal(w.firstRow, 498);
  assert.equal(w.lastRow, 509);
  const items = windowItems(w, 10_000);
  assert.equal(items.length, 110);
  assert.equal(items[0], 4980);
  const end = gridWindow(95, 640, 400, 1e6, 64, 2);
  assert.equal(end.lastRow, 10);
  assert.deepEqual(windowItems(end, 95).at(-1), 94);
  assert.equal(gridWindow(0, 640, 400, 0, 64).rows, 0);
  assert.equal(gridWindow(5, 10, 400, 0, 64).columns, 1);
  assert.deepEqual(filterByClass([0, 1, 1, 2, 1], 5, 1), [1, 2, 4]);
  assert.equal(filterByClass([0, 1], 2, -1).length, 2);
});

test('chart helpers: ticks, extent, thinning, smoothing', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3.2, 9.7, 3), [4, 6, 8]);
  assert.deepEqual(niceTicks(2, 2), [2]);
  assert.deepEqual(extent([null, 3, 1, NaN, 2]), [1, 3]);
  assert.equal(extent([null]), undefined);
  const e = extent([5, 5])!;
  assert.ok(e[0] < 5 && e[1] > 5);
  const t = thin(Array.from({ length: 10_001 }, (_, i) => i), 2000);
  assert.equal(t.length, 2000);
  assert.equal(t[0], 0);
  assert.equal(t.at(-1), 10_000);
  assert.deepEqual(smooth([1, 3, null, 5], 2), [1, 2, 3, 5]);
});

test('settings fragment for the run config', () => {
  assert.deepEqual(settingsFragment(SETTINGS), { idaa: { eps: 1.5, steps: 2 }, seed: 7 });
  // Stages turned off become the run config's augment fields, but only while the views are shown.
  assert.deepEqual(settingsFragment({ ...SETTINGS, augment: true, augmentOff: ['flip', 'jitter', 'grayscale', 'crop'] }), {
    idaa: { eps: 1.5, steps: 2 },
    seed: 7,
    augment: { cropScale: [1, 1], cropRatio: [1, 1], flip: false, jitterP: 0, grayscaleP: 0 },
  });
  assert.deepEqual(settingsFragment({ ...SETTINGS, augment: false, augmentOff: ['flip'] }), { idaa: { eps: 1.5, steps: 2 }, seed: 7 });
});

test('probe history messages: the list, one probe (x, x_adv, |x_adv − x|), and the request, validated', () => {
  const m = inspectMessage();
  const probe = { step: 6, epoch: 0, eps: 0.1, steps: 1, lossBefore: 1, lossAfter: 2, samples: m.samples, images: { x: m.images.x, xAdv: m.images.xAdv, absDiff: m.images.absDiff } };
  assert.equal(parseHostMessage({ type: 'probes', runDir: '/r/a', steps: [] }).ok, true);
  assert.equal(parseHostMessage({ type: 'probes', runDir: '/r/a', steps: [6, 8], probe }).ok, true);
  const missing = parseHostMessage({ type: 'probes', runDir: '/r/a', steps: [6], probe: { ...probe, images: { x: m.images.x, xAdv: m.images.xAdv } } });
  assert.equal(missing.ok, false);
  assert.match((missing as { error: string }).error, /absDiff/);
  const oneSample = parseHostMessage({ type: 'probes', runDir: '/r/a', steps: [6], probe: { ...probe, samples: m.samples.slice(0, 1) } });
  assert.equal(oneSample.ok, false);
  assert.equal(parseHostMessage({ type: 'probes', runDir: '/r/a', steps: [-1] }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'probeRequest', runDir: '/r/a' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'probeRequest', runDir: '/r/a', step: 8 }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'probeRequest', runDir: '/r/a', step: 'eight' }).ok, false);
});

test('image rows travel as the bytes a canvas shows: same rendering as the floats, float32 kept for NaN', () => {
  const shape: [number, number, number, number] = [2, 3, 4, 3];
  const values = Float32Array.from({ length: 2 * 3 * 4 * 3 }, (_, i) => ((i * 37) % 101) / 100 - 0.05); // a few outside [0, 1]
  values[5] = 0.5 / 255; // a rounding boundary
  const bytes = encodeImagePixels(shape, values);
  assert.equal(bytes.dtype, 'uint8');
  assert.equal(bytes.data.length, Math.ceil(values.length / 3) * 4, 'a quarter of the float32 size, in base64');
  const asFloat = encodePixels(shape, values);
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(raster(pixelValues(bytes), shape, i, { kind: 'image' }).rgba, raster(pixelValues(asFloat), shape, i, { kind: 'image' }).rgba, `sample ${i} renders the same`);
  }
  const withNaN = values.slice();
  withNaN[7] = NaN;
  const kept = encodeImagePixels(shape, withNaN);
  assert.equal(kept.dtype, 'float32', 'a NaN keeps the floats, so it is drawn magenta');
  assert.deepEqual(Array.from(raster(pixelValues(kept), shape, 0, { kind: 'image' }).rgba.subarray(8, 11)), [255, 0, 255]);
});
