// One esbuild context per bundle (as vscode-eslint does), plus the wasm binaries tfjs loads at run time.
//   dist/engine.js     the engine's public API (tests, scripts)
//   dist/cli.js        the headless `idaa` command
//   dist/bench.js      benchmarks (dist/benchInspectLive.js: the inspector beside a training worker)
//   dist/packDatasets.js  writes the built-in datasets as packs for the .vsix (dist/data)
//   dist/worker.js     the training worker the extension forks (engine + vscode-languageserver)
//   dist/extension.js  the extension host side: no engine code, never tfjs, `vscode` external
//   dist/webview/      the inspector UI for the browser (main.js, an IIFE, and main.css; runs.js: the runs comparison)
//   dist/test/vscode/  the suite that runs inside a real VS Code (`vscode` and `mocha` external)
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// Optional native backends are resolved at run time on the user's machine, never bundled: the
// tfjs-node packages and Dawn's binding (`webgpu`, a .node addon). tfjs-backend-webgpu is pure JS
// and must share the bundle's copy of tfjs-core, so it is bundled, unless npm left it out.
const resolvable = (pkg) => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const nativeExternal = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', 'vscode', ...(resolvable('@tensorflow/tfjs-backend-webgpu') ? [] : ['@tensorflow/tfjs-backend-webgpu'])];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Prefer packages' ES-module builds: jsonc-parser's UMD main requires its parts dynamically, which a bundle cannot follow.
  mainFields: ['module', 'main'],
};

const vscodeTests = existsSync('test/vscode/suite')
  ? readdirSync('test/vscode/suite').filter((f) => f.endsWith('.ts')).map((f) => join('test/vscode/suite', f))
  : [];

const bundles = [
  { entryPoints: { engine: 'src/engine/index.ts' }, outdir: 'dist', external: nativeExternal },
  { entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', external: nativeExternal },
  { entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist', external: nativeExternal },
  // The inspector-while-training benchmark: starts two dist/worker.js processes as the extension does.
  { entryPoints: { benchInspectLive: 'bench/inspectLive.ts' }, outdir: 'dist', external: nativeExternal },
  { entryPoints: { packDatasets: 'scripts/packDatasets.ts' }, outdir: 'dist', external: nativeExternal },
  { entryPoints: { worker: 'src/worker/main.ts' }, outdir: 'dist', external: nativeExternal },
  // The extension host must never load tfjs: only `vscode` is external, and it imports src/common and the
  // protocols (engine types only, erased), no engine code; the real-editor suite checks the bundle for it.
  { entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  // The inspector webview runs in a browser frame: no Node, no `vscode`, one self-contained script.
  { entryPoints: { main: 'webview/main.ts' }, outdir: 'dist/webview', platform: 'browser', format: 'iife', target: 'es2022' },
  { entryPoints: { main: 'webview/main.css' }, outdir: 'dist/webview', platform: 'browser' },
  // The runs comparison page (same CSP and stylesheet, its own small script).
  { entryPoints: { runs: 'webview/runs/main.ts' }, outdir: 'dist/webview', platform: 'browser', format: 'iife', target: 'es2022' },
  ...(vscodeTests.length
    ? [{ entryPoints: vscodeTests, outdir: 'dist/test/vscode/suite', external: ['vscode', 'mocha'] }]
    : []),
].filter((b) => Object.values(b.entryPoints).every((f) => existsSync(f)));

mkdirSync('dist', { recursive: true });
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(join(wasmDir, 'dist', f), join('dist', f));
}
// The threaded build's factory and pthread worker, read as text at run time (src/engine/backend/wasmThreads.ts).
for (const f of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) {
  copyFileSync(join(wasmDir, 'wasm-out', f), join('dist', f));
}

const contexts = await Promise.all(bundles.map((b) => esbuild.context({ ...common, ...b })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
