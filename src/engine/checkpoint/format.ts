import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CheckpointError } from '../../common/errors';
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

export function readCheckpointHeader<M>(file: string, buf?: Buffer): { header: CheckpointHeader<M>; bodyStart: number; buf: Buffer } {
  let data: Buffer;
  try {
    data = buf ?? readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (data.length < 16 || !data.subarray(0, 8).equals(MAGIC)) throw new CheckpointError(file, 'not an IDAA Studio checkpoint (bad magic bytes)');
  const headerLen = data.readUInt32LE(8);
  if (16 + headerLen > data.length) throw new CheckpointError(file, `truncated or corrupt: the header length field says ${headerLen} bytes, the file has ${data.length - 16} after the prefix`);
  const headerBuf = data.subarray(16, 16 + headerLen);
  if (crc32(headerBuf) !== data.readUInt32LE(12)) throw new CheckpointError(file, 'corrupt header (checksum mismatch)');
  const header = JSON.parse(headerBuf.toString('utf8')) as CheckpointHeader<M>;
  if (header.version !== CHECKPOINT_VERSION) throw new CheckpointError(file, `format version ${header.version}; this build reads version ${CHECKPOINT_VERSION}`);
  return { header, bodyStart: 16 + headerLen, buf: data };
}

export function readCheckpointFile<M>(file: string): { meta: M; arrays: Map<string, NamedArray>; bytes: number } {
  const { header, bodyStart, buf } = readCheckpointHeader<M>(file);
  const have = buf.length - bodyStart;
  if (have !== header.bodyBytes) throw new CheckpointError(file, `truncated: body should be ${header.bodyBytes} bytes, found ${have}`);
  const body = buf.subarray(bodyStart);
  if (crc32(body) !== header.bodyCrc) throw new CheckpointError(file, 'corrupt tensor data (checksum mismatch)');
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    // Copy into an aligned buffer: Float32Array views need 4-byte alignment.
    const data = new Float32Array(t.length);
    Buffer.from(data.buffer).set(body.subarray(t.offset, t.offset + t.length * 4));
    arrays.set(t.name, { name: t.name, shape: t.shape, data });
  }
  return { meta: header.meta, arrays, bytes: buf.length };
}
