# syntax=docker/dockerfile:1
# splai-worker container image: build the TypeScript in one stage, run the
# compiled worker in a slim one. The npm steps are the ones CI runs
# (npm ci && npm run build; npm ci --omit=dev for the runtime), checked by
# test/packaging/dockerfile.test.ts.

# Node 24: the active LTS, and the version CI runs the test suite on besides the
# development machine's Node 20 (docs/performance.md compares 20, 22 and 24).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# bubblewrap + util-linux (prlimit, unshare): the tool_execution sandbox, as
# scripts/install-system-deps.sh installs it for CI; git + hf: model_download;
# tini: PID 1 that forwards SIGTERM (so the worker drains) and reaps orphans.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap util-linux git ca-certificates tini python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
# The Hugging Face CLI (hf, huggingface-cli) with pip, in its own venv (Debian's
# Python refuses system-wide pip installs), as the seed's image has it.
ENV HF_CLI_VENV=/opt/hf
RUN python3 -m venv "$HF_CLI_VENV" \
 && "$HF_CLI_VENV/bin/pip" install --no-cache-dir "huggingface_hub[cli]" \
 && ln -s "$HF_CLI_VENV/bin/hf" /usr/local/bin/hf \
 && if [ -x "$HF_CLI_VENV/bin/huggingface-cli" ]; then ln -s "$HF_CLI_VENV/bin/huggingface-cli" /usr/local/bin/huggingface-cli; fi \
 && hf --help >/dev/null

RUN groupadd --system --gid 10001 splai \
 && useradd --system --uid 10001 --gid splai --home-dir /var/lib/splai-worker --create-home --shell /usr/sbin/nologin splai
WORKDIR /opt/splai-worker
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY docs ./docs
COPY packaging ./packaging

ENV SPLAI_HTTP_ADDR=0.0.0.0:9464 \
    SPLAI_ARTIFACT_ROOT=/var/lib/splai-worker/artifacts \
    HOME=/var/lib/splai-worker
VOLUME ["/var/lib/splai-worker"]
EXPOSE 9464
USER splai:splai

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Drain on docker stop: give it `--stop-timeout 45` (grace 30 s + force 10 s).
# Arguments after the image name are flags of `run`; other commands:
# docker run --entrypoint node IMAGE dist/cli/main.js verify --url ...
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "node", "dist/cli/main.js", "run"]
