/** idaa/inspect: decompose and attack samples at a checkpoint, by default as training attacks them (cancellable). */
import { drawIndices, inspectTrainer } from '../engine';
import type { Dataset } from '../engine/data/types';
import type { InspectTrainerOptions } from '../engine/inspect/trainerInspect';
import { encodeImagePixels, encodePixels, InspectRequest, type InspectParams } from '../protocol/worker';
import { connection, reporter } from './context';
import { openRequested, runInfo } from './opened';
import { cancelled, guarded } from './wire';

/** What an inspection request asks of the trainer's inspector (indices drawn with `seed` when not given). */
export function requestOptions(params: Omit<InspectParams, 'checkpoint'>, ds: Dataset): InspectTrainerOptions & { indices: number[] } {
  const split = params.split ?? 'test';
  const n = (split === 'train' ? ds.train : ds.test).count;
  return {
    indices: params.indices ?? drawIndices(n, params.count ?? 8, params.seed ?? 0),
    split,
    eps: params.eps,
    steps: params.steps,
    mode: params.mode,
    batchSize: params.batchSize,
    batchSeed: params.batchSeed ?? params.seed ?? 0,
    augmentSeed: params.augment?.seed,
    augmentOff: params.augment?.off,
  };
}

export function registerInspectRequest(): void {
  connection.onRequest(
    InspectRequest.type,
    guarded(async (params, token) => {
      const report = reporter(params.progressToken);
      // The inspector asks again for every control change (ε, steps, seed): the checkpoint stays
      // opened, so only the first request pays for reading it and restoring the models.
      const { file: checkpoint, opened } = await openRequested(params.checkpoint, report);
      if (token.isCancellationRequested) return cancelled();
      const { trainer } = opened;
      const ds = trainer.dataset;
      try {
        if (token.isCancellationRequested) return cancelled();
        const split = params.split ?? 'test';
        report('decomposing and attacking', 70);
        const r = inspectTrainer(trainer, requestOptions(params, ds), opened.inspector);
        report('done', 100);
        const shape = r.images.shape;
        return {
          checkpoint: params.checkpoint.startsWith('live:') ? checkpoint : params.checkpoint,
          split,
          eps: r.eps,
          steps: r.steps,
          lossBefore: r.lossBefore,
          lossAfter: r.lossAfter,
          samples: r.samples,
          run: runInfo(opened),
          attack: r.attack,
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
}
