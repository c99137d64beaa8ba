import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/common/errors';
import { loadCifar10, loadCifar100 } from '../../src/engine/data/cifar';
import { loadDataset } from '../../src/engine/data/load';
import { expectError } from './datasetErrors';

const root = mkdtempSync(join(tmpdir(), 'idaa-data-cifar-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Value of channel c at (y, x) of record r; distinct enough that any mix-up shows. */
const px = (r: number, c: number, y: number, x: number): number => (r * 7 + c * 85 + y * 5 + x * 3) & 255;

/** CIFAR binary records: label byte(s), then 3 planes of 32×32 (CHW), as the real files. */
function records(labelRows: number[][], first = 0): Buffer {
  const out: number[] = [];
  labelRows.forEach((lab, k) => {
    out.push(...lab);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out.push(px(first + k, c, y, x));
  });
  return Buffer.from(out);
}

/** Checks HWC pixels of `count` images against px() for records first.. */
function checkPixels(images: Uint8Array, count: number, first: number): void {
  assert.equal(images.length, count * 3072);
  for (let r = 0; r < count; r++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          const got = images[r * 3072 + (y * 32 + x) * 3 + c];
          if (got !== px(first + r, c, y, x)) assert.fail(`image ${r} (${y},${x}) channel ${c}: ${got} != ${px(first + r, c, y, x)}`);
        }
      }
    }
  }
}


const c10Names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const c10 = join(root, 'c10');
const c10dir = join(c10, 'cifar-10-batches-bin');
const c100 = join(root, 'c100', 'cifar-100-binary');

before(() => {
  mkdirSync(c10dir, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(c10dir, `data_batch_${b}.bin`), records([[b], [(b + 4) % 10]], (b - 1) * 2));
  writeFileSync(join(c10dir, 'test_batch.bin'), records([[3], [9], [0]], 100));
  writeFileSync(join(c10dir, 'batches.meta.txt'), `${c10Names.join('\n')}\n\n`);

  mkdirSync(c100, { recursive: true });
  writeFileSync(join(c100, 'train.bin'), records([[0, 99], [19, 5], [4, 0], [7, 42]], 0));
  writeFileSync(join(c100, 'test.bin'), records([[1, 1], [2, 2]], 50));
  writeFileSync(join(c100, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n') + '\n');
  writeFileSync(join(c100, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n') + '\n');
});

/** A copy of the CIFAR-10 folder to break. */
function brokenCopy(name: string): string {
  const dir = join(root, name, 'cifar-10-batches-bin');
  cpSync(c10dir, dir, { recursive: true });
  return dir;
}

describe('CIFAR-10', () => {
  test('reads all batches from the parent or the folder itself, CHW -> HWC exactly', async () => {
    for (const path of [c10, c10dir]) {
      const ds = await loadCifar10(path);
      assert.equal(ds.name, 'cifar10');
      assert.deepEqual([ds.height, ds.width, ds.channels, ds.train.count, ds.test.count], [32, 32, 3, 10, 3]);
      assert.deepEqual(ds.classNames, c10Names);
      assert.deepEqual(Array.from(ds.train.labels), [1, 5, 2, 6, 3, 7, 4, 8, 5, 9]);
      assert.deepEqual(Array.from(ds.test.labels), [3, 9, 0]);
      checkPixels(ds.train.images, 10, 0);
      checkPixels(ds.test.images, 3, 100);
      assert.deepEqual([ds.mean, ds.std], [[0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.201]], 'the reference’s normalisation constants');
    }
  });

  test('missing file: names it, lists the expected files and where', async () => {
    const dir = brokenCopy('missing');
    rmSync(join(dir, 'data_batch_3.bin'));
    await expectError(() => loadCifar10(join(root, 'missing')), join(dir, 'data_batch_3.bin'), /file not found/, /data_batch_1\.bin/, /test_batch\.bin/, new RegExp(`in ${dir}`));
  });

  test('truncated record names the record', async () => {
    const dir = brokenCopy('truncated');
    const f = join(dir, 'data_batch_2.bin');
    writeFileSync(f, Buffer.concat([records([[1], [2]]), Buffer.alloc(100)]));
    await expectError(() => loadCifar10(dir), f, /truncated record/, /3073-byte records/, /record 2 .*has only 100 of 3073 bytes/);
  });

  test('label out of range names the record and the label', async () => {
    const dir = brokenCopy('label');
    const f = join(dir, 'test_batch.bin');
    writeFileSync(f, records([[3], [10]]));
    await expectError(() => loadCifar10(dir), f, /record 1 has label 10, outside 0\.\.9/);
  });

  test('missing folder, a wrong class-name file, and no path at all', async () => {
    const nowhere = join(root, 'does-not-exist');
    await expectError(() => loadCifar10(nowhere), nowhere, /folder not found/, /cifar-10-batches-bin/);
    const dir = brokenCopy('names');
    writeFileSync(join(dir, 'batches.meta.txt'), 'cat\ndog\n');
    await expectError(() => loadCifar10(dir), join(dir, 'batches.meta.txt'), /has 2 class names, expected 10/);
    await assert.rejects(() => loadDataset({ kind: 'cifar10' }), (e: unknown) => e instanceof ConfigError && /path/.test(e.message) && /cifar-10-batches-bin/.test(e.message));
  });

  test('through loadDataset with a limit', async () => {
    const ds = await loadDataset({ kind: 'cifar10', path: c10, trainLimit: 4 });
    assert.equal(ds.train.count, 4);
    assert.equal(new Set(ds.train.labels).size, 4);
  });
});

describe('CIFAR-100', () => {
  test('fine labels by default, coarse on request, exact pixels', async () => {
    const fine = await loadCifar100(join(root, 'c100'));
    assert.equal(fine.name, 'cifar100');
    assert.equal(fine.classNames.length, 100);
    assert.deepEqual(Array.from(fine.train.labels), [99, 5, 0, 42]);
    assert.deepEqual(Array.from(fine.test.labels), [1, 2]);
    checkPixels(fine.train.images, 4, 0);
    checkPixels(fine.test.images, 2, 50);
    const coarse = await loadDataset({ kind: 'cifar100', path: c100, cifar100Labels: 'coarse' });
    assert.equal(coarse.classNames.length, 20);
    assert.equal(coarse.classNames[19], 'coarse19');
    assert.deepEqual(Array.from(coarse.train.labels), [0, 19, 4, 7]);
  });

  test('out-of-range labels, truncation and missing files', async () => {
    const dir = join(root, 'c100bad');
    cpSync(c100, dir, { recursive: true });
    const f = join(dir, 'test.bin');
    writeFileSync(f, records([[1, 1], [20, 3]]));
    await expectError(() => loadCifar100(dir), f, /record 1 has coarse label 20, outside 0\.\.19/);
    writeFileSync(f, records([[1, 100]]));
    await expectError(() => loadCifar100(dir), f, /record 0 has fine label 100, outside 0\.\.99/);
    writeFileSync(f, records([[1, 1]]).subarray(0, 3000));
    await expectError(() => loadCifar100(dir), f, /truncated record/, /3074-byte records/, /record 0/);
    rmSync(join(dir, 'train.bin'));
    await expectError(() => loadCifar100(dir), join(dir, 'train.bin'), /file not found/, /train\.bin, test\.bin/);
  });
});
