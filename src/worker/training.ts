/**
 * The training run: at most one at a time (a second start is refused: Busy). Pause, resume, stop and
 * checkpoint answer when they have taken effect; the training loop yields between batches, so they
 * are served at the next batch boundary.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver/node';
import { CheckpointError, IdaaError, loadConfigFile, readManifest, resolveConfig, resumeJob, RunController, runPaths, trainJob } from '../engine';
import type { ControllerEvents, ManifestEntry, RunConfigInput, RunStateName, TrainJobResult } from '../engine';
import {
  CheckpointInfo,
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
} from '../protocol/worker';
import { connection, log, paths } from './context';
import { datasetFor } from './datasets';
import { checkpointInfo } from './disk';
import { guarded } from './wire';

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

/** The run of this worker, for idaa/workerStatus. */
export function activeRun(): { runDir: string; runId: string; state: RunStateName } | undefined {
  return active ? { runDir: active.runDir, runId: active.runId, state: active.state } : undefined;
}

/** A clean shutdown stops the active run with its final checkpoint. */
export async function stopForShutdown(): Promise<void> {
  if (active?.controller && (active.state === 'running' || active.state === 'paused')) {
    log(`shutting down: stopping ${active.runId} with a checkpoint`, 'warn', active.runDir);
    active.controller.stop();
    await active.job;
  }
}

function isLive(s: RunStateName): boolean {
  return s === 'idle' || s === 'running' || s === 'paused' || s === 'stopping';
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

/** The manifest entries of the active run (written by this worker's engine, so read as they are). */
function ownManifest(runDir: string): ManifestEntry[] {
  try {
    return readManifest(runDir).checkpoints;
  } catch {
    return [];
  }
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
      const entry = ownManifest(runDir).find((e) => e.file === basename(file));
      const checkpoint: CheckpointInfo = entry
        ? checkpointInfo(runDir, entry)
        : { file: basename(file), path: file, kind: 'manual', phase: '', epoch: 0, step: 0, bytes, createdAt: new Date().toISOString() };
      void connection.sendNotification(MetricsNotification.type, { runDir, kind: 'checkpoint', step: checkpoint.step, checkpoint });
    },
  };
}

function requireActive(params: RunControlParams): ActiveRun {
  if (!active || !isLive(active.state)) {
    throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.NoActiveRun, 'No run is training in this window.', { kind: 'noRun' });
  }
  // Only compared with the active run (which was checked when it started); nothing is opened.
  if (params.runDir && resolve(params.runDir) !== resolve(active.runDir)) {
    throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.NoActiveRun, `${params.runDir} is not the active run (the active run is ${active.runId}).`, { kind: 'noRun' });
  }
  if (!active.controller) {
    throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.InvalidState, `${active.runId} is still starting (loading its data); try again in a moment.`, { kind: 'state' });
  }
  return active;
}

export function registerTrainingRequests(): void {
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
      // The run folder and its files are written: all inside the runs folder.
      const runDir = paths.runDir(params.runDir, 'write');
      const files = runPaths(runDir);
      const runId = basename(runDir);
      if (!existsSync(files.config) && !(params.config && !params.resumeFrom)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
      if (params.config && !params.resumeFrom && !existsSync(files.config)) {
        // Validated, and its paths checked, before anything is written.
        paths.trainingConfig(resolveConfig(params.config as RunConfigInput));
        mkdirSync(runDir, { recursive: true });
        writeFileSync(files.config, JSON.stringify(params.config, null, 2) + '\n');
      }
      // Validates config.json up front, so a bad edit is reported as a config error naming the field.
      const config = loadConfigFile(files.config);
      if (!params.resumeFrom) paths.trainingConfig(config);
      // Training deletes listed checkpoints (retention) and a resume opens one: the manifest's entries
      // must be plain names in the run. The checkpoint to resume from is passed on explicitly, checked.
      const listed = paths.checkpoints(runDir);
      let from: string | undefined;
      if (params.resumeFrom === 'latest') from = listed.at(-1)?.path;
      else if (params.resumeFrom) from = paths.inRuns(params.resumeFrom, 'read', { what: 'checkpoint' });
      if (from !== undefined && !existsSync(from)) throw new CheckpointError(from, 'no such file');

      const run: ActiveRun = { runDir, runId, state: 'idle', stateWaiters: [], job: Promise.resolve(undefined) };
      active = run;
      let started!: (c: RunController) => void;
      const startedP = new Promise<RunController>((r) => (started = r));
      let earlyError: Error | undefined;
      try {
        const opts = {
          runDir,
          // Named in the run folder's lock, so a CLI started on the same run says who holds it.
          command: 'the IDAA Studio worker (VS Code)',
          events: eventsFor(run),
          // The run's own config names the dataset, so its folder may be read.
          dataset: await datasetFor(config, [config.data.path]),
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
      const entry = ownManifest(run.runDir).find((e) => e.file === basename(file));
      const checkpoint: CheckpointInfo = entry
        ? checkpointInfo(run.runDir, entry)
        : { file: basename(file), path: file, kind: 'manual', phase: '', epoch: 0, step: run.controller!.run.position.globalStep, bytes: statSync(file).size, createdAt: new Date().toISOString() };
      return { runDir: run.runDir, checkpoint };
    }),
  );
}
