#!/usr/bin/env bash
# The GPU check in one command, on the GPU machine (no Node.js, no network; PyTorch with CUDA and
# Vulkan drivers there), from the repository root with bench/gpu/payload carried:
#   device run: bash bench/gpu/run.sh     (carry: ["bench/gpu/payload"]; about 5-8 minutes)
# 1. the cpu-vs-webgpu parity test (test/engine/webgpuParity.test.ts), skipped if no adapter;
# 2. PyTorch on CUDA at the peer shapes (bench/gpu/torch_cuda_peer.py);
# 3. the benchmark's webgpu rows: peer shapes (batch 64) and the reference preset (batch 256).
# Writes bench/results/gpu-<time>.{json,md} (the repository's bench format) and copies them, the
# parity report and the logs to $OUT (the device tool brings those back). Runs here too: without
# an adapter it records why, and the results file says so.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PAYLOAD=bench/gpu/payload/idaa-gpu.tar.xz
DEST=${OUT:-$ROOT/bench/results/gpu-out}
mkdir -p "$DEST"
[ -f "$PAYLOAD" ] || { echo "run: $PAYLOAD is missing: run bash bench/gpu/prepare.sh first (and carry bench/gpu/payload)" >&2; exit 1; }
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
W=$(mktemp -d -t idaa-gpu.XXXXXX)
tar -C "$W" -xJf "$PAYLOAD"
# The bundles find node_modules/webgpu and bench/ from the repository root, so they live there.
rm -rf "$ROOT/dist.gpu-run"
cp -r "$W/dist" "$ROOT/dist.gpu-run"
mkdir -p "$ROOT/node_modules"
[ -d "$ROOT/node_modules/webgpu" ] || cp -r "$W/node_modules/webgpu" "$ROOT/node_modules/webgpu"
NODE="$W/node/bin/node"
export IDAA_BENCH_COMMIT="$(head -1 "$W/commit.txt") (bundled; see commit.txt)"
cp "$W/commit.txt" "$DEST/commit.txt"

# Vulkan: the loader if the machine lacks it (into $W, not /), and NVIDIA's driver manifest.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  for d in "$W"/debs/libvulkan1_*.deb; do dpkg -x "$d" "$W/vk"; done
  export LD_LIBRARY_PATH="$W/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "run: Vulkan loader from the payload ($W/vk)"
fi
NV_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$NV_ICD" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$NV_ICD VK_ICD_FILENAMES=$NV_ICD
  echo "run: NVIDIA Vulkan driver $NV_ICD"
fi
{ echo "node $("$NODE" --version)"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2; } | tee "$DEST/machine.txt"

echo "run: 1/3 parity test (cpu vs webgpu)"
IDAA_WEBGPU_PARITY_OUT="$DEST/parity.json" timeout 300 "$NODE" --test --test-reporter=spec "$ROOT/dist.gpu-run/webgpuParity.test.js" >"$DEST/parity.log" 2>&1
echo "run: parity exit $? ($(grep -cE '^\s*✔' "$DEST/parity.log") passed, $(grep -cE '^\s*✖' "$DEST/parity.log") failed, $(grep -c '# SKIP' "$DEST/parity.log") skipped)"
grep -E '^ℹ (pass|fail|skipped)|SKIP' "$DEST/parity.log" | head -3

echo "run: 2-3/3 benchmark: PyTorch CUDA peer, webgpu rows"
# bench.js is the bundle; REPO_ROOT is its folder's parent, so it runs from dist.gpu-run/.. = the repository.
timeout 420 "$NODE" "$ROOT/dist.gpu-run/bench.js" --backends webgpu --no-torch --torch-cuda \
  --only peer-vae,peer-enc,peer-adv,peer-idaa,reference --out "gpu-$STAMP" >"$DEST/bench.log" 2>&1
echo "run: bench exit $?"
for f in "$ROOT/bench/results/gpu-$STAMP.json" "$ROOT/bench/results/gpu-$STAMP.md"; do [ -f "$f" ] && cp "$f" "$DEST/"; done
[ -f "$ROOT/bench/results/gpu-$STAMP.md" ] && cat "$ROOT/bench/results/gpu-$STAMP.md"
rm -rf "$ROOT/dist.gpu-run" "$W"
