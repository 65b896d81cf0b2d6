#!/usr/bin/env bash
# What the device call runs (from the repository root, with .gpu carried): unpack node, Dawn and the Vulkan
# loader, run the engine bench on webgpu and the PyTorch twin, print ONE table (bench/gpu/summarize.py).
#   bash .gpu/run-on-device.sh   (env: SIZES=512,1024 REPS=10 CHECK_SIZE=128 BACKEND=webgpu MEMORY_SIZE=2048 ('' skips) WGSL=1 ('' skips)
#                                 PARTS_SIZE=512 ('' skips);
#                                 NO_DEBS=1 NO_TORCH=1 for a local try on lavapipe)
# Results also land in $OUT (engine.json, torch.json, table.md, logs) when $OUT is set.
set -uo pipefail
gpu=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$gpu/out}
# Unpacked files go outside .gpu (node is ~100 MB), except dawn.node, which must lie where the webgpu package looks.
bin=${TMPDIR:-/tmp}/stylebot-gpu
mkdir -p "$out" "$bin"
sizes=${SIZES:-512,1024}
reps=${REPS:-10}
check=${CHECK_SIZE:-128}

# xz, or Python's lzma where the xz tool is missing.
unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
[ -x "$bin/node" ] && [ "$bin/node" -nt "$gpu/node.xz" ] || unxz_to "$gpu/node.xz" "$bin/node"
chmod +x "$bin/node"
dawn=$gpu/node_modules/webgpu/dist/linux-x64/dawn.node
[ -s "$dawn" ] || unxz_to "$gpu/dawn.node.xz" "$dawn"

# GPU.md step 3: the Vulkan loader and GL vendor libraries the NVIDIA ICD needs (needs root; skip with NO_DEBS=1).
if [ -z "${NO_DEBS:-}" ] && [ -d "$gpu/debs" ]; then
  for f in "$gpu"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_ICD_FILENAMES:-}" ] && [ -f "$nvidia_icd" ] && export VK_ICD_FILENAMES=$nvidia_icd
export STYLEBOT_MODEL_DIR=$gpu/vgg19
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

echo "== engine (${BACKEND:-webgpu}) =="
"$bin/node" --max-old-space-size=16384 "$gpu/gpu-bench.mjs" --backend "${BACKEND:-webgpu}" --sizes "$sizes" \
  --check-size "$check" --reps "$reps" --json "$out/engine.json" 2>&1 | grep -v 'artificially reduced' | tee "$out/engine.log"

# The same with our WGSL kernels (STYLEBOT_WGSL=1: 3x3 conv forward and input gradient, Gram and its gradient),
# to see what they change. WGSL= skips.
if [ -n "${WGSL-1}" ]; then
  echo "== engine (${BACKEND:-webgpu}, STYLEBOT_WGSL=1) =="
  STYLEBOT_WGSL=1 "$bin/node" --max-old-space-size=16384 "$gpu/gpu-bench.mjs" --backend "${BACKEND:-webgpu}" --sizes "$sizes" \
    --check-size "$check" --reps "$reps" --json "$out/engine-wgsl.json" 2>&1 | grep -v 'artificially reduced' | tee "$out/engine-wgsl.log"
fi

# Memory: does a 2048 px step (and L-BFGS with a short history) fit, and how does the peak compare with memory.ts?
if [ -n "${MEMORY_SIZE-2048}" ]; then
  echo "== engine memory at ${MEMORY_SIZE-2048} px =="
  "$bin/node" --max-old-space-size=16384 "$gpu/gpu-bench.mjs" --backend "${BACKEND:-webgpu}" --sizes "${MEMORY_SIZE-2048}" \
    --reps 2 --skip-checks --json "$out/engine-memory.json" 2>&1 | grep -v 'artificially reduced' | tee "$out/engine-memory.log"
fi

echo "== pytorch =="
if [ -z "${NO_TORCH:-}" ]; then
  python3 "$gpu/torch_gatys.py" --model-dir "$gpu/vgg19" --sizes "$sizes" --reps "$reps" --check-size "$check" \
    --json "$out/torch.json" 2>&1 | tee "$out/torch.log"
fi

echo "== summary =="
python3 "$gpu/summarize.py" "$out/engine.json" "$out/torch.json" "$out/engine-memory.json" "$out/engine-wgsl.json" | tee "$out/table.md"

# Last, so the table above is safe if the call runs out of time: our WGSL kernels in every tile configuration
# against stock, per VGG layer shape, and L-BFGS's direction against the two-loop recursion. PARTS_SIZE= skips.
if [ -n "${PARTS_SIZE-512}" ]; then
  echo "== parts at ${PARTS_SIZE-512} px =="
  "$bin/node" --max-old-space-size=16384 "$gpu/gpu-bench.mjs" --backend "${BACKEND:-webgpu}" --sizes "" --skip-checks \
    --reps "$reps" --kernels "${PARTS_SIZE-512}" --lbfgs "${PARTS_SIZE-512}" --json "$out/parts.json" 2>&1 \
    | grep -v 'artificially reduced' | grep -v '^GPU_BENCH_JSON' | tee "$out/parts.md"
fi
