/**
 * The "IDAA" commands. Each accepts the tree's items (context menus), plain paths (tests, other
 * extensions) or nothing (the palette: it asks with quick picks).
 */
import * as vscode from 'vscode';
import { compareCommands } from './commands/compare';
import { selectBackendCommand } from './commands/backend';
import { checkpointCommands } from './commands/checkpoints';
import { newRunCommand, type NewRunOptions } from './commands/newRun';
import { runControlCommands } from './commands/runControl';
import { runEditCommands } from './commands/runEdit';
import { runPicks, type CommandDeps } from './commands/runPicks';
export type { NewRunOptions };

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

// Each area's commands live in ./commands/; this registers them under their ids.
export function registerCommands(ctx: CommandDeps): vscode.Disposable[] {
  const { runs, tree, messages, output } = ctx;
  const picks = runPicks(ctx);
  const { runDirOf } = picks;
  const newRun = newRunCommand(ctx);
  const { start, resumeFromCheckpoint, revealRunFolder, openConfig } = runControlCommands(ctx, picks);
  const { openInspector, deleteCheckpoint, evaluateCheckpoint } = checkpointCommands(ctx, picks);
  const selectBackend = selectBackendCommand(ctx);
  const { renameRun, duplicateRun, deleteRun } = runEditCommands(ctx, picks);

  // Runs side by side, and an experiment's grid: the runs comparison panel (commands/compare.ts).
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
