# syntax=docker/dockerfile:1
# Two stages: build with the dev toolchain, run from a slim image holding only
# what runs. test/deploy/dockerfile.test.ts lints this file and
# scripts/image-smoke.sh replays its steps without a container engine (CI).

# Build stage: compile TypeScript and the native SQLite binding.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY admin ./admin
COPY gateway ./gateway
COPY config ./config
COPY commands ./commands
COPY cli.ts ./
COPY dashboard ./dashboard
RUN npm run build && npm prune --omit=dev

# Runtime stage: Node 24 LTS, the app read-only and root-owned, running as the
# base image's non-root `node` user (numeric, so Kubernetes' runAsNonRoot can
# verify it), data in a volume.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATABASE_PATH=/data/bullseye.db \
    POLICY_PATH=/app/config/policy.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY config/*.yaml ./config/
# Before VOLUME: changes to a volume's path after it is declared are discarded.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
USER 1000:1000
# 8080 gateway, 8081 admin API, 8082 change feed (internal only), 9090 ops.
EXPOSE 8080 8081 8082 9090
# /healthz is on the ops listener (OPS_PORT) that every command serves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.OPS_PORT||9090)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, no shell in between: node is PID 1 and gets SIGTERM itself; it
# drains in-flight requests, flushes last-used times and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start"]
