/**
 * A folder of PNG / JPEG images, one subfolder per class (names sorted by code point):
 *
 *   root/cat/001.png, root/dog/a.jpg ...            split here by testFraction
 *   root/train/cat/..., root/test/cat/...           split given by the folders
 *
 * Files below a class folder are found recursively; other extensions are skipped and counted.
 * Each real file is one image however many links lead to it, and link loops are skipped
 * (folderWalk.ts). A real file reached from two class folders, or from both train/ and test/,
 * is refused with both paths named rather than given one of the labels: either choice would
 * silently train on a wrong label or leak a test image into training.
 * Every image's header is checked against the decode limit (imageHeader.ts) before it is
 * decoded. Every image is decoded to RGB (grayscale repeated, transparency composited over white,
 * 16-bit scaled to 8-bit), stretched to imageSize × imageSize (see resize.ts) and, if 1 channel
 * is asked for, turned into luminance.
 *
 * The split without train/ and test/: within each class, files are ordered by a seeded 32-bit
 * hash of their path inside the class folder, and the first round(n × testFraction) are test
 * (at least 1 when testFraction > 0 and the class has 2 or more files; never all of them). It
 * depends only on file names, not on listing order or on other classes.
 */
import { hashString } from '../rng';
import { join, resolve } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetError } from '../../common/errors';
import { expandChannels } from './channels';
import { errorMessage, formatCount, isDir, noLog, readBytes, requireDir, type LogFn } from './files';
import { listDir, pathId, scanClass } from './folderWalk';
import { decodedSizeProblem, isJpeg, isPng, jpegHeader, MAX_DECODED_BYTES, MAX_MEGAPIXELS, pngHeader, pngInflateProblem } from './imageHeader';
import { Resizer } from './resize';
import { channelStats } from './stats';
import { roundRobinOrder } from './subset';
import type { Dataset, Split } from './types';

export interface ImageFolderOptions {
  /** Output side length in pixels (square); default 32. */
  imageSize?: number;
  /** 3 (RGB, default) or 1 (luminance). */
  channels?: 1 | 3;
  /** Share of each class held out for test when there are no train/ and test/ folders; default 0.1. */
  testFraction?: number;
  /** Seed of the split hash; default "idaa". */
  seed?: string;
  log?: LogFn;
}

/** An image file larger than this cannot hold an image within the decode limit (bar 16-bit noise). */
const MAX_IMAGE_FILE_BYTES = 2 * MAX_DECODED_BYTES;

/** An RGB image, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** RGBA (or RGB with alpha 255) -> RGB, compositing over white so transparent areas are white. */
function rgbaToRgb(rgba: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const a = rgba[p * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const v = rgba[p * 4 + c];
      out[p * 3 + c] = a === 255 ? v : Math.round((v * a + 255 * (255 - a)) / 255);
    }
  }
  return out;
}

/**
 * Decodes PNG or JPEG bytes to RGB, choosing the decoder by the file's signature rather than its
 * extension (misnamed files are common). `file` names the image in errors.
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let img: RgbImage;
  // Before any decoder allocates: the header's size against the limit.
  const header = isPng(buf) ? pngHeader(buf) : isJpeg(buf) ? jpegHeader(buf) : undefined;
  const tooBig = header && (decodedSizeProblem(header) ?? (header.format === 'PNG' ? pngInflateProblem(buf, header) : undefined));
  if (tooBig) throw new DatasetError(file, tooBig);
  if (isPng(buf)) {
    try {
      // pngjs always hands back 8-bit RGBA (grayscale expanded, palettes applied, 16-bit scaled).
      const png = PNG.sync.read(buf);
      img = { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width * png.height) };
    } catch (e) {
      throw new DatasetError(file, `corrupt PNG image: ${errorMessage(e)}`);
    }
  } else if (isJpeg(buf)) {
    try {
      const jpg = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_MEGAPIXELS });
      img = { width: jpg.width, height: jpg.height, data: jpg.data };
    } catch (e) {
      throw new DatasetError(file, `corrupt JPEG image: ${errorMessage(e)}`);
    }
  } else {
    const head = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(file, `not a PNG or JPEG image (starts with bytes ${head || '(empty file)'})`);
  }
  if (img.width === 0 || img.height === 0) throw new DatasetError(file, `image has size ${img.width}×${img.height}`);
  if (img.data.length !== img.width * img.height * 3) throw new DatasetError(file, `decoder returned ${img.data.length} bytes for ${img.width}×${img.height} RGB`);
  return img;
}

/** FNV-1a with a murmur3 finaliser: a stable 32-bit hash (the split must never change). */
export function splitHash(s: string): number {
  let h = hashString(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits one class's file names (see the file comment); both halves come back sorted. */
export function splitFiles(names: readonly string[], testFraction: number, seed: string): { train: string[]; test: string[] } {
  const n = names.length;
  let k = Math.round(n * testFraction);
  if (testFraction > 0 && n >= 2) k = Math.max(1, k);
  k = Math.min(k, n - 1);
  if (k <= 0) return { train: [...names].sort(), test: [] };
  const keyed = names.map((name) => ({ name, h: splitHash(`${seed}\u0000${name}`) }));
  keyed.sort((a, b) => a.h - b.h || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    test: keyed.slice(0, k).map((e) => e.name).sort(),
    train: keyed.slice(k).map((e) => e.name).sort(),
  };
}

/** Sorted subfolder names (hidden ones skipped). */
function subfolders(dir: string): string[] {
  return listDir(dir)
    .filter((d) => d.isDirectory() || (d.isSymbolicLink() && isDir(join(dir, d.name))))
    .map((d) => d.name)
    .sort();
}

/**
 * The ids of the root, train/, test/ and class folders, which no walk may enter again; two of
 * them being one folder (a class folder linked to another) is refused, naming both.
 */
function structuralFolders(dirs: readonly string[]): Set<string> {
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const id = pathId(dir);
    const prev = seen.get(id);
    if (prev !== undefined) {
      throw new DatasetError(dir, `is the same folder as ${prev} (through a link): the root, train/, test/ and every class need folders of their own`);
    }
    seen.set(id, dir);
  }
  return new Set(seen.keys());
}

interface Item {
  readonly file: string;
  readonly label: number;
}

/** Decodes, resizes and converts the items into one split, in round-robin class order. */
async function decodeSplit(perClass: Item[][], size: number, channels: 1 | 3, log: LogFn, what: string): Promise<Split> {
  const order = roundRobinOrder(perClass.map((l) => l.length));
  const imageBytes = size * size * channels;
  const images = new Uint8Array(order.length * imageBytes);
  const labels = new Int32Array(order.length);
  const resizers = new Map<string, Resizer>();
  const rgbOut = new Uint8Array(size * size * 3);
  let lastLog = Date.now();
  for (let k = 0; k < order.length; k++) {
    const [c, i] = order[k];
    const item = perClass[c][i];
    const img = decodeImage(await readBytes(item.file, 'image', MAX_IMAGE_FILE_BYTES), item.file);
    const key = `${img.height}x${img.width}`;
    let r = resizers.get(key);
    if (!r) resizers.set(key, (r = new Resizer(img.height, img.width, 3, size, size)));
    r.run(img.data, 0, rgbOut, 0);
    images.set(channels === 3 ? rgbOut : expandChannels(rgbOut, 1, size, size, 3, 1), k * imageBytes);
    labels[k] = item.label;
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`image folder: decoded ${formatCount(k + 1)} of ${formatCount(order.length)} ${what} images`);
    }
  }
  return { images, labels, count: order.length };
}

export async function loadImageFolder(path: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const log = opts.log ?? noLog;
  const size = opts.imageSize ?? 32;
  const channels = opts.channels ?? 3;
  const testFraction = opts.testFraction ?? 0.1;
  const seed = opts.seed ?? 'idaa';
  if (!Number.isInteger(size) || size < 1) throw new DatasetError(path, `imageSize must be a positive integer, got ${size}`);
  if (!(testFraction >= 0 && testFraction < 1)) throw new DatasetError(path, `testFraction must be in [0, 1), got ${testFraction}`);
  const root = resolve(path);
  requireDir(root, 'image folder');

  const top = subfolders(root);
  const presplit = top.includes('train') && top.includes('test');
  const trainRoot = presplit ? join(root, 'train') : root;
  const classNames = subfolders(trainRoot);
  if (classNames.length === 0) {
    throw new DatasetError(trainRoot, 'no class subfolders: expected one subfolder of PNG/JPEG images per class (e.g. cat/, dog/)');
  }

  const testRoot = join(root, 'test');
  if (presplit) {
    for (const extra of subfolders(testRoot).filter((c) => !classNames.includes(c))) {
      throw new DatasetError(join(testRoot, extra), `class "${extra}" has no folder in ${trainRoot}`);
    }
  }
  const walked = structuralFolders([
    root,
    ...(presplit ? [trainRoot, testRoot] : []),
    ...classNames.map((name) => join(trainRoot, name)),
    ...(presplit ? classNames.map((name) => join(testRoot, name)).filter(isDir) : []),
  ]);

  let skipped = 0;
  let duplicates = 0;
  let loops = 0;
  // The path that first claimed each real file, with its class and split (see the file comment).
  const owners = new Map<string, { file: string; cls: string; split: string }>();
  const scanOrFail = (dir: string, cls: string, split: string): string[] => {
    const s = scanClass(dir, walked);
    skipped += s.skipped;
    duplicates += s.duplicates;
    loops += s.loops;
    if (s.images.length === 0) {
      const other = s.skipped > 0 ? ` (${s.skipped} file${s.skipped === 1 ? '' : 's'} with other extensions ignored)` : '';
      throw new DatasetError(dir, `empty class folder: no .png, .jpg or .jpeg images${other}`);
    }
    s.images.forEach((rel, i) => {
      const file = join(dir, rel);
      const owner = owners.get(s.ids[i]);
      if (owner) {
        const why = owner.split !== split ? `one image cannot be in both ${owner.split}/ and ${split}/` : `an image can belong to one class only, here "${owner.cls}" and "${cls}"`;
        throw new DatasetError(file, `is the same file as ${owner.file} (a link): ${why}`);
      }
      owners.set(s.ids[i], { file, cls, split });
    });
    return s.images;
  };
  const trainItems: Item[][] = [];
  const testItems: Item[][] = [];
  if (presplit) {
    classNames.forEach((name, label) => {
      trainItems.push(scanOrFail(join(trainRoot, name), name, 'train').map((f) => ({ file: join(trainRoot, name, f), label })));
      const testDir = join(testRoot, name);
      testItems.push(isDir(testDir) ? scanOrFail(testDir, name, 'test').map((f) => ({ file: join(testDir, f), label })) : []);
    });
  } else {
    classNames.forEach((name, label) => {
      // One path per real file before the split, so no file can land in both halves.
      const { train, test } = splitFiles(scanOrFail(join(root, name), name, ''), testFraction, seed);
      trainItems.push(train.map((f) => ({ file: join(root, name, f), label })));
      testItems.push(test.map((f) => ({ file: join(root, name, f), label })));
    });
  }
  const nTrain = trainItems.reduce((a, l) => a + l.length, 0);
  const nTest = testItems.reduce((a, l) => a + l.length, 0);
  log(
    `image folder ${root}: ${classNames.length} classes, ${formatCount(nTrain)} train / ${formatCount(nTest)} test images` +
      `${presplit ? ' (from train/ and test/)' : ` (test fraction ${testFraction})`}` +
      `${skipped > 0 ? `; ignored ${formatCount(skipped)} file${skipped === 1 ? '' : 's'} that are not .png/.jpg/.jpeg` : ''}`,
  );
  if (duplicates > 0 || loops > 0) {
    log(
      `image folder ${root}: skipped ${formatCount(duplicates)} duplicate path${duplicates === 1 ? '' : 's'} to images already listed (links) ` +
        `and ${formatCount(loops)} folder link${loops === 1 ? ' that loops or repeats' : 's that loop or repeat'} a folder; each real file is read once`,
    );
  }
  const train = await decodeSplit(trainItems, size, channels, log, 'train');
  const test = await decodeSplit(testItems, size, channels, log, 'test');
  const { mean, std } = channelStats(train, channels);
  return { name: `folder:${root}`, height: size, width: size, channels, classNames, train, test, mean, std };
}
