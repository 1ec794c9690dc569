# syntax=docker/dockerfile:1
# One image for every modelux process; the command picks which one runs (`bun run controlplane`,
# `bun run dataplane`, `bun run migrate`, `bun run simulator`). Bun runs the TypeScript sources
# as they are, so there is no build stage. Debian-based on purpose: DuckDB's native binding needs
# glibc, which the alpine variant lacks.
ARG BUN_IMAGE=oven/bun:1

FROM ${BUN_IMAGE} AS dependencies
WORKDIR /app
COPY package.json bun.lock ./
# Production dependencies only: `bun run migrate` uses drizzle-orm's migrator, not drizzle-kit.
RUN bun install --frozen-lockfile --production

FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=dependencies /app/node_modules ./node_modules
# Sources stay owned by root so the process cannot rewrite its own code; only the data dir
# (MODELUX_DATA_DIR, default .modelux: snapshot cache, spool, Parquet) is the app user's.
# A named volume mounted there starts out with this ownership.
COPY . .
RUN mkdir -p /app/.modelux && chown bun:bun /app/.modelux
USER bun
EXPOSE 8080 8081 8090
CMD ["bun", "run", "dataplane"]
