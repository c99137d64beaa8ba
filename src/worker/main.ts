/**
 * The training worker: a Node process started by the extension host (vscode-languageclient over
 * IPC). It answers initialize / shutdown / exit through vscode-languageserver's connection and maps
 * the `idaa/…` requests of src/protocol/worker.ts onto the engine. It never imports `vscode`.
 *
 * - The backend is chosen in `initialize`, before any tensor exists; the host also names the
 *   workspace's runs folder there, the only place (with a run's own dataset folder, read only)
 *   where the worker opens files (paths.ts).
 * - training.ts: one run at a time; pause, resume, stop, checkpoint.
 * - disk.ts: runs, checkpoints and probes on disk. datasets.ts, inspect.ts, compare.ts (opened.ts
 *   keeps the checkpoints open): the inspector's long requests, with progress on the request's
 *   token and cancellation. The extension starts a second worker for the inspector alone, so
 *   these never queue behind training steps.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InitializeResult, ResponseError } from 'vscode-languageserver/node';
import { backendLabel, backendSummary, parseWasmThreads, selectBackend } from '../engine';
import type { BackendPreference as EngineBackendPreference } from '../engine';
import { RunsRootNotification, WorkerErrorCodes, WorkerErrorData, WorkerInfo, WorkerInitializationOptions, WorkerStatusRequest } from '../protocol/worker';
import { connection, paths } from './context';
import { registerDatasetRequests } from './datasets';
import { registerDiskRequests } from './disk';
import { registerEvaluateRequests } from './evaluate';
import { registerCompareRequests } from './compare';
import { registerInspectRequest } from './inspect';
import { applyWorkerPriority } from './priority';
import { activeRun, registerTrainingRequests, stopForShutdown } from './training';

// Before the backend exists: its threads inherit the priority.
const priorityNote = applyWorkerPriority(process.env);

// An installed extension has no npm data packages: its built-in datasets travel as packs beside
// the bundle (dist/data, written by `npm run package`).
if (!process.env.IDAA_BUILTIN_DATA_DIR && existsSync(join(__dirname, 'data'))) process.env.IDAA_BUILTIN_DATA_DIR = join(__dirname, 'data');

let info: WorkerInfo | undefined;

registerTrainingRequests();
registerDiskRequests();
registerDatasetRequests();
registerInspectRequest();
registerCompareRequests();
registerEvaluateRequests();

connection.onRequest(WorkerStatusRequest.type, () => {
  if (!info) return new ResponseError<WorkerErrorData>(WorkerErrorCodes.InvalidState, 'the worker is not initialised', { kind: 'state' });
  const active = activeRun();
  return { info, ...(active ? { active } : {}) };
});

connection.onNotification(RunsRootNotification.type, (params) => {
  paths.setRunsRoot(typeof params?.runsRoot === 'string' ? params.runsRoot : undefined);
  connection.console.log(`runs folder: ${paths.root ?? '(none)'}`);
});

// ---------------------------------------------------------------------------------------------
// Life cycle

connection.onInitialize(async (params): Promise<InitializeResult & { idaa: WorkerInfo }> => {
  const opts = (params.initializationOptions ?? {}) as Partial<WorkerInitializationOptions>;
  paths.setRunsRoot(typeof opts.runsRoot === 'string' ? opts.runsRoot : undefined);
  const choice = await selectBackend({
    preference: (opts.backend ?? 'auto') as EngineBackendPreference,
    wasmThreads: opts.wasmThreads !== undefined ? parseWasmThreads(opts.wasmThreads, 'the setting idaa.wasmThreads') : 'auto',
    log: (line) => connection.console.log(line),
  });
  info = { backend: choice.name, gpu: choice.gpu, threads: choice.threads, backendSummary: backendSummary(choice), backendLabel: backendLabel(choice), pid: process.pid, nodeVersion: process.version };
  if (priorityNote) connection.console.log(priorityNote);
  connection.console.log(`IDAA worker ${process.pid} on Node ${process.version}: ${info.backendSummary}; runs folder ${paths.root ?? '(none: every path is refused)'}`);
  return { capabilities: {}, serverInfo: { name: 'idaa-worker' }, idaa: info };
});

connection.onShutdown(stopForShutdown);

connection.listen();
