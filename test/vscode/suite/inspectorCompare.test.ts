/// <reference types="mocha" />
/**
 * The inspector's faithful attack, its own worker and its Compare view, in a real VS Code (issue 12):
 * - the default attack is the training one (auxiliary BN in training mode over a batch of the run's
 *   size: the shown samples first, others drawn with the seed), inference mode a labelled option;
 *   the attack line, the batch control and its tooltip, the modes column of the numbers;
 * - "Training views": view i is the attacked input, and the rows say so;
 * - Compare: another checkpoint on the same samples, an ε sweep, a per-class table, and a bad ε
 *   list refused in the page;
 * - while a run trains in the training worker, the inspector answers from its own worker.
 * Screenshots go to test-output/ (inspector-attack-*.png, inspector-compare-*.png).
 * Nothing here asserts a duration: every wait is for a message or a state, with generous bounds.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fnv1a, formatNumber, heatScale } from '../../../src/common/pixels';
import type { IdaaApi } from '../../../src/extension/extension';
import type { InspectorPanel } from '../../../src/extension/inspectorPanel';
import { pixelValues, type CompareResultMessage, type HostMessage, type InspectResultMessage, type RenderedMessage, type WebviewMessage } from '../../../src/protocol/webview';
import type { StartRunResult } from '../../../src/protocol/worker';
import { heatScaleLabels } from '../../../webview/scales';
import { next } from './events';
import { checkDecompositionCanvases, checkReports, expectedRaster, rowChecksums, type CanvasReport } from './expected';
import { canvases, DRIVER, dragEps, inFrame, screenshot, snapshot, until } from './frame';
import { tinyRunConfig } from './tinyRun';

const EXTENSION_ID = 'idaa-studio.idaa-studio';
declare const document: any;
declare const window: any;

const TINY = tinyRunConfig(50);
/** Shown samples: fewer than the run's batch (16), so the attack batch draws the rest. */
const SHOWN = 8;
const BATCH = TINY.ssl.batchSize;
const TEST_SPLIT = TINY.data.testLimit;
/** Two SSL epochs with a periodic checkpoint after each: vae-final, ssl-s000008 and ssl-final. */
const COMPLETE = { ...TINY, ssl: { ...TINY.ssl, epochs: 2 }, checkpoint: { everyEpochs: 1, keepLast: 3 } };
/** A run that cannot finish while the test looks at it (it is stopped at the end). */
const LONG = { ...TINY, ssl: { ...TINY.ssl, epochs: 100_000 } };

/** "−0.153" → -0.153 (formatNumber writes a real minus sign). */
const parseShown = (t: string): number => Number(t.replace(/−/g, '-'));

// ---- In the frame (sent as source: self-contained) ------------------------------------------

function setSelect(a: { id: string; value: string }): string {
  const el = document.getElementById(a.id);
  el.value = a.value;
  el.dispatchEvent(new window.Event('change', { bubbles: true }));
  return el.value;
}

function setNumber(a: { id: string; value: string }): void {
  const el = document.getElementById(a.id);
  el.value = a.value;
  el.dispatchEvent(new window.Event('change', { bubbles: true }));
}

function setText(a: { id: string; value: string }): void {
  const el = document.getElementById(a.id);
  el.value = a.value;
  el.dispatchEvent(new window.Event('input', { bubbles: true }));
}

function clickId(id: string): void {
  document.getElementById(id).click();
}

function showTab(view: string): void {
  document.querySelector(`vscode-tab-header[data-view="${view}"]`).click();
}

function attackLine(): { text: string; warn: boolean } {
  const el = document.getElementById('attack-mode');
  return { text: el.textContent, warn: el.classList.contains('warn') };
}

function controlsNow(): { mode: string; batch: string; batchTitle: string; modeTitle: string; augment: boolean; augmentLabel: string } {
  const augment = document.getElementById('augment');
  return {
    mode: document.getElementById('mode').value,
    batch: document.getElementById('batch').value,
    batchTitle: document.getElementById('batch').title,
    modeTitle: document.getElementById('mode').title,
    augment: augment.checked,
    augmentLabel: document.querySelector('label[for="augment"]')?.textContent ?? '',
  };
}

function rowLabels(gridId: string): Array<{ row: string; label: string }> {
  return Array.from(document.querySelectorAll(`#${gridId} .deco-col.labels .row-label`)).map((r: any) => ({ row: r.dataset.row, label: r.querySelector('span').textContent }));
}

function compareState(): { kind: string; text: string } {
  // vscode-tabs renames its panels' ids: find the Compare panel by what it holds.
  const el = document.getElementById('compare-grid')?.closest('vscode-tab-panel')?.querySelector(':scope > .view-state');
  return { kind: el?.dataset.kind ?? '', text: el?.textContent ?? '' };
}

function scrollTo(selector: string): void {
  const el = document.querySelector(selector);
  (el.closest('section') ?? el).scrollIntoView({ block: 'start' });
}

// ---------------------------------------------------------------------------------------------

suite('IDAA inspector compare', function () {
  this.timeout(300_000);
  let api: IdaaApi;
  let runDir: string;
  let ckptFinal: string;
  let ckptMid: string;
  let panel: InspectorPanel;
  let liveDir: string | undefined;
  /** The training-mode inspection the suite opened on (the reference for the later ones). */
  let training: InspectResultMessage;

  const rendered = (after: number, what: string, ms = 120_000) =>
    next(panel.onDidReceive, (m: WebviewMessage) => m.type === 'rendered' && m.requestId > after, what, ms) as Promise<RenderedMessage>;

  /** Changes a control in the frame and waits until its inspection is on screen. */
  async function reinspect(what: string, change: () => Promise<unknown>, accept: (m: InspectResultMessage) => boolean): Promise<InspectResultMessage> {
    const id = panel.lastInspect!.requestId;
    const done = rendered(id, what);
    await change();
    await done;
    // A change can coalesce with a later one: wait for the inspection that shows it.
    await until(what, async () => panel.lastInspect!, accept, 120_000);
    await until(`${what} drawn`, () => inFrame(snapshot), (s: any) => s.requestId === panel.lastInspect!.requestId, 60_000);
    return panel.lastInspect!;
  }

  /** Clicks a Compare button and waits for its result (posted by the host and shown by the page). */
  async function compareRun(button: string, kind: CompareResultMessage['kind'], shown: (s: any) => boolean, what: string): Promise<CompareResultMessage> {
    const before = panel.lastCompare;
    const posted = next(panel.onDidPost, (m: HostMessage) => (m.type === 'compareResult' && m.kind === kind) || (m.type === 'error' && m.scope === 'compare'), what, 240_000);
    await inFrame(clickId, button);
    const m = await posted;
    if (m.type === 'error') assert.fail(`${what}: the host reported ${m.kind}: ${m.message}`);
    assert.notEqual(panel.lastCompare, before, 'the host recorded the comparison');
    await until(`${what} on screen`, () => inFrame(snapshot), (s: any) => shown(s.compare), 60_000);
    assert.equal((await inFrame(compareState)).kind, 'none', `${what}: no error or loading state left`);
    return m as CompareResultMessage;
  }

  suiteSetup(async function () {
    const ext = vscode.extensions.getExtension<IdaaApi>(EXTENSION_ID)!;
    api = await ext.activate();
    if (api.runs.busy) await vscode.commands.executeCommand('idaa.stop');
    // A tiny run trained to completion, with a periodic SSL checkpoint beside the final one.
    runDir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: true, config: COMPLETE, open: false, name: 'compare' }))!;
    const done = next(api.runs.onDidChangeState, (s) => s.runDir === runDir && (s.state === 'completed' || s.state === 'failed'), 'the compare run finished', 240_000);
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', runDir))?.state, 'running');
    const end = await done;
    assert.equal(end.state, 'completed', end.detail ?? '');
    const entries = JSON.parse(readFileSync(path.join(runDir, 'checkpoints', 'manifest.json'), 'utf8')).checkpoints as Array<{ file: string; phase: string; kind: string }>;
    const ssl = entries.filter((e) => e.phase === 'ssl');
    assert.ok(ssl.length >= 2, `two SSL checkpoints: ${entries.map((e) => e.file).join(', ')}`);
    ckptFinal = path.join(runDir, 'checkpoints', ssl.find((e) => e.kind === 'final')!.file);
    ckptMid = path.join(runDir, 'checkpoints', ssl.find((e) => e.kind !== 'final')!.file);
  });

  suiteTeardown(async () => {
    if (liveDir && api?.runs.busy) await vscode.commands.executeCommand('idaa.stop');
    api?.inspector.current()?.dispose();
  });

  test('the default attack is the training one: training mode, a batch of the run\'s size (shown samples first), the attack line, the batch tooltip, the modes column', async function () {
    const created = next(api.inspector.onDidCreate, () => true, 'the panel');
    api.inspector.current()?.dispose();
    await vscode.commands.executeCommand('idaa.openInspector', { checkpoint: ckptFinal, count: SHOWN, seed: 0 });
    panel = await created;
    await rendered(0, 'the first decomposition', 180_000);
    training = panel.lastInspect!;
    const want = Math.min(BATCH, TEST_SPLIT);
    assert.equal(training.run.batchSize, BATCH, "the worker names the run's ssl.batchSize");
    assert.equal(training.attack.mode, 'training', 'training mode by default');
    assert.equal(training.attack.views, false);
    assert.equal(training.attack.batch.length, want, `an attack batch of the run's batch size (${want})`);
    const shown = training.samples.map((s) => s.index);
    assert.equal(shown.length, SHOWN);
    assert.deepEqual(training.attack.batch.slice(0, SHOWN), shown, 'the shown samples come first in the batch');
    assert.equal(new Set(training.attack.batch).size, want, 'no sample twice in the batch');
    assert.ok(training.attack.batch.every((i) => Number.isInteger(i) && i >= 0 && i < TEST_SPLIT), 'batch-mates from the same split');
    const g = training.attack.agreement;
    assert.ok(Number.isFinite(g.cosine) && g.cosine >= -1 - 1e-6 && g.cosine <= 1 + 1e-6, `∇z cos(training, inference) ${g.cosine}`);
    assert.ok(g.signAgreement >= 0 && g.signAgreement <= 1);
    assert.equal(g.perSampleCosine.length, SHOWN, 'a mode cosine per shown sample');
    if (!DRIVER) return this.skip();
    const snap = await inFrame(snapshot);
    assert.equal(snap.attackMode, 'training');
    assert.equal(snap.attackBatch, want);
    assert.equal(snap.modeCosine, g.cosine);
    const line = await inFrame(attackLine);
    const re = new RegExp(`^Attack: training mode \\(aux BN batch statistics, as in training\\), batch ${want} \\(${SHOWN} shown \\+ ${want - SHOWN} drawn\\) · ∇z cos\\(training, inference\\) (\\S+), signs agree (\\d+)%$`);
    const parts = re.exec(line.text);
    assert.ok(parts, `the attack line: "${line.text}"`);
    assert.equal(parts[1], formatNumber(g.cosine, 3));
    assert.equal(parts[2], (g.signAgreement * 100).toFixed(0));
    assert.equal(line.warn, false, 'training mode is not a warning');
    const c = await inFrame(controlsNow);
    assert.equal(c.mode, 'training');
    assert.equal(c.batch, String(BATCH), "the Batch control follows the run's ssl.batchSize");
    assert.match(c.batchTitle, new RegExp(`Trained with batches of ${BATCH} \\(ssl\\.batchSize of `), `the batch tooltip: "${c.batchTitle}"`);
    assert.match(c.modeTitle, /Training mode is the attack a training step makes/);
    assert.equal(c.augment, false);
    assert.equal(c.augmentLabel, 'Training views');
    // The numbers' last column: the per-sample cosine of the two modes' latent gradients.
    const table = await inFrame(() => ({
      head: Array.from(document.querySelectorAll('#numbers thead th')).map((th: any) => th.textContent),
      modes: Array.from(document.querySelectorAll('#numbers tbody td.modes')).map((td: any) => td.textContent),
    }));
    assert.equal(table.head.at(-1), 'cos ∇z (modes)');
    assert.equal(table.modes.length, SHOWN);
    table.modes.forEach((t: string, i: number) => {
      const v = parseShown(t);
      assert.ok(Number.isFinite(v) && Math.abs(v) <= 1 + 1e-6, `sample ${i}: modes column "${t}" is a finite cosine`);
      assert.equal(t, formatNumber(g.perSampleCosine[i]!, 3));
    });
    await checkDecompositionCanvases(panel);
    await screenshot('inspector-attack-training-mode');
  });

  test('inference mode is a labelled option: other cosines, the attack line warns; back to training gives the first numbers again', async function () {
    if (!DRIVER) return this.skip();
    const inf = await reinspect('the inference-mode attack', () => inFrame(setSelect, { id: 'mode', value: 'inference' }), (m) => m.attack.mode === 'inference');
    assert.deepEqual(inf.samples.map((s) => s.index), training.samples.map((s) => s.index), 'the same samples');
    assert.deepEqual(inf.attack.batch, training.attack.batch, 'the same batch');
    assert.notDeepEqual(inf.samples.map((s) => s.cosine), training.samples.map((s) => s.cosine), 'inference mode attacks otherwise: other cos(f(x), f(x_adv))');
    assert.deepEqual(rowChecksums(inf.images, 'x'), rowChecksums(training.images, 'x'));
    const snap = await inFrame(snapshot);
    assert.equal(snap.attackMode, 'inference');
    assert.deepEqual(snap.numbers.map((n: any) => n.cosine), inf.samples.map((s) => s.cosine), 'the numbers on screen are the inference-mode ones');
    const line = await inFrame(attackLine);
    assert.match(line.text, /^Attack: inference mode \(aux BN running statistics: not what training does\), batch \d+/);
    assert.equal(line.warn, true, 'inference mode is marked (class warn)');
    await checkDecompositionCanvases(panel);
    await screenshot('inspector-attack-inference-mode');
    const back = await reinspect('the training-mode attack again', () => inFrame(setSelect, { id: 'mode', value: 'training' }), (m) => m.attack.mode === 'training');
    assert.deepEqual(back.samples, training.samples, 'the training-mode attack is reproducible');
    assert.equal((await inFrame(attackLine)).warn, false);
  });

  test('the Batch control sets the attack batch (shown samples plus drawn ones); "Training values" brings back the run\'s', async function () {
    if (!DRIVER) return this.skip();
    const b12 = await reinspect('a batch of 12', () => inFrame(setNumber, { id: 'batch', value: '12' }), (m) => m.attack.batch.length === 12);
    assert.deepEqual(b12.attack.batch.slice(0, SHOWN), training.samples.map((s) => s.index));
    assert.match((await inFrame(attackLine)).text, /, batch 12 \(8 shown \+ 4 drawn\)/);
    const c = await inFrame(controlsNow);
    assert.equal(c.batch, '12');
    assert.match(c.batchTitle, new RegExp(`Trained with batches of ${BATCH}`), 'the tooltip still names the training batch size');
    const back = await reinspect('the training values again', () => inFrame(clickId, 'use-trained'), (m) => m.attack.batch.length === Math.min(BATCH, TEST_SPLIT));
    assert.deepEqual(back.samples, training.samples);
    assert.equal((await inFrame(controlsNow)).batch, String(BATCH));
  });

  test('Training views: view i is the attacked input; rows x, view i, view j, G, R, x_adv, |x_adv − x_i|', async function () {
    if (!DRIVER) return this.skip();
    const on = await reinspect('the attack on the training views', () => inFrame(clickId, 'augment'), (m) => m.attack.views);
    assert.ok(on.images.viewI && on.images.viewJ, 'both views sent');
    const rows = await inFrame(rowLabels, 'decomposition');
    assert.deepEqual(
      rows.map((r: any) => r.row),
      ['x', 'viewI', 'viewJ', 'g', 'r', 'xAdv', 'absDiff'],
    );
    assert.deepEqual(
      rows.map((r: any) => r.label),
      ['x', 'x_i (attacked)', 'x_j', 'G(x_i)', 'R(x_i)', 'x_adv', '|x_adv − x_i|'],
    );
    assert.deepEqual(rowChecksums(on.images, 'x'), rowChecksums(training.images, 'x'), 'x is still the clean sample');
    assert.notDeepEqual(rowChecksums(on.images, 'viewI'), rowChecksums(on.images, 'x'), 'view i is an augmentation of x');
    assert.notDeepEqual(rowChecksums(on.images, 'g'), rowChecksums(training.images, 'g'), 'G is of view i, not of x');
    assert.notDeepEqual(on.samples.map((s) => s.cosine), training.samples.map((s) => s.cosine), 'another attacked input, other numbers');
    assert.match((await inFrame(attackLine)).text, /, training views · /);
    await checkDecompositionCanvases(panel);
    await screenshot('inspector-attack-training-views');
    const off = await reinspect('the attack on x again', () => inFrame(clickId, 'augment'), (m) => !m.attack.views);
    assert.equal(off.images.viewI, undefined);
    assert.deepEqual(off.samples, training.samples, 'views off: the first attack again');
    assert.deepEqual((await inFrame(rowLabels, 'decomposition')).map((r: any) => r.row), ['x', 'g', 'r', 'xAdv', 'absDiff']);
  });

  test('Compare (a): another checkpoint on the same samples and attack differs; the same checkpoint gives identical numbers', async function () {
    if (!DRIVER) return this.skip();
    const a = panel.lastInspect!;
    assert.equal(a.checkpoint, ckptFinal);
    await inFrame(showTab, 'compare');
    await until('the Compare view', () => inFrame(snapshot), (s: any) => s.view === 'compare');
    const options = await inFrame(() => Array.from(document.querySelectorAll('#compare-checkpoint option')).map((o: any) => o.value));
    assert.ok(options.includes(ckptMid) && options.includes(ckptFinal), `both checkpoints offered: ${options.join(', ')}`);
    assert.equal(await inFrame(setSelect, { id: 'compare-checkpoint', value: ckptMid }), ckptMid);
    const m = await compareRun('compare-run', 'checkpoint', (c: any) => c.pair?.checkpointB === ckptMid, 'the comparison with the periodic checkpoint');
    assert.equal(m.kind, 'checkpoint');
    const b = (m as Extract<CompareResultMessage, { kind: 'checkpoint' }>).result;
    assert.equal(b.checkpoint, ckptMid);
    assert.deepEqual(b.samples.map((s) => s.index), a.samples.map((s) => s.index), 'B attacks the Decomposition\'s samples');
    assert.deepEqual([b.eps, b.steps, b.attack.mode], [a.eps, a.steps, a.attack.mode], 'with the same ε, steps and mode');
    assert.deepEqual(b.attack.batch, a.attack.batch, 'and the same batch');
    const pair = (await inFrame(snapshot)).compare.pair;
    assert.equal(pair.a.length, SHOWN, 'one A cosine per shown sample');
    assert.equal(pair.b.length, SHOWN, 'one B cosine per shown sample');
    assert.deepEqual(pair.a, a.samples.map((s) => s.cosine));
    assert.deepEqual(pair.b, b.samples.map((s) => s.cosine));
    assert.notDeepEqual(pair.b, pair.a, 'another checkpoint, other cosines');
    const grid = (await inFrame(canvases, 'compare')) as CanvasReport[];
    assert.equal(grid.length, 5 * SHOWN, 'x, x_adv A, x_adv B, |Δ| A, |Δ| B per sample');
    assert.deepEqual((await inFrame(rowLabels, 'compare-grid')).map((r: any) => r.row), ['x', 'xAdvA', 'xAdvB', 'absDiffA', 'absDiffB']);
    checkReports(grid.filter((r) => r.row === 'x').map((r) => ({ ...r, row: 'x' })), a.images);
    checkReports(grid.filter((r) => r.row === 'xAdvA').map((r) => ({ ...r, row: 'xAdv' })), a.images);
    checkReports(grid.filter((r) => r.row === 'xAdvB').map((r) => ({ ...r, row: 'xAdv' })), b.images);
    // |x_adv − x| of A and B on one scale (the larger change of the two), labelled as the Decomposition's.
    const heat = heatScale([...pixelValues(a.images.absDiff), ...pixelValues(b.images.absDiff)]);
    for (const [row, p] of [['absDiffA', a.images.absDiff], ['absDiffB', b.images.absDiff]] as const) {
      for (const r of grid.filter((x) => x.row === row)) {
        assert.deepEqual(r.colouring, { kind: 'heat', max: heat.max }, `${row}[${r.sample}]: the shared heat scale`);
        assert.equal(r.checksum, fnv1a(expectedRaster(p, r.sample, r.colouring).rgba), `${row}[${r.sample}] holds the pixels sent`);
      }
    }
    const scales = await inFrame(() => Array.from(document.querySelectorAll('#compare-grid .legend[data-row^="absDiff"]')).map((l: any) => ({ top: l.querySelector('.bar-top').textContent, bottom: l.querySelector('.bar-bottom').textContent, note: l.querySelector('.bar-note').textContent })));
    assert.deepEqual(scales, [0, 1].map(() => heatScaleLabels(heat)).map((l) => ({ top: l.top, bottom: l.bottom, note: l.note })), 'both heat scales labelled');
    const numbers = await inFrame(() => Array.from(document.querySelectorAll('#compare-numbers tbody tr')).map((tr: any) => Array.from(tr.children).map((c: any) => c.textContent)));
    assert.equal(numbers.length, SHOWN, 'a row per sample');
    numbers.forEach((cells: string[], i: number) => {
      assert.equal(cells[1], formatNumber(a.samples[i]!.cosine, 6));
      assert.equal(cells[2], formatNumber(b.samples[i]!.cosine, 6));
    });
    await inFrame(scrollTo, '#compare-grid');
    await screenshot('inspector-compare-checkpoints');

    // A with itself: the same attack, the same numbers.
    await inFrame(setSelect, { id: 'compare-checkpoint', value: ckptFinal });
    const same = await compareRun('compare-run', 'checkpoint', (c: any) => c.pair?.checkpointB === ckptFinal, 'the comparison of A with itself');
    const s = (same as Extract<CompareResultMessage, { kind: 'checkpoint' }>).result;
    assert.deepEqual(s.samples, a.samples, 'A against itself: identical per-sample numbers');
    assert.equal(s.images.xAdv.data, a.images.xAdv.data, 'and identical x_adv');
    const selfPair = (await inFrame(snapshot)).compare.pair;
    assert.deepEqual(selfPair.b, selfPair.a);
  });

  test('Compare (b): an ε sweep: one point per ε, ranks ≥ 1, at ε 0 x_adv is x (cos > 0.999, no latent change); two charts', async function () {
    if (!DRIVER) return this.skip();
    const a = panel.lastInspect!;
    const list = await inFrame(() => document.getElementById('sweep-eps').value);
    assert.equal(list, '0, 0.05, 0.1, 0.2, 0.5, 1, 2', 'the default ε list');
    const epsList = [0, 0.05, 0.1, 0.2, 0.5, 1, 2];
    const m = await compareRun('sweep-run', 'sweep', (c: any) => Array.isArray(c.sweep) && c.sweep.length === epsList.length, 'the ε sweep');
    const r = (m as Extract<CompareResultMessage, { kind: 'sweep' }>).result;
    assert.deepEqual(r.points.map((p) => p.eps), epsList);
    const sweep = (await inFrame(snapshot)).compare.sweep as Array<{ eps: number; ranks: number[]; cosines: number[] }>;
    assert.deepEqual(sweep.map((p) => p.eps), epsList, 'one point per ε');
    for (const p of sweep) {
      assert.equal(p.ranks.length, SHOWN);
      assert.equal(p.cosines.length, SHOWN);
      assert.ok(p.ranks.every((k) => Number.isInteger(k) && k >= 1), `ε ${p.eps}: ranks ≥ 1 (${p.ranks.join(', ')})`);
      assert.ok(p.cosines.every((c) => Number.isFinite(c)), `ε ${p.eps}: finite cosines`);
    }
    assert.ok(sweep[0]!.cosines.every((c) => c > 0.999), `at ε 0 x_adv is x: cos ${sweep[0]!.cosines.join(', ')}`);
    assert.ok(r.points[0]!.samples.every((s) => s.latentLinf === 0), `at ε 0 the latent does not move: ${r.points[0]!.samples.map((s) => s.latentLinf).join(', ')}`);
    assert.deepEqual(r.points[0]!.samples.map((s) => s.index), a.samples.map((s) => s.index), 'the Decomposition\'s samples');
    // The sweep's point at the shown ε is the Decomposition's attack.
    const atShown = r.points.find((p) => p.eps === a.eps);
    if (atShown) {
      atShown.samples.forEach((s, i) => {
        assert.ok(Math.abs(s.cosine - a.samples[i]!.cosine) <= 1e-5, `ε ${a.eps}, sample ${s.index}: sweep cos ${s.cosine} vs the Decomposition's ${a.samples[i]!.cosine}`);
        assert.equal(s.rank, a.samples[i]!.rank);
      });
    }
    const charts = await inFrame(() => Array.from(document.querySelectorAll('#sweep-charts .chart')).map((f: any) => ({ title: f.querySelector('figcaption').textContent, canvas: !!f.querySelector('canvas') })));
    assert.deepEqual(
      charts.map((c: any) => c.canvas),
      [true, true],
      'two charts',
    );
    assert.match(charts[0].title, /^Identity rank against ε/);
    assert.match(charts[1].title, /^cos\(f\(x\), f\(x_adv\)\) against ε/);
    // The hook's count also takes in the colour-scale bars of the checkpoint comparison's grid (canvas.bar).
    assert.ok((await inFrame(snapshot)).compare.charts >= 2);
    const grid = (await inFrame(canvases, 'sweep')) as CanvasReport[];
    assert.equal(grid.length, (1 + epsList.length) * SHOWN, 'x and x_adv at each ε, per sample');
    assert.deepEqual((await inFrame(rowLabels, 'sweep-grid')).map((x: any) => x.row), ['x', ...epsList.map((_, k) => `eps${k}`)]);
    await inFrame(scrollTo, '#sweep-charts');
    await screenshot('inspector-compare-sweep');
  });

  test('Compare (c): the per-class table: counts sum to the samples attacked, kept ≤ count', async function () {
    if (!DRIVER) return this.skip();
    assert.equal(await inFrame(() => document.getElementById('classes-count').value), '256', 'the default count');
    const want = Math.min(256, TEST_SPLIT);
    const m = await compareRun('classes-run', 'classes', (c: any) => c.classes !== null, 'the per-class table');
    const r = (m as Extract<CompareResultMessage, { kind: 'classes' }>).result;
    assert.equal(r.samples, want, `min(256, the test split's ${TEST_SPLIT})`);
    assert.equal(r.mode, 'training');
    assert.equal(r.batchSize, BATCH);
    const shown = (await inFrame(snapshot)).compare.classes as { samples: number; rows: Array<{ className: string; count: number; kept: number }> };
    assert.equal(shown.samples, want);
    assert.equal(shown.rows.reduce((s, x) => s + x.count, 0), want, 'the counts sum to the samples attacked');
    for (const row of shown.rows) {
      assert.ok(row.count > 0 && Number.isInteger(row.count), `${row.className}: count ${row.count}`);
      assert.ok(Number.isInteger(row.kept) && row.kept >= 0 && row.kept <= row.count, `${row.className}: kept ${row.kept} ≤ ${row.count}`);
    }
    assert.equal(new Set(shown.rows.map((x) => x.className)).size, shown.rows.length, 'a row per class');
    const table = await inFrame(() => ({
      rows: Array.from(document.querySelectorAll('#class-table tbody tr')).map((tr: any) => ({ label: tr.dataset.label, name: tr.querySelector('th').textContent })),
      foot: document.querySelector('#class-table tfoot')?.textContent ?? '',
    }));
    assert.deepEqual(table.rows.map((x: any) => x.name), shown.rows.map((x) => x.className));
    assert.deepEqual(table.rows.map((x: any) => Number(x.label)), r.rows.map((x) => x.label));
    assert.match(table.foot, new RegExp(`^${want} test samples in batches of ${BATCH} \\(training mode\\)`));
    await inFrame(scrollTo, '#class-table');
    await screenshot('inspector-compare-classes');
  });

  test('Compare: a bad ε list ("0, -1") shows an error in the Compare view and sends nothing', async function () {
    if (!DRIVER) return this.skip();
    const before = panel.lastCompare;
    const requests: WebviewMessage[] = [];
    const sub = panel.onDidReceive((m) => {
      if (m.type === 'compareRequest') requests.push(m);
    });
    try {
      await inFrame(setText, { id: 'sweep-eps', value: '0, -1' });
      await inFrame(clickId, 'sweep-run');
      const st = await until('the error in the Compare view', () => inFrame(compareState), (s: { kind: string }) => s.kind === 'error');
      assert.match(st.text, /ε values: .*"0, -1"/);
      // A message the page sends after the click: every earlier message has reached the host by then.
      const marker = next(panel.onDidReceive, (m: WebviewMessage) => m.type === 'trainingRequest' || m.type === 'probeRequest', 'a later message from the page');
      await inFrame(showTab, 'training');
      await marker;
      assert.equal(requests.length, 0, 'no comparison was requested');
      assert.equal(panel.lastCompare, before);
      await inFrame(showTab, 'compare');
      await until('the Compare view again', () => inFrame(snapshot), (s: any) => s.view === 'compare');
      assert.equal((await inFrame(compareState)).kind, 'error', 'the error stays until the next comparison');
      await inFrame(() => document.getElementById('compare-grid').closest('vscode-tab-panel').scrollIntoView({ block: 'start' }));
      await screenshot('inspector-compare-bad-eps');
    } finally {
      sub.dispose();
      await inFrame(setText, { id: 'sweep-eps', value: '0, 0.05, 0.1, 0.2, 0.5, 1, 2' });
    }
  });

  test('while a run trains in the training worker, the inspector answers an ε change from its own worker', async function () {
    if (!DRIVER) return this.skip();
    await inFrame(showTab, 'decomposition');
    await until('the Decomposition view', () => inFrame(snapshot), (s: any) => s.view === 'decomposition');
    liveDir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: true, config: LONG, open: false, name: 'compare-live' }))!;
    const sslProgress = next(api.runs.onDidProgress, (p) => p.runDir === liveDir && p.phase === 'ssl', 'SSL steps of the live run', 180_000);
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', liveDir))?.state, 'running');
    await sslProgress;
    assert.ok(api.worker.info && api.inspectorWorker.info, 'both workers are up');
    assert.notEqual(api.worker.info.pid, api.inspectorWorker.info.pid, 'the inspector has a process of its own');
    // Which worker each request goes to.
    const trainingClient = await api.worker.get();
    const inspectorClient = await api.inspectorWorker.get();
    const sent = { training: [] as string[], inspector: [] as string[] };
    const spy = (client: any, into: string[]) => {
      const original = client.sendRequest;
      client.sendRequest = function (this: unknown, type: any, ...rest: unknown[]) {
        into.push(typeof type === 'string' ? type : type.method);
        return original.call(this, type, ...rest);
      };
      return () => delete client.sendRequest;
    };
    const unspyTraining = spy(trainingClient, sent.training);
    const unspyInspector = spy(inspectorClient, sent.inspector);
    try {
      const eps = 0.35;
      const m = await reinspect(`the decomposition at ε = ${eps} while training`, () => inFrame(dragEps, eps), (x) => x.eps === eps);
      // Answered while the run is still training: its state, read when the answer is on screen.
      assert.equal(api.runs.active?.runDir, liveDir);
      assert.equal(api.runs.active?.state, 'running', 'the run was still training when the answer came');
      assert.equal(m.checkpoint, ckptFinal);
      assert.ok(sent.inspector.includes('idaa/inspect'), `the inspection went to the inspector worker (${sent.inspector.join(', ')})`);
      assert.ok(!sent.training.includes('idaa/inspect'), `not to the training worker (${sent.training.join(', ')})`);
      // And training goes on after it.
      const stepNow = api.runs.active?.progress?.step ?? 0;
      await next(api.runs.onDidProgress, (p) => p.runDir === liveDir && p.step > stepNow, 'a training step after the answer', 120_000);
      assert.notEqual(api.worker.info?.pid, api.inspectorWorker.info?.pid);
    } finally {
      unspyTraining();
      unspyInspector();
      const stopped = next(api.runs.onDidChangeState, (s) => s.runDir === liveDir && s.state === 'stopped', 'the live run stopped', 120_000);
      await vscode.commands.executeCommand('idaa.stop');
      await stopped;
    }
  });
});
