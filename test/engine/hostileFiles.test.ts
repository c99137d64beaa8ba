/**
 * Hostile input on disk: link loops and duplicate links in folder datasets, images whose header
 * declares a huge size, and paths that are FIFOs, devices or folders where a file belongs. All
 * data is made here, in a temporary folder.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { CheckpointError, DatasetError, FileError } from '../../src/common/errors';
import { readCheckpointFile, writeCheckpointFile } from '../../src/engine/checkpoint/format';
import { decodeImage, loadImageFolder } from '../../src/engine/data/imageFolder';
import { encodePng } from '../../src/common/png';
import { decodePng } from '../../src/engine/inspect/png';
import { expectError } from './datasetErrors';

const root = mkdtempSync(join(tmpdir(), 'idaa-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));

type Rgb = [number, number, number];

/** A valid 2×2 PNG of one colour. */
function solidPng(rgb: Rgb, side = 2): Buffer {
  const rgba = new Uint8Array(side * side * 4);
  for (let p = 0; p < side * side; p++) rgba.set([...rgb, 255], p * 4);
  return encodePng({ width: side, height: side, rgba });
}

function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** The same PNG with IHDR claiming another size, its CRC recomputed so the file stays "valid". */
function forgePngSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

/** A 1×1 interlaced 8-bit RGB PNG whose IDAT inflates to `raw`. */
function interlacedPng(raw: Buffer): Buffer {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 1]);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const keyOf = (images: Uint8Array, k: number, bytes: number): string => Array.from(images.subarray(k * bytes, k * bytes + 3)).join(',');

describe('folder datasets: links', () => {
  test('a link loop, links to a sibling file and a folder, and a hard link: each real image once, no train/test overlap', async () => {
    const dir = join(root, 'links');
    const colours: Rgb[] = [];
    const image = (path: string): void => {
      const rgb: Rgb = [10 + colours.length * 20, 200 - colours.length * 10, 7];
      colours.push(rgb);
      put(path, solidPng(rgb));
    };
    for (let i = 0; i < 6; i++) image(join(dir, 'a', `${i}.png`));
    image(join(dir, 'a', 'sub', 's.png'));
    for (let i = 0; i < 5; i++) image(join(dir, 'b', `${i}.png`));
    symlinkSync('.', join(dir, 'a', 'loop')); // ln -s . a/loop
    symlinkSync('0.png', join(dir, 'a', 'zz.png')); // a second name for a sibling file
    symlinkSync('sub', join(dir, 'a', 'sub-alias')); // a second name for a folder
    symlinkSync('..', join(dir, 'b', 'up')); // back to the root
    linkSync(join(dir, 'b', '1.png'), join(dir, 'b', 'hard.png'));

    const lines: string[] = [];
    const ds = await loadImageFolder(dir, { imageSize: 2, testFraction: 0.3, log: (l) => lines.push(l) });
    assert.equal(ds.train.count + ds.test.count, colours.length, 'every real image exactly once');
    assert.ok(ds.test.count > 0 && ds.train.count > 0);
    const bytes = 2 * 2 * 3;
    const train = new Set(Array.from({ length: ds.train.count }, (_, k) => keyOf(ds.train.images, k, bytes)));
    const test = new Set(Array.from({ length: ds.test.count }, (_, k) => keyOf(ds.test.images, k, bytes)));
    assert.equal(train.size, ds.train.count, 'no image twice in train');
    assert.equal(test.size, ds.test.count, 'no image twice in test');
    assert.deepEqual([...test].filter((k) => train.has(k)), [], 'no image in both splits');
    assert.deepEqual([...train, ...test].sort(), colours.map((c) => c.join(',')).sort());
    assert.ok(lines.some((l) => /skipped 2 duplicate paths/.test(l) && /3 folder links that loop or repeat a folder/.test(l)), lines.join('\n'));
  });

  test('a link that puts one real file in two classes is refused, naming both paths', async () => {
    const dir = join(root, 'two-classes');
    put(join(dir, 'cat', 'x.png'), solidPng([1, 2, 3]));
    put(join(dir, 'dog', 'y.png'), solidPng([4, 5, 6]));
    symlinkSync(join('..', 'cat', 'x.png'), join(dir, 'dog', 'x-link.png'));
    await expectError(() => loadImageFolder(dir), join(dir, 'dog', 'x-link.png'), new RegExp(`same file as ${join(dir, 'cat', 'x.png')}`), /one class only/);
  });

  test('a file in both train/ and test/ (a hard link) is refused, naming both paths', async () => {
    const dir = join(root, 'leak');
    put(join(dir, 'train', 'cat', 'x.png'), solidPng([1, 2, 3]));
    put(join(dir, 'train', 'cat', 'y.png'), solidPng([4, 5, 6]));
    mkdirSync(join(dir, 'test', 'cat'), { recursive: true });
    linkSync(join(dir, 'train', 'cat', 'x.png'), join(dir, 'test', 'cat', 'x.png'));
    await expectError(() => loadImageFolder(dir), join(dir, 'test', 'cat', 'x.png'), new RegExp(`same file as ${join(dir, 'train', 'cat', 'x.png')}`), /both train\/ and test\//);
  });

  test('a class folder that links to another class folder is refused', async () => {
    const dir = join(root, 'alias-class');
    put(join(dir, 'cat', 'x.png'), solidPng([1, 2, 3]));
    symlinkSync('cat', join(dir, 'kitty'));
    await expectError(() => loadImageFolder(dir), join(dir, 'kitty'), new RegExp(`is the same folder as ${join(dir, 'cat')}`));
  });
});

describe('image headers are checked before decoding', () => {
  test('a PNG declaring 12000×12000 is refused, naming the file and the size, without running the decoder', async () => {
    const forged = forgePngSize(solidPng([9, 9, 9]), 12000, 12000);
    const read = PNG.sync.read;
    let decoderRuns = 0;
    PNG.sync.read = (...args: Parameters<typeof read>) => {
      decoderRuns++;
      return read(...args);
    };
    try {
      assert.throws(
        () => decodeImage(forged, 'forged.png'),
        (e: unknown) =>
          e instanceof DatasetError &&
          e.file === 'forged.png' &&
          /forged\.png: PNG header declares 12,000×12,000 pixels, which would decode to 576,000,000 bytes/.test(e.message) &&
          /the limit is 400,000,000 bytes \(100 megapixels\)/.test(e.message),
      );
      assert.throws(() => decodePng(forged, 'sheet.png'), (e: unknown) => e instanceof FileError && /sheet\.png: PNG header declares 12,000×12,000/.test(e.message));
      const dir = join(root, 'forged');
      put(join(dir, 'k', 'a.png'), solidPng([1, 1, 1]));
      put(join(dir, 'k', 'big.png'), forged);
      await expectError(() => loadImageFolder(dir, { testFraction: 0 }), join(dir, 'k', 'big.png'), /12,000×12,000 pixels/, /limit/);
      assert.equal(decoderRuns, 1, 'only the real 2×2 image (a.png, read first) reached the decoder');
    } finally {
      PNG.sync.read = read;
    }
  });

  test('a JPEG declaring 20000×20000 is refused by the same limit', () => {
    const data = Buffer.alloc(8 * 8 * 4, 128);
    const jpg = Buffer.from(jpeg.encode({ width: 8, height: 8, data }, 90).data);
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(20000, sof + 5);
    jpg.writeUInt16BE(20000, sof + 7);
    assert.throws(() => decodeImage(jpg, 'big.jpg'), /big\.jpg: JPEG header declares 20,000×20,000 pixels, .* the limit is 400,000,000 bytes/);
  });

  test('an interlaced PNG decodes, and one whose data inflates past its declared size is refused', () => {
    const ok = decodeImage(interlacedPng(Buffer.from([0, 10, 20, 30])), 'ok.png');
    assert.deepEqual([ok.width, ok.height, ...ok.data], [1, 1, 10, 20, 30]);
    const bomb = interlacedPng(Buffer.alloc(8 * 1024 * 1024));
    assert.throws(() => decodeImage(bomb, 'bomb.png'), /bomb\.png: interlaced image data inflates to more than the 4 bytes a 1×1 image needs/);
  });
});

describe('paths that are not regular files', () => {
  test('a folder, a file far too big and a forged header are refused as checkpoints', () => {
    const dir = join(root, 'ckpt');
    mkdirSync(dir, { recursive: true });
    const isCkptError = (re: RegExp) => (e: unknown) => e instanceof CheckpointError && re.test(e.message);
    assert.throws(() => readCheckpointFile(dir), isCkptError(new RegExp(`checkpoint ${dir}: is a folder, not a regular file`)));

    const huge = join(dir, 'huge.ckpt');
    writeFileSync(huge, '');
    truncateSync(huge, 5 * 1024 ** 3); // sparse: no disk used
    assert.throws(() => readCheckpointFile(huge), isCkptError(/huge\.ckpt: is 5\.0 GiB \(5,368,709,120 bytes\), over the .* limit for the checkpoint file/));

    // A billion-float tensor (4 GB) in a header that declares a 1 GB body, then an 8 GB one.
    const forge = (bodyBytes: number, body: Buffer): string => {
      const header = Buffer.from(JSON.stringify({ version: 1, meta: {}, tensors: [{ name: 'w', shape: [1e9], offset: 0, length: 1e9 }], bodyBytes, bodyCrc: 0 }));
      // Valid checksums: only the declared sizes are wrong.
      const pre = Buffer.alloc(16);
      pre.write('IDAACKPT', 0, 'ascii');
      pre.writeUInt32LE(header.length, 8);
      pre.writeUInt32LE(crc32(header), 12);
      const f = join(dir, `forged-${bodyBytes}.ckpt`);
      writeFileSync(f, Buffer.concat([pre, header, body]));
      return f;
    };
    assert.throws(() => readCheckpointFile(forge(1e9, Buffer.alloc(8))), isCkptError(/corrupt header: tensor w .* does not fit the 1000000000-byte body/));
    assert.throws(() => readCheckpointFile(forge(8e9, Buffer.alloc(8))), isCkptError(/truncated: body should be 8000000000 bytes, found 8/));

    const good = join(dir, 'good.ckpt');
    writeCheckpointFile(good, { ok: true }, [{ name: 'w', shape: [2], data: Float32Array.from([1, 2]) }]);
    assert.deepEqual(readCheckpointFile<{ ok: boolean }>(good).meta, { ok: true });
  });

  // A regression here would block in read() (FIFO) or grow without end (/dev/zero), which no
  // in-process timeout can interrupt, so the reads run in a child process that is killed if it
  // takes too long; the test's own timeout is the last line.
  test('FIFOs and /dev/zero given as checkpoint or dataset files are refused, naming the file and its kind', { timeout: 120_000 }, async () => {
    const dir = join(root, 'kinds');
    mkdirSync(dir, { recursive: true });
    const fifo = (name: string): string => {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      execFileSync('mkfifo', [p]);
      return p;
    };
    const cifar = join(dir, 'cifar-10-batches-bin');
    for (const f of ['data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) put(join(cifar, f), '');
    const images = join(dir, 'folder');
    put(join(images, 'k', 'a.png'), solidPng([1, 2, 3]));
    const zeroImages = join(dir, 'zero-folder');
    put(join(zeroImages, 'k', 'a.png'), solidPng([1, 2, 3]));
    symlinkSync('/dev/zero', join(zeroImages, 'k', 'zero.png'));
    const fifoKind = /is a FIFO \(named pipe\), not a regular file/;
    const devKind = /is a character device, not a regular file/;
    const cases: { name: string; reader: string; path: string; file: string; kind: RegExp; error: string }[] = [
      { name: 'checkpoint FIFO', reader: 'checkpoint', path: fifo('run.ckpt'), file: join(dir, 'run.ckpt'), kind: fifoKind, error: 'CheckpointError' },
      { name: 'checkpoint /dev/zero', reader: 'checkpoint', path: '/dev/zero', file: '/dev/zero', kind: devKind, error: 'CheckpointError' },
      { name: 'IDX FIFO', reader: 'idx', path: fifo('train-images-idx3-ubyte'), file: join(dir, 'train-images-idx3-ubyte'), kind: fifoKind, error: 'DatasetError' },
      { name: 'IDX /dev/zero', reader: 'idx', path: '/dev/zero', file: '/dev/zero', kind: devKind, error: 'DatasetError' },
      { name: 'packed FIFO', reader: 'packed', path: fifo('data.idaapack'), file: join(dir, 'data.idaapack'), kind: fifoKind, error: 'DatasetError' },
      { name: 'packed /dev/zero', reader: 'packed', path: '/dev/zero', file: '/dev/zero', kind: devKind, error: 'DatasetError' },
      { name: 'CIFAR batch FIFO', reader: 'cifar', path: (fifo(join('cifar-10-batches-bin', 'data_batch_1.bin')), cifar), file: join(cifar, 'data_batch_1.bin'), kind: fifoKind, error: 'DatasetError' },
      { name: 'image FIFO in a folder', reader: 'folder', path: (fifo(join('folder', 'k', 'pipe.png')), images), file: join(images, 'k', 'pipe.png'), kind: fifoKind, error: 'DatasetError' },
      { name: 'image link to /dev/zero', reader: 'folder', path: zeroImages, file: join(zeroImages, 'k', 'zero.png'), kind: devKind, error: 'DatasetError' },
    ];
    const results = await probe(cases.map(({ name, reader, path }) => ({ name, reader, path })));
    for (const c of cases) {
      const r = results.get(c.name);
      assert.ok(r, `${c.name}: the child printed no result`);
      assert.equal(r.error, c.error, `${c.name}: ${r.message}`);
      assert.equal(r.file, c.file, `${c.name}: ${r.message}`);
      assert.ok(r.message.includes(c.file), `${c.name}: message should name ${c.file}: ${r.message}`);
      assert.match(r.message, c.kind, c.name);
    }
  });
});

interface ProbeResult {
  readonly name: string;
  readonly error: string;
  readonly file?: string;
  readonly message: string;
}

const src = (m: string): string => JSON.stringify(resolve(__dirname, '..', '..', 'src', m));

/** Runs each read in a child process, one JSON line per case; a child that hangs is killed. */
async function probe(cases: { name: string; reader: string; path: string }[]): Promise<Map<string, ProbeResult>> {
  const script = join(root, 'probe.ts');
  writeFileSync(
    script,
    `import { readCheckpointFile } from ${src('engine/checkpoint/format')};
import { readIdxImages } from ${src('engine/data/idx')};
import { readPackedDataset } from ${src('engine/data/packed')};
import { loadCifar10 } from ${src('engine/data/cifar')};
import { loadImageFolder } from ${src('engine/data/imageFolder')};
const readers = {
  checkpoint: async (p) => readCheckpointFile(p),
  idx: (p) => readIdxImages(p),
  packed: async (p) => readPackedDataset(p),
  cifar: (p) => loadCifar10(p),
  folder: (p) => loadImageFolder(p),
};
(async () => {
  for (const c of JSON.parse(process.argv[2])) {
    try {
      await readers[c.reader](c.path);
      console.log(JSON.stringify({ name: c.name, error: 'none', message: 'read without an error' }));
    } catch (e) {
      console.log(JSON.stringify({ name: c.name, error: e.constructor.name, file: e.file, message: e.message }));
    }
  }
})();
`,
  );
  const stdout = await new Promise<string>((ok, fail) => {
    execFile(process.execPath, ['--import', 'tsx', script, JSON.stringify(cases)], { cwd: resolve(__dirname, '..', '..'), timeout: 60_000 }, (err, out, errOut) => {
      if (err) fail(new Error(`probe child ${err.killed ? 'hung and was killed' : 'failed'}: ${err.message}\nstdout: ${out}\nstderr: ${errOut}`));
      else ok(out);
    });
  });
  const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  return new Map(lines.map((l) => JSON.parse(l) as ProbeResult).map((r) => [r.name, r]));
}
