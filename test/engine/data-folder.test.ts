import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { decodeImage, loadImageFolder, splitFiles } from '../../src/engine/data/imageFolder';
import { expandChannels, loadDataset } from '../../src/engine/data/load';
import { resizeImage } from '../../src/engine/data/resize';
import { expectError } from './datasetErrors';

const root = mkdtempSync(join(tmpdir(), 'idaa-data-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * A minimal PNG encoder written from the spec (signature, IHDR, one IDAT with filter 0 rows,
 * IEND), so the reader is tested on files it did not write itself. colorType: 0 gray, 2 RGB,
 * 4 gray+alpha, 6 RGBA; samples are row-major, big-endian when 16-bit.
 */
function png(width: number, height: number, colorType: 0 | 2 | 4 | 6, depth: 8 | 16, samples: number[]): Buffer {
  const perPixel = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const bps = depth / 8;
  const raw = Buffer.alloc(height * (1 + width * perPixel * bps));
  let o = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0;
    for (let i = 0; i < width * perPixel; i++) {
      const v = samples[y * width * perPixel + i]!;
      if (depth === 16) {
        raw.writeUInt16BE(v, o);
        o += 2;
      } else raw[o++] = v;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function jpg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return jpeg.encode({ width, height, data }, 100).data;
}

const fill = (n: number, v: number[]): number[] => Array.from({ length: n }, () => v).flat();

function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}


/** Pixel (y, x) of image k of an NHWC split with side s and c channels. */
const at = (images: Uint8Array, k: number, s: number, c: number, y: number, x: number): number[] =>
  Array.from(images.subarray((k * s * s + y * s + x) * c, (k * s * s + y * s + x + 1) * c));

describe('resize', () => {
  test('a constant image stays constant, shrinking and growing', () => {
    const src = Uint8Array.from(fill(7 * 5, [200, 100, 50]));
    for (const [h, w] of [[3, 2], [4, 4], [16, 9]]) {
      const out = resizeImage(src, 7, 5, 3, h!, w!);
      assert.deepEqual(Array.from(out), fill(h! * w!, [200, 100, 50]), `${h}x${w}`);
    }
  });

  test('shrinking averages areas, growing is bilinear with half-pixel centres', () => {
    // Horizontal gradient 0, 32, ..., 224 over 8×8 -> 4×4 averages neighbour pairs.
    const grad = Uint8Array.from({ length: 64 }, (_, i) => (i % 8) * 32);
    assert.deepEqual(Array.from(resizeImage(grad, 8, 8, 1, 4, 4)), fill(4, [16, 80, 144, 208]));
    // 8 -> 3 columns: each output covers 8/3 source pixels.
    const three = Array.from(resizeImage(grad, 8, 8, 1, 1, 3));
    const exact = [(0 + 32 + (2 / 3) * 64) / (8 / 3), ((1 / 3) * 64 + 96 + 128 + (1 / 3) * 160) / (8 / 3), ((2 / 3) * 160 + 192 + 224) / (8 / 3)];
    assert.deepEqual(three, exact.map(Math.round));
    // 2×2 [0 100; 0 100] -> 4×4 rows [0 25 75 100].
    const up = resizeImage(Uint8Array.from([0, 100, 0, 100]), 2, 2, 1, 4, 4);
    assert.deepEqual(Array.from(up), fill(4, [0, 25, 75, 100]));
  });

  test('expandChannels repeats gray and takes BT.601 luminance', () => {
    assert.deepEqual(Array.from(expandChannels(Uint8Array.from([7, 200]), 1, 1, 2, 1, 3)), [7, 7, 7, 200, 200, 200]);
    assert.deepEqual(Array.from(expandChannels(Uint8Array.from([200, 100, 50, 9, 9, 9]), 1, 1, 2, 3, 1)), [124, 9]);
    const same = Uint8Array.from([1, 2, 3]);
    assert.equal(expandChannels(same, 1, 1, 1, 3, 3), same);
  });
});

describe('decodeImage', () => {
  test('grayscale, 16-bit, RGBA over white, gray+alpha, RGB, JPEG', () => {
    const g = decodeImage(png(2, 1, 0, 8, [0, 77]), 'g.png');
    assert.deepEqual([g.width, g.height, ...g.data], [2, 1, 0, 0, 0, 77, 77, 77]);
    const g16 = decodeImage(png(2, 1, 0, 16, [65535, 0x8080]), 'g16.png');
    assert.deepEqual(Array.from(g16.data), [255, 255, 255, 128, 128, 128]);
    const rgba = decodeImage(png(2, 1, 6, 8, [0, 0, 0, 0, 255, 0, 0, 128]), 'a.png');
    assert.deepEqual(Array.from(rgba.data), [255, 255, 255, 255, 127, 127]);
    const ga = decodeImage(png(1, 1, 4, 8, [0, 255]), 'ga.png');
    assert.deepEqual(Array.from(ga.data), [0, 0, 0]);
    const rgb16 = decodeImage(png(1, 1, 2, 16, [65535, 0, 0x8080]), 'rgb16.png');
    assert.deepEqual(Array.from(rgb16.data), [255, 0, 128]);
    const j = decodeImage(jpg(8, 8, [10, 200, 30]), 'c.jpg');
    assert.deepEqual([j.width, j.height], [8, 8]);
    for (let i = 0; i < j.data.length; i += 3) {
      assert.ok(Math.abs(j.data[i]! - 10) <= 3 && Math.abs(j.data[i + 1]! - 200) <= 3 && Math.abs(j.data[i + 2]! - 30) <= 3, `jpeg pixel ${i / 3}`);
    }
  });
});

describe('image folder', () => {
  const flat = join(root, 'flat');
  // cat: a.png (RGB 8×8 constant), b.jpg (16×12 constant), notes.txt (ignored)
  // dog: c.png (gray 8×8 gradient), d.png (16-bit gray 2×2), sub/e.png (RGBA 3×5, transparent)
  put(join(flat, 'cat', 'a.png'), png(8, 8, 2, 8, fill(64, [200, 100, 50])));
  put(join(flat, 'cat', 'b.jpg'), jpg(16, 12, [40, 80, 160]));
  put(join(flat, 'cat', 'notes.txt'), 'not an image');
  put(join(flat, 'dog', 'c.png'), png(8, 8, 0, 8, Array.from({ length: 64 }, (_, i) => (i % 8) * 32)));
  put(join(flat, 'dog', 'd.png'), png(2, 2, 0, 16, [0, 65535, 0, 65535]));
  put(join(flat, 'dog', 'sub', 'e.png'), png(3, 5, 6, 8, fill(15, [0, 0, 0, 0])));
  put(join(flat, '.hidden', 'x.png'), png(1, 1, 0, 8, [0]));

  test('loads classes in sorted order, resizes every size to imageSize, logs ignored files', async () => {
    const lines: string[] = [];
    const ds = await loadImageFolder(flat, { imageSize: 4, testFraction: 0, log: (l) => lines.push(l) });
    assert.deepEqual(ds.classNames, ['cat', 'dog']);
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.train.count, ds.test.count], [4, 4, 3, 5, 0]);
    // Round-robin by class, files sorted: cat/a, dog/c, cat/b, dog/d, dog/sub/e.
    assert.deepEqual(Array.from(ds.train.labels), [0, 1, 0, 1, 1]);
    const im = ds.train.images;
    assert.deepEqual(Array.from(im.subarray(0, 48)), fill(16, [200, 100, 50]));
    for (let x = 0; x < 4; x++) assert.deepEqual(at(im, 1, 4, 3, 2, x), fill(3, [[16, 80, 144, 208][x]!]));
    for (const [i, v] of at(im, 2, 4, 3, 1, 1).entries()) assert.ok(Math.abs(v - [40, 80, 160][i]!) <= 3);
    for (let x = 0; x < 4; x++) assert.deepEqual(at(im, 3, 4, 3, 0, x), fill(3, [[0, 64, 191, 255][x]!]));
    assert.deepEqual(Array.from(im.subarray(4 * 48, 5 * 48)), fill(48, [255]));
    assert.ok(lines.some((l) => l.includes('ignored 1 file') && l.includes('.png')), lines.join('\n'));
    assert.equal(ds.name, `folder:${flat}`);
  });

  test('one channel on request (luminance) through loadDataset', async () => {
    const ds = await loadDataset({ kind: 'folder', path: flat, imageSize: 2, channels: 1, testFraction: 0 });
    assert.equal(ds.channels, 1);
    assert.deepEqual(Array.from(ds.train.images.subarray(0, 4)), [124, 124, 124, 124]);
    assert.equal(ds.mean.length, 1);
  });

  test('split by testFraction is per class, deterministic and independent of listing order', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `img${i}.png`);
    const a = splitFiles(names, 0.25, 'idaa');
    const b = splitFiles([...names].reverse(), 0.25, 'idaa');
    assert.deepEqual(a, b);
    assert.equal(a.test.length, 5);
    assert.equal(a.train.length + a.test.length, 20);
    assert.notDeepEqual(splitFiles(names, 0.25, 'other seed').test, a.test);
    assert.deepEqual(splitFiles(['one.png'], 0.5, 'idaa'), { train: ['one.png'], test: [] });
    assert.equal(splitFiles(['x.png', 'y.png'], 0.01, 'idaa').test.length, 1);

    const dir = join(root, 'many');
    for (const cls of ['a', 'b']) for (let i = 0; i < 10; i++) put(join(dir, cls, `${i}.png`), png(1, 1, 0, 8, [i * 20]));
    const ds1 = await loadImageFolder(dir, { imageSize: 1, testFraction: 0.3 });
    const ds2 = await loadImageFolder(dir, { imageSize: 1, testFraction: 0.3 });
    assert.deepEqual([ds1.train.count, ds1.test.count], [14, 6]);
    assert.deepEqual(Array.from(ds1.test.images), Array.from(ds2.test.images));
    assert.deepEqual(Array.from(ds1.test.labels).sort(), [0, 0, 0, 1, 1, 1]);
  });

  test('uses train/ and test/ when both exist', async () => {
    const dir = join(root, 'presplit');
    put(join(dir, 'train', 'x', '1.png'), png(1, 1, 0, 8, [10]));
    put(join(dir, 'train', 'y', '1.png'), png(1, 1, 0, 8, [20]));
    put(join(dir, 'train', 'y', '2.png'), png(1, 1, 0, 8, [30]));
    put(join(dir, 'test', 'y', '9.png'), png(1, 1, 0, 8, [90]));
    const ds = await loadImageFolder(dir, { imageSize: 1, channels: 1 });
    assert.deepEqual(ds.classNames, ['x', 'y']);
    assert.deepEqual(Array.from(ds.train.images), [10, 20, 30]);
    assert.deepEqual(Array.from(ds.test.images), [90]);
    assert.deepEqual(Array.from(ds.test.labels), [1]);
    put(join(dir, 'test', 'z', '1.png'), png(1, 1, 0, 8, [0]));
    await expectError(() => loadImageFolder(dir), join(dir, 'test', 'z'), /class "z" has no folder in/);
  });

  test('errors: missing folder, no class subfolders, empty class, corrupt or fake images', async () => {
    const missing = join(root, 'missing');
    await expectError(() => loadImageFolder(missing), missing, /image folder not found/);
    await assert.rejects(() => loadDataset({ kind: 'folder' }), /path/);

    const noClasses = join(root, 'noclasses');
    put(join(noClasses, 'a.png'), png(1, 1, 0, 8, [0]));
    await expectError(() => loadImageFolder(noClasses), noClasses, /no class subfolders/);

    const empty = join(root, 'empty');
    put(join(empty, 'full', 'a.png'), png(1, 1, 0, 8, [0]));
    put(join(empty, 'hollow', 'readme.md'), '#');
    await expectError(() => loadImageFolder(empty), join(empty, 'hollow'), /empty class folder/, /1 file with other extensions ignored/);

    const corrupt = join(root, 'corrupt');
    const good = png(4, 4, 0, 8, fill(16, [9]));
    put(join(corrupt, 'k', 'ok.png'), good);
    const bad = Buffer.from(good);
    bad.fill(0x55, 41, 60); // inside IDAT: the CRC and the deflate stream no longer agree
    put(join(corrupt, 'k', 'zz.png'), bad);
    await expectError(() => loadImageFolder(corrupt), join(corrupt, 'k', 'zz.png'), /corrupt PNG image/);

    const fake = join(root, 'fake');
    put(join(fake, 'k', 'photo.jpg'), 'GIF89a pretending');
    await expectError(() => loadImageFolder(fake), join(fake, 'k', 'photo.jpg'), /not a PNG or JPEG image/);

    const cut = join(root, 'cut');
    put(join(cut, 'k', 'half.jpg'), jpg(16, 16, [1, 2, 3]).subarray(0, 200));
    await expectError(() => loadImageFolder(cut), join(cut, 'k', 'half.jpg'), /corrupt JPEG image/);
  });
});
