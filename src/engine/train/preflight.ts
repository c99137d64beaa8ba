import { readCheckpointHeader } from '../checkpoint/format';
import { RunConfig } from '../config/types';
import { Dataset } from '../data/types';
import { CheckpointError, IdaaError } from '../../common/errors';
import type { CheckpointMeta } from './run';

/** The phases a job will still train. */
export interface PlannedPhases {
  vae: boolean;
  ssl: boolean;
}

/**
 * What can be known before the first step is checked before it, all problems at once: a run must
 * never train for an hour and then fail on something the data or the config said from the start.
 */
export function preflight(config: RunConfig, ds: Dataset, phases: PlannedPhases): void {
  const problems: string[] = [];
  const n = ds.train.count;
  if (phases.vae && n < config.vae.batchSize) problems.push(`the training split has ${n} images, fewer than one VAE batch (vae.batchSize ${config.vae.batchSize}): lower vae.batchSize or use more data (data.trainLimit)`);
  if (phases.ssl) {
    if (n < config.ssl.batchSize) problems.push(`the training split has ${n} images, fewer than one SSL batch (ssl.batchSize ${config.ssl.batchSize}): lower ssl.batchSize or use more data (data.trainLimit)`);
    if (ds.test.count === 0) problems.push('the test split is empty: the kNN monitor and the linear probe need test images (data.testLimit, or a dataset with a test split)');
    const s = config.ssl;
    if (s.method === 'mocov2' && (s.queueSize < 2 * s.batchSize || s.queueSize % (2 * s.batchSize) !== 0)) {
      problems.push(`ssl.queueSize ${s.queueSize} must be a multiple of 2 × ssl.batchSize (${2 * s.batchSize}): each step enqueues both views' keys`);
    }
    const classes = new Set(ds.train.labels);
    if (classes.size < 2) problems.push(`the training split holds ${classes.size} class${classes.size === 1 ? '' : 'es'}: the kNN monitor and the linear probe need at least two`);
  }
  if (problems.length) throw new IdaaError(`${ds.name}: cannot train this run:\n  ${problems.join('\n  ')}`);
}

/** Refuses a VAE checkpoint whose VAE never trained (e.g. a plain-SimCLR run's): IDAA would attack through a random decoder. */
export function checkVaeCheckpoint(file: string, config: RunConfig): CheckpointMeta {
  const { meta } = readCheckpointHeader<CheckpointMeta>(file).header;
  if (meta?.kind !== 'idaa-studio-checkpoint') throw new CheckpointError(file, 'not a training checkpoint of IDAA Studio');
  const trained = meta.optimizerSteps.vae > 0 || Boolean(meta.config.vae.checkpoint);
  if (!trained) throw new CheckpointError(file, `its VAE was never trained (the run ${meta.config.idaa.enabled ? 'had not reached the end of VAE pre-training' : 'was plain SimCLR, without IDAA'}): give the checkpoint of a run that pre-trained its VAE, e.g. its vae-final.ckpt`);
  const a = meta.config;
  const diffs = (['width', 'latentDim'] as const).filter((k) => a.vae[k] !== config.vae[k]).map((k) => `vae.${k} ${a.vae[k]} there, ${config.vae[k]} here`);
  if (a.data.imageSize !== config.data.imageSize) diffs.push(`data.imageSize ${a.data.imageSize} there, ${config.data.imageSize} here`);
  if (diffs.length) throw new CheckpointError(file, `its VAE does not fit this run's config (${diffs.join('; ')})`);
  return meta;
}
