import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendPreference, WasmThreads } from '../protocol/worker';

export type DatasetChoice = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'folder';
export type PresetChoice = 'small' | 'tiny' | 'reference';
export type MethodChoice = 'simclr' | 'simsiam' | 'byol' | 'mocov2';

export interface IdaaSettings {
  runsFolder: string;
  backend: BackendPreference;
  wasmThreads: WasmThreads;
  /** The inspector worker's wasm threads. */
  inspectorThreads: WasmThreads;
  /** 'background': the training worker lowers its own CPU priority (nice 10). */
  trainingPriority: 'background' | 'normal';
  workerRuntime: string;
  defaultDataset: DatasetChoice;
  defaultPreset: PresetChoice;
  checkpointEveryEpochs: number;
  checkpointKeepLast: number;
  checkpointKeepBest: boolean;
}

/** The `idaa.*` settings (package.json's contributes.configuration documents each). */
export function settings(): IdaaSettings {
  const c = vscode.workspace.getConfiguration('idaa');
  return {
    runsFolder: c.get<string>('runsFolder', '.idaa/runs'),
    backend: c.get<BackendPreference>('backend', 'auto'),
    // Machine scope, like the runtime: how many cores to use is the machine owner's choice.
    wasmThreads: c.inspect<WasmThreads>('wasmThreads')?.globalValue ?? 'auto',
    inspectorThreads: c.inspect<WasmThreads>('inspectorThreads')?.globalValue ?? 1,
    trainingPriority: c.inspect<'background' | 'normal'>('trainingPriority')?.globalValue === 'normal' ? 'normal' : 'background',
    // Machine scope: a workspace cannot name an executable for us to run.
    workerRuntime: (c.inspect<string>('workerRuntime')?.globalValue ?? '').trim(),
    defaultDataset: c.get<DatasetChoice>('defaultDataset', 'fashion-mnist'),
    defaultPreset: c.get<PresetChoice>('defaultPreset', 'small'),
    checkpointEveryEpochs: c.get<number>('checkpoint.everyEpochs', 1),
    checkpointKeepLast: c.get<number>('checkpoint.keepLast', 3),
    checkpointKeepBest: c.get<boolean>('checkpoint.keepBest', true),
  };
}

/** The runs folder as an absolute path (relative settings are taken from the first workspace folder). */
export function runsRoot(): string | undefined {
  const folder = settings().runsFolder;
  if (path.isAbsolute(folder)) return folder;
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws ? path.join(ws.uri.fsPath, folder) : undefined;
}
