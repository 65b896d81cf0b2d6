#!/usr/bin/env bash
# npm run bench:gpu -- --prepare     build .gpu/ for the device call (bench/gpu/prepare.sh)
# npm run bench:gpu -- [ARGS]        run bench/gpu/gpu-bench.ts here from source (e.g. --backend webgpu --sizes 128)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--prepare" ]; then shift; exec bash bench/gpu/prepare.sh "$@"; fi
exec npx tsx bench/gpu/gpu-bench.ts "$@"
