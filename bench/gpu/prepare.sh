#!/usr/bin/env bash
# Builds .gpu/ (ignored by git): everything the device machine needs for bench/gpu/run-on-device.sh, under 64 MiB.
#   gpu-bench.mjs            esbuild bundle of bench/gpu/gpu-bench.ts (the engine, tfjs, the webgpu and wasm backends)
#   *.wasm                   the wasm backend's binaries (for the iteration-0 reference on wasm)
#   node_modules/webgpu/     Dawn: package.json, index.js, dist/linux-x64/dawn.node (kept outside the bundle)
#   node.xz                  this machine's node binary, xz -9
#   vgg19/                   the real weights (copied from the shared folder; never committed)
#   debs/                    Debian's Vulkan loader and GL vendor libraries (GPU.md step 3)
#   reference-run.mjs, sharp.tar.xz, images/   stylize() on the shared reference runs (sharp and 4 pictures beside it)
#   torch_gatys.py, run-on-device.sh
# Usage: bench/gpu/prepare.sh [--no-debs]   (STYLEBOT_SHARED overrides the shared folder, as in the tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=.gpu
shared=${STYLEBOT_SHARED:-$root/../shared}

mkdir -p "$out"
# What run-on-device.sh unpacks or writes when tried here must not travel.
rm -rf "$out/bin" "$out/out" "$out/node_modules/webgpu/dist/linux-x64/dawn.node" "$out/node_modules/sharp" "$out/node_modules/@img" \
  "$out/node_modules/detect-libc" "$out/node_modules/semver"
echo "bundle"
npx esbuild bench/gpu/gpu-bench.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --minify --log-level=warning --outfile="$out/gpu-bench.mjs" \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
npx esbuild bench/gpu/subgroup-matrix-kernels.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu --minify --log-level=warning --outfile="$out/subgroup-matrix-kernels.mjs"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm \
   node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm "$out/"

echo "dawn"
# dawn.node travels xz-compressed (21.5 MB -> a third of that); run-on-device.sh unpacks it.
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/node_modules/webgpu/"
rm -f "$out/node_modules/webgpu/dist/linux-x64/dawn.node"
if [ ! -s "$out/dawn.node.xz" ] || [ node_modules/webgpu/dist/linux-x64/dawn.node -nt "$out/dawn.node.xz" ]; then
  xz -9 -T2 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/dawn.node.xz"
fi

echo "node"
if [ ! -s "$out/node.xz" ] || [ "$(command -v node)" -nt "$out/node.xz" ]; then
  xz -9 -T2 -c "$(command -v node)" > "$out/node.xz"
fi

echo "weights"
rm -rf "$out/vgg19"
cp -r "$shared/models/vgg19" "$out/vgg19"
chmod -R u+w "$out/vgg19"
rm -f "$out/vgg19/SOURCE.md"

if [ "${1:-}" != "--no-debs" ]; then
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

echo "reference runs"
# stylize() itself, for the runs of the shared reference folder: its own bundle, with sharp (which stylize() decodes
# and encodes pictures with) beside it as an xz'd tar of node_modules, and the four pictures those runs use.
npx esbuild bench/gpu/reference-run.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --external:sharp --minify --log-level=warning --outfile="$out/reference-run.mjs" \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
if [ ! -s "$out/sharp.tar.xz" ] || [ node_modules/sharp/package.json -nt "$out/sharp.tar.xz" ]; then
  (cd node_modules && tar cf - sharp @img detect-libc semver) | xz -9 -T2 > "$out/sharp.tar.xz"
fi
mkdir -p "$out/images"
cp "$shared/images/content/tuebingen_neckarfront.jpg" "$shared/images/styles/starry_night.jpg" \
   "$shared/images/styles/great_wave_off_kanagawa.jpg" "$shared/images/styles/the_scream.jpg" "$out/images/"
chmod u+w "$out"/images/*

cp bench/gpu/torch_gatys.py bench/gpu/summarize.py bench/gpu/run-on-device.sh "$out/"
du -sh "$out"
total=$(du -sb "$out" | cut -f1)
if [ "$total" -gt $((64 * 1024 * 1024)) ]; then
  echo "warning: $out is $((total / 1024 / 1024)) MiB, over the 64 MiB the device call carries" >&2
  exit 1
fi
