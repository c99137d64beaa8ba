/**
 * The packed dataset format (.idaapack): a whole Dataset in one file that loads with one read
 * and no parsing, used for the Fashion-MNIST cache and for datasets shipped with the extension.
 *
 * Version 1. All integers are unsigned 32-bit little-endian.
 *
 *   offset  size  field
 *   0       8     magic, ASCII "IDAAPACK"
 *   8       4     version (1)
 *   12      4     J, byte length of the JSON metadata
 *   16      4     height
 *   20      4     width
 *   24      4     channels (1 or 3)
 *   28      4     class count K
 *   32      4     train count
 *   36      4     test count
 *   40      4     label width L in bytes: 1 when K <= 256, else 2 (little-endian)
 *   44      4     reserved, 0
 *   48      J     UTF-8 JSON {name, classNames, mean, std, source?}
 *   ...           train pixels (train count * height * width * channels, NHWC uint8)
 *   ...           train labels (train count * L)
 *   ...           test pixels, then test labels, likewise
 *   end-4   4     CRC-32 (IEEE 802.3, as zlib/gzip) of every byte before it
 *
 * A reader checks the magic, version, exact length, checksum, metadata and label range, so a
 * truncated or damaged file is reported, never half-loaded.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { DatasetError } from '../../common/errors';
import { errorMessage, formatCount, readBytesSync } from './files';
import type { Dataset, Split } from './types';

export const PACKED_MAGIC = 'IDAAPACK';
export const PACKED_VERSION = 1;
const HEADER_BYTES = 48;

/** What a packed file carries besides the Dataset. */
export interface PackedFile {
  readonly dataset: Dataset;
  /** Free text the writer recorded about where the data came from (cache invalidation). */
  readonly source?: string;
}

// ---- CRC-32 -------------------------------------------------------------------------------

let table: Uint32Array | undefined;

/** Plain table-driven CRC-32, for Node builds without zlib.crc32 (added in 20.15 / 22.2). */
export function crc32Js(data: Uint8Array, prev = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  const t = table;
  let crc = ~prev;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `prev`; native when the runtime has it. */
export function crc32(data: Uint8Array, prev = 0): number {
  // An empty view may have no backing memory; zlib then treats it as a NULL buffer and returns 0
  // instead of `prev`, silently restarting the checksum.
  if (data.length === 0) return prev >>> 0;
  return nativeCrc32 ? nativeCrc32(data, prev) >>> 0 : crc32Js(data, prev);
}

// ---- writing ------------------------------------------------------------------------------

function labelBytes(split: Split, width: 1 | 2): Uint8Array {
  if (width === 1) return Uint8Array.from(split.labels);
  const out = new Uint8Array(split.count * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < split.count; i++) view.setUint16(i * 2, split.labels[i], true);
  return out;
}

function checkSplit(file: string, ds: Dataset, which: 'train' | 'test'): void {
  const s = ds[which];
  const expected = s.count * ds.height * ds.width * ds.channels;
  if (s.images.length !== expected) {
    throw new DatasetError(file, `cannot write: ${which} has ${s.images.length} pixel bytes, expected ${expected} for ${s.count} images of ${ds.height}×${ds.width}×${ds.channels}`);
  }
  if (s.labels.length !== s.count) {
    throw new DatasetError(file, `cannot write: ${which} has ${s.labels.length} labels for ${s.count} images`);
  }
  for (let i = 0; i < s.count; i++) {
    const l = s.labels[i];
    if (l < 0 || l >= ds.classNames.length) {
      throw new DatasetError(file, `cannot write: ${which} label ${l} of item ${i} is outside 0..${ds.classNames.length - 1}`);
    }
  }
}

/**
 * Writes `ds` as a packed file. It goes to a temporary name first and is renamed into place, so
 * a reader (or a second process filling the same cache) never sees a half-written file.
 */
export function writePackedDataset(file: string, ds: Dataset, source?: string): void {
  if (ds.channels !== 1 && ds.channels !== 3) throw new DatasetError(file, `cannot write: channels is ${String(ds.channels)}, expected 1 or 3`);
  if (ds.classNames.length === 0 || ds.classNames.length > 65536) {
    throw new DatasetError(file, `cannot write: ${ds.classNames.length} classes (1..65536 are supported)`);
  }
  checkSplit(file, ds, 'train');
  checkSplit(file, ds, 'test');
  const width: 1 | 2 = ds.classNames.length <= 256 ? 1 : 2;
  const meta = Buffer.from(
    JSON.stringify({ name: ds.name, classNames: ds.classNames, mean: ds.mean, std: ds.std, ...(source !== undefined ? { source } : {}) }),
    'utf8',
  );
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(PACKED_MAGIC, 0, 'ascii');
  const fields = [PACKED_VERSION, meta.length, ds.height, ds.width, ds.channels, ds.classNames.length, ds.train.count, ds.test.count, width, 0];
  fields.forEach((v, i) => header.writeUInt32LE(v, 8 + 4 * i));
  const pieces: Uint8Array[] = [header, meta, ds.train.images, labelBytes(ds.train, width), ds.test.images, labelBytes(ds.test, width)];
  let crc = 0;
  for (const p of pieces) crc = crc32(p, crc);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(crc, 0);
  pieces.push(trailer);

  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    for (const p of pieces) {
      let off = 0;
      while (off < p.length) off += writeSync(fd, p, off, p.length - off);
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new DatasetError(file, `cannot write: ${errorMessage(e)}`);
  }
}

// ---- reading ------------------------------------------------------------------------------

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isNumberArray(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** Reads and fully validates a packed file. */
export function readPackedFile(file: string): PackedFile {
  return parsePacked(readBytesSync(file, 'packed dataset file'), file);
}

export function readPackedDataset(file: string): Dataset {
  return readPackedFile(file).dataset;
}

/** Parses packed bytes; `file` names them in errors. */
export function parsePacked(bytes: Uint8Array, file: string): PackedFile {
  if (bytes.length < HEADER_BYTES + 4) {
    throw new DatasetError(file, `truncated: ${bytes.length} bytes is shorter than the ${HEADER_BYTES + 4}-byte minimum of a packed dataset`);
  }
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1');
  if (magic !== PACKED_MAGIC) {
    throw new DatasetError(file, `not a packed dataset: starts with ${JSON.stringify(magic)}, expected "${PACKED_MAGIC}"`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (off: number): number => view.getUint32(off, true);
  const version = u32(8);
  if (version !== PACKED_VERSION) {
    throw new DatasetError(file, `packed dataset version ${version} is not supported (this build reads version ${PACKED_VERSION})`);
  }
  const metaLen = u32(12);
  const height = u32(16);
  const width = u32(20);
  const channels = u32(24);
  const numClasses = u32(28);
  const trainCount = u32(32);
  const testCount = u32(36);
  const lw = u32(40);
  if (channels !== 1 && channels !== 3) throw new DatasetError(file, `corrupt header: channels is ${channels}, expected 1 or 3`);
  if (lw !== 1 && lw !== 2) throw new DatasetError(file, `corrupt header: label width is ${lw}, expected 1 or 2`);
  if (height === 0 || width === 0 || numClasses === 0) {
    throw new DatasetError(file, `corrupt header: image size ${height}×${width}, ${numClasses} classes`);
  }
  const imageBytes = height * width * channels;
  const expected = HEADER_BYTES + metaLen + (trainCount + testCount) * (imageBytes + lw) + 4;
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? 'truncated' : 'has unexpected trailing data';
    throw new DatasetError(
      file,
      `${problem}: expected ${formatCount(expected)} bytes for ${formatCount(trainCount)} train + ${formatCount(testCount)} test images of ${height}×${width}×${channels}, found ${formatCount(bytes.length)}`,
    );
  }
  const stored = u32(bytes.length - 4);
  const computed = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== computed) {
    throw new DatasetError(
      file,
      `checksum mismatch (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${computed.toString(16).padStart(8, '0')}): the file is corrupt`,
    );
  }

  let meta: unknown;
  try {
    meta = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, metaLen).toString('utf8'));
  } catch (e) {
    throw new DatasetError(file, `corrupt metadata JSON: ${errorMessage(e)}`);
  }
  const m = (typeof meta === 'object' && meta !== null ? meta : {}) as Record<string, unknown>;
  if (typeof m.name !== 'string') throw new DatasetError(file, 'metadata has no "name" string');
  if (!isStringArray(m.classNames) || m.classNames.length !== numClasses) {
    throw new DatasetError(file, `metadata "classNames" must be ${numClasses} strings`);
  }
  if (!isNumberArray(m.mean, channels) || !isNumberArray(m.std, channels)) {
    throw new DatasetError(file, `metadata "mean" and "std" must be ${channels} numbers each`);
  }
  if (m.source !== undefined && typeof m.source !== 'string') throw new DatasetError(file, 'metadata "source" must be a string');

  let off = HEADER_BYTES + metaLen;
  const readSplit = (count: number, which: string): Split => {
    // Views, not copies: the file buffer is ours alone and already the right layout.
    const images = new Uint8Array(bytes.buffer, bytes.byteOffset + off, count * imageBytes);
    off += count * imageBytes;
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const l = lw === 1 ? bytes[off + i] : view.getUint16(off + 2 * i, true);
      if (l >= numClasses) throw new DatasetError(file, `${which} label ${l} of item ${i} is outside 0..${numClasses - 1}`);
      labels[i] = l;
    }
    off += count * lw;
    return { images, labels, count };
  };
  const train = readSplit(trainCount, 'train');
  const test = readSplit(testCount, 'test');
  const dataset: Dataset = {
    name: m.name,
    height,
    width,
    channels,
    classNames: m.classNames,
    train,
    test,
    mean: m.mean,
    std: m.std,
  };
  return m.source === undefined ? { dataset } : { dataset, source: m.source };
}
