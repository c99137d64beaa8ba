/// <reference types="mocha" />
/**
 * The inspector panel inside a real VS Code: the webview's frame is reached through the runner's
 * test driver (IDAA_TEST_DRIVER, see test/vscode/runCodeServer.mjs), which evaluates functions in
 * the frame, presses keys and takes screenshots into test-output/. Waits are for messages (the
 * panel's onDidReceive / onDidPost), with time bounds; polling only for what happens in the frame.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IdaaApi } from '../../../src/extension/extension';
import type { InspectorPanel } from '../../../src/extension/inspectorPanel';
import type { ImageRow, RenderedMessage, ViewRow, WebviewMessage } from '../../../src/protocol/webview';
import type { SaveCheckpointResult, StartRunResult } from '../../../src/protocol/worker';
import { next } from './events';
import { tinyRunConfig } from './tinyRun';

const EXTENSION_ID = 'idaa-studio.idaa-studio';
const DRIVER = process.env.IDAA_TEST_DRIVER;
const ROOT_SELECTOR = '#idaa-root';
// These run inside the webview's frame (sent as source through the driver): browser globals, untyped
// here so the project's Node typecheck does not take in the DOM library.
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;

const ROWS: ImageRow[] = ['x', 'g', 'r', 'xAdv', 'absDiff'];

const TINY = tinyRunConfig(1);


async function drive<T>(route: string, body: Record<string, unknown>): Promise<T> {
  const r = await fetch(`${DRIVER}${route}`, { method: 'POST', body: JSON.stringify(body) });
  const j = (await r.json()) as { ok: boolean; value?: T; error?: string };
  if (!j.ok) throw new Error(`driver ${route}: ${j.error}`);
  return j.value as T;
}

/** Runs `fn` in the inspector's frame; `fn` must be self-contained (it is sent as source). */
function inFrame<T>(fn: (arg: any) => T | Promise<T>, arg: unknown = null): Promise<T> {
  return drive<T>('/frame/eval', { selector: ROOT_SELECTOR, fn: fn.toString(), arg });
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  let err: unknown;
  while (Date.now() < end) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      err = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(last)} ${err ? String(err) : ''}`);
}

const screenshot = (name: string) => drive<string>('/screenshot', { name });

/** In the frame: FNV-1a of each decomposition canvas's pixels, read back with getImageData. */
function readCanvases(): Array<{ row: string; sample: number; sum: number; expected: number; w: number; h: number }> {
  const out: Array<{ row: string; sample: number; sum: number; expected: number; w: number; h: number }> = [];
  for (const c of Array.from(document.querySelectorAll('#decomposition canvas.px')) as any[]) {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) {
      h ^= d[i]!;
      h = Math.imul(h, 0x01000193);
    }
    out.push({ row: c.dataset.row!, sample: Number(c.dataset.sample), sum: h >>> 0, expected: Number(c.dataset.checksum), w: c.width, h: c.height });
  }
  return out;
}

/** In the frame: moves the ε slider to `v` as a drag does (an input event). */
function dragEps(v: number): void {
  const el = document.getElementById('eps') as any;
  el.value = String(v);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

function snapshot(): any {
  return (window as any).__idaaInspector.snapshot();
}

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
  let panel: InspectorPanel;

  const rendered = (after: number, what: string, ms = 90_000) =>
    next(panel.onDidReceive, (m: WebviewMessage) => m.type === 'rendered' && m.requestId > after, what, ms) as Promise<RenderedMessage>;

  /** Canvases in the frame hold exactly the pixels whose checksums the host sent. */
  async function checkCanvases(): Promise<void> {
    const sent = panel.lastInspect!;
    const got = await inFrame(readCanvases);
    assert.equal(got.length, Object.keys(sent.images).length * sent.samples.length, 'one canvas per row and sample');
    const [, h, w] = sent.images.x.pixels.shape;
    for (const c of got) {
      assert.equal(c.w, w);
      assert.equal(c.h, h);
      assert.equal(c.sum, sent.images[c.row as ImageRow | ViewRow]!.checksums[c.sample], `${c.row}[${c.sample}] on the canvas matches the checksum sent`);
      assert.equal(c.expected, c.sum);
    }
  }

  suiteSetup(async function () {
    const ext = vscode.extensions.getExtension<IdaaApi>(EXTENSION_ID)!;
    api = await ext.activate();
    // Two checkpoints of a tiny run: a manual one while paused, and the stop checkpoint.
    runDir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', idaa: true, config: TINY, open: false, name: 'inspector' }))!;
    const progress = next(api.runs.onDidProgress, (p) => p.runDir === runDir && p.phase === 'ssl' && p.step > 8, 'SSL progress');
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', runDir))?.state, 'running');
    await progress;
    await vscode.commands.executeCommand('idaa.pause');
    ckptA = (await vscode.commands.executeCommand<SaveCheckpointResult>('idaa.saveCheckpoint'))!.checkpoint.path;
    await vscode.commands.executeCommand('idaa.resume');
    const more = next(api.runs.onDidMetrics, (m) => m.runDir === runDir && m.kind === 'epoch', 'an epoch line');
    await more;
    await vscode.commands.executeCommand('idaa.stop');
    const entries = JSON.parse(readFileSync(path.join(runDir, 'checkpoints', 'manifest.json'), 'utf8')).checkpoints as Array<{ file: string }>;
    ckptB = path.join(runDir, 'checkpoints', entries.at(-1)!.file);
    assert.notEqual(ckptA, ckptB);
  });

  suiteTeardown(() => api?.inspector.current()?.dispose());

  test('opens on a checkpoint: strict CSP, images drawn from the pixels sent (checksums), numbers shown', async function () {
    const created = next(api.inspector.onDidCreate, () => true, 'the panel');
    const opened = await vscode.commands.executeCommand<InspectorPanel>('idaa.openInspector', { checkpoint: ckptA, count: 16, eps: 0.5, steps: 1, seed: 0 });
    panel = await created;
    assert.equal(opened, panel);
    const first = await rendered(0, 'the first decomposition on screen', 120_000);
    const sent = panel.lastInspect!;
    assert.equal(sent.samples.length, 16);
    assert.equal(sent.checkpoint, ckptA);
    for (const r of ROWS) assert.deepEqual(first.checksums[r], sent.images[r].checksums, `${r}: what the webview read back equals what was sent`);
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
    await checkCanvases();
    const snap = await inFrame(snapshot);
    assert.equal(snap.numbers.length, 16);
    assert.equal(snap.eps, 0.5);
    const csp = await inFrame(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
    assert.match(String(csp), /^default-src 'none'/);
    const zoomed = await inFrame(() => {
      const c = document.querySelector('#decomposition canvas.px')!;
      return { css: c.getBoundingClientRect().width, w: c.width, rendering: getComputedStyle(c).imageRendering };
    });
    assert.ok(zoomed.css >= zoomed.w * 2, `small images are zoomed (${zoomed.css} px for ${zoomed.w})`);
    assert.equal(zoomed.rendering, 'pixelated');
    await screenshot('inspector-decomposition');
  });

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
    await checkCanvases();
    assert.notDeepEqual(last.images.xAdv.checksums, before.images.xAdv.checksums, 'x_adv changed with ε');
    assert.deepEqual(last.images.x.checksums, before.images.x.checksums, 'x did not');
    const linfBefore = before.samples.map((s) => s.latentLinf ?? 0);
    const linfAfter = last.samples.map((s) => s.latentLinf ?? 0);
    assert.ok(linfAfter.some((v, i) => Math.abs(v - linfBefore[i]!) > 1e-6), '‖δ‖∞ changed with ε');
    const shownNumbers = await inFrame(() => Array.from(document.querySelectorAll('#numbers td.linf')).map((td: any) => td.textContent));
    assert.equal(shownNumbers.length, 16);
    console.log(`      (ε → views updated, 16 samples of the tiny test model: median ${median(latencies).toFixed(0)} ms, worker ${median(workerMs)} ms; all ${latencies.map((x) => x.toFixed(0)).join(', ')} ms)`);
    await screenshot('inspector-eps-4');
  });

  test('the augmentation toggle adds the two standard views (fixed by the seed); each sample shows its loss term', async function () {
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
    assert.notDeepEqual(on.images.viewI.checksums, on.images.x.checksums, 'view i is not x');
    assert.notDeepEqual(on.images.viewI.checksums, on.images.viewJ.checksums, 'the two views differ');
    assert.deepEqual(on.images.x.checksums, before.images.x.checksums, 'x unchanged');
    await checkCanvases();
    const rows = await inFrame(() => Array.from(document.querySelectorAll('#decomposition .deco-row[data-row]')).map((r: any) => r.dataset.row));
    assert.deepEqual(rows.slice(-2), ['viewI', 'viewJ']);
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
    const onScreen = (p: { pixels: { data: string; dtype: string } }) => {
      const bytes = new Uint8Array(Buffer.from(p.pixels.data, 'base64'));
      return p.pixels.dtype === 'uint8' ? Array.from(bytes) : Array.from(new Float32Array(bytes.buffer), (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    };
    const x = onScreen(bare.images.x);
    for (const row of ['viewI', 'viewJ'] as const) {
      const v = onScreen(bare.images[row]!);
      assert.equal(v.length, x.length);
      const worst = v.reduce((m, a, i) => Math.max(m, Math.abs(a - x[i]!)), 0);
      // The float views equal x to 1e-5 (engine test); on screen that is at most one level of 255.
      assert.ok(worst <= 1, `every stage off: ${row} is x (max difference ${worst}/255)`);
    }
    assert.deepEqual(bare.samples, on.samples, 'the toggles change the views only');
    await checkCanvases();
    const flipOnly = await clickStage('flip', 'the views with the flip alone');
    assert.notDeepEqual(flipOnly.images.viewI!.checksums, bare.images.viewI!.checksums, 'turning the flip back on mirrors some views');
    await screenshot('inspector-augment-flip-only');
    for (const st of ['crop', 'jitter', 'grayscale']) await clickStage(st, `the views with ${st} again`);
    assert.deepEqual(panel.lastInspect!.images.viewI!.checksums, on.images.viewI!.checksums, 'all stages back on: the first views again (same seed)');

    const off = await toggle(panel.lastInspect!.requestId, 'the decomposition without the views');
    assert.equal(off.images.viewI, undefined);
    await checkCanvases();
  });

  test('another checkpoint from the picker (any run), then the Dataset view: filter, jump, select, inspect the selection', async function () {
    if (!DRIVER) return this.skip();
    const options = await inFrame(() => Array.from(document.querySelectorAll('#checkpoint vscode-option')).map((o: any) => o.getAttribute('value')));
    assert.ok(options.includes(ckptA) && options.includes(ckptB), 'the picker lists both checkpoints');
    const id = panel.lastInspect!.requestId;
    const done = rendered(id, 'the other checkpoint');
    await inFrame((p: string) => {
      const s = document.getElementById('checkpoint') as any;
      s.value = p;
      s.dispatchEvent(new Event('change', { bubbles: true }));
    }, ckptB);
    await done;
    assert.equal(panel.lastInspect!.checkpoint, ckptB);
    await checkCanvases();

    await inFrame(() => (document.querySelector('vscode-tab-header[data-view="dataset"]') as any).click());
    const snap = await until('the dataset grid', () => inFrame(snapshot), (s: any) => s.datasetCells > 0 && s.datasetTotal === 32);
    assert.equal(snap.view, 'dataset');
    const drawn = await until('the sample canvases drawn', () => inFrame(() => document.querySelectorAll('.gcell[data-drawn="1"]').length), (n: number) => n === 32);
    assert.equal(drawn, 32);
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
    await checkCanvases();
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
    const repoOut = path.join(__dirname, '..', '..', '..', '..', 'test-output');
    mkdirSync(repoOut, { recursive: true });
    copyFileSync(out, path.join(repoOut, 'inspector-sheet.png'));
    const text = await panel.copySettings({ ...panel.lastInspect!, checkpoint: ckptB, count: 2, split: 'test' } as any);
    assert.deepEqual(JSON.parse(text).idaa, { eps: panel.lastInspect!.eps, steps: panel.lastInspect!.steps });
  });

  test('Training view: the history slider scrubs through the probe batch stored during training', async function () {
    const stored = readdirSync(path.join(runDir, 'probes')).filter((f) => /^probe-s\d+\.json$/.test(f));
    assert.ok(stored.length >= 2, `the tiny preset stores a probe every 2 SSL steps (${stored.join(', ')})`);
    if (!DRIVER) return this.skip();
    await inFrame(() => (document.querySelector('vscode-tab-header[data-view="training"]') as any).click());
    const last = await until(
      'the newest probe drawn',
      () => inFrame(snapshot),
      (s: any) => s.probeSteps.length === stored.length && s.probeStep === s.probeSteps.at(-1) && s.probeChecksums.xAdv?.length > 0,
    );
    assert.equal(panel.lastProbe!.step, last.probeStep, 'the probe drawn is the last one sent');
    assert.deepEqual(last.probeChecksums.xAdv, panel.lastProbe!.images.xAdv.checksums, 'x_adv drawn from the pixels sent');
    assert.equal(last.probeChecksums.x.length, 8, 'probeCount 8: the first test sample of 8 classes');
    await inFrame(() => {
      const el = document.querySelector('#probe-slider');
      el.value = '0';
      el.dispatchEvent(new window.Event('input'));
    });
    const first = await until('the first probe drawn', () => inFrame(snapshot), (s: any) => s.probeStep === s.probeSteps[0]);
    assert.equal(first.probeIndex, 0);
    assert.equal(panel.lastProbe!.step, first.probeSteps[0]);
    assert.deepEqual(first.probeChecksums.xAdv, panel.lastProbe!.images.xAdv.checksums);
    assert.deepEqual(first.probeChecksums.x, last.probeChecksums.x, 'the same clean probe batch at every step');
    assert.notDeepEqual(first.probeChecksums.xAdv, last.probeChecksums.xAdv, 'the adversarial positives changed as the encoder trained');
    assert.notDeepEqual(first.probeChecksums.absDiff, last.probeChecksums.absDiff);
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
    await checkCanvases();
    await screenshot('inspector-small-model');
    const shape = panel.lastInspect!.images.x.pixels.shape.join('×');
    const line = `ε → views updated, 16 samples of the small model (${shape}): median ${median(latencies).toFixed(0)} ms (worker request ${median(worker)} ms, drawing ${median(drawing).toFixed(0)} ms); all ${latencies.map((x) => x.toFixed(0)).join(', ')} ms`;
    console.log(`      (${line})`);
    const repoOut = path.join(__dirname, '..', '..', '..', '..', 'test-output');
    mkdirSync(repoOut, { recursive: true });
    writeFileSync(path.join(repoOut, 'inspector-latency.txt'), line + '\n');
  });
});
