# Stylebot, CPU image: Node 20, onnxruntime-node and sharp prebuilds, no compilers in the final stage, non-root.
#   docker build -t stylebot .
#   docker run -p 8080:8080 -e STYLEBOT_WEB_TOKEN=... -v stylebot-data:/data -v stylebot-models:/models stylebot
# BASE lets a machine without a registry build from a local copy of the same base (every stage uses it).
# The VGG-19 weights live in the /models volume: fetched there at first start (80 MB), or mounted read-only offline.
# A GPU variant is described in docs/gpu-image.md.
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS build
# better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded; the compilers stay in this stage.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are off: onnxruntime-node's would fetch the CUDA provider (not used on CPU) and tfjs-node's
# libtensorflow from outside the npm registry. better-sqlite3 is then built (prebuilt binary, else from source).
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && node -e "require('better-sqlite3')(':memory:').close()" \
 # Not used by the CPU image: TensorFlow's native backends and other platforms' onnxruntime binaries.
 && rm -rf node_modules/@tensorflow/tfjs-node node_modules/@tensorflow/tfjs-node-gpu \
      node_modules/onnxruntime-node/bin/napi-v6/win32 node_modules/onnxruntime-node/bin/napi-v6/darwin \
      node_modules/onnxruntime-node/bin/napi-v6/linux/arm64 \
      node_modules/better-sqlite3/deps node_modules/better-sqlite3/build/Release/obj* \
 && npm cache clean --force
# Source maps and the WebGPU backend (it needs a Vulkan driver, which this image has not) are not needed at run time.
RUN find node_modules -name '*.map' -type f -delete \
 && rm -rf node_modules/webgpu node_modules/@tensorflow/tfjs-backend-webgpu
COPY tsconfig.json ./
COPY bin bin
COPY src src
COPY commands commands
COPY db db
COPY models/checksums.json models/README.md models/

FROM ${BASE}
ENV NODE_ENV=production \
    STYLEBOT_WEB_HOST=0.0.0.0 \
    STYLEBOT_WEB_PORT=8080 \
    STYLEBOT_DATA_DIR=/data \
    STYLEBOT_ARTISTS_DIR=/data/artists \
    STYLEBOT_MODEL_DIR=/models/vgg19 \
    ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data /models && chown node:node /data /models
USER node
VOLUME ["/data", "/models"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "const t=process.env.STYLEBOT_WEB_TOKEN;fetch('http://127.0.0.1:'+(process.env.STYLEBOT_WEB_PORT||8080)+'/healthz',{headers:t?{authorization:'Bearer '+t}:{}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node runs directly as PID 1, no npm in between, so `docker stop`'s SIGTERM reaches the server, which drains.
ENTRYPOINT ["node", "bin/stylebot.js"]
CMD ["serve"]
