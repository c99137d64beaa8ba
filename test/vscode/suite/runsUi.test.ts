/// <reference types="mocha" />
/**
 * The Runs UI inside a real VS Code (issue 13, items 3–6): command enablement, the tree's labels
 * and descriptions (agreeing with the status bar), finishing notifications and their actions,
 * Evaluate Checkpoint storing a linear-probe result, config diagnostics at their ranges, run
 * folders written by hand or by the CLI appearing without a refresh, rename / duplicate / delete,
 * the welcome view and Open Settings.
 *
 * Waits are for events (run manager, messages, diagnostics, the tree) or polls of the workbench's
 * DOM with generous bounds (the runner's test driver, IDAA_TEST_DRIVER); nothing sleeps a fixed time.
 * Screenshots go to test-output/runs-*.png.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readLinearProbes } from '../../../src/common/runs/linearProbe';
import type { IdaaApi } from '../../../src/extension/extension';
import type { CheckpointItem, RunItem } from '../../../src/extension/runsTree';
import type { RunsMessage } from '../../../src/protocol/runsCompare';
import { EvaluateCheckpointRequest, LongWorkProgressType, type EvaluateCheckpointResult, type StartRunResult } from '../../../src/protocol/worker';
import { next } from './events';
import { DRIVER, drive, screenshot, until } from './frame';
import { tinyRunConfig } from './tinyRun';

const EXTENSION_ID = 'idaa-studio.idaa-studio';
const TINY = tinyRunConfig(50);
const POSITION = /(?:VAE|SSL) \d+\/\d+ epochs? · step \d+/;
// These run in the workbench's page (sent as source through the driver).
declare const document: any;

/** Runs `fn` in the workbench's own page (not a webview). */
function inWorkbench<T>(fn: (arg: any) => T, arg: unknown = null): Promise<T> {
  return drive<T>('/frame/eval', { selector: '.monaco-workbench', fn: fn.toString(), arg });
}

/** In the page: the rows of the Runs view, as shown (label and description). */
function treeRows(): Array<{ label: string; description: string }> {
  const pane = Array.from(document.querySelectorAll('.pane')).find((p: any) => /\bRuns\b/.test(p.querySelector('.pane-header')?.textContent ?? '')) as any;
  if (!pane) return [];
  return Array.from(pane.querySelectorAll('.monaco-list-row')).map((r: any) => ({ label: r.querySelector('.label-name')?.textContent ?? '', description: r.querySelector('.label-description')?.textContent ?? '' }));
}

/** In the page: the command palette's text and visible rows. */
function paletteState(): { value: string; rows: string[] } {
  const w = document.querySelector('.quick-input-widget');
  const value = String(w?.querySelector('.quick-input-box input')?.value ?? '');
  const rows = Array.from(w?.querySelectorAll('.monaco-list-row') ?? []).map((r: any) => (r.getAttribute('aria-label') ?? r.textContent ?? '').trim());
  return { value, rows };
}

/** In the page: the Runs view's welcome content (its text and buttons). */
function welcomeView(): { text: string; buttons: string[] } | undefined {
  const pane = Array.from(document.querySelectorAll('.pane')).find((p: any) => /\bRuns\b/.test(p.querySelector('.pane-header')?.textContent ?? '')) as any;
  const w = pane?.querySelector('.welcome-view-content');
  if (!w) return undefined;
  return { text: w.textContent ?? '', buttons: Array.from(w.querySelectorAll('.monaco-button')).map((b: any) => (b.textContent ?? '').trim()) };
}

/** In the page: the notifications in the notification center (their text and buttons). */
function notifications(): Array<{ text: string; buttons: string[] }> {
  return Array.from(document.querySelectorAll('.notifications-center .notification-list-item')).map((t: any) => ({
    text: String(t.querySelector('.notification-list-item-message')?.textContent ?? t.textContent ?? ''),
    buttons: Array.from(t.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b: any) => String(b.textContent ?? '').trim()),
  }));
}

/** In the page: the settings editor's search text, if it is open. */
function settingsQuery(): string | undefined {
  const e = document.querySelector('.settings-editor .settings-header .suggest-input-container .view-lines') ?? document.querySelector('.settings-editor .settings-header');
  return e ? String(e.textContent ?? '') : undefined;
}

suite('IDAA Runs UI (issue 13)', function () {
  this.timeout(240_000);
  let api: IdaaApi;
  let root: string;

  const runItem = (dir: string): RunItem => {
    const item = (api.tree.getChildren() as RunItem[]).find((i) => i.kind === 'run' && path.resolve(i.run.dir) === path.resolve(dir));
    assert.ok(item, `the Runs tree lists ${dir}`);
    return item;
  };

  /** The commands the palette offers for `query` (typed after '>'): its rows once they hold still for two looks. */
  async function palette(query: string): Promise<string[]> {
    await vscode.commands.executeCommand('workbench.action.quickOpen', `>${query}`);
    try {
      let last = '';
      const s = await until(
        `palette rows for ${query}`,
        () => inWorkbench(paletteState),
        (st) => {
          const key = JSON.stringify(st);
          const settled = st.value === `>${query}` && key === last;
          last = key;
          return settled;
        },
        30_000,
      );
      return s.rows;
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    }
  }

  const newTinyRun = async (name: string | undefined, sslEpochs: number): Promise<string> =>
    (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: true, config: { ...TINY, ssl: { ...TINY.ssl, epochs: sslEpochs } }, open: false, ...(name ? { name } : {}) }))!;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<IdaaApi>(EXTENSION_ID)!;
    api = await ext.activate();
    root = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.idaa', 'runs');
    mkdirSync(root, { recursive: true });
    if (api.runs.busy) await vscode.commands.executeCommand('idaa.stop');
    // A wider sidebar (the editor area gives up width; the chat panel is closed), so screenshots show the descriptions.
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    for (let i = 0; i < 4; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await vscode.commands.executeCommand('workbench.view.extension.idaa');
  });

  suiteTeardown(async () => {
    if (api?.runs.busy) await vscode.commands.executeCommand('idaa.stop');
  });

  test('command enablement with nothing running: Pause, Resume, Stop and Save Checkpoint are not offered', async function () {
    assert.equal(api.runs.busy, false);
    const keys = api.contextKeys();
    assert.equal(keys['idaa.training'], false);
    assert.ok(!['running', 'paused', 'idle', 'stopping'].includes(String(keys['idaa.activeRunState'])), `idaa.activeRunState is ${keys['idaa.activeRunState']}`);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: Array<{ command: string; enablement?: string }>; menus: { commandPalette: Array<{ command: string; when?: string }> } } };
    for (const id of ['idaa.pause', 'idaa.resume', 'idaa.stop', 'idaa.saveCheckpoint']) {
      assert.match(pkg.contributes.commands.find((c) => c.command === id)?.enablement ?? '', /idaa\.activeRunState/, `${id} has an enablement`);
      assert.match(pkg.contributes.menus.commandPalette.find((c) => c.command === id)?.when ?? '', /idaa\.activeRunState/, `${id} is hidden in the palette when it does not apply`);
    }
    if (!DRIVER) return this.skip();
    // The palette itself: New Run is offered, the run controls are not.
    assert.ok((await palette('IDAA: New Run')).some((r) => r.includes('IDAA: New Run')), 'the palette offers New Run…');
    for (const name of ['Pause', 'Resume', 'Stop', 'Save Checkpoint']) {
      const rows = await palette(`IDAA: ${name}`);
      assert.ok(!rows.some((r) => new RegExp(`^IDAA: ${name}\\b(?! from)`).test(r)), `IDAA: ${name} is not offered with nothing running (rows: ${rows.join(' | ')})`);
    }
  });

  test('the tree: readable label, time and state in the description, a Markdown tooltip; tree and status bar agree; paused shows no speed; a training run cannot be deleted', async function () {
    const dir = await newTinyRun(undefined, 200);
    let item = runItem(dir);
    assert.equal(item.label, 'mnist · SimCLR · IDAA on');
    assert.match(String(item.description), /^\d\d:\d\d · idle$/);
    const running = next(api.runs.onDidChangeState, (s) => s.runDir === dir && s.state === 'running', 'running');
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', dir))?.state, 'running');
    await running;
    assert.equal(api.contextKeys()['idaa.activeRunState'], 'running');
    // While it runs: speed and a whole-run ETA in the status bar.
    await until('images/s and an ETA in the status bar', async () => api.statusBar.text, (t) => /img\/s/.test(t) && /ETA/.test(t) && POSITION.test(t), 90_000);
    if (DRIVER) {
      await until('the running run in the Runs view', () => inWorkbench(treeRows), (rows) => rows.some((r) => r.label === 'mnist · SimCLR · IDAA on' && / · running · /.test(r.description)), 30_000);
      await screenshot('runs-tree-running');
      const rows = await palette('IDAA: Pause');
      assert.ok(rows.some((r) => r.startsWith('IDAA: Pause')), `Pause is offered while running (rows: ${rows.join(' | ')})`);
    }
    const paused = await vscode.commands.executeCommand<{ state: string } | undefined>('idaa.pause');
    assert.equal(paused?.state, 'paused', `paused (the run is ${api.runs.active?.state}${api.runs.active?.detail ? `: ${api.runs.active.detail}` : ''})`);
    assert.equal(api.contextKeys()['idaa.activeRunState'], 'paused');
    const bar = api.statusBar.text;
    assert.ok(!/img\/s|ETA/.test(bar), `paused: no speed and no ETA (${bar})`);
    item = runItem(dir);
    const inBar = POSITION.exec(bar)?.[0];
    const inTree = POSITION.exec(String(item.description))?.[0];
    assert.ok(inBar && inTree, `a position in both: "${bar}" / "${item.description}"`);
    assert.equal(inTree, inBar, 'the tree and the status bar show the same epochs and step');
    assert.match(String(item.description), /^\d\d:\d\d · paused · /);
    const tip = item.tooltip as vscode.MarkdownString;
    assert.ok(tip instanceof vscode.MarkdownString && tip.value.includes('Position') && tip.value.includes('preset tiny'), tip.value);
    assert.equal(item.contextValue, 'run.paused.active');
    // Deleting the training run is refused.
    const refused = next(api.onDidShowMessage, (m) => m.kind === 'busy' && /Cannot delete/.test(m.message), 'delete refused');
    assert.equal(await vscode.commands.executeCommand('idaa.deleteRun', dir, { confirm: false }), false);
    await refused;
    assert.ok(existsSync(path.join(dir, 'config.json')));
    if (DRIVER) {
      const shown = await until('the run in the Runs view', () => inWorkbench(treeRows), (rows) => rows.some((r) => r.label === 'mnist · SimCLR · IDAA on' && / · paused · /.test(r.description)), 30_000);
      assert.ok(shown.some((r) => POSITION.test(r.description)));
      await screenshot('runs-tree-paused');
    }
    const stoppedMsg = next(api.onDidShowMessage, (m) => m.kind === 'stopped', 'the stop notification');
    await vscode.commands.executeCommand('idaa.stop');
    const m = await stoppedMsg;
    assert.deepEqual(m.actions, ['Resume', 'Open Inspector', 'Evaluate', 'Compare']);
    assert.match(m.message, /stopped \((?:VAE|SSL) \d+\/\d+ epochs? · step \d+/);
  });

  test('a completion notification with its final numbers and actions; its Evaluate stores a linear probe with the run, shown in the tree', async function () {
    const dir = await newTinyRun('ui-complete', 2);
    const done = next(api.onDidShowMessage, (m) => m.kind === 'completed' && m.message.includes('ui-complete'), 'the completion notification', 120_000);
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', dir))?.state, 'running');
    const m = await done;
    assert.equal(m.severity, 'info');
    assert.deepEqual(m.actions, ['Open Inspector', 'Evaluate', 'Compare']);
    assert.match(m.message, /^Run ui-complete completed \(SSL 2\/2 epochs · step \d+; kNN \d+\.\d%; \d+ epochs in \d+/);
    if (DRIVER) {
      // The notification as the workbench shows it, with its buttons (the suite's workbench shows no
      // toasts while extension tests run: the notification center lists it), and the tree showing the run completed.
      await until('ui-complete completed in the Runs view', () => inWorkbench(treeRows), (rows) => rows.some((r) => r.label === 'ui-complete' && / · completed · /.test(r.description)), 30_000);
      await vscode.commands.executeCommand('notifications.showList');
      const shown = await until('the completion notification', () => inWorkbench(notifications), (ts) => ts.some((t) => t.text.includes('ui-complete completed')), 60_000);
      assert.deepEqual(shown.find((t) => t.text.includes('ui-complete completed'))!.buttons, ['Open Inspector', 'Evaluate', 'Compare']);
      await screenshot('runs-completed-notification');
      await vscode.commands.executeCommand('notifications.hideList');
    }
    const evaluated = next(api.runs.onDidEvaluate, (r) => path.resolve(r.runDir) === path.resolve(dir), 'the evaluation', 120_000);
    void m.choose!('Evaluate');
    const r = await evaluated;
    const stored = readLinearProbes(dir);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.checkpoint, path.basename(r.checkpoint));
    assert.ok(stored[0]!.probe.finalTestAccuracy >= 0 && stored[0]!.probe.finalTestAccuracy <= 1);
    await until('the probe in the tree', async () => String(runItem(dir).description), (d) => /probe \d+\.\d%/.test(d), 30_000);
    const ck = (api.tree.getChildren(runItem(dir)) as CheckpointItem[]).find((c) => c.entry.file === stored[0]!.checkpoint)!;
    assert.match(String(ck.description), /probe \d+\.\d%/);
    assert.match(String(ck.label), /^SSL 2\/2 epochs · step \d+ · kNN \d+\.\d%$/);
  });

  test('Evaluate Checkpoint runs the linear probe in the worker (progress, cancellable) and stores the result', async () => {
    const dir = (api.tree.getChildren() as RunItem[]).find((i) => i.label === 'ui-complete')!.run.dir;
    const ckpts = api.tree.getChildren(runItem(dir)) as CheckpointItem[];
    const target = ckpts.at(-1)!; // the oldest: not yet evaluated
    const r = await vscode.commands.executeCommand<EvaluateCheckpointResult>('idaa.evaluateCheckpoint', target.path, { epochs: 3 });
    assert.ok(r, 'a result');
    assert.equal(r.record.probe.epochs, 3);
    assert.equal(r.record.probe.perEpochTestAccuracy.length, 3);
    assert.ok(readLinearProbes(dir).some((p) => p.checkpoint === target.entry.file && p.probe.epochs === 3), 'stored with the run');
    // Cancelled between probe epochs: an error, and nothing stored for it.
    const client = await api.worker.get();
    const cts = new vscode.CancellationTokenSource();
    const token = `test-evaluate-${Date.now()}`;
    const sub = client.onProgress(LongWorkProgressType.type, token, (v) => /linear probe: \d+\//.test(v.message) && cts.cancel());
    const before = readLinearProbes(dir).find((p) => p.checkpoint === ckpts[0]!.entry.file)?.createdAt;
    try {
      // By method name: this bundle's RequestType is not the client's module instance.
      await assert.rejects(client.sendRequest(EvaluateCheckpointRequest.method, { checkpoint: ckpts[0]!.path, epochs: 10_000, progressToken: token }, cts.token), (e: { code?: number }) => e.code === -32800);
    } finally {
      sub.dispose();
    }
    assert.equal(readLinearProbes(dir).find((p) => p.checkpoint === ckpts[0]!.entry.file)?.createdAt, before, 'a cancelled evaluation stores nothing');
  });

  test('Compare Runs: the runs, their numbers and the config fields that differ (the comparison panel\'s data)', async () => {
    const items = api.tree.getChildren() as RunItem[];
    const a = items.find((i) => i.label === 'ui-complete')!;
    const b = items.find((i) => i.label === 'mnist · SimCLR · IDAA on' && i.run.status.state === 'stopped')!;
    assert.ok(a && b, 'two runs of this suite');
    const data = await vscode.commands.executeCommand<RunsMessage>('idaa.compareRuns', [a.run.dir, b.run.dir]);
    const [ra, rb] = data.runs;
    assert.equal(ra!.label, 'ui-complete');
    assert.equal(ra!.state, 'completed');
    assert.match(ra!.position, /^SSL 2\/2 epochs · step \d+$/);
    assert.ok(ra!.knnFinal !== undefined && ra!.knnBest !== undefined && ra!.probe !== undefined && ra!.probeEpochs !== undefined, 'kNN and the stored probe');
    assert.equal(rb!.label, 'mnist · SimCLR · IDAA on');
    assert.equal(rb!.state, 'stopped');
    assert.deepEqual([ra!.config['ssl.epochs'], rb!.config['ssl.epochs']], ['2', '200']);
    assert.deepEqual([ra!.config.name, rb!.config.name], ['"ui-complete"', '(preset)']);
    api.runsCompare.current()?.dispose();
  });

  test('config diagnostics: three bad fields at once, each at its range; updated on edit; Open Config jumps to the first', async () => {
    const dir = path.join(root, 'zz-diagnostics');
    mkdirSync(dir, { recursive: true });
    const text = ['{', '  "preset": "tiny",', '  "data": { "dataset": "mnist" },', '  "ssl": { "batchSize": 3.5, "epochs": -1 },', '  "bogus": 1', '}', ''].join('\n');
    const file = path.join(dir, 'config.json');
    writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'IDAA');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    const diags = await until('three diagnostics', async () => ours(), (d) => d.length === 3, 60_000);
    assert.deepEqual(
      diags.map((d) => [d.code, doc.getText(d.range)]),
      [
        ['ssl.batchSize', '3.5'],
        ['ssl.epochs', '-1'],
        ['bogus', '"bogus"'],
      ],
    );
    assert.ok(diags.every((d) => d.severity === vscode.DiagnosticSeverity.Error));
    assert.match(diags[0]!.message, /config field "ssl\.batchSize" is 3\.5; allowed: an integer/);
    if (DRIVER) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await until('squiggles in the editor', () => inWorkbench(() => document.querySelectorAll('.monaco-editor .squiggly-error').length), (n) => n >= 3, 30_000);
      await screenshot('runs-config-diagnostics');
    }
    // An edit (unsaved) updates them.
    const we = new vscode.WorkspaceEdit();
    const at = text.indexOf('3.5');
    we.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 3)), '16');
    assert.ok(await vscode.workspace.applyEdit(we));
    const after = await until('two diagnostics after the edit', async () => ours(), (d) => d.length === 2, 60_000);
    assert.deepEqual(after.map((d) => d.code), ['ssl.epochs', 'bogus']);
    await doc.save();
    // Start refuses it; its "Open Config" (and the command) jump to the first error.
    const refused = next(api.onDidShowMessage, (m) => m.kind === 'config', 'the config error');
    assert.equal(await vscode.commands.executeCommand('idaa.start', dir), undefined);
    const m = await refused;
    assert.ok(m.actions.includes('Open Config'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await m.choose!('Open Config');
    const ed = vscode.window.activeTextEditor;
    assert.equal(ed?.document.uri.fsPath, file);
    assert.equal(ed!.document.getText(ed!.selection), '-1', 'Open Config selects the first error');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('idaa.openConfig', dir);
    assert.equal(vscode.window.activeTextEditor!.document.getText(vscode.window.activeTextEditor!.selection), '-1');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('run folders written by hand or by the CLI appear without a refresh', async function () {
    // By hand: a folder with a config.json.
    const hand = path.join(root, 'zz-hand-written');
    const appeared = next(api.tree.onDidChangeTreeData, () => (api.tree.getChildren() as RunItem[]).some((i) => i.label === 'hand-written'), 'the tree refreshed with the hand-written run', 60_000);
    mkdirSync(hand, { recursive: true });
    writeFileSync(path.join(hand, 'config.json'), JSON.stringify({ name: 'hand-written', preset: 'tiny', data: { dataset: 'mnist' } }, null, 2));
    await appeared;
    if (DRIVER) await until('the hand-written run in the Runs view', () => inWorkbench(treeRows), (rows) => rows.some((r) => r.label === 'hand-written' && /idle/.test(r.description)), 60_000);
    // By the CLI: a real training in another process.
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    const cfg = path.join(root, '..', 'cli-run.json');
    writeFileSync(cfg, JSON.stringify({ ...TINY, name: 'cli-run', preset: 'tiny', data: { ...TINY.data, dataset: 'mnist' }, ssl: { ...TINY.ssl, epochs: 1 } }));
    const runDir = path.join(root, 'zz-cli-run');
    const code = await new Promise<number>((resolve, reject) => {
      const p = spawn(process.execPath, [cli, 'train', '--config', cfg, '--run-dir', runDir, '--threads', '1', '--json'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, IDAA_BACKEND: 'wasm' } });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('exit', (c) => (c === 0 ? resolve(0) : reject(new Error(`the CLI exited with ${c}: ${err.slice(-2000)}`))));
    });
    assert.equal(code, 0);
    await until('the CLI run completed in the tree', async () => (api.tree.getChildren() as RunItem[]).find((i) => i.label === 'cli-run')?.view.state, (s) => s === 'completed', 60_000);
    if (DRIVER) {
      await until('the CLI run in the Runs view', () => inWorkbench(treeRows), (rows) => rows.some((r) => r.label === 'cli-run' && /completed · SSL 1\/1 epoch · step \d+/.test(r.description)), 60_000);
      await screenshot('runs-tree-cli-run');
    }
  });

  test('rename, duplicate ("new run from this config") and delete a run', async () => {
    const hand = path.join(root, 'zz-hand-written');
    assert.equal(await vscode.commands.executeCommand('idaa.renameRun', hand, 'renamed by the test'), 'renamed by the test');
    assert.equal(JSON.parse(readFileSync(path.join(hand, 'config.json'), 'utf8')).name, 'renamed by the test');
    await until('the new name in the tree', async () => (api.tree.getChildren() as RunItem[]).some((i) => i.label === 'renamed by the test'), (v) => v, 30_000);
    const copy = await vscode.commands.executeCommand<string>('idaa.duplicateRun', hand, { open: false });
    assert.ok(copy && path.resolve(copy) !== path.resolve(hand));
    const c = JSON.parse(readFileSync(path.join(copy, 'config.json'), 'utf8'));
    assert.deepEqual(c, { name: 'renamed by the test (copy)', preset: 'tiny', data: { dataset: 'mnist' } });
    assert.ok(!existsSync(path.join(copy, 'state.json')), 'only the config is copied');
    assert.equal(runItem(copy).label, 'renamed by the test (copy)');
    assert.equal(await vscode.commands.executeCommand('idaa.deleteRun', copy, { confirm: false }), true);
    assert.ok(!existsSync(copy), 'deleted');
    assert.ok(!(api.tree.getChildren() as RunItem[]).some((i) => path.resolve(i.run.dir) === path.resolve(copy)));
  });

  test('the welcome view says what IDAA Studio is, offers Run the Demo and New Run…, and renders no literal backticks; Open Settings is filtered to the extension', async function () {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { viewsWelcome: Array<{ contents: string }> } };
    const contents = pkg.contributes.viewsWelcome[0]!.contents;
    assert.ok(!contents.includes('`'), 'no backticks in the welcome text');
    assert.match(contents, /\[Run the Demo\]\(command:idaa\.runDemo\)/);
    assert.match(contents, /\[New Run…\]\(command:idaa\.newRun\)/);
    assert.match(contents, /Identity-Disentangled Adversarial Augmentation/);
    if (!DRIVER) return this.skip();
    // An empty runs folder shows the welcome view.
    const empty = path.join(root, '..', 'empty-runs');
    mkdirSync(empty, { recursive: true });
    const cfg = vscode.workspace.getConfiguration('idaa');
    await cfg.update('runsFolder', empty, vscode.ConfigurationTarget.Workspace);
    try {
      const w = await until('the welcome view', () => inWorkbench(welcomeView), (v) => !!v && v.buttons.length >= 2, 60_000);
      assert.ok(!w!.text.includes('`'), `rendered without backticks: ${w!.text}`);
      assert.match(w!.text, /IDAA Studio trains self-supervised/);
      assert.ok(w!.buttons.includes('Run the Demo') && w!.buttons.includes('New Run…'), `buttons: ${w!.buttons.join(', ')}`);
      await screenshot('runs-welcome');
    } finally {
      await cfg.update('runsFolder', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await vscode.commands.executeCommand('idaa.openSettings');
    const q = await until('the settings editor filtered to the extension', () => inWorkbench(settingsQuery), (v) => !!v && v.includes(`@ext:${EXTENSION_ID}`), 60_000);
    assert.ok(q);
    await screenshot('runs-settings');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
