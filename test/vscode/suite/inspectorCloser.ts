/// <reference types="mocha" />
/**
 * The inspector's closer looks, in the real editor: a sample enlarged with all its rows, the pixel
 * read-out on hover, R(x)'s contrast and brightness, the heat map's floor at ε = 0, and the notice
 * for a VAE-phase checkpoint (encoder untrained).
 */
import * as assert from 'node:assert/strict';
import { HEAT_LOW } from '../../../src/common/colormap';
import { HEAT_FLOOR, residualGain } from '../../../src/common/pixels';
import { pixelValues, type RenderedMessage } from '../../../src/protocol/webview';
import type { InspectorPanel } from '../../../src/extension/inspectorPanel';
import { formatPixel, pixelAt } from '../../../webview/readout';
import { residualScale } from '../../../webview/scales';
import { checkReports, expectedColouring, expectedRaster, type CanvasReport } from './expected';
import { canvases, DRIVER, dragEps, drive, inFrame, pickCheckpoint, screenshot, setRange, snapshot, until } from './frame';

declare const document: any;
declare const window: any;

export interface CloserContext {
  panel: InspectorPanel;
  ckptA: string;
  ckptVae: string | undefined;
  rendered(after: number, what: string, ms?: number): Promise<RenderedMessage>;
}

/** In the frame: a mouse move over pixel (x, y) of the enlarged sample's canvas of `row`. */
function hoverPixel(a: { row: string; x: number; y: number }): boolean {
  const c = document.querySelector(`#detail-images canvas[data-row="${a.row}"]`);
  if (!c) return false;
  const r = c.getBoundingClientRect();
  const ev = { bubbles: true, clientX: r.left + ((a.x + 0.5) / c.width) * r.width, clientY: r.top + ((a.y + 0.5) / c.height) * r.height };
  c.dispatchEvent(new window.MouseEvent('mousemove', ev));
  return true;
}

export function closerTests(ctx: () => CloserContext): void {
  test('look closer: click a sample to enlarge it with all its rows; hover a pixel for its values; contrast and brightness of R(x)', async function () {
    if (!DRIVER) return this.skip();
    const { panel } = ctx();
    const m = panel.lastInspect!;
    await inFrame(() => document.querySelector('.deco-col.sample[data-sample="2"] .col-head').click());
    await until('the enlarged sample', () => inFrame(snapshot), (s: any) => s.detail === 2);
    const detail = (await inFrame(canvases, 'detail')) as CanvasReport[];
    assert.deepEqual(detail.map((c) => c.row), ['x', 'g', 'r', 'xAdv', 'absDiff'], 'every row of the sample');
    assert.ok(detail.every((c) => c.sample === 2));
    checkReports(detail, m.images);
    const size = await inFrame(() => document.querySelector('#detail-images canvas').getBoundingClientRect().width);
    assert.ok(size >= 8 * m.images.x.shape[2], `enlarged: ${size} px for ${m.images.x.shape[2]} pixels`);
    // Hover pixel (3, 2) of x: the read-out names that pixel's value in every row, and marks it everywhere.
    assert.equal(await inFrame(hoverPixel, { row: 'x', x: 3, y: 2 }), true);
    const text = await inFrame(() => document.getElementById('detail-readout').textContent as string);
    const shape = m.images.x.shape;
    const at = (row: 'x' | 'g' | 'r' | 'xAdv' | 'absDiff', signed = false) => formatPixel(pixelAt(pixelValues(m.images[row]), shape, 2, 3, 2), signed);
    for (const [label, v] of [['x', at('x')], ['G(x)', at('g')], ['R(x)', at('r', true)], ['x_adv', at('xAdv')], ['|x_adv − x|', at('absDiff')]] as const) {
      assert.ok(text.includes(`${label} ${v}`), `read-out "${text}" has ${label} ${v}`);
    }
    assert.match(text, new RegExp(`#${m.samples[2]!.index} .*pixel \\(3, 2\\)`));
    assert.equal(await inFrame(() => document.querySelectorAll('#detail-images .px-marker').length), 5, 'the pixel is marked on every row');
    // Contrast ×2 (slider step 1): R(x) is coloured at twice its gain, in the grid and here; the scale follows.
    await inFrame(setRange, { id: 'detail-r-contrast', value: 1 });
    const residual = { contrast: 2, brightness: 0 };
    const grid = ((await inFrame(canvases, 'decomposition')) as CanvasReport[]).filter((c) => c.row === 'r');
    checkReports(grid, m.images, residual);
    checkReports(((await inFrame(canvases, 'detail')) as CanvasReport[]).filter((c) => c.row === 'r'), m.images, residual);
    const gain = residualGain(pixelValues(m.images.r));
    const top = await inFrame(() => document.querySelector('#decomposition .legend[data-row="r"] .bar-top').textContent);
    assert.equal(top, residualScale(gain, 2, 0).top);
    await inFrame(setRange, { id: 'detail-r-brightness', value: 0.5 });
    checkReports(((await inFrame(canvases, 'detail')) as CanvasReport[]).filter((c) => c.row === 'r'), m.images, { contrast: 2, brightness: 0.5 });
    await screenshot('inspector-detail');
    await inFrame(() => document.getElementById('detail-r-reset').click());
    assert.deepEqual((await inFrame(snapshot)).residual, { contrast: 1, brightness: 0 });
    // Keys: → the next sample, Esc closes.
    await inFrame(() => document.getElementById('detail').focus());
    await drive('/press', { key: 'ArrowRight' });
    await until('the next sample', () => inFrame(snapshot), (s: any) => s.detail === 3);
    await drive('/press', { key: 'Escape' });
    await until('the dialog closed', () => inFrame(snapshot), (s: any) => s.detail === null);
  });

  test('at ε = 0 the |x_adv − x| map stays black: its scale has a floor (1/255), and says so', async function () {
    if (!DRIVER) return this.skip();
    const { panel, rendered } = ctx();
    const before = panel.lastInspect!;
    const done = rendered(before.requestId, 'the decomposition at ε = 0');
    await inFrame(dragEps, 0);
    await done;
    const m = panel.lastInspect!;
    assert.equal(m.eps, 0);
    const c = expectedColouring('absDiff', m.images);
    assert.equal(c.max, HEAT_FLOOR, 'the floor sets the top: the batch changed less than one grey level');
    const heat = ((await inFrame(canvases, 'decomposition')) as CanvasReport[]).filter((r) => r.row === 'absDiff');
    checkReports(heat, m.images);
    for (let i = 0; i < m.samples.length; i++) {
      const rgba = expectedRaster(m.images.absDiff, i, c).rgba;
      for (let p = 0; p < rgba.length; p += 4) for (let k = 0; k < 3; k++) assert.ok(Math.abs(rgba[p + k]! - HEAT_LOW[k]!) <= 2, `sample ${i}: no bright speckles (pixel ${p / 4})`);
    }
    const note = await inFrame(() => document.querySelector('#decomposition .legend[data-row="absDiff"] .bar-note').textContent);
    assert.equal(note, 'floor 1/255');
    await screenshot('inspector-eps-0');
    const back = rendered(m.requestId, 'the decomposition at the training ε again');
    await inFrame(() => document.getElementById('use-trained').click());
    await back;
    assert.equal(panel.lastInspect!.eps, panel.lastInspect!.run.idaa.eps, 'Training values: ε back to idaa.eps');
  });

  test('a VAE-phase checkpoint (encoder untrained): a notice, and the attack numbers marked as not meaningful', async function () {
    if (!DRIVER) return this.skip();
    const { panel, ckptA, ckptVae, rendered } = ctx();
    assert.ok(ckptVae, 'the run wrote a checkpoint at the end of its VAE phase');
    const done = rendered(panel.lastInspect!.requestId, 'the VAE-phase checkpoint');
    await inFrame(pickCheckpoint, ckptVae);
    await done;
    const m = panel.lastInspect!;
    assert.equal(m.checkpoint, ckptVae);
    assert.equal(m.run.optimizerSteps.ssl, 0, 'the worker says the encoder never trained');
    const shown = await inFrame(() => ({
      notice: !document.getElementById('untrained-notice').hidden,
      text: document.getElementById('untrained-notice').textContent,
      nm: document.querySelectorAll('#numbers td.cos.nm, #numbers td.rank.nm, #numbers td.loss.nm').length,
      recon: document.querySelectorAll('#numbers td.recon.nm').length,
      lost: document.querySelectorAll('#decomposition .col-mark').length,
      summary: document.getElementById('summary').textContent,
    }));
    assert.equal(shown.notice, true, 'the notice is shown');
    assert.match(shown.text, /VAE phase/);
    assert.equal(shown.nm, 3 * m.samples.length, 'cos, rank and loss term marked in every row');
    assert.equal(shown.recon, 0, 'the reconstruction error is meaningful');
    assert.equal(shown.lost, 0, 'no kept/lost marks');
    assert.match(shown.summary, /not meaningful/);
    await screenshot('inspector-vae-phase');
    const back = rendered(m.requestId, 'the SSL checkpoint again');
    await inFrame(pickCheckpoint, ckptA);
    await back;
    assert.equal(await inFrame(() => document.getElementById('untrained-notice').hidden), true, 'an SSL checkpoint shows no notice');
  });
}
