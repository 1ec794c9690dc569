# syntax=docker/dockerfile:1
# One image for every modelux process; the command picks which one runs (`bun run controlplane`,
# `bun run dataplane`, `bun run migrate`, `bun run simulator`). Bun runs the TypeScript sources
# as they are, so there is no build stage. Debian-based on purpose: DuckDB's native binding needs
# glibc, which the alpine variant lacks. The base is pinned to an exact Bun release (the one
# bun.lock is made with); pin its digest too with
# `--build-arg BUN_IMAGE=oven/bun:1.4.5@sha256:…` (docs/operations.md).
# test/unit/dockerfile.test.ts checks the pinning, the HEALTHCHECK and the extension step.
ARG BUN_IMAGE=oven/bun:1.4.5

FROM ${BUN_IMAGE} AS dependencies
WORKDIR /app
COPY package.json bun.lock ./
# Production dependencies only: `bun run migrate` uses drizzle-orm's migrator, not drizzle-kit.
RUN bun install --frozen-lockfile --production

FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
# The warehouse loads DuckDB's extensions (httpfs, aws: an s3:// root) from this directory and
# never downloads them, so the image runs air-gapped and on a read-only root filesystem. Bun's
# transpiler cache is off for the same reason: nothing outside the data dir and /tmp is written.
ENV NODE_ENV=production \
    MODELUX_DUCKDB_EXTENSION_DIR=/opt/modelux/duckdb-extensions \
    BUN_RUNTIME_TRANSPILER_CACHE_PATH=0
COPY --from=dependencies /app/node_modules ./node_modules
# Sources stay owned by root so the process cannot rewrite its own code; only the data dir
# (MODELUX_DATA_DIR, default .modelux: snapshot cache, spool, Parquet) is the app user's.
# A named volume mounted there starts out with this ownership.
COPY . .
# Fetched at build time (the build has the network; the running image needs none), loaded once
# here to prove they work, readable by the app user, writable by nobody but root.
RUN bun scripts/install-duckdb-extensions.ts /opt/modelux/duckdb-extensions
RUN mkdir -p /app/.modelux && chown bun:bun /app/.modelux
USER bun
EXPOSE 8080 8081 8090
# Liveness of whichever process the container runs (scripts/healthcheck.ts); readiness is the
# orchestrator's probe of /readyz (docker-compose.yml, deploy/kubernetes).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "scripts/healthcheck.ts"]
CMD ["bun", "run", "dataplane"]
