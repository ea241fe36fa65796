# syntax=docker/dockerfile:1
# The videocall relay: Deno (the npm package's binary) running packages/server, serving the built
# web app. Build from the repository root: docker build -t videocall .  Docs: docs/deploy.md.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first: the npm layer is reused while only sources change. Scripts wait for the sources
# (the root postinstall builds the web app); deno's own postinstall puts its binary in place.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/server/package.json packages/server/
COPY packages/client/package.json packages/client/
COPY packages/web/package.json packages/web/
COPY packages/cli/package.json packages/cli/
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild deno
COPY . .
RUN npm run build:web
# Transpile the server once here, so the read-only runtime image starts without writing a cache.
ENV DENO_DIR=/app/.deno-cache
RUN node_modules/deno/deno cache --config deno.json packages/server/src/main.ts deploy/docker/healthcheck.ts
# Runtime keeps production dependencies only; node_modules/deno/deno is a hard link into the
# platform package @deno/*, so dropping that package keeps one copy of the binary.
RUN npm prune --omit=dev --no-audit --no-fund --ignore-scripts && rm -rf node_modules/@deno node_modules/.cache

FROM ${RUNTIME_IMAGE} AS runtime
# A fixed non-root uid, so volumes and Kubernetes' runAsUser agree; the data dir is its only writable path.
RUN groupadd --system --gid 10001 videocall \
  && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin videocall \
  && mkdir -p /var/lib/videocall && chown 10001:10001 /var/lib/videocall
WORKDIR /app
COPY --from=build /app/package.json /app/deno.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/protocol ./packages/protocol
# The server records meetings through the client library (packages/server/src/recording).
COPY --from=build /app/packages/client ./packages/client
COPY --from=build /app/packages/server ./packages/server
COPY --from=build /app/packages/web/dist ./packages/web/dist
COPY --from=build /app/.deno-cache ./.deno-cache
COPY --from=build /app/deploy/docker/healthcheck.ts ./deploy/docker/healthcheck.ts
ENV DENO_DIR=/app/.deno-cache \
    DENO_NO_UPDATE_CHECK=1 \
    NO_COLOR=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    WEB_ROOT=/app/packages/web/dist \
    VIDEOCALL_DATA_DIR=/var/lib/videocall/pglite \
    VIDEOCALL_RECORDINGS_DIR=/var/lib/videocall/recordings \
    LOG_LEVEL=info
USER 10001:10001
# PGlite's files (in pglite/, with its lock file beside it) when no DATABASE_URL is set; mount a volume
# to keep meetings, hosts and bans.
VOLUME ["/var/lib/videocall"]
# HTTP + WebSocket on TCP, WebTransport (HTTP/3, QUIC) on UDP, the same number unless WEBTRANSPORT_PORT says otherwise.
EXPOSE 8080/tcp 8080/udp
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/app/node_modules/deno/deno", "run", "--cached-only", "--allow-net=127.0.0.1", "--allow-env", "--unsafely-ignore-certificate-errors=127.0.0.1", "/app/deploy/docker/healthcheck.ts"]
# SIGTERM drains: every client gets a Goodbye and close 1012 and reconnects elsewhere, then the process exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/node_modules/deno/deno", "run", "--cached-only", "--config", "/app/deno.json", "--unstable-net", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", "/app/packages/server/src/main.ts"]
CMD []
