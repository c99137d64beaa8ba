/**
 * The inspector worker's open checkpoints: models restored from a checkpoint file on disk (never the
 * training worker's memory), each with its SampleInspector, so a request that changes only ε,
 * steps or mode reuses the decomposition.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError, loadConfigFile, openCheckpoint, resolveConfig, SampleInspector } from '../engine';
import type { CheckpointMeta, RunConfig } from '../engine';
// Only the header parser: the inspector must know a checkpoint's dataset before anything opens it.
import { readCheckpointHeader } from '../engine/checkpoint/format';
import type { InspectRunInfo } from '../protocol/worker';
import { log, paths } from './context';
import { datasetFor } from './datasets';

export type Opened = Awaited<ReturnType<typeof openCheckpoint>> & { config: RunConfig; meta: CheckpointMeta; inspector: SampleInspector };
const KEPT_OPEN = 2;
let inspected: Array<{ key: string; opened: Promise<Opened> }> = [];

/** A checkpoint's metadata, reading its prefix and header only (not the tensors). */
export function readCheckpointMeta(file: string): CheckpointMeta {
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

/**
 * The checkpoints inspected last, kept open (keyed by path, size and time, so a rewrite is seen):
 * two, so comparing two checkpoints side by side does not reload one at every request.
 */
export function openInspected(checkpoint: string, report: (m: string, p?: number) => void): Promise<Opened> {
  const st = statSync(checkpoint);
  const key = `${resolve(checkpoint)}|${st.size}|${st.mtimeMs}`;
  const hit = inspected.find((e) => e.key === key);
  if (hit) {
    inspected = [hit, ...inspected.filter((e) => e !== hit)];
    return hit.opened;
  }
  const evicted = inspected.slice(KEPT_OPEN - 1);
  inspected = inspected.slice(0, KEPT_OPEN - 1);
  const opened = (async (): Promise<Opened> => {
    for (const e of evicted) {
      await e.opened.then((o) => {
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
  inspected = [{ key, opened }, ...inspected];
  opened.catch(() => {
    inspected = inspected.filter((e) => e.opened !== opened);
  });
  return opened;
}

/** The checkpoint a request names (a path or `live:<runDir>`, inside the runs folder), opened. */
export async function openRequested(choice: string, report: (m: string, p?: number) => void): Promise<{ file: string; opened: Opened }> {
  const file = paths.checkpoint(choice);
  if (file === undefined) throw new CheckpointError(choice, 'the run has not written a checkpoint yet');
  if (!existsSync(file)) throw new CheckpointError(choice, 'no such file');
  return { file, opened: await openInspected(file, report) };
}

/** What the checkpoint was trained with and how far: the inspector opens at these values and flags an untrained encoder. */
export function runInfo({ config: c, meta }: Opened): InspectRunInfo {
  const { enabled, eps, steps, alpha } = c.idaa;
  return { phase: meta.position.phase, optimizerSteps: { ...meta.optimizerSteps }, method: c.ssl.method, idaa: { enabled, eps, steps, alpha }, augment: c.augment, seed: c.seed, batchSize: c.ssl.batchSize };
}

