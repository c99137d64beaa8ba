/** Datasets: the last few loaded are kept, keyed by the config's data section; and idaa/datasetSamples. */
import { DatasetError, loadConfigFile, openDataset, runPaths } from '../engine';
import type { Dataset, RunConfig } from '../engine';
import { DatasetSamplesRequest, encodePixels } from '../protocol/worker';
import { connection, log, paths, reporter } from './context';
import { cancelled, guarded } from './wire';

const datasets = new Map<string, Promise<Dataset>>();

/**
 * The dataset `config` names. Its folder (`data.path`) must lie in the runs folder or be one of
 * `named`: the dataset folders of the run's own config.json, the only outside folders the worker
 * reads.
 */
export function datasetFor(config: RunConfig, named: ReadonlyArray<string | undefined>): Promise<Dataset> {
  paths.dataset(config, named);
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

export function registerDatasetRequests(): void {
  connection.onRequest(
    DatasetSamplesRequest.type,
    guarded(async (params, token) => {
      const report = reporter(params.progressToken);
      report('reading the run config', 0);
      const runDir = paths.runDir(params.runDir, 'read');
      const config = loadConfigFile(runPaths(runDir).config);
      if (token.isCancellationRequested) return cancelled();
      report(`loading ${config.data.dataset}`, 10);
      // The run's own config names the dataset, so its folder may be read.
      const ds = await datasetFor(config, [config.data.path]);
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
}
