import { crc32 } from 'node:zlib';
import { CheckpointError, FileError } from '../../common/errors';
import { MAX_READ_BYTES, readAtSync, readRegularFileSync, withRegularFileSync } from '../../common/fileGuard';
import { realIo, writeFileAtomic, WriteIo } from '../../common/runs/atomicFile';

/**
 * One checkpoint = one file: "IDAACKPT", a format version, a JSON header (metadata and a tensor
 * index) and the float32 tensor bodies, with a CRC-32 over header and body so that corruption and
 * truncation are detected rather than loaded.
 */
const MAGIC = Buffer.from('IDAACKPT', 'ascii');
export const CHECKPOINT_VERSION = 1;

export interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface CheckpointHeader<M> {
  version: number;
  meta: M;
  tensors: TensorEntry[];
  bodyBytes: number;
  bodyCrc: number;
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Writes to a temporary name, flushes, renames: a crash leaves either the old file or the new one.
 * `IDAA_FAULT_CHECKPOINT_DELAY_MS` holds the finished temporary file that long before the rename,
 * so the fault tests can kill a process in the middle of a checkpoint write.
 */
export function writeCheckpointFile<M>(file: string, meta: M, arrays: NamedArray[], io: WriteIo = realIo): number {
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    const expected = a.shape.reduce((x, y) => x * y, 1);
    if (expected !== a.data.length) throw new Error(`tensor ${a.name}: shape ${a.shape} does not match ${a.data.length} values`);
    tensors.push({ name: a.name, shape: a.shape, offset, length: a.data.length });
    offset += a.data.byteLength;
  }
  const body = Buffer.alloc(offset);
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i];
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).copy(body, tensors[i].offset);
  }
  const header: CheckpointHeader<M> = { version: CHECKPOINT_VERSION, meta, tensors, bodyBytes: body.length, bodyCrc: crc32(body) };
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(16);
  MAGIC.copy(pre, 0);
  pre.writeUInt32LE(headerBuf.length, 8);
  pre.writeUInt32LE(crc32(headerBuf), 12);
  const delay = Number(process.env.IDAA_FAULT_CHECKPOINT_DELAY_MS ?? 0);
  return writeFileAtomic(file, [pre, headerBuf, body], io, delay > 0 ? () => sleepSync(delay) : undefined);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Checkpoint reads refuse folders, FIFOs, devices and files over this before reading. */
const LIMITS = { what: 'checkpoint file', maxBytes: MAX_READ_BYTES } as const;

/** A fileGuard refusal as a CheckpointError; the errno code stays in the message. */
function asCheckpointError(file: string, e: unknown): unknown {
  if (!(e instanceof FileError)) return e;
  return new CheckpointError(file, e.code ? `cannot be read (${e.code}): ${e.problem}` : e.problem);
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * The header's declared sizes against each other, before anything is allocated from them: a
 * header with a valid checksum can still be forged (a tensor of 10^12 floats).
 */
function checkIndex(file: string, header: CheckpointHeader<unknown>): void {
  if (!isCount(header.bodyBytes) || !Array.isArray(header.tensors)) throw new CheckpointError(file, 'corrupt header: no tensor index');
  for (const t of header.tensors) {
    const name = typeof t?.name === 'string' ? t.name : '(unnamed)';
    const shapeOk = Array.isArray(t?.shape) && t.shape.every(isCount) && isCount(t.length) && t.shape.reduce((x, y) => x * y, 1) === t.length;
    if (!shapeOk || !isCount(t.offset) || t.offset % 4 !== 0 || t.offset + 4 * t.length > header.bodyBytes) {
      throw new CheckpointError(file, `corrupt header: tensor ${name} (shape ${JSON.stringify(t?.shape)}, offset ${t?.offset}, length ${t?.length}) does not fit the ${header.bodyBytes}-byte body`);
    }
  }
}

/** Prefix and JSON header of a checkpoint of `size` bytes; `read(position, length)` fetches bytes. */
function parseHeader<M>(file: string, size: number, read: (position: number, length: number) => Buffer): { header: CheckpointHeader<M>; bodyStart: number } {
  const pre = size >= 16 ? read(0, 16) : Buffer.alloc(0);
  if (pre.length < 16 || !pre.subarray(0, 8).equals(MAGIC)) throw new CheckpointError(file, 'not an IDAA Studio checkpoint (bad magic bytes)');
  const headerLen = pre.readUInt32LE(8);
  if (16 + headerLen > size) throw new CheckpointError(file, `truncated or corrupt: the header length field says ${headerLen} bytes, the file has ${size - 16} after the prefix`);
  const headerBuf = read(16, headerLen);
  if (headerBuf.length !== headerLen || crc32(headerBuf) !== pre.readUInt32LE(12)) throw new CheckpointError(file, 'corrupt header (checksum mismatch)');
  let header: CheckpointHeader<M>;
  try {
    header = JSON.parse(headerBuf.toString('utf8')) as CheckpointHeader<M>;
  } catch (e) {
    throw new CheckpointError(file, `corrupt header (not JSON: ${(e as Error).message})`);
  }
  if (header.version !== CHECKPOINT_VERSION) throw new CheckpointError(file, `format version ${header.version}; this build reads version ${CHECKPOINT_VERSION}`);
  checkIndex(file, header);
  return { header, bodyStart: 16 + headerLen };
}

function checkBodySize(file: string, declared: number, have: number): void {
  if (have < declared) throw new CheckpointError(file, `truncated: body should be ${declared} bytes, found ${have}`);
  if (have > declared) throw new CheckpointError(file, `unexpected trailing data: body should be ${declared} bytes, found ${have}`);
}

/** The header of a checkpoint; reads the whole file (guarded, see readCheckpointFile) unless `buf` is given. */
export function readCheckpointHeader<M>(file: string, buf?: Buffer): { header: CheckpointHeader<M>; bodyStart: number; buf: Buffer } {
  let data: Buffer;
  try {
    data = buf ?? readRegularFileSync(file, LIMITS);
  } catch (e) {
    throw asCheckpointError(file, e);
  }
  return { ...parseHeader<M>(file, data.length, (p, l) => data.subarray(p, p + l)), buf: data };
}

/**
 * Reads a checkpoint: refuses what is not a regular file or is too big before opening it (a FIFO
 * would hang the worker, /dev/zero never ends), then reads the prefix and header alone and
 * checks the sizes they declare against the file's size before reading the body.
 */
export function readCheckpointFile<M>(file: string): { meta: M; arrays: Map<string, NamedArray>; bytes: number } {
  let read: { header: CheckpointHeader<M>; body: Buffer; bytes: number };
  try {
    read = withRegularFileSync(file, LIMITS, (f) => {
      const { header, bodyStart } = parseHeader<M>(file, f.size, (p, l) => readAtSync(f, p, l));
      checkBodySize(file, header.bodyBytes, f.size - bodyStart);
      const body = readAtSync(f, bodyStart, header.bodyBytes);
      checkBodySize(file, header.bodyBytes, body.length); // it shrank while being read
      return { header, body, bytes: f.size };
    });
  } catch (e) {
    throw asCheckpointError(file, e);
  }
  const { header, body } = read;
  if (crc32(body) !== header.bodyCrc) throw new CheckpointError(file, 'corrupt tensor data (checksum mismatch)');
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    // Copy into an aligned buffer: Float32Array views need 4-byte alignment.
    const data = new Float32Array(t.length);
    Buffer.from(data.buffer).set(body.subarray(t.offset, t.offset + t.length * 4));
    arrays.set(t.name, { name: t.name, shape: t.shape, data });
  }
  return { meta: header.meta, arrays, bytes: read.bytes };
}
