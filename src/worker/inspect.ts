/** idaa/inspect: decompose and attack samples at a checkpoint, in inference mode (cancellable). */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError, inspectTrainer, loadConfigFile, openCheckpoint, resolveConfig, SampleInspector } from '../engine';
import type { CheckpointMeta, RunConfig } from '../engine';
// Only the header parser: the inspector must know a checkpoint's dataset before anything opens it.
import { readCheckpointHeader } from '../engine/checkpoint/format';
import { encodeImagePixels, encodePixels, InspectRequest, type InspectRunInfo } from '../protocol/worker';
import { connection, log, paths, reporter } from './context';
import { datasetFor } from './datasets';
import { cancelled, guarded } from './wire';

type Opened = Awaited<ReturnType<typeof openCheckpoint>> & { config: RunConfig; meta: CheckpointMeta; inspector: SampleInspector };
let inspected: { key: string; opened: Promise<Opened> } | undefined;

/** A checkpoint's metadata, reading its prefix and header only (not the tensors). */
function readCheckpointMeta(file: string): CheckpointMeta {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(16, size));
    readSync(fd, prefix, 0, prefix.length, 0);
    const headerLen = prefix.length === 16 ? prefix.readUInt32LE(8) : 0;
    const buf = Buffer.alloc(Math.min(16 + headerLen, size));
    readSync(fd, buf, 0, buf.length, 0);
    const meta = readCheckpointHeader<CheckpointMeta>(file, buf).header.meta;
    if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
    return meta;
  } finally {
    closeSync(fd);
  }
}

/** The config.json of the run holding `checkpoint` (`<run>/checkpoints/<file>`), when there is one inside the runs folder. */
function runConfigOf(checkpoint: string): RunConfig | undefined {
  const file = join(checkpoint, '..', '..', 'config.json');
  try {
    paths.inRuns(file, 'read', { what: 'run file' });
  } catch {
    return undefined; // a checkpoint not in a run folder: no run config names its dataset
  }
  if (!existsSync(file)) return undefined;
  try {
    return loadConfigFile(file);
  } catch {
    return undefined;
  }
}

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
    // The checkpoint's own config names its dataset; that folder may be read only when it is the
    // one the run's config.json names (or lies in the runs folder).
    const meta = readCheckpointMeta(checkpoint);
    const config = resolveConfig(meta.config);
    const dataset = await datasetFor(config, [runConfigOf(checkpoint)?.data.path]);
    report('restoring the models', 40);
    const o = await openCheckpoint(checkpoint, (line) => log(line), dataset);
    // Kept with the models: a request that changes only ε or steps reuses its decomposition.
    return { ...o, config, meta, inspector: new SampleInspector(o.trainer.vae, o.trainer.method, o.trainer.dataset) };
  })();
  inspected = { key, opened };
  opened.catch(() => {
    if (inspected?.opened === opened) inspected = undefined;
  });
  return opened;
}

/** What the checkpoint was trained with and how far: the inspector opens at these values and flags an untrained encoder. */
function runInfo({ config: c, meta }: Opened): InspectRunInfo {
  const { enabled, eps, steps, alpha } = c.idaa;
  return { phase: meta.position.phase, optimizerSteps: { ...meta.optimizerSteps }, method: c.ssl.method, idaa: { enabled, eps, steps, alpha }, augment: c.augment, seed: c.seed };
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

export function registerInspectRequest(): void {
  connection.onRequest(
    InspectRequest.type,
    guarded(async (params, token) => {
      const report = reporter(params.progressToken);
      // A path or `live:<runDir>`; either way inside the runs folder.
      const checkpoint = paths.checkpoint(params.checkpoint);
      if (checkpoint === undefined) throw new CheckpointError(params.checkpoint, 'the run has not written a checkpoint yet');
      if (!existsSync(checkpoint)) throw new CheckpointError(params.checkpoint, 'no such file');
      // The inspector asks again for every control change (ε, steps, seed): keep the last checkpoint
      // opened, so only the first request pays for reading it and restoring the models.
      const opened = await openInspected(checkpoint, report);
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
          checkpoint: params.checkpoint.startsWith('live:') ? checkpoint : params.checkpoint,
          split,
          eps: r.eps,
          steps: r.steps,
          lossBefore: r.lossBefore,
          lossAfter: r.lossAfter,
          samples: r.samples,
          run: runInfo(opened),
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
