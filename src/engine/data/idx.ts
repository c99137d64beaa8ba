/**
 * Reader for IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic (two zero bytes,
 * a data-type code, the number of dimensions), one big-endian uint32 per dimension, then the
 * values. Only unsigned-byte data (type 0x08) is used by these datasets, so only it is read.
 * Gzip-compressed files (as distributed, *.gz) are recognised by their content.
 */
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../../common/errors';
import { MAX_READ_BYTES } from '../../common/fileGuard';
import { errorMessage, exists, formatCount, isFile, readBytes } from './files';
import { channelStats } from './stats';
import type { Dataset, Split } from './types';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  readonly dims: number[];
  /** The values, a view into the file's bytes. */
  readonly data: Uint8Array;
}

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count * rows * cols bytes, row-major. */
  readonly data: Uint8Array;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * Undoes gzip when the bytes start with its magic (1f 8b); IDX files start with 00 00. The output
 * is capped like a read (a few hundred KB of gzip can expand to gigabytes).
 */
export function maybeGunzip(bytes: Uint8Array, file: string, maxBytes = MAX_READ_BYTES): { bytes: Uint8Array; gzipped: boolean } {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return { bytes: gunzipSync(bytes, { maxOutputLength: maxBytes }), gzipped: true };
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DatasetError(file, `gzip data decompresses to more than ${formatCount(maxBytes)} bytes, the limit for an IDX file`);
      }
      throw new DatasetError(file, `corrupt gzip data: ${errorMessage(e)}`);
    }
  }
  return { bytes, gzipped: false };
}

/** Parses IDX bytes (already decompressed) whose magic must be `magic`. */
export function parseIdx(bytes: Uint8Array, file: string, magic: number, gzipped = false): IdxArray {
  const after = gzipped ? ' after decompression' : '';
  const kind = magic === IDX_IMAGES_MAGIC ? 'IDX image file' : magic === IDX_LABELS_MAGIC ? 'IDX label file' : 'IDX file';
  if (bytes.length < 4) {
    throw new DatasetError(file, `too short to be an ${kind}: ${bytes.length} bytes${after}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    const what = found === IDX_IMAGES_MAGIC ? ' (that of an image file)' : found === IDX_LABELS_MAGIC ? ' (that of a label file)' : '';
    throw new DatasetError(file, `not an ${kind}: magic number is ${hex(found)}${what}, expected ${hex(magic)}`);
  }
  const ndims = magic & 0xff;
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new DatasetError(file, `truncated header: expected at least ${headerLen} bytes${after}, found ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const values = dims.reduce((a, b) => a * b, 1);
  const expected = headerLen + values;
  const shape = dims.map(formatCount).join('×');
  if (bytes.length < expected) {
    throw new DatasetError(
      file,
      `truncated: expected ${formatCount(expected)} bytes${after} (${headerLen}-byte header + ${shape} values), found ${formatCount(bytes.length)}`,
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(
      file,
      `has ${formatCount(bytes.length)} bytes${after}, expected ${formatCount(expected)} (${headerLen}-byte header + ${shape} values): unexpected trailing data`,
    );
  }
  return { dims, data: bytes.subarray(headerLen) };
}

export async function readIdxImages(file: string): Promise<IdxImages> {
  const { bytes, gzipped } = maybeGunzip(await readBytes(file, 'IDX file'), file);
  const { dims, data } = parseIdx(bytes, file, IDX_IMAGES_MAGIC, gzipped);
  const [count, rows, cols] = dims as [number, number, number];
  if (rows === 0 || cols === 0) throw new DatasetError(file, `images have size ${rows}×${cols}`);
  return { count, rows, cols, data };
}

export async function readIdxLabels(file: string): Promise<Uint8Array> {
  const { bytes, gzipped } = maybeGunzip(await readBytes(file, 'IDX file'), file);
  return parseIdx(bytes, file, IDX_LABELS_MAGIC, gzipped).data;
}

/** Reads an images/labels file pair into a Split, checking counts and label range. */
export async function readIdxSplit(
  imagesFile: string,
  labelsFile: string,
  numClasses: number,
): Promise<{ split: Split; rows: number; cols: number }> {
  const [images, labels] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile)]);
  if (labels.length !== images.count) {
    throw new DatasetError(
      labelsFile,
      `has ${formatCount(labels.length)} labels but ${imagesFile} has ${formatCount(images.count)} images`,
    );
  }
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= numClasses) {
      throw new DatasetError(labelsFile, `label ${l} of item ${i} is out of range: there are ${numClasses} classes (0..${numClasses - 1})`);
    }
    out[i] = l;
  }
  return { split: { images: images.data, labels: out, count: images.count }, rows: images.rows, cols: images.cols };
}

/**
 * Finds `base` + one of the usual IDX suffixes in `dir` (dash or dot, optionally .gz): a regular
 * file first, else anything by that name, so that a FIFO or folder is refused by its kind.
 */
function findIdxFile(dir: string, base: string, kind: 'idx3' | 'idx1'): string {
  const candidates = [`${base}-${kind}-ubyte`, `${base}.${kind}-ubyte`].flatMap((n) => [join(dir, n), join(dir, `${n}.gz`)]);
  const found = candidates.find(isFile) ?? candidates.find(exists);
  if (found) return found;
  throw new DatasetError(
    candidates[0],
    `file not found; an IDX dataset folder needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may end in .gz) in ${dir}`,
  );
}

/**
 * Loads a folder with the four standard MNIST-layout IDX files (MNIST, Fashion-MNIST and
 * friends all ship this way), keeping their own train/test split.
 */
export async function loadIdxFolder(dir: string, name: string, classNames: readonly string[]): Promise<Dataset> {
  const files = {
    trainImages: findIdxFile(dir, 'train-images', 'idx3'),
    trainLabels: findIdxFile(dir, 'train-labels', 'idx1'),
    testImages: findIdxFile(dir, 't10k-images', 'idx3'),
    testLabels: findIdxFile(dir, 't10k-labels', 'idx1'),
  };
  const [train, test] = await Promise.all([
    readIdxSplit(files.trainImages, files.trainLabels, classNames.length),
    readIdxSplit(files.testImages, files.testLabels, classNames.length),
  ]);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DatasetError(
      files.testImages,
      `images are ${test.rows}×${test.cols} but ${files.trainImages} has ${train.rows}×${train.cols}`,
    );
  }
  const { mean, std } = channelStats(train.split, 1);
  return {
    name,
    height: train.rows,
    width: train.cols,
    channels: 1,
    classNames,
    train: train.split,
    test: test.split,
    mean,
    std,
  };
}
