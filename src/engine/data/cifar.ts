/**
 * CIFAR-10 and CIFAR-100 in their binary versions (cifar-10-binary.tar.gz,
 * cifar-100-binary.tar.gz, extracted). Each record is the label byte(s) and then 3,072 pixel
 * bytes in CHW order (1,024 red, 1,024 green, 1,024 blue, rows top to bottom), converted here to
 * HWC like every other reader.
 *
 *   cifar-10-batches-bin/  data_batch_1.bin .. data_batch_5.bin, test_batch.bin, batches.meta.txt
 *                          record = label (0..9) + 3072
 *   cifar-100-binary/      train.bin, test.bin, fine_label_names.txt, coarse_label_names.txt
 *                          record = coarse label (0..19) + fine label (0..99) + 3072
 */
import { basename, join } from 'node:path';
import { DatasetError } from '../../common/errors';
import { exists, formatCount, isDir, isFile, noLog, readBytes, statOrUndefined, type LogFn } from './files';
import type { Dataset, Split } from './types';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
/** A class-names file is a few KB; anything near this is not one. */
const MAX_NAMES_BYTES = 16 * 1024 * 1024;

export const CIFAR10_CLASSES: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

interface Layout {
  readonly title: string;
  readonly folder: string;
  readonly pythonFolder: string;
  readonly archive: string;
  readonly train: readonly string[];
  readonly test: readonly string[];
}

const CIFAR10: Layout = {
  title: 'CIFAR-10',
  folder: 'cifar-10-batches-bin',
  pythonFolder: 'cifar-10-batches-py',
  archive: 'cifar-10-binary.tar.gz',
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};

const CIFAR100: Layout = {
  title: 'CIFAR-100',
  folder: 'cifar-100-binary',
  pythonFolder: 'cifar-100-python',
  archive: 'cifar-100-binary.tar.gz',
  train: ['train.bin'],
  test: ['test.bin'],
};

/**
 * The folder holding the files: `path` itself, or its `layout.folder` child when `path` is the
 * parent the archive was extracted into. Missing files are reported with the full list.
 */
function resolveDir(path: string, layout: Layout, namesFile: string): string {
  const st = statOrUndefined(path);
  if (!st) {
    throw new DatasetError(path, `folder not found; expected the ${layout.title} binary folder ${layout.folder}/ or the folder that contains it`);
  }
  if (!st.isDirectory()) {
    throw new DatasetError(path, `is a file, expected the ${layout.title} binary folder ${layout.folder}/ (extract ${layout.archive} first)`);
  }
  const needed = [...layout.train, ...layout.test];
  // Presence, not isFile: a FIFO or folder by one of these names is refused by its kind when read.
  const dir = !needed.some((f) => exists(join(path, f))) && isDir(join(path, layout.folder)) ? join(path, layout.folder) : path;
  const missing = needed.filter((f) => !exists(join(dir, f)));
  if (missing.length > 0) {
    // The Python (pickle) download looks similar but cannot be read here.
    const python = isDir(join(path, layout.pythonFolder)) || basename(dir) === layout.pythonFolder || isFile(join(dir, `${needed[0].replace(/\.bin$/, '')}`));
    const hint = python ? ` This looks like the Python version; download the binary version (${layout.archive}).` : '';
    throw new DatasetError(
      join(dir, missing[0]),
      `file not found (missing: ${missing.join(', ')}); a ${layout.title} folder needs ${needed.join(', ')} and ${namesFile} in ${dir}.${hint}`,
    );
  }
  return dir;
}

/** Class names from a text file, one per line; the known names when the file is absent. */
async function readNames(file: string, count: number, fallback: readonly string[] | undefined, log: LogFn): Promise<readonly string[]> {
  if (!exists(file)) {
    if (fallback) {
      log(`${file}: not found; using the standard class names`);
      return fallback;
    }
    log(`${file}: not found; naming classes by number`);
    return Array.from({ length: count }, (_, i) => String(i));
  }
  const names = (await readBytes(file, 'class-names file', MAX_NAMES_BYTES))
    .toString('utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== count) throw new DatasetError(file, `has ${names.length} class names, expected ${count}`);
  return names;
}

interface LabelSpec {
  readonly name: string;
  readonly classes: number;
}

/**
 * Decodes one batch file: `labels` describes the label bytes at the start of each record, and
 * `use` picks which of them becomes the label.
 */
export function parseCifarBatch(bytes: Uint8Array, file: string, labels: readonly LabelSpec[], use: number): Split {
  const recordSize = labels.length + PIXELS;
  if (bytes.length === 0) throw new DatasetError(file, 'empty file: no records');
  if (bytes.length % recordSize !== 0) {
    const whole = Math.floor(bytes.length / recordSize);
    throw new DatasetError(
      file,
      `truncated record: ${formatCount(bytes.length)} bytes is not a whole number of ${recordSize}-byte records; ` +
        `record ${formatCount(whole)} (counting from 0) has only ${bytes.length - whole * recordSize} of ${recordSize} bytes`,
    );
  }
  const count = bytes.length / recordSize;
  const images = new Uint8Array(count * PIXELS);
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const rec = r * recordSize;
    labels.forEach((spec, k) => {
      const v = bytes[rec + k];
      if (v >= spec.classes) {
        throw new DatasetError(file, `record ${r} has ${spec.name} ${v}, outside 0..${spec.classes - 1}`);
      }
    });
    out[r] = bytes[rec + use];
    // CHW -> HWC: pixel p of plane ch goes to p * 3 + ch.
    const src = rec + labels.length;
    const dst = r * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      images[dst + p * 3] = bytes[src + p];
      images[dst + p * 3 + 1] = bytes[src + PLANE + p];
      images[dst + p * 3 + 2] = bytes[src + 2 * PLANE + p];
    }
  }
  return { images, labels: out, count };
}

async function readSplit(dir: string, files: readonly string[], labels: readonly LabelSpec[], use: number): Promise<Split> {
  const parts: Split[] = [];
  for (const f of files) parts.push(parseCifarBatch(await readBytes(join(dir, f), 'CIFAR batch file'), join(dir, f), labels, use));
  if (parts.length === 1) return parts[0];
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * PIXELS);
  const out = new Int32Array(count);
  let n = 0;
  for (const p of parts) {
    images.set(p.images, n * PIXELS);
    out.set(p.labels, n);
    n += p.count;
  }
  return { images, labels: out, count };
}

/**
 * The reference normalises CIFAR with fixed constants (its transforms.Normalize), not the data's
 * own statistics (std ≈ 0.247 on CIFAR-10): kept so that weights move between the two unchanged.
 */
export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR_STD = [0.2023, 0.1994, 0.201] as const;

function dataset(name: string, classNames: readonly string[], train: Split, test: Split): Dataset {
  return { name, height: SIDE, width: SIDE, channels: 3, classNames, train, test, mean: [...CIFAR_MEAN], std: [...CIFAR_STD] };
}

export interface CifarOptions {
  log?: LogFn;
}

/** CIFAR-10 from `cifar-10-batches-bin/` or its parent: 50,000 / 10,000, 32×32×3. */
export async function loadCifar10(path: string, opts: CifarOptions = {}): Promise<Dataset> {
  const dir = resolveDir(path, CIFAR10, 'batches.meta.txt');
  const labels = [{ name: 'label', classes: 10 }];
  const classNames = await readNames(join(dir, 'batches.meta.txt'), 10, CIFAR10_CLASSES, opts.log ?? noLog);
  const train = await readSplit(dir, CIFAR10.train, labels, 0);
  const test = await readSplit(dir, CIFAR10.test, labels, 0);
  return dataset('cifar10', classNames, train, test);
}

export interface Cifar100Options extends CifarOptions {
  /** Which label to use: the 100 fine classes (default) or the 20 coarse superclasses. */
  labels?: 'fine' | 'coarse';
}

/** CIFAR-100 from `cifar-100-binary/` or its parent: 50,000 / 10,000, 32×32×3. */
export async function loadCifar100(path: string, opts: Cifar100Options = {}): Promise<Dataset> {
  const coarse = opts.labels === 'coarse';
  const namesFile = coarse ? 'coarse_label_names.txt' : 'fine_label_names.txt';
  const dir = resolveDir(path, CIFAR100, namesFile);
  const labels = [
    { name: 'coarse label', classes: 20 },
    { name: 'fine label', classes: 100 },
  ];
  const classNames = await readNames(join(dir, namesFile), coarse ? 20 : 100, undefined, opts.log ?? noLog);
  const train = await readSplit(dir, CIFAR100.train, labels, coarse ? 0 : 1);
  const test = await readSplit(dir, CIFAR100.test, labels, coarse ? 0 : 1);
  return dataset(coarse ? 'cifar100-coarse' : 'cifar100', classNames, train, test);
}
