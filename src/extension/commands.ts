/**
 * The "IDAA" commands. Each accepts the tree's items (context menus), plain paths (tests, other
 * extensions) or nothing (the palette: it asks with quick picks).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import * as vscode from 'vscode';
import { runLabel, runTraits } from '../common/runs/display';
import { newRunId } from '../common/runs/layout';
import { listRuns } from '../common/runs/list';
import { runLockHolder } from '../common/runs/lock';
import { readManifest, removeFromManifest } from '../common/runs/manifest';
import { readRunStatus } from '../common/runs/state';
import type { BackendPreference, EvaluateCheckpointResult } from '../protocol/worker';
import type { InspectSettings } from '../protocol/webview';
import { compareCommands } from './compareCommands';
import { InspectorDeps, InspectorPanel } from './inspectorPanel';
import { Messages, openFile } from './messages';
import { readRawConfig, RunManager } from './runManager';
import { CheckpointItem, RunItem, RunsTreeProvider } from './runsTree';
import { DatasetChoice, MethodChoice, PresetChoice, runsRoot, settings } from './settings';
import { WorkerClient } from './workerClient';

export const COMMANDS = [
  'idaa.newRun',
  'idaa.start',
  'idaa.pause',
  'idaa.resume',
  'idaa.stop',
  'idaa.saveCheckpoint',
  'idaa.resumeFromCheckpoint',
  'idaa.openInspector',
  'idaa.deleteCheckpoint',
  'idaa.revealRunFolder',
  'idaa.showWorkerLog',
  'idaa.selectBackend',
  'idaa.refreshRuns',
  'idaa.runDemo',
  'idaa.openSettings',
  'idaa.openConfig',
  'idaa.renameRun',
  'idaa.duplicateRun',
  'idaa.deleteRun',
  'idaa.evaluateCheckpoint',
  'idaa.compareRuns',
  'idaa.compareExperiment',
] as const;

/** The extension's id, for "Open Settings" filtered to it. */
export const EXTENSION_ID = 'idaa-studio.idaa-studio';

export interface NewRunOptions {
  dataset?: DatasetChoice;
  preset?: PresetChoice;
  method?: MethodChoice;
  idaa?: boolean;
  /** cifar10, cifar100, folder: where the data is. */
  dataPath?: string;
  name?: string;
  /** Extra config fields, merged over the essentials (tests use a tiny model). */
  config?: Record<string, unknown>;
  /** Open config.json in an editor (default true). */
  open?: boolean;
}

type RunArg = RunItem | CheckpointItem | vscode.Uri | string | undefined;

/** A quick pick whose settings default is pre-selected and named; the label picked, or undefined when dismissed. */
async function pickWithDefault(items: vscode.QuickPickItem[], defaultLabel: string, title: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    items.map((i) => ({ ...i, picked: i.label === defaultLabel })),
    { title, placeHolder: `default: ${defaultLabel}` },
  );
  return picked?.label;
}

export function registerCommands(ctx: { runs: RunManager; tree: RunsTreeProvider; worker: WorkerClient; inspectorWorker: WorkerClient; messages: Messages; output: vscode.LogOutputChannel; extensionUri: vscode.Uri }): vscode.Disposable[] {
  const { runs, tree, worker, messages, output } = ctx;
  const inspectorDeps: InspectorDeps = { extensionUri: ctx.extensionUri, runs, worker: ctx.inspectorWorker, output };

  const runDirOf = (arg: RunArg): string | undefined => {
    if (arg instanceof RunItem) return arg.run.dir;
    if (arg instanceof CheckpointItem) return arg.runDir;
    const p = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    if (!p) return undefined;
    if (p.endsWith('.ckpt')) return path.dirname(path.dirname(p));
    if (path.basename(p) === 'config.json') return path.dirname(p);
    return p;
  };

  /** The run a palette command means: the argument, the config open in the editor, the active run, or a pick. */
  const pickRun = async (arg: RunArg, filter: (s: string) => boolean, placeHolder: string): Promise<string | undefined> => {
    const given = runDirOf(arg);
    if (given) return given;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && path.basename(doc.fileName) === 'config.json') {
      const dir = path.dirname(doc.fileName);
      const root = runsRoot();
      if (root && path.resolve(path.dirname(dir)) === path.resolve(root)) return dir;
    }
    const root = runsRoot();
    const candidates = root ? listRuns(root).filter((r) => filter(r.status.state)).reverse() : [];
    if (candidates.length === 0) {
      messages.show('info', 'No run to choose from. Create one with "IDAA: New Run…".', [{ title: 'New Run…', run: () => vscode.commands.executeCommand('idaa.newRun') }], 'noRun');
      return undefined;
    }
    if (candidates.length === 1) return candidates[0].dir;
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: runLabel(readRawConfig(r.dir), r.id), description: `${r.status.state} · ${r.checkpoints} checkpoint(s) · ${r.id}`, dir: r.dir })),
      { placeHolder },
    );
    return pick?.dir;
  };

  const newRun = async (opts: NewRunOptions = {}): Promise<string | undefined> => {
    const root = runsRoot();
    if (!root) {
      messages.show('error', 'Open a folder first: runs live in the workspace (setting idaa.runsFolder).', [], 'noWorkspace');
      return undefined;
    }
    const s = settings();
    const dataset =
      opts.dataset ??
      (await pickWithDefault(
        [
          { label: 'fashion-mnist', description: 'built in: 70,000 28×28 clothing images, 10 classes' },
          { label: 'mnist', description: 'built in: 70,000 28×28 digits' },
          { label: 'cifar10', description: 'your download of the binary version' },
          { label: 'cifar100', description: 'your download of the binary version' },
          { label: 'folder', description: 'a folder with one subfolder of images per class' },
        ],
        s.defaultDataset,
        'New IDAA run (1/4): dataset',
      ));
    if (!dataset) return undefined;
    let dataPath = opts.dataPath;
    if (!dataPath && (dataset === 'cifar10' || dataset === 'cifar100' || dataset === 'folder')) {
      const uri = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: `The ${dataset} folder` });
      if (!uri?.[0]) return undefined;
      dataPath = uri[0].fsPath;
    }
    const preset =
      opts.preset ??
      (await pickWithDefault(
        [
          { label: 'small', description: 'for CPUs: minutes on a laptop' },
          { label: 'tiny', description: 'seconds: a smoke test' },
          { label: 'reference', description: "the authors' settings: a GPU and days" },
        ],
        s.defaultPreset,
        'New IDAA run (2/4): preset',
      ));
    if (!preset) return undefined;
    const method = (opts.method ??
      (await pickWithDefault(
        [
          { label: 'simclr', description: 'SimCLR: NT-Xent, τ 0.5 (the IDAA reference)' },
          { label: 'simsiam', description: 'SimSiam: predictor, stop-gradient, SGD (the IDAA authors’ code line)' },
          { label: 'byol', description: 'BYOL: predictor, EMA target network' },
          { label: 'mocov2', description: 'MoCo v2: momentum key encoder, queue of negatives, τ 0.2' },
        ],
        'simclr',
        'New IDAA run (3/4): self-supervised method',
      ))) as MethodChoice | undefined;
    if (!method) return undefined;
    const idaa =
      opts.idaa ??
      (await vscode.window.showQuickPick([{ label: 'IDAA on', description: `${method} + identity-disentangled adversarial views`, on: true }, { label: 'IDAA off', description: `plain ${method} (the baseline)`, on: false }], { title: 'New IDAA run (4/4): augmentation' }))?.on;
    if (idaa === undefined) return undefined;
    const config: Record<string, unknown> = {
      $schema: 'https://idaa-studio.invalid/run-config.schema.json',
      ...(opts.name ? { name: opts.name } : {}),
      preset,
      backend: s.backend,
      data: { dataset, ...(dataPath ? { path: dataPath } : {}) },
      ssl: { method },
      idaa: { enabled: idaa },
      checkpoint: { everyEpochs: s.checkpointEveryEpochs, keepLast: s.checkpointKeepLast, keepBest: s.checkpointKeepBest },
    };
    delete config.$schema; // the schema is contributed by file pattern; no URL needed
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      config[k] = v && typeof v === 'object' && !Array.isArray(v) && config[k] && typeof config[k] === 'object' ? { ...(config[k] as object), ...(v as object) } : v;
    }
    const dir = path.join(root, newRunId(`${method}${idaa ? '-idaa' : ''}`, dataset));
    let runDir = dir;
    for (let i = 2; existsSync(runDir); i++) runDir = `${dir}-${i}`;
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    tree.refresh();
    output.info(`new run ${runDir}`);
    if (opts.open !== false) {
      await openFile(path.join(runDir, 'config.json'));
      messages.show('info', `Created ${path.basename(runDir)}. Edit its config.json (completion describes every field), then start it.`, [{ title: 'Start', run: () => runs.start(runDir) }], 'created');
    }
    return runDir;
  };

  const start = async (arg?: RunArg) => {
    const runDir = await pickRun(arg, (s) => s === 'idle' || s === 'stopped' || s === 'failed', 'Start which run?');
    if (!runDir) return undefined;
    let hasCheckpoints = false;
    try {
      hasCheckpoints = readManifest(runDir).checkpoints.length > 0;
    } catch {
      hasCheckpoints = false;
    }
    // A run with checkpoints goes on from its latest; an empty one starts afresh.
    return runs.start(runDir, hasCheckpoints ? { resumeFrom: 'latest' } : {});
  };

  const resumeFromCheckpoint = async (arg?: RunArg | { runDir: string; checkpoint?: string }) => {
    if (arg && typeof arg === 'object' && 'runDir' in arg && !(arg instanceof CheckpointItem)) {
      return runs.start(arg.runDir, { resumeFrom: arg.checkpoint ?? 'latest' });
    }
    if (arg instanceof CheckpointItem) return runs.start(arg.runDir, { resumeFrom: arg.path });
    if (typeof arg === 'string' && arg.endsWith('.ckpt')) return runs.start(runDirOf(arg)!, { resumeFrom: arg });
    const runDir = await pickRun(arg as RunArg, (s) => s !== 'running' && s !== 'paused', 'Resume which run?');
    if (!runDir) return undefined;
    let entries: ReturnType<typeof readManifest>['checkpoints'] = [];
    try {
      entries = readManifest(runDir).checkpoints;
    } catch (e) {
      messages.error('Cannot read the checkpoints', e);
      return undefined;
    }
    if (entries.length === 0) {
      messages.show('error', `${path.basename(runDir)} has no checkpoint to resume from.`, [{ title: 'Start', run: () => runs.start(runDir) }], 'noCheckpoint');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      entries
        .slice()
        .reverse()
        .map((e, i) => ({ label: e.file, description: `${e.phase} epoch ${e.epoch} · step ${e.step}${e.knnAccuracy !== undefined ? ` · kNN ${(e.knnAccuracy * 100).toFixed(1)}%` : ''}${i === 0 ? ' · latest' : ''}`, file: path.join(runDir, 'checkpoints', e.file) })),
      { placeHolder: 'Resume from which checkpoint?' },
    );
    return pick ? runs.start(runDir, { resumeFrom: pick.file }) : undefined;
  };

  const checkpointOf = async (arg: RunArg): Promise<string | undefined> => {
    if (arg instanceof CheckpointItem) return arg.path;
    if (typeof arg === 'string' && arg.endsWith('.ckpt')) return arg;
    if (arg instanceof vscode.Uri && arg.fsPath.endsWith('.ckpt')) return arg.fsPath;
    const runDir = runDirOf(arg) ?? runs.active?.runDir ?? (await pickRun(undefined, () => true, 'Which run?'));
    if (!runDir) return undefined;
    let entries: ReturnType<typeof readManifest>['checkpoints'] = [];
    try {
      entries = readManifest(runDir).checkpoints;
    } catch {
      entries = [];
    }
    const last = entries[entries.length - 1];
    return last ? path.join(runDir, 'checkpoints', last.file) : undefined;
  };

  /**
   * Opens the inspector panel: on a checkpoint (the tree's item, a path), on a run's newest
   * checkpoint, or with settings (`{ checkpoint, eps, steps, seed, count, indices }`, for tests and
   * other extensions). With nothing, the panel opens on the newest checkpoint, or says how to get one.
   */
  const openInspector = async (arg?: RunArg | (Partial<InspectSettings> & { checkpoint: string })) => {
    if (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && !(arg instanceof RunItem) && !(arg instanceof CheckpointItem) && 'checkpoint' in arg) {
      return InspectorPanel.createOrShow(inspectorDeps, arg);
    }
    const runArg = arg as RunArg;
    const file = runArg === undefined ? (runs.active ? await checkpointOf(runs.active.runDir) : undefined) : await checkpointOf(runArg);
    if (!file && runArg !== undefined) {
      messages.show('info', 'This run has no checkpoint yet: the inspector shows it once training writes one. Pick another checkpoint in the panel meanwhile.', [], 'noCheckpoint');
    }
    return InspectorPanel.createOrShow(inspectorDeps, file ? { checkpoint: file } : undefined);
  };

  const deleteCheckpoint = async (arg?: RunArg, opts: { confirm?: boolean } = {}) => {
    const file = arg instanceof CheckpointItem ? arg.path : typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!file) {
      messages.show('info', 'Choose a checkpoint to delete in the Runs view.', [], 'noCheckpoint');
      return false;
    }
    if (opts.confirm !== false) {
      const ok = await vscode.window.showWarningMessage(`Delete checkpoint ${path.basename(file)}?`, { modal: true, detail: file }, 'Delete');
      if (ok !== 'Delete') return false;
    }
    try {
      removeFromManifest(path.dirname(path.dirname(file)), file);
      tree.refresh();
      return true;
    } catch (e) {
      messages.error('Cannot delete the checkpoint', e);
      return false;
    }
  };

  const revealRunFolder = async (arg?: RunArg) => {
    const runDir = runDirOf(arg) ?? runs.active?.runDir ?? (await pickRun(undefined, () => true, 'Reveal which run?'));
    if (!runDir) return;
    const uri = vscode.Uri.file(runDir);
    // The OS file manager exists only on a desktop with a local folder; elsewhere the Explorer.
    if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) await vscode.commands.executeCommand('revealFileInOS', uri);
    else await vscode.commands.executeCommand('revealInExplorer', uri);
  };

  const selectBackend = async (value?: BackendPreference) => {
    const choice =
      value ??
      ((
        await vscode.window.showQuickPick(
          [
            { label: 'auto', description: 'tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu: the first that works' },
            { label: 'tensorflow-gpu', description: '@tensorflow/tfjs-node-gpu (CUDA); needs a worker runtime that has it' },
            { label: 'webgpu', description: 'WebGPU (Dawn: Vulkan, Metal, D3D12); the worker log names the adapter' },
            { label: 'tensorflow', description: '@tensorflow/tfjs-node (native CPU)' },
            { label: 'wasm', description: 'WebAssembly with SIMD: works everywhere' },
            { label: 'cpu', description: 'pure JavaScript: slow, exact' },
          ],
          { placeHolder: `TensorFlow.js backend for the worker (now: ${worker.info?.backend ?? settings().backend})` },
        )
      )?.label as BackendPreference | undefined);
    if (!choice) return undefined;
    await vscode.workspace.getConfiguration('idaa').update('backend', choice, vscode.ConfigurationTarget.Global);
    if (runs.busy) {
      messages.show('info', `Backend set to ${choice}; it takes effect when the current run ends and the worker restarts.`, [], 'backend');
      return choice;
    }
    if (worker.running) await worker.stop();
    // The inspector's worker picks the new backend on its next request.
    if (ctx.inspectorWorker.running) await ctx.inspectorWorker.stop();
    if (!vscode.workspace.isTrusted) return choice;
    try {
      await worker.get();
      messages.show('info', `IDAA worker restarted: ${worker.info?.backendSummary ?? choice}`, [], 'backend');
    } catch (e) {
      messages.error(`Backend ${choice} is not usable`, e, [{ title: 'Select Backend', run: () => vscode.commands.executeCommand('idaa.selectBackend') }]);
    }
    return choice;
  };

  const openConfig = async (arg?: RunArg) => {
    const runDir = runDirOf(arg) ?? runs.active?.runDir ?? (await pickRun(undefined, () => true, 'Open the config of which run?'));
    if (!runDir) return undefined;
    await messages.openConfig(path.join(runDir, 'config.json'));
    return runDir;
  };

  /** Sets (or, empty, removes) the run's `name` in config.json, keeping the file's formatting; `name` changes no result. */
  const renameRun = async (arg?: RunArg, newName?: string) => {
    const runDir = runDirOf(arg) ?? (await pickRun(undefined, () => true, 'Rename which run?'));
    if (!runDir) return undefined;
    const file = path.join(runDir, 'config.json');
    const config = readRawConfig(runDir);
    if (!config) {
      messages.show('error', `Cannot rename ${path.basename(runDir)}: its config.json is not a JSON object. Fix it first.`, [{ title: 'Open Config', run: () => messages.openConfig(file) }], 'config');
      return undefined;
    }
    const name =
      newName ??
      (await vscode.window.showInputBox({
        title: `Rename ${path.basename(runDir)}`,
        prompt: 'The name shown in the Runs view (the config’s "name" field; it changes no result). Empty: dataset · method · IDAA.',
        value: typeof config.name === 'string' ? config.name : runLabel(config, path.basename(runDir)),
      }));
    if (name === undefined) return undefined;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const text = doc.getText();
    const edits = modify(text, ['name'], name.trim() ? name.trim() : undefined, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } });
    if (edits.length) {
      const we = new vscode.WorkspaceEdit();
      for (const e of edits) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
      if (!(await vscode.workspace.applyEdit(we)) || !(await doc.save())) {
        // The editor would not take the edit (e.g. a read-only file system view): write the file.
        writeFileSync(file, applyEdits(text, edits));
      }
    }
    tree.refresh();
    return name.trim();
  };

  /** A new run folder with this run's config.json (as written), nothing else: "new run from this config". */
  const duplicateRun = async (arg?: RunArg, opts: { open?: boolean } = {}) => {
    const source = runDirOf(arg) ?? (await pickRun(undefined, () => true, 'New run from the config of which run?'));
    if (!source) return undefined;
    const root = runsRoot() ?? path.dirname(source);
    let text: string;
    try {
      text = readFileSync(path.join(source, 'config.json'), 'utf8');
    } catch (e) {
      messages.error('Cannot read the config', e);
      return undefined;
    }
    const config = readRawConfig(source);
    const t = runTraits(config);
    if (config && typeof config.name === 'string' && config.name.trim()) {
      text = applyEdits(text, modify(text, ['name'], `${config.name.trim()} (copy)`, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } }));
    }
    const base = path.join(root, newRunId(`${t.method}${t.idaa ? '-idaa' : ''}`, t.dataset));
    let runDir = base;
    for (let i = 2; existsSync(runDir); i++) runDir = `${base}-${i}`;
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'config.json'), text.endsWith('\n') ? text : text + '\n');
    tree.refresh();
    output.info(`new run ${runDir} from the config of ${source}`);
    if (opts.open !== false) {
      await openFile(path.join(runDir, 'config.json'));
      messages.show('info', `Created ${path.basename(runDir)} with the config of ${runLabel(config, path.basename(source))}. Edit it, then start it.`, [{ title: 'Start', run: () => runs.start(runDir) }], 'created');
    }
    return runDir;
  };

  /**
   * Deletes a run folder after a confirmation, to the trash where the file system has one (a local
   * desktop), else for good after a second confirmation. Never a run that trains: this window's, or
   * one whose lock a live process (the CLI, another window) holds.
   */
  const deleteRun = async (arg?: RunArg, opts: { confirm?: boolean } = {}) => {
    const runDir = runDirOf(arg) ?? (await pickRun(undefined, (st) => st !== 'running' && st !== 'paused' && st !== 'stopping', 'Delete which run?'));
    if (!runDir) return false;
    const label = runLabel(readRawConfig(runDir), path.basename(runDir));
    const mine = runs.active && path.resolve(runs.active.runDir) === path.resolve(runDir) && runs.busy;
    const holder = runLockHolder(runDir);
    const st = readRunStatus(runDir).state;
    if (mine || holder || st === 'running' || st === 'paused' || st === 'stopping') {
      const who = mine ? 'this window trains it' : holder ? `process ${holder.pid} (${holder.command}) holds it` : `its state is ${st}`;
      messages.show('error', `Cannot delete ${label}: ${who}. Stop it first.`, mine ? [{ title: 'Stop', run: () => runs.control('stop') }] : [], 'busy');
      return false;
    }
    const uri = vscode.Uri.file(runDir);
    if (opts.confirm !== false) {
      const ok = await vscode.window.showWarningMessage(`Delete the run ${label}?`, { modal: true, detail: `${runDir}\n\nIts config, metrics and checkpoints go to the trash where this system has one.` }, 'Delete');
      if (ok !== 'Delete') return false;
    }
    try {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
    } catch (e) {
      // No trash here (a remote or web workspace, a file system without one): ask again, then delete for good.
      output.warn(`no trash for ${runDir}: ${(e as Error).message}`);
      if (opts.confirm !== false) {
        const ok = await vscode.window.showWarningMessage(`There is no trash here. Delete ${label} permanently?`, { modal: true, detail: runDir }, 'Delete Permanently');
        if (ok !== 'Delete Permanently') return false;
      }
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      } catch (e2) {
        messages.error(`Cannot delete ${label}`, e2);
        return false;
      }
    }
    tree.refresh();
    return true;
  };

  /** The checkpoint to evaluate: the item or path given, else the run's newest. */
  const evaluateCheckpoint = async (arg?: RunArg, opts: { epochs?: number } = {}): Promise<EvaluateCheckpointResult | undefined> => {
    const file = await checkpointOf(arg);
    if (!file) {
      messages.show('info', 'This run has no checkpoint to evaluate yet.', [], 'noCheckpoint');
      return undefined;
    }
    return runs.evaluate(file, opts);
  };

  // Runs side by side, and an experiment's grid: the runs comparison panel (compareCommands.ts).
  const { compareRuns, compareExperiment } = compareCommands({ extensionUri: ctx.extensionUri, output }, messages, runDirOf);

  /** The README's main job: small preset, Fashion-MNIST, SimCLR + IDAA, then a linear probe, as `idaa demo` does. */
  const runDemo = async (opts: NewRunOptions = {}) => {
    const runDir = await newRun({ dataset: 'fashion-mnist', preset: 'small', method: 'simclr', idaa: true, name: 'Demo · fashion-mnist · SimCLR · IDAA on', open: false, ...opts });
    if (!runDir) return undefined;
    runs.evaluateWhenComplete(runDir);
    messages.show('info', 'The demo trains the small preset on Fashion-MNIST (a VAE, then SimCLR with IDAA; a few minutes on a laptop), then evaluates it with a linear probe. Follow it in the status bar and the Runs view.', [{ title: 'Open Inspector', run: () => openInspector(runDir) }], 'demo');
    return runs.start(runDir);
  };

  const openSettings = () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`);

  // What the finishing notification's actions do (RunManager shows it).
  runs.finishActions = {
    openInspector: (runDir) => openInspector(runDir),
    evaluate: (runDir) => evaluateCheckpoint(runDir),
    compare: (runDir) => compareRuns(runDir),
    resume: (runDir) => runs.start(runDir, { resumeFrom: 'latest' }),
  };

  const handlers: Record<(typeof COMMANDS)[number], (...args: any[]) => unknown> = {
    'idaa.newRun': newRun,
    'idaa.start': start,
    'idaa.pause': () => runs.control('pause'),
    'idaa.resume': () => runs.control('resume'),
    'idaa.stop': () => runs.control('stop'),
    'idaa.saveCheckpoint': () => runs.saveCheckpoint(),
    'idaa.resumeFromCheckpoint': resumeFromCheckpoint,
    'idaa.openInspector': openInspector,
    'idaa.deleteCheckpoint': deleteCheckpoint,
    'idaa.revealRunFolder': revealRunFolder,
    'idaa.showWorkerLog': () => output.show(true),
    'idaa.selectBackend': selectBackend,
    'idaa.refreshRuns': () => tree.refresh(),
    'idaa.runDemo': runDemo,
    'idaa.openSettings': openSettings,
    'idaa.openConfig': openConfig,
    'idaa.renameRun': renameRun,
    'idaa.duplicateRun': duplicateRun,
    'idaa.deleteRun': deleteRun,
    'idaa.evaluateCheckpoint': evaluateCheckpoint,
    'idaa.compareRuns': compareRuns,
    'idaa.compareExperiment': compareExperiment,
  };
  return COMMANDS.map((id) => vscode.commands.registerCommand(id, handlers[id]));
}
