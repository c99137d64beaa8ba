import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointFile, writeCheckpointFile } from '../../src/engine/checkpoint/format';
import { CheckpointError } from '../../src/common/errors';

const arrays = () => [
  { name: 'a/w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) },
  { name: 'b/bias', shape: [1], data: Float32Array.from([-0.25]) },
];

test('a checkpoint round-trips metadata and tensors exactly, and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-ckpt-'));
  const file = join(dir, 'x.ckpt');
  const bytes = writeCheckpointFile(file, { epoch: 3, note: 'ok' }, arrays());
  assert.equal(readFileSync(file).length, bytes);
  assert.deepEqual(readdirSync(dir), ['x.ckpt']);
  const back = readCheckpointFile<{ epoch: number; note: string }>(file);
  assert.deepEqual(back.meta, { epoch: 3, note: 'ok' });
  assert.deepEqual(back.arrays.get('a/w')!.data, arrays()[0].data);
  assert.deepEqual(back.arrays.get('a/w')!.shape, [2, 3]);
  assert.deepEqual(back.arrays.get('b/bias')!.data, arrays()[1].data);
});

test('corrupt, truncated and foreign files are refused with the file named and the problem said', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-ckpt-'));
  const file = join(dir, 'good.ckpt');
  writeCheckpointFile(file, { epoch: 1 }, arrays());
  const good = readFileSync(file);
  const expectError = (name: string, bytes: Buffer, re: RegExp) => {
    const f = join(dir, name);
    writeFileSync(f, bytes);
    assert.throws(() => readCheckpointFile(f), (e: unknown) => e instanceof CheckpointError && e.message.includes(f) && re.test(e.message), name);
  };
  expectError('truncated.ckpt', good.subarray(0, good.length - 5), /truncated: body should be 28 bytes, found 23/);
  expectError('short.ckpt', good.subarray(0, 30), /truncated or corrupt: the header length field says/);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 2] ^= 0xff;
  expectError('flipped.ckpt', flipped, /corrupt tensor data \(checksum mismatch\)/);
  const hdr = Buffer.from(good);
  hdr[20] ^= 0x01;
  expectError('header.ckpt', hdr, /corrupt header/);
  expectError('foreign.ckpt', Buffer.from('PK\x03\x04 this is a zip file, not a checkpoint'), /not an IDAA Studio checkpoint/);
  assert.throws(() => readCheckpointFile(join(dir, 'none.ckpt')), /none\.ckpt: cannot be read \(ENOENT\)/);
});

test('a failed write keeps the previous checkpoint intact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-ckpt-'));
  const file = join(dir, 'keep.ckpt');
  writeCheckpointFile(file, { v: 1 }, arrays());
  const bad = [{ name: 'x', shape: [5], data: new Float32Array(4) }];
  assert.throws(() => writeCheckpointFile(file, { v: 2 }, bad), /shape 5 does not match 4 values/);
  assert.deepEqual(readCheckpointFile<{ v: number }>(file).meta, { v: 1 });
  assert.ok(!existsSync(`${file}.tmp-${process.pid}`));
});
