import * as tf from '@tensorflow/tfjs-core';
import { testTransform } from '../augment/simclr';
import type { RunConfig } from '../config/types';
import type { Dataset, Split } from '../data/types';
import { configuredProbe, describeProbe, FeatureSet } from '../eval/configuredProbe';
import { knnAccuracy } from '../eval/knn';
import { evalJob, openDataset } from '../jobs';
import { channelStats, gatherBatch } from '../train/batches';
import { Trainer } from '../train/trainer';
import { IdaaError } from '../../common/errors';
import type { CalibrationName } from './rows';

export interface CalibrationResult {
  knn: number;
  probe?: Awaited<ReturnType<typeof configuredProbe>>;
}

/**
 * A calibration row: the same kNN monitor and linear probe as every trained row, on features that
 * took no training, so a reader can tell what training added.
 *  - raw-pixels: the test-transformed, normalised pixels (the dataset's own channels), flattened.
 *  - random-encoder: the run config's encoder (SimCLR's by default) at its random initialisation
 *    for the seed, in inference mode: kNN on the features eval.knnFeatures names and the probe on its
 *    backbone features, as a trained row. Its seed's initialisation is the one the same seed's SimCLR rows start from.
 */
export async function evaluateCalibration(name: CalibrationName, config: RunConfig, log?: (line: string) => void): Promise<CalibrationResult> {
  const ds = await openDataset(config, log);
  if (ds.test.count === 0) throw new IdaaError(`${ds.name}: the test split is empty: the calibration rows need test images (data.testLimit)`);
  if (name === 'random-encoder') {
    const trainer = new Trainer(config, ds);
    try {
      const ev = await evalJob(trainer, { log });
      return { knn: ev.knnAccuracy, probe: ev.probe };
    } finally {
      trainer.dispose();
    }
  }
  const train = pixelFeatures(ds, ds.train, config);
  const test = pixelFeatures(ds, ds.test, config);
  const e = config.eval;
  const knn = knnAccuracy(train.data, train.labels, test.data, test.labels, train.dim, ds.classNames.length, { k: e.knnK, sigma: e.knnSigma });
  log?.(`raw-pixel kNN accuracy (K = ${e.knnK}, σ = ${e.knnSigma}): ${(knn * 100).toFixed(2)}%`);
  if (e.probeEpochs <= 0) return { knn };
  const probe = await configuredProbe(config, train, test, ds.classNames.length);
  log?.(describeProbe(probe));
  return { knn, probe };
}

/** Flattened normalised pixels of a split at the run's image size, in batches (no split-sized tensor). */
function pixelFeatures(ds: Dataset, split: Split, config: RunConfig): FeatureSet {
  const size = config.data.imageSize;
  const stats = channelStats(ds, ds.channels);
  const dim = size * size * ds.channels;
  const data = new Float32Array(split.count * dim);
  const batch = 256;
  for (let start = 0; start < split.count; start += batch) {
    const idx = Array.from({ length: Math.min(batch, split.count - start) }, (_, i) => start + i);
    const x = tf.tidy(() => testTransform(gatherBatch(ds, split, idx, ds.channels), { size, mean: stats.mean, std: stats.std }));
    data.set(x.dataSync(), start * dim);
    x.dispose();
  }
  return { data, dim, labels: split.labels };
}
