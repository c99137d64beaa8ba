/// <reference types="mocha" />
/**
 * The inspector panel inside a real VS Code: the webview's frame is reached through the runner's
 * test driver (frame.ts). Waits are for messages (the panel's onDidReceive / onDidPost), with time
 * bounds; polling only for what happens in the frame. What a canvas must hold is computed here from
 * the pixels the worker sent (expected.ts); the webview's canvases are read back only when asked.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../../../src/engine/config/presets';
import type { IdaaApi } from '../../../src/extension/extension';
import type { InspectorPanel } from '../../../src/extension/inspectorPanel';
import type { RenderedMessage, WebviewMessage } from '../../../src/protocol/webview';
import type { SaveCheckpointResult, StartRunResult } from '../../../src/protocol/worker';
import { next } from './events';
import { checkDecompositionCanvases, checkReports, rowChecksums, type CanvasReport } from './expected';
import { canvases, DRIVER, drive, dragEps, inFrame, outputDir, pickCheckpoint, screenshot, snapshot, until } from './frame';
import { closerTests } from './inspectorCloser';
import { layoutTests } from './inspectorLayout';
import { tinyRunConfig } from './tinyRun';

const EXTENSION_ID = 'idaa-studio.idaa-studio';
// These run inside the webview's frame (sent as source through the driver).
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;

const TINY = tinyRunConfig(1);

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

suite('IDAA inspector panel', function () {
  this.timeout(240_000);
  let api: IdaaApi;
  let runDir: string;
  let ckptA: string;
  let ckptB: string;
  let ckptVae: string | undefined;
  let panel: InspectorPanel;

  const rendered = (after: number, what: string, ms = 90_000) =>
    next(panel.onDidReceive, (m: WebviewMessage) => m.type === 'rendered' && m.requestId > after, what, ms) as Promise<RenderedMessage>;

  suiteSetup(async function () {
    const ext = vscode.extensions.getExtension<IdaaApi>(EXTENSION_ID)!;
    api = await ext.activate();
    // Two checkpoints of a tiny run: a manual one while paused, and the stop checkpoint.
    runDir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: true, config: TINY, open: false, name: 'inspector' }))!;
    const progress = next(api.runs.onDidProgress, (p) => p.runDir === runDir && p.phase === 'ssl' && p.step > 8, 'SSL progress');
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', runDir))?.state, 'running');
    await progress;
    await vscode.commands.executeCommand('idaa.pause');
    ckptA = (await vscode.commands.executeCommand<SaveCheckpointResult>('idaa.saveCheckpoint'))!.checkpoint.path;
    await vscode.commands.executeCommand('idaa.resume');
    const more = next(api.runs.onDidMetrics, (m) => m.runDir === runDir && m.kind === 'epoch', 'an epoch line');
    await more;
    await vscode.commands.executeCommand('idaa.stop');
    const entries = JSON.parse(readFileSync(path.join(runDir, 'checkpoints', 'manifest.json'), 'utf8')).checkpoints as Array<{ file: string; phase: string }>;
    ckptB = path.join(runDir, 'checkpoints', entries.at(-1)!.file);
    const vae = entries.find((e) => e.phase === 'vae');
    ckptVae = vae ? path.join(runDir, 'checkpoints', vae.file) : undefined;
    assert.notEqual(ckptA, ckptB);
  });

  suiteTeardown(() => api?.inspector.current()?.dispose());

  test('opens on a checkpoint at its training ε and steps: strict CSP, images drawn from the pixels sent, numbers shown', async function () {
    const created = next(api.inspector.onDidCreate, () => true, 'the panel');
    // No ε or steps: the panel opens at the checkpoint's training values.
    const opened = await vscode.commands.executeCommand<InspectorPanel>('idaa.openInspector', { checkpoint: ckptA, count: 16, seed: 0 });
    panel = await created;
    assert.equal(opened, panel);
    await rendered(0, 'the first decomposition on screen', 120_000);
    const sent = panel.lastInspect!;
    assert.equal(sent.samples.length, 16);
    assert.equal(sent.checkpoint, ckptA);
    const trained = PRESETS.tiny.idaa;
    assert.deepEqual([sent.eps, sent.steps], [trained.eps, trained.steps], "the attack ran at the run's idaa.eps and idaa.steps");
    assert.deepEqual([sent.run.idaa.eps, sent.run.idaa.steps], [trained.eps, trained.steps]);
    assert.ok(sent.run.optimizerSteps.ssl > 0 && sent.run.phase === 'ssl', 'an SSL-phase checkpoint');
    // The HTML's policy, as the panel set it.
    assert.match(panel.panel.webview.html, /default-src 'none'/);
    assert.match(panel.panel.webview.html, /script-src 'nonce-[A-Za-z0-9]{32}'/);
    assert.doesNotMatch(panel.panel.webview.html, /unsafe-inline|unsafe-eval/);
    // Every URL in the page is the webview's own resource origin (no remote content).
    const hosts = panel.panel.webview.cspSource.split(/\s+/).filter((x) => x.startsWith('https://*.')).map((x) => x.slice('https://*.'.length));
    for (const attr of panel.panel.webview.html.match(/(?:src|href)="[^"]+"/g) ?? []) {
      const host = new URL(attr.replace(/^(?:src|href)="|"$/g, '')).hostname;
      assert.ok(hosts.some((h) => host.endsWith(h)), `${attr} is served from the webview's own source (${panel.panel.webview.cspSource})`);
    }
    const roots = panel.panel.webview.options.localResourceRoots?.map((u) => u.path) ?? [];
    assert.equal(roots.length, 2);
    assert.ok(roots[0]!.endsWith('/dist/webview') && roots[1]!.endsWith('/media'), `localResourceRoots: ${roots.join(', ')}`);
    if (!DRIVER) return this.skip(); // desktop VS Code (test:electron): no driver for the frame
    await checkDecompositionCanvases(panel);
    const snap = await inFrame(snapshot);
    assert.equal(snap.numbers.length, 16);
    assert.equal(snap.eps, trained.eps);
    const controls = await inFrame(() => ({
      eps: document.getElementById('eps-number').value,
      steps: document.getElementById('steps').value,
      epsTitle: document.getElementById('eps').title,
      stepsTitle: document.getElementById('steps').title,
      crop: document.getElementById('stage-crop').parentElement.title,
      trained: document.getElementById('trained-values').textContent,
    }));
    assert.equal(controls.eps, String(trained.eps), 'the ε control opens at the training value');
    assert.equal(controls.steps, String(trained.steps));
    assert.match(controls.epsTitle, new RegExp(`Trained with ε = ${trained.eps}`));
    assert.match(controls.stepsTitle, new RegExp(`Trained with ${trained.steps}`));
    assert.match(controls.crop, /in training/);
    assert.match(controls.trained, new RegExp(`trained: ε ${trained.eps}`));
    const csp = await inFrame(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
    assert.match(String(csp), /^default-src 'none'/);
    const zoomed = await inFrame(() => {
      const c = document.querySelector('#decomposition canvas.px');
      return { css: c.getBoundingClientRect().width, w: c.width, rendering: getComputedStyle(c).imageRendering };
    });
    assert.ok(zoomed.css >= zoomed.w * 2, `small images are zoomed (${zoomed.css} px for ${zoomed.w})`);
    assert.equal(zoomed.rendering, 'pixelated');
    await screenshot('inspector-decomposition');
  });

  layoutTests(() => ({ panel, runDir }));

  test('moving ε re-attacks without a reload: views and numbers change; latency measured', async function () {
    if (!DRIVER) return this.skip();
    const before = panel.lastInspect!;
    const marker = await inFrame(() => ((window as any).__sameDocument = 42));
    assert.equal(marker, 42);
    const latencies: number[] = [];
    const workerMs: number[] = [];
    let last = before;
    for (const eps of [2.5, 1, 3, 1.5, 4]) {
      const id = last.requestId;
      const done = rendered(id, `the decomposition at ε = ${eps}`);
      await inFrame(dragEps, eps);
      const r = await done;
      last = panel.lastInspect!;
      if (last.eps !== eps) continue; // coalesced into a later value
      latencies.push(r.totalMs);
      workerMs.push(last.workerMs);
    }
    assert.equal(last.eps, 4);
    assert.ok(latencies.length >= 3, 'most changes were measured');
    assert.equal(await inFrame(() => (window as any).__sameDocument), 42, 'the page was not reloaded');
    await checkDecompositionCanvases(panel);
    assert.notDeepEqual(rowChecksums(last.images, 'xAdv'), rowChecksums(before.images, 'xAdv'), 'x_adv changed with ε');
    assert.deepEqual(rowChecksums(last.images, 'x'), rowChecksums(before.images, 'x'), 'x did not');
    const linfBefore = before.samples.map((s) => s.latentLinf ?? 0);
    const linfAfter = last.samples.map((s) => s.latentLinf ?? 0);
    assert.ok(linfAfter.some((v, i) => Math.abs(v - linfBefore[i]!) > 1e-6), '‖δ‖∞ changed with ε');
    const shownNumbers = await inFrame(() => Array.from(document.querySelectorAll('#numbers td.linf')).map((td: any) => td.textContent));
    assert.equal(shownNumbers.length, 16);
    console.log(`      (ε → views updated, 16 samples of the tiny test model: median ${median(latencies).toFixed(0)} ms, worker ${median(workerMs)} ms; all ${latencies.map((x) => x.toFixed(0)).join(', ')} ms)`);
    await screenshot('inspector-eps-4');
  });

  test('the Training views toggle attacks view i, as training does (views fixed by the seed); each sample shows its loss term', async function () {
    if (!DRIVER) return this.skip();
    const before = panel.lastInspect!;
    assert.equal(before.images.viewI, undefined, 'no views while the toggle is off');
    const toggle = async (id: number, what: string) => {
      const done = rendered(id, what);
      await inFrame(() => (document.getElementById('augment') as any).click());
      await done;
      return panel.lastInspect!;
    };
    const on = await toggle(before.requestId, 'the decomposition with augmentation views');
    assert.ok(on.images.viewI && on.images.viewJ, 'both views sent');
    assert.equal(on.attack.views, true, 'the attacked input is view i');
    assert.notDeepEqual(rowChecksums(on.images, 'viewI'), rowChecksums(on.images, 'x'), 'view i is not x');
    assert.notDeepEqual(rowChecksums(on.images, 'viewI'), rowChecksums(on.images, 'viewJ'), 'the two views differ');
    assert.deepEqual(rowChecksums(on.images, 'x'), rowChecksums(before.images, 'x'), 'x unchanged');
    await checkDecompositionCanvases(panel);
    // The attack starts from view i: the views come right after x, then what is made of x_i.
    const rows = await inFrame(() => Array.from(document.querySelectorAll('#decomposition .deco-col.labels .row-label')).map((r: any) => r.dataset.row));
    assert.deepEqual(rows, ['x', 'viewI', 'viewJ', 'g', 'r', 'xAdv', 'absDiff']);
    assert.notDeepEqual(rowChecksums(on.images, 'g'), rowChecksums(before.images, 'g'), 'G(x_i), not G(x)');
    // The loss terms average to the attack loss over the attack batch: here the 16 shown are the whole batch.
    assert.equal(on.attack.batch.length, on.samples.length);
    const terms = on.samples.map((s) => s.lossTerm ?? NaN);
    const mean = terms.reduce((a, t) => a + t, 0) / terms.length;
    assert.ok(Math.abs(mean - (on.lossAfter ?? NaN)) < 1e-4, `mean loss term ${mean} is the attack loss ${on.lossAfter}`);
    const shown = await inFrame(() => Array.from(document.querySelectorAll('#numbers td.loss')).map((td: any) => td.textContent));
    assert.equal(shown.length, on.samples.length, 'a loss term per sample on screen');
    await screenshot('inspector-augment-views');

    // The stage toggles: one click per stage, each re-renders; with all four off a view is x itself.
    const stages = ['crop', 'flip', 'jitter', 'grayscale'];
    const clickStage = async (stage: string, what: string) => {
      const done = rendered(panel.lastInspect!.requestId, what);
      await inFrame((st: string) => (document.getElementById(`stage-${st}`) as any).click(), stage);
      await done;
      return panel.lastInspect!;
    };
    let bare = on;
    for (const st of stages) bare = await clickStage(st, `the views without ${st}`);
    assert.deepEqual(await inFrame(() => Array.from(document.querySelectorAll('#stages input')).map((i: any) => i.checked)), [false, false, false, false]);
    // Image rows travel as the bytes shown (or float32 in [0, 1] when a value is not finite).
    const onScreen = (p: { data: string; dtype: string }) => {
      const bytes = new Uint8Array(Buffer.from(p.data, 'base64'));
      return p.dtype === 'uint8' ? Array.from(bytes) : Array.from(new Float32Array(bytes.buffer), (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    };
    const x = onScreen(bare.images.x);
    for (const row of ['viewI', 'viewJ'] as const) {
      const v = onScreen(bare.images[row]!);
      assert.equal(v.length, x.length);
      const worst = v.reduce((m, a, i) => Math.max(m, Math.abs(a - x[i]!)), 0);
      // The float views equal x to 1e-5 (engine test); on screen that is at most one level of 255.
      assert.ok(worst <= 1, `every stage off: ${row} is x (max difference ${worst}/255)`);
    }
    assert.deepEqual(bare.samples.map((s) => s.index), on.samples.map((s) => s.index), 'the same samples');
    assert.notDeepEqual(bare.samples.map((s) => s.cosine), on.samples.map((s) => s.cosine), 'view i is attacked: other views, other numbers');
    await checkDecompositionCanvases(panel);
    const flipOnly = await clickStage('flip', 'the views with the flip alone');
    assert.notDeepEqual(rowChecksums(flipOnly.images, 'viewI'), rowChecksums(bare.images, 'viewI'), 'turning the flip back on mirrors some views');
    await screenshot('inspector-augment-flip-only');
    for (const st of ['crop', 'jitter', 'grayscale']) await clickStage(st, `the views with ${st} again`);
    assert.deepEqual(rowChecksums(panel.lastInspect!.images, 'viewI'), rowChecksums(on.images, 'viewI'), 'all stages back on: the first views again (same seed)');
    assert.deepEqual(panel.lastInspect!.samples, on.samples, 'and the same attack on them');

    const off = await toggle(panel.lastInspect!.requestId, 'the decomposition without the views');
    assert.equal(off.images.viewI, undefined);
    await checkDecompositionCanvases(panel);
  });

  closerTests(() => ({ panel, ckptA, ckptVae, rendered }));

  test('another checkpoint from the picker (any run), then the Dataset view: filter, jump, select, inspect the selection', async function () {
    if (!DRIVER) return this.skip();
    const options = await inFrame(() => Array.from(document.querySelectorAll('#checkpoint vscode-option')).map((o: any) => o.getAttribute('value')));
    assert.ok(options.includes(ckptA) && options.includes(ckptB), 'the picker lists both checkpoints');
    const id = panel.lastInspect!.requestId;
    const done = rendered(id, 'the other checkpoint');
    await inFrame(pickCheckpoint, ckptB);
    await done;
    assert.equal(panel.lastInspect!.checkpoint, ckptB);
    await checkDecompositionCanvases(panel);

    await inFrame(() => (document.querySelector('vscode-tab-header[data-view="dataset"]') as any).click());
    const snap = await until('the dataset grid', () => inFrame(snapshot), (s: any) => s.datasetCells > 0 && s.datasetTotal === 32);
    assert.equal(snap.view, 'dataset');
    const drawn = await until('the sample canvases drawn', () => inFrame(() => document.querySelectorAll('.gcell[data-drawn="1"]').length), (n: number) => n === 32);
    assert.equal(drawn, 32);
    // Every thumbnail names its class.
    const named = await inFrame(() => Array.from(document.querySelectorAll('.gcell')).map((c: any) => [c.getAttribute('aria-label'), c.querySelector('.gcls')?.textContent ?? '']));
    assert.ok(named.length > 0 && named.every(([label, cls]: string[]) => cls.length > 0 && label!.includes(cls!)), `class labels on the thumbnails: ${JSON.stringify(named.slice(0, 3))}`);
    // Class filter: only that class's samples remain.
    const filtered = await inFrame(() => {
      const sel = document.getElementById('class-filter') as any;
      sel.value = '1';
      sel.dispatchEvent(new Event('change'));
      return (window as any).__idaaInspector.snapshot().datasetTotal;
    });
    assert.ok(filtered > 0 && filtered < 32, `class 1 has ${filtered} of 32`);
    await inFrame(() => {
      const j = document.getElementById('jump') as any;
      j.value = '3';
      j.dispatchEvent(new Event('change'));
    });
    await until('sample 3 in view', () => inFrame(() => !!document.getElementById('sample-3')), (v: boolean) => v);
    // Keyboard: select 3, move right, select 4, Enter inspects the selection.
    await inFrame(() => (document.getElementById('sample-3') as any).click());
    await inFrame(() => (document.getElementById('dataset-grid') as any).focus());
    await drive('/press', { key: 'ArrowRight' });
    await drive('/press', { key: 'Space' });
    const selected = await inFrame(snapshot);
    assert.equal(selected.selected.length, 2, `selected ${JSON.stringify(selected.selected)}`);
    await screenshot('inspector-dataset');
    const id2 = panel.lastInspect!.requestId;
    const shown = rendered(id2, 'the selection decomposed');
    await drive('/press', { key: 'Enter' });
    await shown;
    assert.deepEqual(panel.lastInspect!.samples.map((s) => s.index), selected.selected);
    await checkDecompositionCanvases(panel);
  });

  test('Training view draws the run\'s curves; export writes a PNG; settings copy as a config fragment', async function () {
    if (!DRIVER) return this.skip();
    await inFrame(() => (document.querySelector('vscode-tab-header[data-view="training"]') as any).click());
    const snap = await until('the charts', () => inFrame(snapshot), (s: any) => s.charts >= 3);
    assert.equal(snap.view, 'training');
    await screenshot('inspector-training');
    const out = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'sheet.png');
    const file = await panel.exportPng(out);
    assert.equal(file, out);
    const png = readFileSync(out);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    copyFileSync(out, path.join(outputDir(), 'inspector-sheet.png'));
    const text = await panel.copySettings({ checkpoint: ckptB, count: 2, split: 'test', seed: panel.lastInspect!.seed, eps: panel.lastInspect!.eps, steps: panel.lastInspect!.steps });
    assert.deepEqual(JSON.parse(text).idaa, { eps: panel.lastInspect!.eps, steps: panel.lastInspect!.steps });
  });

  test('Training view: the history slider scrubs through the probe batch stored during training', async function () {
    const stored = readdirSync(path.join(runDir, 'probes')).filter((f) => /^probe-s\d+\.json$/.test(f));
    assert.ok(stored.length >= 2, `the tiny preset stores a probe every 2 SSL steps (${stored.join(', ')})`);
    if (!DRIVER) return this.skip();
    await inFrame(() => (document.querySelector('vscode-tab-header[data-view="training"]') as any).click());
    const last = await until('the newest probe drawn', () => inFrame(snapshot), (s: any) => s.probeSteps.length === stored.length && s.probeStep === s.probeSteps.at(-1));
    assert.equal(panel.lastProbe!.step, last.probeStep, 'the probe drawn is the last one sent');
    const lastCanvases = (await inFrame(canvases, 'history')) as CanvasReport[];
    checkReports(lastCanvases, panel.lastProbe!.images);
    assert.equal(lastCanvases.filter((c) => c.row === 'x').length, 8, 'probeCount 8: the first test sample of 8 classes');
    const heads = await inFrame(() => Array.from(document.querySelectorAll('#probe-grid .deco-col.sample .col-class')).map((e: any) => e.textContent));
    assert.deepEqual(heads, panel.lastProbe!.samples.map((s) => s.className), 'each probe column is headed by its class');
    const lastXAdv = rowChecksums(panel.lastProbe!.images, 'xAdv');
    const lastX = rowChecksums(panel.lastProbe!.images, 'x');
    const lastDiff = rowChecksums(panel.lastProbe!.images, 'absDiff');
    await inFrame(() => {
      const el = document.querySelector('#probe-slider');
      el.value = '0';
      el.dispatchEvent(new window.Event('input'));
    });
    const first = await until('the first probe drawn', () => inFrame(snapshot), (s: any) => s.probeStep === s.probeSteps[0]);
    assert.equal(first.probeIndex, 0);
    assert.equal(panel.lastProbe!.step, first.probeSteps[0]);
    checkReports((await inFrame(canvases, 'history')) as CanvasReport[], panel.lastProbe!.images);
    assert.deepEqual(rowChecksums(panel.lastProbe!.images, 'x'), lastX, 'the same clean probe batch at every step');
    assert.notDeepEqual(rowChecksums(panel.lastProbe!.images, 'xAdv'), lastXAdv, 'the adversarial positives changed as the encoder trained');
    assert.notDeepEqual(rowChecksums(panel.lastProbe!.images, 'absDiff'), lastDiff);
    await inFrame(() => document.querySelector('#probe-history').scrollIntoView());
    await screenshot('inspector-probe-history');
  });

  test('bad messages are logged and ignored, both ways', async () => {
    const rejected = next(panel.onDidReject, () => true, 'the host rejecting a message');
    panel.receive({ type: 'inspect', requestId: 'seven' });
    assert.match(await rejected, /requestId/);
    if (!DRIVER) return;
    const logged = next(panel.onDidReceive, (m: WebviewMessage) => m.type === 'log' && /ignored a message from the host/.test(m.message), 'the webview reporting a bad message');
    const count = panel.lastInspect!.requestId;
    await panel.postUnchecked({ type: 'inspectResult', requestId: count + 100, images: 'none' });
    const m = (await logged) as Extract<WebviewMessage, { type: 'log' }>;
    assert.match(m.message, /inspectResult/);
    assert.equal((await inFrame(snapshot)).requestId, count, 'nothing was applied');
  });

  test('latency with the small model (when IDAA_INSPECTOR_BENCH_RUN names a run folder with a checkpoint)', async function () {
    const bench = process.env.IDAA_INSPECTOR_BENCH_RUN;
    if (!bench || !DRIVER || !existsSync(bench)) return this.skip();
    const manifest = JSON.parse(readFileSync(path.join(bench, 'checkpoints', 'manifest.json'), 'utf8'));
    const entry = manifest.checkpoints.at(-1);
    const dst = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.idaa', 'runs', `bench-${path.basename(bench)}`);
    mkdirSync(path.join(dst, 'checkpoints'), { recursive: true });
    copyFileSync(path.join(bench, 'config.json'), path.join(dst, 'config.json'));
    copyFileSync(path.join(bench, 'checkpoints', entry.file), path.join(dst, 'checkpoints', entry.file));
    writeFileSync(path.join(dst, 'checkpoints', 'manifest.json'), JSON.stringify({ version: 1, checkpoints: [entry] }));
    const ckpt = path.join(dst, 'checkpoints', entry.file);
    await inFrame(() => (document.querySelector('vscode-tab-header[data-view="decomposition"]') as any).click());
    const first = rendered(panel.lastInspect!.requestId, 'the small model loaded', 200_000);
    await vscode.commands.executeCommand('idaa.openInspector', { checkpoint: ckpt, count: 16, eps: 1, steps: 1, seed: 0 });
    await first;
    assert.equal(panel.lastInspect!.samples.length, 16);
    const latencies: number[] = [];
    const worker: number[] = [];
    const drawing: number[] = [];
    for (const eps of [0.5, 1.5, 2, 2.5, 3, 0.75, 1.25]) {
      const done = rendered(panel.lastInspect!.requestId, `small model at ε = ${eps}`);
      await inFrame(dragEps, eps);
      const r = await done;
      latencies.push(r.totalMs);
      worker.push(panel.lastInspect!.workerMs);
      drawing.push(r.drawMs);
    }
    await checkDecompositionCanvases(panel);
    await screenshot('inspector-small-model');
    const shape = panel.lastInspect!.images.x.shape.join('×');
    const line = `ε → views updated, 16 samples of the small model (${shape}): median ${median(latencies).toFixed(0)} ms (worker request ${median(worker)} ms, drawing ${median(drawing).toFixed(0)} ms); all ${latencies.map((x) => x.toFixed(0)).join(', ')} ms`;
    console.log(`      (${line})`);
    writeFileSync(path.join(outputDir(), 'inspector-latency.txt'), line + '\n');
  });
});
