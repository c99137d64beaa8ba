// One bundle per entry point (as vscode-eslint does), plus the wasm binaries tfjs loads at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// Optional native backends are resolved at run time on the user's machine, never bundled.
const external = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vscode'];

const entries = [
  { in: 'src/engine/index.ts', out: 'engine' },
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'bench/main.ts', out: 'bench' },
].filter((e) => existsSync(e.in));

const options = {
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'warning',
};

mkdirSync('dist', { recursive: true });
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(join(wasmDir, 'dist', f), join('dist', f));
}

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
