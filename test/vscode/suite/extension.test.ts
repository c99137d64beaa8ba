/// <reference types="mocha" />
/**
 * IDAA Studio inside a real VS Code (code-server or Electron) with the extension under development.
 * Observes the extension through the API activate() returns (run manager events, shown messages,
 * the tree provider), so nothing here sleeps: every wait is for an event, with a time bound.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IdaaApi } from '../../../src/extension/extension';
import type { RunItem, CheckpointItem } from '../../../src/extension/runsTree';
import type { RunControlResult, SaveCheckpointResult, StartRunResult } from '../../../src/protocol/worker';
import { next } from './events';
import { tinyRunConfig } from './tinyRun';

const EXTENSION_ID = 'idaa-studio.idaa-studio';

const TINY = tinyRunConfig(50);


function runItem(api: IdaaApi, runDir: string): RunItem {
  const item = (api.tree.getChildren() as RunItem[]).find((i) => i.kind === 'run' && path.resolve(i.run.dir) === path.resolve(runDir));
  assert.ok(item, `the Runs tree lists ${runDir}`);
  return item;
}

suite('IDAA Studio in VS Code', function () {
  this.timeout(180_000);
  let api: IdaaApi;
  let runDir: string;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<IdaaApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    api = await ext.activate();
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a workspace folder is open');
  });

  suiteTeardown(async () => {
    if (api?.runs.busy) await vscode.commands.executeCommand('idaa.stop');
  });

  test('activates, registers every contributed command, and its bundle holds no tfjs and no engine code', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    const pkg = ext.packageJSON as { contributes: { commands: Array<{ command: string; category: string }> } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...api.commands].sort(), contributed);
    assert.ok(pkg.contributes.commands.every((c) => c.category === 'IDAA'));
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) assert.ok(registered.has(c), `${c} is registered`);
    const bundle = readFileSync(path.join(ext.extensionPath, 'dist', 'extension.js'), 'utf8');
    assert.ok(!bundle.includes('node_modules/@tensorflow') && !bundle.includes('tfjs-core'), 'dist/extension.js bundles no tfjs');
    // A development bundle names each module it holds (// src/…): the host's are src/common, the protocols and its own.
    const modules = bundle.match(/^\/\/ src\/\S+/gm) ?? [];
    if (modules.length > 0) assert.deepEqual(modules.filter((m) => m.startsWith('// src/engine/')), [], 'dist/extension.js holds no engine module');
  });

  test('the worker runs the wasm backend on all cores (the threaded build, setting idaa.wasmThreads = auto)', async function () {
    await api.worker.get();
    const info = api.worker.info!;
    if (process.env.IDAA_BACKEND || process.env.IDAA_WASM_THREADS || info.backend !== 'wasm') return this.skip(); // another backend or count chosen on purpose
    assert.equal(info.threads, Math.min(8, availableParallelism()), info.backendSummary);
    assert.match(info.backendSummary, new RegExp(`backend wasm \\[CPU, ${info.threads} threads?, SIMD`));
  });

  test('a tiny run through the commands: start → progress → pause → checkpoint in the tree → resume → stop', async () => {
    runDir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: true, config: TINY, open: false }))!;
    assert.ok(runDir, 'New Run returned the run folder');
    assert.equal(runItem(api, runDir).run.status.state, 'idle');

    const running = next(api.runs.onDidChangeState, (s) => s.runDir === runDir && s.state === 'running', 'state running');
    const progress = next(api.runs.onDidProgress, (p) => p.runDir === runDir && p.phase === 'ssl', 'an SSL progress notification');
    const started = await vscode.commands.executeCommand<StartRunResult>('idaa.start', runDir);
    assert.equal(started?.state, 'running');
    await running;
    const p = await progress;
    assert.ok(p.imagesPerSec > 0 && p.step > 0 && p.epochs === 200);

    const t0 = Date.now();
    const paused = await vscode.commands.executeCommand<RunControlResult>('idaa.pause');
    const pauseMs = Date.now() - t0;
    assert.equal(paused?.state, 'paused');
    assert.equal(api.runs.active?.state, 'paused');
    assert.match(api.statusBar.text, /paused/);
    console.log(`      (pause answered in ${pauseMs} ms)`);

    const saved = await vscode.commands.executeCommand<SaveCheckpointResult>('idaa.saveCheckpoint');
    assert.ok(saved?.checkpoint.file.startsWith('manual-'));
    const item = runItem(api, runDir);
    assert.equal(item.contextValue, 'run.paused.active');
    const ckpts = api.tree.getChildren(item) as CheckpointItem[];
    assert.ok(ckpts.some((c) => c.entry.file === saved!.checkpoint.file && c.contextValue === 'checkpoint'), 'the tree shows the new checkpoint');

    const resumed = await vscode.commands.executeCommand<RunControlResult>('idaa.resume');
    assert.equal(resumed?.state, 'running');
    const stopped = await vscode.commands.executeCommand<RunControlResult>('idaa.stop');
    assert.equal(stopped?.state, 'stopped');
    assert.equal(runItem(api, runDir).run.status.state, 'stopped');
    assert.ok((api.tree.getChildren(runItem(api, runDir)) as CheckpointItem[]).some((c) => c.entry.file.startsWith('stop-')));
  });

  test('a second concurrent training run is refused with a clear error', async () => {
    const other = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: false, config: TINY, open: false }))!;
    const progress = next(api.runs.onDidProgress, (p) => p.runDir === runDir, 'progress of the resumed run');
    const r = await vscode.commands.executeCommand<StartRunResult>('idaa.start', runDir); // has checkpoints: resumes
    assert.equal(r?.state, 'running');
    await progress;
    const refused = next(api.onDidShowMessage, (m) => m.kind === 'busy', 'the busy error');
    assert.equal(await vscode.commands.executeCommand('idaa.start', other), undefined);
    const m = await refused;
    assert.equal(m.severity, 'error');
    assert.match(m.message, /one run at a time/);
    assert.equal((await vscode.commands.executeCommand<RunControlResult>('idaa.stop'))?.state, 'stopped');
  });

  test('the worker killed → the run fails, "Resume from last checkpoint" is offered and works', async () => {
    const progress = next(api.runs.onDidProgress, (p) => p.runDir === runDir, 'progress before the kill');
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', runDir))?.state, 'running');
    await progress;
    const failed = next(api.runs.onDidChangeState, (s) => s.runDir === runDir && s.state === 'failed', 'state failed');
    const offered = next(api.onDidShowMessage, (m) => m.actions.includes('Resume from last checkpoint'), 'the resume offer');
    assert.ok(api.worker.kill(), 'the worker process was killed');
    const f = await failed;
    assert.match(f.detail ?? '', /ended unexpectedly/);
    await offered;
    assert.equal(runItem(api, runDir).run.status.state, 'failed');

    const progressAgain = next(api.runs.onDidProgress, (p) => p.runDir === runDir, 'progress after the resume');
    const resumed = await vscode.commands.executeCommand<StartRunResult>('idaa.resumeFromCheckpoint', { runDir });
    assert.equal(resumed?.state, 'running');
    assert.ok(resumed!.step > 0, 'resumed from a checkpoint, not from scratch');
    await progressAgain;
    assert.equal((await vscode.commands.executeCommand<RunControlResult>('idaa.stop'))?.state, 'stopped');
  });

  test('an invalid config → an error naming the field, with "Open Config" and "Show Log"', async () => {
    const root = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.idaa', 'runs');
    const bad = path.join(root, 'zz-bad-config');
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, 'config.json'), JSON.stringify({ preset: 'tiny', data: { dataset: 'mnist' }, ssl: { epochs: -3 } }));
    const shown = next(api.onDidShowMessage, (m) => m.severity === 'error', 'the config error');
    assert.equal(await vscode.commands.executeCommand('idaa.start', bad), undefined);
    const m = await shown;
    assert.equal(m.kind, 'config');
    assert.match(m.message, /ssl\.epochs/);
    assert.ok(m.actions.includes('Open Config') && m.actions.includes('Show Log'), `actions: ${m.actions.join(', ')}`);
  });

  test('inspect a checkpoint through the worker (cancellable progress)', async () => {
    const ckpt = (api.tree.getChildren(runItem(api, runDir)) as CheckpointItem[])[0];
    const r = await api.runs.inspect(ckpt.path, { count: 4 });
    assert.equal(r?.samples.length, 4);
    assert.deepEqual(r?.images.x.shape, [4, 8, 8, 3]);
  });
  test('SimSiam, BYOL and MoCo v2 train from New Run…, with and without IDAA, to completion', async () => {
    for (const [method, idaa] of [['simsiam', true], ['byol', true], ['mocov2', true], ['byol', false]] as const) {
      const dir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method, idaa, config: { ...TINY, ssl: { ...TINY.ssl, epochs: 1 } }, open: false, name: `${method}-${idaa}` }))!;
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')).ssl.method, method);
      const done = next(api.runs.onDidChangeState, (st) => st.runDir === dir && (st.state === 'completed' || st.state === 'failed'), `${method} run finished`);
      assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', dir))?.state, 'running');
      const end = await done;
      assert.equal(end.state, 'completed', `${method}: ${end.detail ?? ''}`);
      const steps = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; phase: string; terms: Record<string, number> }).filter((m) => m.kind === 'step' && m.phase === 'ssl');
      assert.ok(steps.length > 0, `${method}: SSL steps logged`);
      assert.equal(steps.every((m) => m.terms.adversarial !== undefined), idaa, `${method}: the adversarial term is there exactly with IDAA`);
    }
  });
});
