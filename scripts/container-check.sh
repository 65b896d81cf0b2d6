#!/usr/bin/env bash
# Container checks for CI (.ci/run): builds the CPU image from a local base (no registry here), runs it with the
# weights mounted read-only and a token, checks /healthz and one 64 px job through the API and a clean SIGTERM stop,
# then brings up compose.yaml (front, worker, PostgreSQL) with podman-compose and runs a job through the worker.
# Writes test-results/container.json ({ checks: [{ name, ok, detail }], skipped? }) for scripts/test-summary.mjs.
# Needs root, podman, runc, debootstrap (installed by the base script when missing); skips with a reason otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
SHARED=${STYLEBOT_SHARED:-$(cd .. && pwd)/shared}
OUT=test-results/container.json; mkdir -p test-results
TOKEN=container-check-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
CHECKS=()
check() { # name ok detail
  CHECKS+=("$(node -e 'console.log(JSON.stringify({name:process.argv[1],ok:process.argv[2]==="1",detail:process.argv[3]}))' "$1" "$2" "$3")")
  echo "container check: $1: $([ "$2" = 1 ] && echo ok || echo FAILED) $3"
}
finish() {
  printf '{"checks":[%s]}\n' "$(IFS=,; echo "${CHECKS[*]}")" > "$OUT"
}
skip() { echo "container checks skipped: $1"; printf '{"checks":[],"skipped":%s}\n' "$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$1")" > "$OUT"; exit 0; }

[ "$(id -u)" = 0 ] || skip "not root (podman here runs rootful)"
[ -f "$SHARED/tools/container-base.sh" ] || skip "no $SHARED/tools/container-base.sh"
[ -f "$SHARED/models/vgg19/weights_manifest.json" ] || skip "no VGG-19 weights in $SHARED/models/vgg19"
# shellcheck disable=SC1091
. "$SHARED/tools/container-base.sh" || skip "could not prepare podman and the local base image"
command -v podman >/dev/null || skip "podman missing"
BASE=${BASE:-localhost/node:20-bookworm-slim}
IMAGE=localhost/stylebot:ci
trap finish EXIT

http() { curl -s -H "Authorization: Bearer $TOKEN" "$@"; }
wait_healthz() { # url seconds
  for _ in $(seq 1 "$2"); do [ "$(http -o /dev/null -w '%{http_code}' "$1/healthz")" = 200 ] && return 0; sleep 1; done; return 1
}
one_job() { # url -> prints "state WxH"
  local content style id state
  content=$(ls "$SHARED"/images/content/*.jpg | head -1); style=$(ls "$SHARED"/images/styles/*.jpg | head -1)
  id=$(http -H "Origin: $1" -F content=@"$content" -F style=@"$style" -F size=64 -F iterations=4 "$1/api/jobs" |
    node -pe 'JSON.parse(require("fs").readFileSync(0)).id' 2>/dev/null)
  for _ in $(seq 1 180); do
    state=$(http "$1/api/jobs/$id" | node -pe 'JSON.parse(require("fs").readFileSync(0)).state' 2>/dev/null)
    [ "$state" = done ] || [ "$state" = failed ] && break; sleep 1
  done
  http -o "test-results/container-$2.png" "$1/api/jobs/$id/result"
  echo "$state $(node -e 'require("sharp")(process.argv[1]).metadata().then(m=>console.log(m.format+" "+m.width+"x"+m.height),()=>console.log("no picture"))' "test-results/container-$2.png")"
}

t0=$(date +%s)
if podman build -q --isolation chroot --format docker --build-arg BASE="$BASE" -t "$IMAGE" . >/tmp/stylebot-image-build.log 2>&1; then
  size=$(podman image inspect "$IMAGE" --format '{{.Size}}'); check "image builds" 1 "$(( $(date +%s) - t0 )) s, $(( size / 1000000 )) MB"
else
  check "image builds" 0 "$(tail -5 /tmp/stylebot-image-build.log | tr '\n' ' ')"; exit 0
fi

PORT=$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
podman rm -f stylebot-ci >/dev/null 2>&1
podman run -d --name stylebot-ci -p "127.0.0.1:$PORT:8080" -e STYLEBOT_WEB_TOKEN="$TOKEN" \
  -v "$SHARED/models/vgg19:/models/vgg19:ro" "$IMAGE" >/dev/null
URL=http://127.0.0.1:$PORT
if wait_healthz "$URL" 120; then check "container /healthz" 1 "200 with the token"; else check "container /healthz" 0 "$(podman logs stylebot-ci 2>&1 | tail -5 | tr '\n' ' ')"; fi
[ "$(podman exec stylebot-ci id -u)" != 0 ] && check "runs as non-root" 1 "uid $(podman exec stylebot-ci id -u)" || check "runs as non-root" 0 "uid 0"
podman healthcheck run stylebot-ci >/dev/null 2>&1 && check "image HEALTHCHECK" 1 "healthy" || check "image HEALTHCHECK" 0 "unhealthy"
job=$(one_job "$URL" image); [[ "$job" == "done png 64x"* ]] && check "64 px job via the API" 1 "$job" || check "64 px job via the API" 0 "$job"
t1=$(date +%s); podman stop -t 30 stylebot-ci >/dev/null
code=$(podman inspect stylebot-ci --format '{{.State.ExitCode}}')
[ "$code" = 0 ] && podman logs stylebot-ci 2>&1 | grep -q 'SIGTERM: stopping' &&
  check "SIGTERM drains and exits 0" 1 "$(( $(date +%s) - t1 )) s" || check "SIGTERM drains and exits 0" 0 "exit $code"
podman rm -f stylebot-ci >/dev/null 2>&1

# compose.yaml with podman-compose: PostgreSQL from a local stand-in image (same contract as postgres:16-bookworm).
if ! command -v podman-compose >/dev/null; then check "compose" 0 "podman-compose missing (apt-get install podman-compose)"; exit 0; fi
podman build -q --isolation chroot --format docker --build-arg BASE="$BASE" -t localhost/postgres:16-bookworm test/container/postgres-standin >/tmp/stylebot-pg-build.log 2>&1 ||
  { check "compose" 0 "postgres stand-in did not build"; exit 0; }
D=$(mktemp -d); cp compose.yaml "$D/"; CPORT=$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
printf 'STYLEBOT_WEB_TOKEN=%s\nPOSTGRES_PASSWORD=%s\nSTYLEBOT_IMAGE=%s\nPOSTGRES_IMAGE=localhost/postgres:16-bookworm\nSTYLEBOT_PUBLISH=127.0.0.1:%s\n' \
  "$TOKEN" "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" "$IMAGE" "$CPORT" > "$D/.env"
P=stylebotci
# The weights into the models volume, as an operator without internet would do.
podman volume rm -f ${P}_models >/dev/null 2>&1; podman volume create ${P}_models >/dev/null
podman run --rm --user 0 --entrypoint sh -v ${P}_models:/models -v "$SHARED/models/vgg19:/src:ro" "$IMAGE" \
  -c 'mkdir -p /models/vgg19 && cp -r /src/. /models/vgg19/ && chown -R node:node /models' >/dev/null
( cd "$D" && timeout 300 podman-compose -p $P up -d ) >/tmp/stylebot-compose.log 2>&1
if wait_healthz "http://127.0.0.1:$CPORT" 180; then
  check "compose: front healthy behind PostgreSQL" 1 "db, front, worker up"
  job=$(one_job "http://127.0.0.1:$CPORT" compose)
  [[ "$job" == "done png 64x"* ]] && check "compose: 64 px job through the worker" 1 "$job" || check "compose: 64 px job through the worker" 0 "$job $(podman logs ${P}_worker_1 2>&1 | tail -3 | tr '\n' ' ')"
else
  check "compose: front healthy behind PostgreSQL" 0 "$(podman logs ${P}_front_1 2>&1 | grep -v 'level=error msg=' | tail -5 | tr '\n' ' ')"
fi
( cd "$D" && timeout 120 podman-compose -p $P down -v ) >>/tmp/stylebot-compose.log 2>&1
podman volume rm -f ${P}_models ${P}_data ${P}_pgdata >/dev/null 2>&1; rm -rf "$D"
