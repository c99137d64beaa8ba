/**
 * idaa/evaluateCheckpoint: the kNN monitor and a linear probe on frozen backbone features at a
 * checkpoint, as `idaa eval` and the demo run them (src/engine/jobs.ts evalJob), with progress on
 * the request's token and cancellation between probe epochs. The result is stored with the run
 * (`<run>/linear-probe.json`, src/common/runs/linearProbe.ts) and returned.
 *
 * The measuring is the engine's `evalJob`, as the CLI and the experiments run it: the config's probe
 * settings (budget, standardisation, stop rule), so every entry point probes the same way.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ResponseError } from 'vscode-languageserver/node';
import { CheckpointError, describeProbe, EvalCancelled, evalJob, IdaaError, loadConfigFile, openCheckpoint, resolveConfig, storeEvaluation } from '../engine';
import type { RunConfig } from '../engine';
import { linearProbePath } from '../common/runs/linearProbe';
import { EVALUATE_DEFAULT_PROBE_EPOCHS, EvaluateCheckpointRequest, EvaluateCheckpointResult, WorkerErrorCodes, WorkerErrorData } from '../protocol/worker';
import { registerConfigCheckRequest } from './configCheck';
import { connection, log, paths, reporter } from './context';
import { datasetFor } from './datasets';
// The dataset must be known (and its folder checked) before the checkpoint opens: its header first.
import { readCheckpointMeta } from './opened';
import { cancelled, guarded } from './wire';

/** One evaluation at a time: each holds a second copy of the models and the features of both splits. */
let evaluating: string | undefined;

/** Evaluating checkpoints (idaa/evaluateCheckpoint) and configs (idaa/checkConfig, configCheck.ts). */
export function registerEvaluateRequests(): void {
  registerConfigCheckRequest();
  registerEvaluateRequest();
}

function registerEvaluateRequest(): void {
  connection.onRequest(
    EvaluateCheckpointRequest.type,
    guarded(async (params, token): Promise<EvaluateCheckpointResult | ResponseError<WorkerErrorData>> => {
      const report = reporter(params.progressToken);
      const checkpoint = paths.checkpoint(params.checkpoint);
      if (checkpoint === undefined) throw new CheckpointError(params.checkpoint, 'the run has not written a checkpoint yet');
      if (!existsSync(checkpoint)) throw new CheckpointError(params.checkpoint, 'no such file');
      // The result is stored with the run: the checkpoint must be one of a run folder's.
      const runDir = dirname(dirname(checkpoint));
      if (basename(dirname(checkpoint)) !== 'checkpoints' || !existsSync(join(runDir, 'config.json'))) {
        throw new CheckpointError(checkpoint, "not in a run folder's checkpoints/ (the evaluation is stored with its run)");
      }
      paths.runDir(runDir, 'write');
      const resultFile = paths.inRuns(linearProbePath(runDir), 'write', { what: 'run file' });
      if (params.epochs !== undefined && !(Number.isInteger(params.epochs) && params.epochs >= 1 && params.epochs <= 10_000)) {
        throw new IdaaError(`probe epochs ${JSON.stringify(params.epochs)}: give an integer from 1 to 10000`);
      }
      if (evaluating) {
        throw new ResponseError<WorkerErrorData>(WorkerErrorCodes.Busy, `An evaluation is already running (${basename(evaluating)}); wait for it or cancel it.`, { kind: 'busy' });
      }
      evaluating = checkpoint;
      const t0 = Date.now();
      try {
        report('reading the checkpoint', 0);
        const meta = readCheckpointMeta(checkpoint);
        const config: RunConfig = resolveConfig(meta.config);
        let runConfig: RunConfig | undefined;
        try {
          runConfig = loadConfigFile(join(runDir, 'config.json'));
        } catch {
          runConfig = undefined; // a broken config.json does not stop evaluating a checkpoint
        }
        report(`loading ${config.data.dataset}`, 5);
        const dataset = await datasetFor(config, [runConfig?.data.path]);
        if (token.isCancellationRequested) return cancelled();
        report('restoring the models', 10);
        const { trainer } = await openCheckpoint(checkpoint, (line) => log(line, 'info', runDir), dataset);
        try {
          if (meta.optimizerSteps.ssl === 0) log(`${basename(checkpoint)} is a VAE-phase checkpoint: its encoder never trained, so the probe measures random features`, 'warn', runDir);
          const epochs = params.epochs ?? (config.eval.probeEpochs > 0 ? config.eval.probeEpochs : EVALUATE_DEFAULT_PROBE_EPOCHS);
          let ev;
          try {
            ev = await evalJob(trainer, { probeEpochs: epochs, progress: report, cancelled: () => token.isCancellationRequested });
          } catch (e) {
            if (e instanceof EvalCancelled) return cancelled();
            throw e;
          }
          if (token.isCancellationRequested || !ev.probe) return cancelled();
          const record = storeEvaluation(runDir, checkpoint, meta.position, config, ev.knnAccuracy, ev.probe, (Date.now() - t0) / 1000);
          log(`evaluated ${basename(checkpoint)}: kNN ${(ev.knnAccuracy * 100).toFixed(2)}%, ${describeProbe(ev.probe)}; stored in ${resultFile}`, 'info', runDir);
          report('done', 100);
          return { runDir, checkpoint, record };
        } finally {
          trainer.dispose();
        }
      } finally {
        evaluating = undefined;
      }
    }),
  );
}

