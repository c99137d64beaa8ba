/**
 * The training worker: a Node process started by the extension host (vscode-languageclient over
 * IPC). It answers initialize / shutdown / exit through vscode-languageserver's connection and maps
 * the `idaa/…` requests of src/protocol/worker.ts onto the engine. It never imports `vscode`.
 *
 * - The backend is chosen in `initialize`, before any tensor exists.
 * - At most one training run (one RunController) at a time; a second start is refused (Busy).
 * - Pause, resume, stop and checkpoint answer when they have taken effect; the training loop yields
 *   between batches, so they are served at the next batch boundary.
 * - datasetSamples and inspect report progress on the request's token and honour cancellation.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CancellationToken, createConnection, InitializeResult, ProposedFeatures, ResponseError } from 'vscode-languageserver/node';
import {
  backendSummary,
  CheckpointError,
  ConfigError,
  DatasetError,
  IdaaError,
  decodeProbeImages,
  inspectTrainer,
  listProbes,
  listRuns,
  readProbe,
  loadConfigFile,
  openCheckpoint,
  openDataset,
  readManifest,
  readMetrics,
  readRunStatus,
  resolveConfig,
  resumeJob,
  RunController,
  runPaths,
  SampleInspector,
  parseWasmThreads,
  selectBackend,
  trainJob,
} from '../engine';
import type { BackendPreference as EngineBackendPreference, Dataset, RunConfig, RunConfigInput, RunStateName, ControllerEvents, ManifestEntry, TrainJobResult } from '../engine';
import {
  CheckpointInfo,
  DatasetSamplesRequest,
  DescribeRunRequest,
  encodeImagePixels,
  encodePixels,
  InspectRequest,
  ListCheckpointsRequest,
  ListRunsRequest,
  LogNotification,
  ProbeHistoryRequest,
  LongWorkProgressType,
  MetricsNotification,
  PauseRequest,
  ProgressNotification,
  ResumeRequest,
  RunControlParams,
  RunControlResult,
  RunStateNotification,
  SaveCheckpointRequest,
  StartRunRequest,
  StopRequest,
  WorkerErrorCodes,
  WorkerErrorData,
  WorkerErrorKind,
  WorkerInfo,
  WorkerInitializationOptions,
  WorkerStatusRequest,
} from '../protocol/worker';

const connection = createConnection(ProposedFeatures.all);

// An installed extension has no npm data packages: its built-in datasets travel as packs beside
// the bundle (dist/data, written by `npm run package`).
if (!process.env.IDAA_BUILTIN_DATA_DIR && existsSync(join(__dirname, 'data'))) process.env.IDAA_BUILTIN_DATA_DIR = join(__dirname, 'data');

let info: WorkerInfo | undefined;

function log(message: string, level: 'info' | 'warn' | 'error' = 'info', runDir?: string): void {
  void connection.sendNotification(LogNotification.type, { level, message, ...(runDir ? { runDir } : {}) });
}

// ---------------------------------------------------------------------------------------------
// Errors: every engine error becomes a ResponseError whose data says what kind it is.

function toResponseError(e: unknown): ResponseError<WorkerErrorData> {
  if (e instanceof ResponseError) return e as ResponseError<WorkerErrorData>;
  const err = e as Error;
  let kind: WorkerErrorKind = 'internal';
  let code: number = WorkerErrorCodes.Internal;
  const data: WorkerErrorData = { kind };
  if (err instanceof ConfigError) {
    kind = 'config';
    code = WorkerErrorCodes.BadInput;
    if (err.file) data.file = err.file;
    data.field = err.field;
  } else if (err instanceof DatasetError) {
    kind = 'dataset';
    code = WorkerErrorCodes.BadInput;
    data.file = err.file;
  } else if (err instanceof CheckpointError) {
    kind = 'checkpoint';
    code = WorkerErrorCodes.BadInput;
    data.file = err.file;
  } else if (err?.name === 'BackendError') {
    kind = 'backend';
    code = WorkerErrorCodes.BadInput;
  } else if (err instanceof IdaaError) {
    kind = 'state';
    code = WorkerErrorCodes.InvalidState;
  } else {
    log(`internal error: ${err?.stack ?? String(e)}`, 'error');
  }
  data.kind = kind;
  return new ResponseError<WorkerErrorData>(code, err?.message ?? String(e), data);
}

/** Wraps a handler so that thrown engine errors reach the host as typed ResponseErrors. */
function guarded<P, R>(fn: (params: P, token: CancellationToken) => Promise<R> | R) {
  return async (params: P, token: CancellationToken): Promise<R | ResponseError<WorkerErrorData>> => {
    try {
      return await fn(params, token);
    } catch (e) {
      return toResponseError(e);
    }
  };
}

function cancelled(): ResponseError<WorkerErrorData> {
  return new ResponseError<WorkerErrorData>(-32800 /* RequestCancelled */, 'cancelled', { kind: 'cancelled' });
}

// ---------------------------------------------------------------------------------------------
// Datasets: the last few loaded are kept, keyed by the config's data section.

const datasets = new Map<string, Promise<Dataset>>();

function datasetFor(config: RunConfig): Promise<Dataset> {
  const key = JSON.stringify(config.data);
  let p = datasets.get(key);
  if (!p) {
    p = openDataset(config, (line) => log(line));
    p.catch(() => datasets.delete(key));
    datasets.set(key, p);
    while (datasets.size > 3) datasets.delete(datasets.keys().next().value as string);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// The active run

interface ActiveRun {
  runDir: string;
  runId: string;
  controller?: RunController;
  state: RunStateName;
  job: Promise<TrainJobResult | undefined>;
  /** Resolved on every state change. */
  stateWaiters: Array<(s: RunStateName) => void>;
}

let active: ActiveRun | undefined;

function isLive(s: RunStateName): boolean {
  return s === 'idle' || s === 'running' || s === 'paused' || s === 'stopping';
}

function checkpointInfo(runDir: string, e: ManifestEntry): CheckpointInfo {
  return { ...e, path: join(runPaths(runDir).checkpoints, e.file) };
}

function waitForState(run: ActiveRun, accept: (s: RunStateName) => boolean): Promise<RunStateName> {
  if (accept(run.state)) return Promise.resolve(run.state);
  return new Promise((res) => {
    const check = (s: RunStateName): void => {
      if (accept(s) || !isLive(s)) res(s);
      else run.stateWaiters.push(check);
    };
    run.stateWaiters.push(check);
  });
}

function eventsFor(run: ActiveRun): ControllerEvents {
  const { runDir } = run;
  let lastSent = 0;
  let secondsPerStep: number | undefined;
  let lastStepAt: number | undefined;
  return {
    log: (line) => log(line, 'info', runDir),
    state: (state, detail) => {
      run.state = state;
      void connection.sendNotification(RunStateNotification.type, { runDir, runId: run.runId, state, ...(detail ? { detail } : {}) });
      for (const w of run.stateWaiters.splice(0)) w(state);
    },
    step: (r, position, stepsInEpoch) => {
      const now = Date.now();
      if (lastStepAt !== undefined) {
        const dt = (now - lastStepAt) / 1000;
        secondsPerStep = secondsPerStep === undefined ? dt : 0.8 * secondsPerStep + 0.2 * dt;
      }
      lastStepAt = now;
      const last = position.batch >= stepsInEpoch;
      if (!last && now - lastSent < 200) return;
      lastSent = now;
      const c = run.controller?.run.config;
      const epochs = c ? (r.phase === 'vae' ? c.vae.epochs : c.ssl.epochs) : 0;
      const left = (epochs - r.epoch - 1) * stepsInEpoch + (stepsInEpoch - position.batch);
      void connection.sendNotification(ProgressNotification.type, {
        runDir,
        phase: r.phase,
        epoch: r.epoch + 1,
        epochs,
        batch: position.batch,
        stepsInEpoch,
        step: r.step,
        loss: r.loss,
        imagesPerSec: r.imagesPerSec,
        ...(secondsPerStep !== undefined ? { etaSeconds: Math.max(0, left * secondsPerStep) } : {}),
      });
    },
    epoch: (r) => {
      void connection.sendNotification(MetricsNotification.type, {
        runDir,
        kind: 'epoch',
        phase: r.phase,
        epoch: r.epoch + 1,
        step: r.step,
        meanLoss: r.meanLoss,
        seconds: r.seconds,
        ...(r.knnAccuracy !== undefined ? { knnAccuracy: r.knnAccuracy } : {}),
      });
    },
    checkpoint: (file, bytes) => {
      const entry = safeManifest(runDir).find((e) => e.file === basename(file));
      const checkpoint: CheckpointInfo = entry
        ? checkpointInfo(runDir, entry)
        : { file: basename(file), path: file, kind: 'manual', phase: '', epoch: 0, step: 0, bytes, createdAt: new Date().toISOString() };
      void connection.sendNotification(MetricsNotification.type, { runDir, kind: 'checkpoint', step: checkpoint.step, checkpoint });
    },
  };
}

function safeManifest(runDir: string): ManifestEntry[] {
  try {
    return readManifest(runDir).checkpoints;
  } catch {
    return [];
  }
}

function requireActive(params: RunControlParams): ActiveRun {
  if (!active || !isLive(active.state)) {
    throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.NoActiveRun, 'No run is training in this window.', { kind: 'noRun' });
  }
  if (params.runDir && resolve(params.runDir) !== resolve(active.runDir)) {
    throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.NoActiveRun, `${params.runDir} is not the active run (the active run is ${active.runId}).`, { kind: 'noRun' });
  }
  if (!active.controller) {
    throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.InvalidState, `${active.runId} is still starting (loading its data); try again in a moment.`, { kind: 'state' });
  }
  return active;
}

connection.onRequest(
  StartRunRequest.type,
  guarded(async (params) => {
    if (active && isLive(active.state)) {
      throw new ResponseError<WorkerErrorData>(
        WorkerErrorCodes.Busy,
        `A training run is already ${active.state === 'idle' ? 'starting' : active.state} (${active.runId}); IDAA Studio trains one run at a time. Stop it before starting another.`,
        { kind: 'busy' },
      );
    }
    const runDir = resolve(params.runDir);
    const paths = runPaths(runDir);
    const runId = basename(runDir);
    if (!existsSync(paths.config) && !(params.config && !params.resumeFrom)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
    if (params.config && !params.resumeFrom && !existsSync(paths.config)) {
      resolveConfig(params.config as RunConfigInput); // validate before writing anything
      mkdirSync(runDir, { recursive: true });
      writeFileSync(paths.config, JSON.stringify(params.config, null, 2) + '\n');
    }
    // Validates config.json up front, so a bad edit is reported as a config error naming the field.
    const config = loadConfigFile(paths.config);
    const from = params.resumeFrom && params.resumeFrom !== 'latest' ? resolve(params.resumeFrom) : undefined;
    if (from !== undefined && !existsSync(from)) throw new CheckpointError(from, 'no such file');

    const run: ActiveRun = { runDir, runId, state: 'idle', stateWaiters: [], job: Promise.resolve(undefined) };
    active = run;
    let started!: (c: RunController) => void;
    const startedP = new Promise<RunController>((r) => (started = r));
    let earlyError: Error | undefined;
    try {
      const opts = {
        runDir,
        events: eventsFor(run),
        dataset: await datasetFor(config),
        onController: (c: RunController) => {
          run.controller = c;
          started(c);
        },
      };
      const job = params.resumeFrom ? resumeJob({ ...opts, force: params.force, ...(from ? { from } : {}) }) : trainJob(config, opts);
      run.job = job.then(
        (r) => {
          log(`${runId}: ${r.state}`, 'info', runDir);
          return r;
        },
        (e: Error) => {
          earlyError = e;
          run.state = 'failed';
          log(`${runId} failed: ${e.message}`, 'error', runDir);
          return undefined;
        },
      );
    } catch (e) {
      run.state = 'failed';
      throw e;
    }
    // Either training begins (the controller exists) or the job fails before it (bad checkpoint, …).
    const first = await Promise.race([startedP, run.job.then(() => undefined)]);
    if (!first) throw earlyError ?? new IdaaError(`${runId} ended before training began`);
    const p = first.run.progress();
    return { runDir, runId, state: run.state === 'idle' ? 'running' : run.state, phase: p.phase, epoch: p.epochsDone, step: first.run.position.globalStep };
  }),
);

connection.onRequest(
  PauseRequest.type,
  guarded(async (params): Promise<RunControlResult> => {
    const run = requireActive(params);
    if (run.state === 'paused') return { runDir: run.runDir, state: 'paused' };
    run.controller!.pause();
    const state = await waitForState(run, (s) => s === 'paused');
    return { runDir: run.runDir, state };
  }),
);

connection.onRequest(
  ResumeRequest.type,
  guarded(async (params): Promise<RunControlResult> => {
    const run = requireActive(params);
    run.controller!.resume();
    const state = await waitForState(run, (s) => s === 'running');
    return { runDir: run.runDir, state };
  }),
);

connection.onRequest(
  StopRequest.type,
  guarded(async (params): Promise<RunControlResult> => {
    const run = requireActive(params);
    if (run.state !== 'stopping') run.controller!.stop();
    await run.job;
    return { runDir: run.runDir, state: run.state };
  }),
);

connection.onRequest(
  SaveCheckpointRequest.type,
  guarded(async (params) => {
    const run = requireActive(params);
    const file = await run.controller!.requestCheckpoint();
    const entry = safeManifest(run.runDir).find((e) => e.file === basename(file));
    const checkpoint: CheckpointInfo = entry
      ? checkpointInfo(run.runDir, entry)
      : { file: basename(file), path: file, kind: 'manual', phase: '', epoch: 0, step: run.controller!.run.position.globalStep, bytes: statSync(file).size, createdAt: new Date().toISOString() };
    return { runDir: run.runDir, checkpoint };
  }),
);

// ---------------------------------------------------------------------------------------------
// Runs and checkpoints on disk

connection.onRequest(
  ListRunsRequest.type,
  guarded((params) => listRuns(params.runsRoot)),
);

connection.onRequest(
  ListCheckpointsRequest.type,
  guarded((params) => readManifest(params.runDir).checkpoints.map((e) => checkpointInfo(params.runDir, e))),
);

connection.onRequest(
  DescribeRunRequest.type,
  guarded((params) => {
    const runDir = resolve(params.runDir);
    const paths = runPaths(runDir);
    if (!existsSync(paths.config)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
    const summary = listRuns(join(runDir, '..')).find((r) => resolve(r.dir) === runDir) ?? { id: basename(runDir), dir: runDir, status: readRunStatus(runDir), checkpoints: 0 };
    let raw: Record<string, unknown> = {};
    let resolved: Record<string, unknown> | undefined;
    let configError: string | undefined;
    try {
      raw = JSON.parse(readFileSync(paths.config, 'utf8')) as Record<string, unknown>;
      resolved = loadConfigFile(paths.config) as unknown as Record<string, unknown>;
    } catch (e) {
      configError = (e as Error).message;
    }
    const epochs = readMetrics(runDir)
      .filter((m) => m.kind === 'epoch')
      .map((m) => ({ phase: String(m.phase), epoch: Number(m.epoch) + 1, step: m.step, meanLoss: Number(m.meanLoss), seconds: Number(m.seconds), ...(typeof m.knnAccuracy === 'number' ? { knnAccuracy: m.knnAccuracy } : {}) }));
    return {
      summary,
      config: raw,
      ...(resolved ? { resolved } : {}),
      ...(configError ? { configError } : {}),
      checkpoints: safeManifest(runDir).map((e) => checkpointInfo(runDir, e)),
      epochs,
    };
  }),
);

connection.onRequest(
  ProbeHistoryRequest.type,
  guarded((params) => {
    const runDir = resolve(params.runDir);
    if (!existsSync(runPaths(runDir).config)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
    const steps = listProbes(runDir);
    if (params.step === undefined) return { steps };
    if (!steps.includes(params.step)) throw new IdaaError(`${runDir} has no probe at step ${params.step}`);
    const p = readProbe(runDir, params.step);
    const img = decodeProbeImages(p);
    return {
      steps,
      probe: {
        step: p.step,
        epoch: p.epoch,
        eps: p.eps,
        steps: p.steps,
        lossBefore: p.lossBefore,
        lossAfter: p.lossAfter,
        samples: p.samples,
        images: { x: encodeImagePixels(p.shape, img.x), xAdv: encodeImagePixels(p.shape, img.xAdv), absDiff: encodePixels(p.shape, img.absDiff) },
      },
    };
  }),
);

// ---------------------------------------------------------------------------------------------
// Long requests: progress on the request's token, cancellation between stages

function reporter(token?: string) {
  return (message: string, percentage?: number): void => {
    if (token) void connection.sendProgress(LongWorkProgressType.type, token, { message, ...(percentage !== undefined ? { percentage } : {}) });
  };
}

connection.onRequest(
  DatasetSamplesRequest.type,
  guarded(async (params, token) => {
    const report = reporter(params.progressToken);
    report('reading the run config', 0);
    const config = loadConfigFile(runPaths(params.runDir).config);
    if (token.isCancellationRequested) return cancelled();
    report(`loading ${config.data.dataset}`, 10);
    const ds = await datasetFor(config);
    if (token.isCancellationRequested) return cancelled();
    const split = params.split === 'train' ? ds.train : ds.test;
    const indices = params.indices ?? Array.from({ length: Math.max(0, Math.min(params.count ?? 16, split.count - (params.offset ?? 0))) }, (_, i) => (params.offset ?? 0) + i);
    const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= split.count);
    if (bad !== undefined) throw new DatasetError(ds.name, `sample index ${bad} is outside the ${params.split} split (0..${split.count - 1})`);
    const px = ds.height * ds.width * ds.channels;
    const images = new Uint8Array(indices.length * px);
    indices.forEach((i, k) => images.set(split.images.subarray(i * px, (i + 1) * px), k * px));
    report('done', 100);
    return {
      dataset: ds.name,
      classNames: [...ds.classNames],
      split: params.split,
      indices,
      labels: indices.map((i) => split.labels[i]),
      images: encodePixels([indices.length, ds.height, ds.width, ds.channels], images),
      total: split.count,
      ...(params.withAllLabels ? { allLabels: Array.from(split.labels.subarray(0, split.count)) } : {}),
    };
  }),
);

connection.onRequest(
  InspectRequest.type,
  guarded(async (params, token) => {
    const report = reporter(params.progressToken);
    if (!existsSync(params.checkpoint)) throw new CheckpointError(params.checkpoint, 'no such file');
    // The inspector asks again for every control change (ε, steps, seed): keep the last checkpoint
    // opened, so only the first request pays for reading it and restoring the models.
    const opened = await openInspected(params.checkpoint, report);
    if (token.isCancellationRequested) return cancelled();
    const { trainer } = opened;
    const ds = trainer.dataset;
    try {
      if (token.isCancellationRequested) return cancelled();
      const split = params.split ?? 'test';
      const n = (split === 'train' ? ds.train : ds.test).count;
      const indices = params.indices ?? drawIndices(n, params.count ?? 8, params.seed ?? 0);
      report('decomposing and attacking', 70);
      const r = inspectTrainer(trainer, { indices, split, eps: params.eps, steps: params.steps, augmentSeed: params.augment?.seed, augmentOff: params.augment?.off }, opened.inspector);
      report('done', 100);
      const shape = r.images.shape;
      return {
        checkpoint: params.checkpoint,
        split,
        eps: r.eps,
        steps: r.steps,
        lossBefore: r.lossBefore,
        lossAfter: r.lossAfter,
        samples: r.samples,
        images: {
          x: encodeImagePixels(shape, r.images.x),
          g: encodeImagePixels(shape, r.images.g),
          r: encodePixels(shape, r.images.r),
          xAdv: encodeImagePixels(shape, r.images.xAdv),
          absDiff: encodePixels(shape, r.images.absDiff),
          ...(r.images.viewI && r.images.viewJ ? { viewI: encodeImagePixels(shape, r.images.viewI), viewJ: encodeImagePixels(shape, r.images.viewJ) } : {}),
        },
      };
    } finally {
      report('done', 100);
    }
  }),
);

type Opened = Awaited<ReturnType<typeof openCheckpoint>> & { config: RunConfig; inspector: SampleInspector };
let inspected: { key: string; opened: Promise<Opened> } | undefined;

/** The last checkpoint inspected, kept open (keyed by path, size and time, so a rewrite is seen). */
function openInspected(checkpoint: string, report: (m: string, p?: number) => void): Promise<Opened> {
  const st = statSync(checkpoint);
  const key = `${resolve(checkpoint)}|${st.size}|${st.mtimeMs}`;
  if (inspected?.key === key) return inspected.opened;
  const previous = inspected;
  const opened = (async (): Promise<Opened> => {
    if (previous) {
      await previous.opened.then((o) => {
        o.inspector.dispose();
        o.trainer.dispose();
      }, () => undefined);
    }
    report('reading the checkpoint', 0);
    // The run folder's config usually names the checkpoint's dataset: use the loaded copy if so.
    const runConfig = join(checkpoint, '..', '..', 'config.json');
    let guess: Dataset | undefined;
    try {
      if (existsSync(runConfig)) guess = await datasetFor(loadConfigFile(runConfig));
    } catch {
      guess = undefined;
    }
    report('restoring the models', 40);
    let o = await openCheckpoint(checkpoint, (line) => log(line), guess);
    const config = resolveConfig(o.meta.config);
    if (guess && JSON.stringify(resolveConfig(loadConfigFile(runConfig)).data) !== JSON.stringify(config.data)) {
      o.trainer.dispose();
      o = await openCheckpoint(checkpoint, (line) => log(line), await datasetFor(config));
    }
    // Kept with the models: a request that changes only ε or steps reuses its decomposition.
    return { ...o, config, inspector: new SampleInspector(o.trainer.vae, o.trainer.encoder, o.trainer.dataset) };
  })();
  inspected = { key, opened };
  opened.catch(() => {
    if (inspected?.opened === opened) inspected = undefined;
  });
  return opened;
}

/** `count` distinct indices below `n`, drawn reproducibly from `seed`. */
function drawIndices(n: number, count: number, seed: number): number[] {
  let s = (seed >>> 0) + 0x9e3779b9;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = Array.from({ length: n }, (_, i) => i);
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (n - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}

connection.onRequest(WorkerStatusRequest.type, () => {
  if (!info) return new ResponseError<WorkerErrorData>(WorkerErrorCodes.InvalidState, 'the worker is not initialised', { kind: 'state' });
  return { info, ...(active ? { active: { runDir: active.runDir, runId: active.runId, state: active.state } } : {}) };
});

// ---------------------------------------------------------------------------------------------
// Life cycle

connection.onInitialize(async (params): Promise<InitializeResult & { idaa: WorkerInfo }> => {
  const opts = (params.initializationOptions ?? {}) as Partial<WorkerInitializationOptions>;
  const choice = await selectBackend({
    preference: (opts.backend ?? 'auto') as EngineBackendPreference,
    wasmThreads: opts.wasmThreads !== undefined ? parseWasmThreads(opts.wasmThreads, 'the setting idaa.wasmThreads') : 'auto',
    log: (line) => connection.console.log(line),
  });
  info = { backend: choice.name, gpu: choice.gpu, threads: choice.threads, backendSummary: backendSummary(choice), pid: process.pid, nodeVersion: process.version };
  connection.console.log(`IDAA worker ${process.pid} on Node ${process.version}: ${info.backendSummary}`);
  return { capabilities: {}, serverInfo: { name: 'idaa-worker' }, idaa: info };
});

connection.onShutdown(async () => {
  // A clean shutdown stops the active run with its final checkpoint.
  if (active?.controller && (active.state === 'running' || active.state === 'paused')) {
    log(`shutting down: stopping ${active.runId} with a checkpoint`, 'warn', active.runDir);
    active.controller.stop();
    await active.job;
  }
});

connection.listen();
