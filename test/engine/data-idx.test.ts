import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadIdxFolder, readIdxImages, readIdxLabels, readIdxSplit } from '../../src/engine/data/idx';
import { expectError } from './datasetErrors';

const root = mkdtempSync(join(tmpdir(), 'idaa-data-idx-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file exactly as MNIST ships it: magic, big-endian dims, bytes. */
function idx(magic: number, dims: number[], values: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(values))]);
}

const pixels = Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
const images = idx(0x803, [3, 2, 4], pixels);
const labels = idx(0x801, [3], [0, 5, 9]);

function file(name: string, bytes: Uint8Array): string {
  const f = join(root, name);
  writeFileSync(f, bytes);
  return f;
}


describe('IDX reader', () => {
  test('reads plain images and labels', async () => {
    const img = await readIdxImages(file('a-images-idx3-ubyte', images));
    assert.deepEqual([img.count, img.rows, img.cols], [3, 2, 4]);
    assert.deepEqual(Array.from(img.data), pixels);
    assert.deepEqual(Array.from(await readIdxLabels(file('a-labels-idx1-ubyte', labels))), [0, 5, 9]);
  });

  test('reads gzip-compressed files the same', async () => {
    const img = await readIdxImages(file('b-images-idx3-ubyte.gz', gzipSync(images)));
    assert.deepEqual(Array.from(img.data), pixels);
    assert.deepEqual(Array.from(await readIdxLabels(file('b-labels-idx1-ubyte.gz', gzipSync(labels)))), [0, 5, 9]);
  });

  test('bad magic names the file, the magic found and the one expected', async () => {
    const f = file('swapped-idx3-ubyte', labels);
    await expectError(() => readIdxImages(f), f, /magic number is 0x00000801/, /expected 0x00000803/);
    const g = file('swapped-idx1-ubyte', images);
    await expectError(() => readIdxLabels(g), g, /magic number is 0x00000803/, /expected 0x00000801/);
    const h = file('junk-idx3-ubyte', Buffer.from('hello world, not idx'));
    await expectError(() => readIdxImages(h), h, /not an IDX image file/);
  });

  test('truncated file says expected vs actual bytes', async () => {
    const f = file('short-idx3-ubyte', images.subarray(0, images.length - 5));
    await expectError(() => readIdxImages(f), f, /truncated: expected 40 bytes/, /found 35/);
    const g = file('short-idx3-ubyte.gz', gzipSync(images.subarray(0, 30)));
    await expectError(() => readIdxImages(g), g, /truncated: expected 40 bytes after decompression/, /found 30/);
    const h = file('header-idx3-ubyte', images.subarray(0, 9));
    await expectError(() => readIdxImages(h), h, /truncated header: expected at least 16 bytes/, /found 9/);
  });

  test('trailing data, a broken gzip stream and a missing file are errors', async () => {
    const f = file('long-idx1-ubyte', Buffer.concat([labels, Buffer.from([1, 2])]));
    await expectError(() => readIdxLabels(f), f, /has 13 bytes, expected 11/, /trailing data/);
    const gz = gzipSync(images);
    const g = file('cut-idx3-ubyte.gz', gz.subarray(0, gz.length - 12));
    await expectError(() => readIdxImages(g), g, /corrupt gzip data/);
    const m = join(root, 'nope-idx3-ubyte');
    await expectError(() => readIdxImages(m), m, /file not found/);
  });

  test('image/label count mismatch and label out of range', async () => {
    const img = file('pair-images', images);
    const two = file('pair-labels-2', idx(0x801, [2], [0, 1]));
    await expectError(() => readIdxSplit(img, two, 10), two, /has 2 labels/, /3 images/);
    const bad = file('pair-labels-bad', idx(0x801, [3], [0, 10, 1]));
    await expectError(() => readIdxSplit(img, bad, 10), bad, /label 10 of item 1 is out of range/, /10 classes/);
  });

  test('loads a folder of the four standard files, .gz or not', async () => {
    const dir = join(root, 'folder');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    writeFileSync(join(dir, 't10k-images.idx3-ubyte'), idx(0x803, [1, 2, 4], pixels.slice(0, 8)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx(0x801, [1], [7])));
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const ds = await loadIdxFolder(dir, 'tiny', names);
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.train.count, ds.test.count], [2, 4, 1, 3, 1]);
    assert.deepEqual(Array.from(ds.test.labels), [7]);
    assert.equal(ds.mean.length, 1);

    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    await expectError(() => loadIdxFolder(dir, 'tiny', names), join(dir, 't10k-labels-idx1-ubyte'), /file not found/, /train-images-idx3-ubyte/);
  });
});
