/**
 * A folder of PNG / JPEG images, one subfolder per class (names sorted by code point):
 *
 *   root/cat/001.png, root/dog/a.jpg ...            split here by testFraction
 *   root/train/cat/..., root/test/cat/...           split given by the folders
 *
 * Files below a class folder are found recursively; other extensions are skipped and counted.
 * Every image is decoded to RGB (grayscale repeated, transparency composited over white,
 * 16-bit scaled to 8-bit), stretched to imageSize × imageSize (see resize.ts) and, if 1 channel
 * is asked for, turned into luminance.
 *
 * The split without train/ and test/: within each class, files are ordered by a seeded 32-bit
 * hash of their path inside the class folder, and the first round(n × testFraction) are test
 * (at least 1 when testFraction > 0 and the class has 2 or more files; never all of them). It
 * depends only on file names, not on listing order or on other classes.
 */
import { hashString } from '../rng';
import { readdirSync, type Dirent } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetError } from '../../common/errors';
import { expandChannels } from './channels';
import { errorMessage, formatCount, fsProblem, isDir, noLog, readBytes, requireDir, type LogFn } from './files';
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

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** Refuse images whose decoded RGBA would exceed this, rather than exhaust memory. */
const MAX_MEGAPIXELS = 100;

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
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) {
    try {
      // pngjs always hands back 8-bit RGBA (grayscale expanded, palettes applied, 16-bit scaled).
      const png = PNG.sync.read(buf);
      img = { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width * png.height) };
    } catch (e) {
      throw new DatasetError(file, `corrupt PNG image: ${errorMessage(e)}`);
    }
  } else if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
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

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => !d.name.startsWith('.'));
  } catch (e) {
    throw fsProblem(dir, e, 'folder');
  }
}

/** Sorted subfolder names (hidden ones skipped). */
function subfolders(dir: string): string[] {
  return listDir(dir)
    .filter((d) => d.isDirectory() || (d.isSymbolicLink() && isDir(join(dir, d.name))))
    .map((d) => d.name)
    .sort();
}

interface Scan {
  /** Image paths relative to the class folder, '/'-separated, sorted. */
  images: string[];
  skipped: number;
}

function scanClass(dir: string): Scan {
  const images: string[] = [];
  let skipped = 0;
  const walk = (d: string): void => {
    for (const e of listDir(d)) {
      const full = join(d, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && isDir(full))) walk(full);
      else if (IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) images.push(relative(dir, full).split(sep).join('/'));
      else skipped++;
    }
  };
  walk(dir);
  images.sort();
  return { images, skipped };
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
    const img = decodeImage(await readBytes(item.file), item.file);
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

  let skipped = 0;
  const scanOrFail = (dir: string): string[] => {
    const s = scanClass(dir);
    skipped += s.skipped;
    if (s.images.length === 0) {
      const other = s.skipped > 0 ? ` (${s.skipped} file${s.skipped === 1 ? '' : 's'} with other extensions ignored)` : '';
      throw new DatasetError(dir, `empty class folder: no .png, .jpg or .jpeg images${other}`);
    }
    return s.images;
  };
  const trainItems: Item[][] = [];
  const testItems: Item[][] = [];
  if (presplit) {
    const testRoot = join(root, 'test');
    for (const extra of subfolders(testRoot).filter((c) => !classNames.includes(c))) {
      throw new DatasetError(join(testRoot, extra), `class "${extra}" has no folder in ${trainRoot}`);
    }
    classNames.forEach((name, label) => {
      trainItems.push(scanOrFail(join(trainRoot, name)).map((f) => ({ file: join(trainRoot, name, f), label })));
      const testDir = join(testRoot, name);
      testItems.push(isDir(testDir) ? scanOrFail(testDir).map((f) => ({ file: join(testDir, f), label })) : []);
    });
  } else {
    classNames.forEach((name, label) => {
      const { train, test } = splitFiles(scanOrFail(join(root, name)), testFraction, seed);
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
  const train = await decodeSplit(trainItems, size, channels, log, 'train');
  const test = await decodeSplit(testItems, size, channels, log, 'test');
  const { mean, std } = channelStats(train, channels);
  return { name: `folder:${root}`, height: size, width: size, channels, classNames, train, test, mean, std };
}
