import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { DatasetError } from '../../src/common/errors';
import { crc32Js, readPackedFile } from '../../src/engine/data/packed';
import { readPackedDataset, writePackedDataset } from '../../src/engine/data/builtin';
import { channelStats, MIN_STD } from '../../src/engine/data/stats';
import { balancedQuota, balancedSubset, roundRobinOrder } from '../../src/engine/data/subset';
import type { Dataset } from '../../src/engine/data/types';

const root = mkdtempSync(join(tmpdir(), 'idaa-data-packed-'));
after(() => rmSync(root, { recursive: true, force: true }));

function makeDataset(classes: number, train: number, test: number, channels: 1 | 3 = 3): Dataset {
  const h = 3;
  const w = 2;
  const bytes = (n: number, salt: number): Uint8Array => Uint8Array.from({ length: n * h * w * channels }, (_, i) => (i * 31 + salt) & 255);
  const labels = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => (i * 5) % classes);
  return {
    name: 'tiny',
    height: h,
    width: w,
    channels,
    classNames: Array.from({ length: classes }, (_, i) => `class ${i} ✓`),
    train: { images: bytes(train, 1), labels: labels(train), count: train },
    test: { images: bytes(test, 2), labels: labels(test), count: test },
    mean: Array.from({ length: channels }, (_, i) => 0.1 * i),
    std: Array.from({ length: channels }, () => 0.25),
  };
}

function sameDataset(a: Dataset, b: Dataset): void {
  assert.deepEqual(
    { ...a, train: { ...a.train, images: Array.from(a.train.images), labels: Array.from(a.train.labels) }, test: { ...a.test, images: Array.from(a.test.images), labels: Array.from(a.test.labels) } },
    { ...b, train: { ...b.train, images: Array.from(b.train.images), labels: Array.from(b.train.labels) }, test: { ...b.test, images: Array.from(b.test.images), labels: Array.from(b.test.labels) } },
  );
}

function expectError(fn: () => unknown, path: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.equal(e.file, path);
    assert.ok(e.message.includes(path), `message should name ${path}: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('packed dataset format', () => {
  test('round-trips a dataset exactly, with its source note', () => {
    const ds = makeDataset(4, 9, 5);
    const f = join(root, 'a.idaapack');
    writePackedDataset(f, ds, 'made by a test');
    sameDataset(readPackedDataset(f), ds);
    assert.equal(readPackedFile(f).source, 'made by a test');
    // header 48 + JSON + pixels + 1-byte labels + CRC
    const json = Buffer.byteLength(JSON.stringify({ name: ds.name, classNames: ds.classNames, mean: ds.mean, std: ds.std, source: 'made by a test' }));
    assert.equal(readFileSync(f).length, 48 + json + 14 * (18 + 1) + 4);
  });

  test('more than 256 classes use 2-byte labels; empty splits are fine', () => {
    const ds = makeDataset(300, 40, 0, 1);
    ds.train.labels[3] = 299;
    const f = join(root, 'b.idaapack');
    writePackedDataset(f, ds);
    const back = readPackedFile(f);
    sameDataset(back.dataset, ds);
    assert.equal(back.source, undefined);
  });

  test('corruption, truncation, a foreign file and a newer version are all reported', () => {
    const f = join(root, 'c.idaapack');
    writePackedDataset(f, makeDataset(3, 6, 2));
    const good = readFileSync(f);

    const flipped = Buffer.from(good);
    flipped[good.length - 20] ^= 0x01;
    writeFileSync(f, flipped);
    expectError(() => readPackedDataset(f), f, /checksum mismatch/, /corrupt/);

    writeFileSync(f, good.subarray(0, good.length - 7));
    expectError(() => readPackedDataset(f), f, /truncated: expected \d+ bytes/, /found \d+/);

    writeFileSync(f, Buffer.concat([good, Buffer.from([0])]));
    expectError(() => readPackedDataset(f), f, /trailing data/);

    writeFileSync(f, Buffer.from('PK\u0003\u0004 this is a zip file, not a packed dataset at all'));
    expectError(() => readPackedDataset(f), f, /not a packed dataset/);

    const newer = Buffer.from(good);
    newer.writeUInt32LE(2, 8);
    writeFileSync(f, newer);
    expectError(() => readPackedDataset(f), f, /version 2 is not supported/);

    const missing = join(root, 'none.idaapack');
    expectError(() => readPackedDataset(missing), missing, /file not found/);
  });

  test('refuses to write an inconsistent dataset', () => {
    const ds = makeDataset(3, 4, 2);
    const f = join(root, 'd.idaapack');
    expectError(() => writePackedDataset(f, { ...ds, train: { ...ds.train, count: 5 } }), f, /cannot write: train has 72 pixel bytes, expected 90/);
    const labels = Int32Array.from([0, 1, 2, 3]);
    expectError(() => writePackedDataset(f, { ...ds, train: { ...ds.train, labels } }), f, /train label 3 of item 3 is outside 0\.\.2/);
  });

  test('CRC-32 fallback matches zlib', () => {
    assert.equal(crc32Js(Buffer.from('123456789')), 0xcbf43926);
    const data = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24);
    assert.equal(crc32Js(data), zlibCrc32(data));
    assert.equal(crc32Js(data.subarray(500), crc32Js(data.subarray(0, 500))), zlibCrc32(data));
  });
});

describe('stats and subsets', () => {
  test('channelStats gives per-channel mean/std in [0,1]', () => {
    const px = Uint8Array.from([0, 255, 10, 255, 255, 10]); // 2 RGB pixels
    const s = channelStats(px, 3);
    assert.deepEqual(s.mean.map((v) => +v.toFixed(6)), [0.5, 1, +(10 / 255).toFixed(6)]);
    assert.ok(Math.abs(s.std[0]! - 0.5) < 1e-12);
    assert.equal(s.std[1], MIN_STD);
    assert.deepEqual(channelStats(new Uint8Array(0), 1), { mean: [0], std: [1] });
  });

  test('balanced subsets are deterministic and spread leftovers', () => {
    assert.deepEqual(balancedQuota([10, 10, 10], 7), [3, 2, 2]);
    assert.deepEqual(balancedQuota([1, 10, 10], 9), [1, 4, 4]);
    assert.deepEqual(balancedQuota([2, 3], 100), [2, 3]);
    assert.deepEqual(roundRobinOrder([2, 0, 1]), [[0, 0], [2, 0], [0, 1]]);
    const ds = makeDataset(7, 70, 0, 1);
    const sub = balancedSubset(ds.train, 14, 7, 6);
    assert.equal(sub.count, 14);
    const hist = new Array(7).fill(0);
    for (const l of sub.labels) hist[l]++;
    assert.deepEqual(hist, new Array(7).fill(2));
    // The first 14 items already hold two of each class here, so the subset is that prefix.
    assert.deepEqual(Array.from(sub.images), Array.from(ds.train.images.subarray(0, 14 * 6)));
  });
});
