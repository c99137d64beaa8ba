/** idaa/inspectSweep and idaa/classTable: the inspector's comparisons over many attacks (cancellable, with progress). */
import { classTable, drawIndices, SampleInspector, sweepEps, trainerInspectOptions } from '../engine';
import { ClassTableRequest, encodeImagePixels, InspectSweepRequest } from '../protocol/worker';
import { connection, reporter } from './context';
import { requestOptions } from './inspect';
import { openRequested } from './opened';
import { cancelled, guarded } from './wire';

const MAX_SWEEP = 32;
const MAX_CLASS_SAMPLES = 4096;

export function registerCompareRequests(): void {
  connection.onRequest(
    InspectSweepRequest.type,
    guarded(async (params, token) => {
      const report = reporter(params.progressToken);
      const epsList = params.epsList;
      if (!Array.isArray(epsList) || epsList.length === 0 || epsList.length > MAX_SWEEP || !epsList.every((e) => typeof e === 'number' && Number.isFinite(e) && e >= 0)) {
        throw new RangeError(`epsList: 1 to ${MAX_SWEEP} radii ≥ 0 expected`);
      }
      const { file, opened } = await openRequested(params.checkpoint, report);
      if (token.isCancellationRequested) return cancelled();
      const { trainer } = opened;
      const opts = trainerInspectOptions(trainer, requestOptions(params, trainer.dataset));
      try {
        // The panel's inspector: the sweep's samples are the shown ones, already decomposed.
        const points = sweepEps(opened.inspector, opts, epsList, (done) => {
          report(`ε ${done} of ${epsList.length}`, Math.round((100 * done) / epsList.length));
          return !token.isCancellationRequested;
        });
        if (token.isCancellationRequested) return cancelled();
        const last = opened.inspector.inspect({ ...opts, eps: epsList[0]! });
        const shape = last.images.shape;
        return {
          checkpoint: params.checkpoint.startsWith('live:') ? file : params.checkpoint,
          split: opts.split,
          steps: opts.steps,
          attack: last.attack,
          x: encodeImagePixels(shape, last.images.x),
          points: points.map((p) => ({ eps: p.eps, samples: p.samples, lossAfter: p.lossAfter, xAdv: encodeImagePixels(shape, p.xAdv) })),
        };
      } finally {
        report('done', 100);
      }
    }),
  );

  connection.onRequest(
    ClassTableRequest.type,
    guarded(async (params, token) => {
      const report = reporter(params.progressToken);
      const { file, opened } = await openRequested(params.checkpoint, report);
      if (token.isCancellationRequested) return cancelled();
      const { trainer } = opened;
      const ds = trainer.dataset;
      const split = params.split ?? 'test';
      const n = (split === 'train' ? ds.train : ds.test).count;
      const count = Math.min(n, Math.max(2, Math.min(MAX_CLASS_SAMPLES, params.count ?? 256)));
      const indices = drawIndices(n, count, params.seed ?? 0);
      const batchSize = params.batchSize ?? trainer.config.ssl.batchSize;
      const { indices: _shown, batchSize: _b, ...opts } = trainerInspectOptions(trainer, { indices: [], split, eps: params.eps, steps: params.steps, mode: params.mode });
      // Its own inspector: the panel's keeps the shown samples decomposed.
      const inspector = new SampleInspector(trainer.vae, trainer.method, ds);
      try {
        const table = classTable(inspector, opts, indices, batchSize, ds.classNames, (done) => {
          report(`${done} of ${count} samples`, Math.round((100 * done) / count));
          return !token.isCancellationRequested;
        });
        if (token.isCancellationRequested) return cancelled();
        return { checkpoint: params.checkpoint.startsWith('live:') ? file : params.checkpoint, split, eps: opts.eps, steps: opts.steps, mode: opts.mode ?? 'training', batchSize, samples: table.samples, rows: table.rows };
      } finally {
        inspector.dispose();
        report('done', 100);
      }
    }),
  );
}
