/**
 * idaa/evaluateCheckpoint: the kNN monitor and a linear probe on frozen backbone features at a
 * checkpoint, as `idaa eval` and the demo run them (src/engine/jobs.ts evalJob), with progress on
 * the request's token and cancellation between probe epochs. The result is stored with the run
 * (`<run>/linear-probe.json`, src/common/runs/linearProbe.ts) and returned.
 *
 * The probe itself is the engine's `trainLinearProbe` (src/engine/eval/linearProbe.ts), called
 * through its public options only.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ResponseError } from 'vscode-languageserver/node';
import { CheckpointError, IdaaError, loadConfigFile, openCheckpoint, readManifest, resolveConfig } from '../engine';
import type { RunConfig } from '../engine';
import { knnAccuracy } from '../engine/eval/knn';
import { trainLinearProbe } from '../engine/eval/linearProbe';
import { linearProbePath, LinearProbeRecord, storeLinearProbe } from '../common/runs/linearProbe';
import { EVALUATE_DEFAULT_PROBE_EPOCHS, EvaluateCheckpointRequest, EvaluateCheckpointResult, WorkerErrorCodes, WorkerErrorData } from '../protocol/worker';
import { registerConfigCheckRequest } from './configCheck';
import { connection, log, paths, reporter } from './context';
import { datasetFor } from './datasets';
// The dataset must be known (and its folder checked) before the checkpoint opens: its header first.
import { readCheckpointMeta } from './opened';
import { cancelled, guarded } from './wire';

/** One evaluation at a time: each holds a second copy of the models and the features of both splits. */
let evaluating: string | undefined;

class Cancelled extends Error {}

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
          const ds = trainer.dataset;
          report('kNN monitor: features', 20);
          const trP = await trainer.knnFeatures(ds.train);
          const teP = await trainer.knnFeatures(ds.test);
          if (token.isCancellationRequested) return cancelled();
          const knn = knnAccuracy(trP.data, ds.train.labels, teP.data, ds.test.labels, trP.dim, ds.classNames.length, { k: config.eval.knnK, sigma: config.eval.knnSigma });
          report(`kNN ${(knn * 100).toFixed(1)}%; linear probe: features`, 35);
          const trH = await trainer.features(ds.train, 256, 'backbone');
          const teH = await trainer.features(ds.test, 256, 'backbone');
          if (token.isCancellationRequested) return cancelled();
          const epochs = params.epochs ?? (config.eval.probeEpochs > 0 ? config.eval.probeEpochs : EVALUATE_DEFAULT_PROBE_EPOCHS);
          report(`linear probe: 0/${epochs} epochs`, 50);
          let probe;
          try {
            probe = await trainLinearProbe({ features: trH.data, labels: ds.train.labels }, { features: teH.data, labels: ds.test.labels }, trH.dim, ds.classNames.length, {
              epochs,
              lr: config.eval.probeLr,
              batchSize: config.eval.probeBatchSize,
              seed: config.seed,
              onEpoch: (e, _loss, acc) => {
                // The probe awaits between epochs, so a cancellation arrives here.
                if (token.isCancellationRequested) throw new Cancelled();
                report(`linear probe: ${e + 1}/${epochs} epochs, test ${(acc * 100).toFixed(1)}%`, 50 + (50 * (e + 1)) / epochs);
              },
            });
          } catch (e) {
            if (e instanceof Cancelled) return cancelled();
            throw e;
          }
          if (token.isCancellationRequested) return cancelled();
          const entry = readManifestQuietly(runDir).find((c) => c.file === basename(checkpoint));
          const record: LinearProbeRecord = {
            checkpoint: basename(checkpoint),
            phase: entry?.phase ?? meta.position.phase,
            epoch: entry?.epoch ?? meta.position.epoch,
            step: entry?.step ?? meta.position.globalStep,
            knnAccuracy: knn,
            probe: { finalTestAccuracy: probe.finalTestAccuracy, trainAccuracy: probe.trainAccuracy, epochs, lr: config.eval.probeLr, batchSize: config.eval.probeBatchSize, perEpochTestAccuracy: [...probe.perEpochTestAccuracy] },
            seconds: (Date.now() - t0) / 1000,
            createdAt: new Date().toISOString(),
          };
          storeLinearProbe(runDir, record);
          log(`evaluated ${basename(checkpoint)}: kNN ${(knn * 100).toFixed(2)}%, linear probe ${(probe.finalTestAccuracy * 100).toFixed(2)}% (final, ${epochs} epochs); stored in ${resultFile}`, 'info', runDir);
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

function readManifestQuietly(runDir: string) {
  try {
    return readManifest(runDir).checkpoints;
  } catch {
    return [];
  }
}
