#!/usr/bin/env bash
# What the device call runs (from the repository root, with .gpu carried): unpack node, Dawn and the Vulkan
# loader, run the engine bench on webgpu and the PyTorch twin, print ONE table (bench/gpu/summarize.py).
#   bash .gpu/run-on-device.sh   (env: SIZES=512,1024 REPS=10 CHECK_SIZE=128 BACKEND=webgpu MEMORY_SIZE=2048 ('' skips)
#                                 STOCK=1 ('' skips the run with tfjs's kernels) TOGGLES=disable_robustness ('' skips)
#                                 PARTS_SIZE=512 ('' skips);
#                                 PROFILE_SIZE=512 ('' skips); REFERENCE=1 ('' skips) REFERENCE_ITERATIONS=500;
#                                 STEP_LIMIT=240 (s per step);
#                                 NO_DEBS=1 NO_TORCH=1 for a local try on lavapipe)
# In $OUT (or .gpu/out): table.md, parts.md, reference.md, issue.cpuprofile (what the CPU does while issuing the iterations at
# PROFILE_SIZE) and results.tar.gz (every JSON and log); the device call brings back at most 8 files.
set -uo pipefail
gpu=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$gpu/out}
# Unpacked files go outside .gpu (node is ~100 MB), except dawn.node, which must lie where the webgpu package looks.
bin=${TMPDIR:-/tmp}/stylebot-gpu
raw=$bin/results
rm -rf "$raw"
mkdir -p "$out" "$bin" "$raw"
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
# Each step gets a time limit, so that one that hangs (a GPU driver can) leaves time for the others.
step_limit=${STEP_LIMIT:-240}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

bench() { timeout "$step_limit" "$bin/node" --max-old-space-size=16384 "$gpu/gpu-bench.mjs" --backend "${BACKEND:-webgpu}" "$@" 2>&1 | grep -v 'artificially reduced'; }

echo "== engine (${BACKEND:-webgpu}) =="
bench --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/engine.json" | tee "$raw/engine.log"

# The same with tfjs's own kernels (STYLEBOT_WGSL=0), to see what ours change. STOCK= skips.
if [ -n "${STOCK-1}" ]; then
  echo "== engine (${BACKEND:-webgpu}, tfjs's kernels: STYLEBOT_WGSL=0) =="
  STYLEBOT_WGSL=0 bench --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/engine-stock.json" | tee "$raw/engine-stock.log"
fi

# The same with Dawn toggles that trade WebGPU's safety checks for speed (STYLEBOT_DAWN_TOGGLES; README). TOGGLES= skips.
toggles=${TOGGLES-disable_robustness}
if [ -n "$toggles" ]; then
  echo "== engine (${BACKEND:-webgpu}, STYLEBOT_DAWN_TOGGLES=$toggles) =="
  STYLEBOT_DAWN_TOGGLES=$toggles bench --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/engine-toggles.json" | tee "$raw/engine-toggles.log"
fi

# Memory: does a 2048 px step (and L-BFGS with a short history) fit, and how does the peak compare with memory.ts?
if [ -n "${MEMORY_SIZE-2048}" ]; then
  echo "== engine memory at ${MEMORY_SIZE-2048} px =="
  bench --sizes "${MEMORY_SIZE-2048}" --reps 2 --skip-checks --json "$raw/engine-memory.json" | tee "$raw/engine-memory.log"
fi

# What the CPU does while issuing iterations (V8 profile; a separate run, since profiling slows the issuing).
if [ -n "${PROFILE_SIZE-512}" ]; then
  echo "== CPU profile of the iterations at ${PROFILE_SIZE-512} px =="
  bench --sizes "${PROFILE_SIZE-512}" --reps 5 --skip-checks --cpu-profile "$out/issue.cpuprofile" | grep -v '^GPU_BENCH_JSON' | tail -1
fi

echo "== pytorch =="
if [ -z "${NO_TORCH:-}" ]; then
  timeout "$step_limit" python3 "$gpu/torch_gatys.py" --model-dir "$gpu/vgg19" --sizes "$sizes" --reps "$reps" --check-size "$check" \
    --json "$raw/torch.json" 2>&1 | tee "$raw/torch.log"
fi

echo "== summary =="
python3 "$gpu/summarize.py" "$raw/engine.json" "$raw/torch.json" "$raw/engine-memory.json" "$raw/engine-stock.json" "$raw/engine-toggles.json" | tee "$out/table.md"
tar czf "$out/results.tar.gz" -C "$raw" .

# stylize() on the runs of the shared reference folder (500 iterations each at 512 px). REFERENCE= skips.
if [ -n "${REFERENCE-1}" ] && [ -f "$gpu/reference-run.mjs" ]; then
  echo "== reference runs: stylize() at 512 px =="
  [ -d "$gpu/node_modules/sharp" ] || (cd "$gpu/node_modules" && unxz_to "$gpu/sharp.tar.xz" "$bin/sharp.tar" && tar xf "$bin/sharp.tar")
  mkdir -p "$raw/pictures"
  STYLEBOT_BACKEND=${BACKEND:-webgpu} timeout "$step_limit" "$bin/node" --max-old-space-size=16384 "$gpu/reference-run.mjs" \
    --images "$gpu/images" --out "$raw/pictures" --iterations "${REFERENCE_ITERATIONS:-500}" 2>&1 | grep -v 'artificially reduced' | tee "$out/reference.md"
  tar czf "$out/results.tar.gz" -C "$raw" .
fi

# Last, so the table above is safe if the call runs out of time: our WGSL kernels in every tile configuration
# against stock, per VGG layer shape, and L-BFGS's direction against the two-loop recursion. PARTS_SIZE= skips.
if [ -n "${PARTS_SIZE-512}" ]; then
  echo "== parts at ${PARTS_SIZE-512} px =="
  bench --sizes "" --skip-checks --reps "$reps" --kernels "${PARTS_SIZE-512}" --lbfgs "${PARTS_SIZE-512}" --json "$raw/parts.json" \
    | grep -v '^GPU_BENCH_JSON' | tee "$out/parts.md"
  tar czf "$out/results.tar.gz" -C "$raw" .
fi
