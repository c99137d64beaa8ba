import { endianness } from 'node:os';
import { CheckpointError, FileError } from '../../common/errors';
import { readAtSync, withRegularFileSync } from '../../common/fileGuard';
import { realIo, writeFileAtomic, WriteIo } from '../../common/runs/atomicFile';

/**
 * The safetensors format (Hugging Face's, what PyTorch tools exchange weights in), written by hand:
 * it is an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
 * with an optional "__metadata__" map of strings, then the raw little-endian bytes. Sixty lines
 * here against a dependency: npm has no maintained writer for Node, only small readers.
 */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const ITEM_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface FloatTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw bytes (a copy, aligned). */
  bytes: Buffer;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** A header this large is not a weight file of this project's models (and a forged one is refused before parsing). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** The bytes of a safetensors file of float32 tensors, in the order given. */
export function encodeSafetensors(tensors: readonly FloatTensor[], metadata: Record<string, string> = {}): Buffer[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape}] does not match ${t.data.length} values`);
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) throw new Error(`tensor name ${t.name} used twice or reserved`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // data 8-byte aligned, as the reference writer pads
  const headerBuf = Buffer.from(json, 'utf8');
  const pre = Buffer.alloc(8);
  pre.writeBigUInt64LE(BigInt(headerBuf.length));
  const bodies = tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return [pre, headerBuf, ...bodies];
}

/** Writes float32 tensors as a safetensors file (temporary name, flush, rename); returns its size. */
export function writeSafetensorsFile(file: string, tensors: readonly FloatTensor[], metadata: Record<string, string> = {}, io: WriteIo = realIo): number {
  return writeFileAtomic(file, encodeSafetensors(tensors, metadata), io);
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Reads a safetensors file with the guards of the checkpoint reader: refuses what is not a regular
 * file, checks the header length against the file and every tensor's offsets against its shape
 * and the data before reading any tensor.
 */
export function readSafetensorsFile(file: string): SafetensorsFile {
  try {
    return withRegularFileSync(file, { what: 'safetensors file' }, (f) => {
      const pre = readAtSync(f, 0, Math.min(8, f.size));
      if (pre.length < 8) throw new CheckpointError(file, 'not a safetensors file (shorter than its 8-byte header length)');
      const n = Number(pre.readBigUInt64LE(0));
      if (n > MAX_HEADER_BYTES || 8 + n > f.size) throw new CheckpointError(file, `not a safetensors file (header length ${n}, file size ${f.size})`);
      let header: unknown;
      try {
        header = JSON.parse(readAtSync(f, 8, n).toString('utf8'));
      } catch (e) {
        throw new CheckpointError(file, `not a safetensors file (header is not JSON: ${(e as Error).message})`);
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError(file, 'not a safetensors file (header is not a JSON object)');
      const dataStart = 8 + n;
      const dataBytes = f.size - dataStart;
      const metadata: Record<string, string> = {};
      const tensors = new Map<string, SafetensorsEntry>();
      for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
        if (name === '__metadata__') {
          for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) metadata[k] = String(v);
          continue;
        }
        const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        const dtype = typeof e?.dtype === 'string' && Object.hasOwn(ITEM_BYTES, e.dtype) ? (e.dtype as SafetensorsDtype) : undefined;
        const shape = Array.isArray(e?.shape) && e.shape.every(isCount) ? (e.shape as number[]) : undefined;
        const offs = Array.isArray(e?.data_offsets) && e.data_offsets.length === 2 && e.data_offsets.every(isCount) ? (e.data_offsets as [number, number]) : undefined;
        if (!dtype || !shape || !offs) throw new CheckpointError(file, `tensor ${name}: bad header entry ${JSON.stringify(raw)?.slice(0, 120)} (dtype ${String(e?.dtype)})`);
        const expected = shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[dtype];
        if (offs[1] < offs[0] || offs[1] - offs[0] !== expected || offs[1] > dataBytes) {
          throw new CheckpointError(file, `tensor ${name}: data_offsets [${offs}] do not fit shape [${shape}] (${dtype}) in the ${dataBytes}-byte data`);
        }
        tensors.set(name, { name, dtype, shape, bytes: readAtSync(f, dataStart + offs[0], expected) });
      }
      return { tensors, metadata };
    });
  } catch (e) {
    throw e instanceof FileError ? new CheckpointError(file, e.problem) : e;
  }
}

/** A float tensor's values as float32 (F32 as is; F64, F16 and BF16 converted); integer tensors are refused. */
export function asFloat32(file: string, e: SafetensorsEntry): Float32Array {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const b = e.bytes;
  switch (e.dtype) {
    case 'F32':
      // The bytes come from Buffer.alloc (aligned); a little-endian host views them directly.
      if (LITTLE_ENDIAN && b.byteOffset % 4 === 0) out.set(new Float32Array(b.buffer, b.byteOffset, n));
      else for (let i = 0; i < n; i++) out[i] = b.readFloatLE(4 * i);
      return out;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = b.readDoubleLE(8 * i);
      return out;
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16(b.readUInt16LE(2 * i));
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16(b.readUInt16LE(2 * i));
      return out;
    default:
      throw new CheckpointError(file, `tensor ${e.name} is ${e.dtype}; a model weight must be a float tensor`);
  }
}

const LITTLE_ENDIAN = endianness() === 'LE';

const scratch = new DataView(new ArrayBuffer(4));
function bf16(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
