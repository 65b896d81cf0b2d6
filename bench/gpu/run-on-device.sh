#!/usr/bin/env bash
# What the device call runs (from the repository root, with .gpu carried; bench/gpu/README.md section 2):
#   bash .gpu/run-on-device.sh
# Unpacks node, the bundles, Dawn, ORT and the Vulkan loader, then, in order of importance (each step under a time
# limit, the table rewritten after each, so a call cut short still brings back what it measured):
#   1. the tfjs path (stylize()'s objective and L-BFGS through tfjs ops, our WGSL kernels): checks, SIZES
#   2. the recorded iteration (src/engine/webgpu/): iteration-0 check against the tfjs path and wasm, SIZES
#   3. PyTorch fp32 and TF32 at SIZES                                         -> table.md
#   4. the reference runs through stylize(), its default path and STYLEBOT_RECORDED=0   -> reference.md
#   5. the ONNX objective on ONNX Runtime's WebGPU provider at ONNX_SIZES
#   6. memory: both paths at MEMORY_SIZES (the largest square one binding holds, and 4096 px)
#   7. the recorded iteration with STYLEBOT_TENSOR_CORES=1 (subgroup matrices where the GPU has them), SIZES
#   7b. the subgroup-matrix kernels one by one against the fp32 ones (SMATRIX_SIZE=512)       -> subgroup-matrix.md
#   8. the recorded iteration with Dawn toggles (TOGGLES), SIZES
#   9. optional: CPU profile of the tfjs path's issuing (PROFILE_SIZE), kernel parts (PARTS_SIZE)
# Environment (an empty value skips that step): SIZES=512,1024,2048 REPS=10 CHECK_SIZE=128 HISTORY=100
#   REFERENCE=1 REFERENCE_ITERATIONS=500 REFERENCE_SIZE=512 PROGRESS= ONNX_SIZES=512,1024 MEMORY_SIZES=2896,4096
#   TENSOR_CORES=1 SMATRIX_SIZE=512 SMATRIX_LIMIT=90 TOGGLES=disable_robustness PROFILE_SIZE= PARTS_SIZE= STEP_LIMIT=240 (s per step) TOTAL_LIMIT=570 (s for the call)
#   ONNX_LIMIT=120 MEMORY_LIMIT=120 (s for step 5, for each path of step 6)
#   NO_DEBS=1 NO_TORCH=1 (a local try on lavapipe) BACKEND=webgpu
# In $OUT (or /tmp/stylebot-gpu/out): table.md, reference.md, results.tar.gz (every JSON, log and picture),
# issue.cpuprofile, parts.md, subgroup-matrix.md.
set -uo pipefail
gpu=$(cd "$(dirname "$0")" && pwd)
bin=${TMPDIR:-/tmp}/stylebot-gpu
out=${OUT:-$bin/out}
raw=$bin/results
rm -rf "$raw"
mkdir -p "$out" "$bin" "$raw"
sizes=${SIZES-512,1024,2048}
reps=${REPS:-10}
check=${CHECK_SIZE:-128}
history=${HISTORY:-100}
backend=${BACKEND:-webgpu}
step_limit=${STEP_LIMIT:-240}
total_limit=${TOTAL_LIMIT:-570}

# xz, or Python's lzma where the xz tool is missing.
unxz_to() {
  if command -v xz >/dev/null; then xz -T0 -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
[ -x "$bin/node" ] && [ "$bin/node" -nt "$gpu/node.xz" ] || unxz_to "$gpu/node.xz" "$bin/node"
chmod +x "$bin/node"
if [ ! -f "$bin/unpacked" ] || [ "$gpu/payload.tar.xz" -nt "$bin/unpacked" ]; then
  rm -rf "$bin/node_modules" "$bin/vgg19" "$bin/images"
  unxz_to "$gpu/payload.tar.xz" "$bin/payload.tar" && tar xf "$bin/payload.tar" -C "$bin" && rm -f "$bin/payload.tar" && touch "$bin/unpacked"
fi

# GPU.md step 3: the Vulkan loader and GL vendor libraries the NVIDIA ICD needs (needs root; skip with NO_DEBS=1).
if [ -z "${NO_DEBS:-}" ] && [ -d "$gpu/debs" ]; then
  for f in "$gpu"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_ICD_FILENAMES:-}" ] && [ -f "$nvidia_icd" ] && export VK_ICD_FILENAMES=$nvidia_icd
export STYLEBOT_MODEL_DIR=$bin/vgg19
{ date -u '+%Y-%m-%d %H:%M UTC'; command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; } | tee "$raw/device.txt"

# Each step's limit: STEP_LIMIT, or what is left of TOTAL_LIMIT (less 15 s for the table), whichever is less; a
# hung step (a GPU driver can hang) leaves time for the rest.
# A step may set cap= lower (the optional ones do, so they cannot eat the time of what follows).
limit() {
  local left=$((total_limit - SECONDS - 15)) most=${cap:-$step_limit}
  [ "$most" -gt "$step_limit" ] && most=$step_limit
  [ "$left" -lt "$most" ] && echo "$left" || echo "$most"
}
run_limited() {
  local t
  t=$(limit)
  if [ "$t" -lt 10 ]; then echo "(skipped: the call's time is spent)"; return 0; fi
  timeout "$t" "$@"
}
node_run() { run_limited "$bin/node" --max-old-space-size=16384 "$@" 2>&1 | grep -v 'artificially reduced'; }
bench() { node_run "$bin/gpu-bench.mjs" --backend "$backend" --history "$history" "$@"; }
summarize() {
  python3 "$gpu/summarize.py" "$raw" > "$out/table.md" 2> "$raw/summarize.err" || cat "$raw/summarize.err"
  tar czf "$out/results.tar.gz" -C "$raw" .
}
section() { echo; echo "== $* (${SECONDS} s) =="; }

if [ -n "$sizes" ]; then
  section "1. the tfjs path ($backend, our WGSL kernels)"
  bench --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/engine.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/engine.log"
  summarize
  section "2. the recorded iteration ($backend)"
  bench --recorded --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/recorded.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/recorded.log"
  summarize
  section "3. PyTorch fp32 and TF32"
  if [ -z "${NO_TORCH:-}" ]; then
    run_limited python3 "$gpu/torch_gatys.py" --model-dir "$bin/vgg19" --sizes "$sizes" --reps "$reps" --check-size "$check" \
      --json "$raw/torch.json" 2>&1 | tee "$raw/torch.log"
  fi
  summarize
  cat "$out/table.md"
fi

# stylize() itself on the runs of the shared reference folder, on its default path and on the tfjs path.
if [ -n "${REFERENCE-1}" ]; then
  section "4. reference runs: stylize() at ${REFERENCE_SIZE:-512} px, ${REFERENCE_ITERATIONS:-500} iterations"
  : > "$out/reference.md"
  for way in default tfjs; do
    mkdir -p "$raw/pictures-$way"
    progress=()
    [ "$way" = default ] && [ -n "${PROGRESS:-}" ] && progress=(--progress)
    if [ "$way" = tfjs ]; then export STYLEBOT_RECORDED=0; else unset STYLEBOT_RECORDED; fi
    STYLEBOT_BACKEND=$backend node_run "$bin/reference-run.mjs" --images "$bin/images" --out "$raw/pictures-$way" \
      --iterations "${REFERENCE_ITERATIONS:-500}" --size "${REFERENCE_SIZE:-512}" --json "$raw/reference-$way.json" "${progress[@]}" | tee -a "$out/reference.md"
    echo | tee -a "$out/reference.md"
  done
  unset STYLEBOT_RECORDED
  summarize
fi

if [ -n "${ONNX_SIZES-512,1024}" ]; then
  section "5. the ONNX objective on ONNX Runtime's WebGPU provider"
  cap=${ONNX_LIMIT:-120} bench --onnx webgpu --sizes "${ONNX_SIZES-512,1024}" --check-size "$check" --reps "$reps" --json "$raw/onnx-webgpu.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/onnx-webgpu.log"
  summarize
fi

if [ -n "${MEMORY_SIZES-2896,4096}" ]; then
  section "6. memory at ${MEMORY_SIZES-2896,4096} px"
  cap=${MEMORY_LIMIT:-120} bench --recorded --sizes "${MEMORY_SIZES-2896,4096}" --reps 2 --skip-checks --json "$raw/memory-recorded.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/memory-recorded.log"
  cap=${MEMORY_LIMIT:-120} bench --sizes "${MEMORY_SIZES-2896,4096}" --reps 2 --skip-checks --json "$raw/memory-tfjs.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/memory-tfjs.log"
  summarize
fi

if [ -n "${TENSOR_CORES-1}" ] && [ -n "$sizes" ]; then
  section "7. the recorded iteration with STYLEBOT_TENSOR_CORES=1"
  STYLEBOT_TENSOR_CORES=1 bench --recorded --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/recorded-tensor-cores.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/recorded-tensor-cores.log"
  summarize
fi

# The tensor-core kernels one by one against our fp32 ones, per VGG-19 layer (wgsl/subgroup-matrix.ts). SMATRIX_SIZE= skips.
if [ -n "${SMATRIX_SIZE-512}" ]; then
  section "7b. subgroup-matrix kernels per layer at ${SMATRIX_SIZE-512} px"
  cap=${SMATRIX_LIMIT:-90} node_run "$bin/subgroup-matrix-kernels.mjs" --size "${SMATRIX_SIZE-512}" --reps "$reps" | tee "$out/subgroup-matrix.md"
fi

toggles=${TOGGLES-disable_robustness}
if [ -n "$toggles" ] && [ -n "$sizes" ]; then
  section "8. the recorded iteration with STYLEBOT_DAWN_TOGGLES=$toggles"
  STYLEBOT_DAWN_TOGGLES=$toggles bench --recorded --sizes "$sizes" --check-size "$check" --reps "$reps" --json "$raw/recorded-toggles.json" | grep -v '^GPU_BENCH_JSON' | tee "$raw/recorded-toggles.log"
  summarize
fi

if [ -n "${PROFILE_SIZE:-}" ]; then
  section "9. CPU profile of the tfjs path's iterations at $PROFILE_SIZE px"
  bench --sizes "$PROFILE_SIZE" --reps 5 --skip-checks --cpu-profile "$out/issue.cpuprofile" | grep -v '^GPU_BENCH_JSON' | tail -3
fi
if [ -n "${PARTS_SIZE:-}" ]; then
  section "9. parts at $PARTS_SIZE px"
  bench --sizes "" --skip-checks --reps "$reps" --kernels "$PARTS_SIZE" --lbfgs "$PARTS_SIZE" --json "$raw/parts.json" \
    | grep -v '^GPU_BENCH_JSON' | tee "$out/parts.md"
  summarize
fi

section "summary"
summarize
cat "$out/table.md"
