#!/usr/bin/env bash
# Builds .gpu/ (ignored by git): everything the device machine needs for bench/gpu/run-on-device.sh, under the 64 MiB
# a device call carries (tracked files included). What compresses travels xz'd; run-on-device.sh unpacks it to /tmp.
#   node.xz            this machine's node binary, stripped of its debug symbols (99 -> 86 MB), xz -9
#   payload.tar.xz     gpu-bench.mjs and reference-run.mjs (esbuild bundles of bench/gpu/*.ts: the engine, tfjs,
#                      its webgpu and wasm backends), the wasm backend's binaries, the real weights (vgg19/, from the
#                      shared folder; never committed), the four pictures of the reference runs (images/), and under
#                      node_modules/ what stays outside the bundles: Dawn (webgpu: package.json, index.js, a stripped
#                      dawn.node), sharp with its libvips, onnxruntime-node (linux-x64 only) and onnxruntime-common
#   debs/              Debian's Vulkan loader and GL vendor libraries (/work/shared/docs/GPU.md step 3)
#   run-on-device.sh, summarize.py, torch_gatys.py   plain, so they can be read and changed without a rebuild
# Usage: bench/gpu/prepare.sh [--no-debs] [--no-onnx]   (STYLEBOT_SHARED overrides the shared folder, as in the tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=.gpu
shared=${STYLEBOT_SHARED:-$root/../shared}
no_debs=
no_onnx=
for a in "$@"; do
  case $a in
    --no-debs) no_debs=1 ;;
    --no-onnx) no_onnx=1 ;;
    *) echo "unknown argument $a" >&2; exit 2 ;;
  esac
done
stage=${TMPDIR:-/tmp}/stylebot-gpu-stage
rm -rf "$stage"
mkdir -p "$out" "$stage/node_modules"
# Left by an older prepare.sh or by trying run-on-device.sh here: must not travel.
rm -rf "$out/bin" "$out/out" "$out/node_modules" "$out/vgg19" "$out/images" "$out"/*.mjs "$out"/*.wasm "$out/dawn.node.xz" "$out/sharp.tar.xz"

banner="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
for entry in gpu-bench reference-run subgroup-matrix-kernels; do
  echo "bundle $entry"
  npx esbuild "bench/gpu/$entry.ts" --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --external:sharp --external:onnxruntime-node --minify --log-level=warning \
    --outfile="$stage/$entry.mjs" --banner:js="$banner"
done
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm \
   node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm "$stage/"

echo "dawn, sharp, onnxruntime"
mkdir -p "$stage/node_modules/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$stage/node_modules/webgpu/"
strip -o "$stage/node_modules/webgpu/dist/linux-x64/dawn.node" node_modules/webgpu/dist/linux-x64/dawn.node
cp -r node_modules/sharp node_modules/@img node_modules/detect-libc node_modules/semver "$stage/node_modules/"
if [ -z "$no_onnx" ]; then
  ort=$stage/node_modules/onnxruntime-node
  mkdir -p "$ort/bin/napi-v6/linux" "$stage/node_modules/onnxruntime-common"
  cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist "$ort/"
  cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$ort/bin/napi-v6/linux/"
  cp -r node_modules/onnxruntime-common/package.json node_modules/onnxruntime-common/dist "$stage/node_modules/onnxruntime-common/"
fi

echo "weights and pictures"
cp -r "$shared/models/vgg19" "$stage/vgg19"
rm -f "$stage/vgg19/SOURCE.md"
mkdir -p "$stage/images"
cp "$shared/images/content/tuebingen_neckarfront.jpg" "$shared/images/styles/starry_night.jpg" \
   "$shared/images/styles/great_wave_off_kanagawa.jpg" "$shared/images/styles/the_scream.jpg" "$stage/images/"
chmod -R u+w "$stage"

echo "payload (xz -9)"
tar cf - -C "$stage" . | xz -9 -T2 > "$out/payload.tar.xz"
rm -rf "$stage"

echo "node"
if [ ! -s "$out/node.xz" ] || [ "$(command -v node)" -nt "$out/node.xz" ]; then
  strip -o "${TMPDIR:-/tmp}/stylebot-node" "$(readlink -f "$(command -v node)")"
  xz -9 -T2 -c "${TMPDIR:-/tmp}/stylebot-node" > "$out/node.xz"
  rm -f "${TMPDIR:-/tmp}/stylebot-node"
fi

if [ -z "$no_debs" ]; then
  echo "debs"
  mkdir -p "$out/debs" /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  if [ -z "$(ls "$out"/debs/*.deb 2>/dev/null)" ]; then
    # shellcheck disable=SC2086
    apt-get $o update -q >/dev/null
    # shellcheck disable=SC2086
    (cd "$out/debs" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  fi
fi

cp bench/gpu/torch_gatys.py bench/gpu/summarize.py bench/gpu/run-on-device.sh "$out/"
du -sh "$out"/*
# The call carries the working tree too: tracked files and untracked ones git does not ignore.
tree=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
total=$(( $(du -sb "$out" | cut -f1) + tree ))
echo "carried: $((total / 1024 / 1024)) MiB of 64 ($(( tree / 1024 )) KiB of them the working tree)"
if [ "$total" -gt $((64 * 1024 * 1024)) ]; then
  echo "error: over the 64 MiB a device call carries" >&2
  exit 1
fi
