# The sidebar service's image. Two stages: the build stage installs every dependency, builds the
# service and its pages, then prunes the dev dependencies; the final stage holds only what runs.
#
#   podman build -t sidebar-service .          (or docker build; BASE_IMAGE picks another Node 20 base)
#   podman run -p 3000:3000 -e DATABASE_URL=… -e REDIS_URL=… --read-only --tmpfs /tmp sidebar-service
#
# The entrypoint is the service's command (node dist/cli.js); the command is its arguments:
# `serve` (the default) or `migrate`, `refresh`, `seed`, `import …`. Without DATABASE_URL it runs
# on the embedded database in the /data volume. Configuration is the environment (.env.example).
ARG BASE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
# The manifests first, so the dependency layer is rebuilt only when they change. No install
# scripts: none of the dependencies needs one (esbuild ships its binary as a package), and the
# root's `prepare` (which builds the workspaces) needs the sources copied below.
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
COPY packages/react/package.json packages/react/
COPY packages/demo/package.json packages/demo/
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY migrations migrations
COPY src src
COPY packages packages
# The pages (packages/demo/dist, with the client they use), the service (dist), then only the
# production dependencies are left: the README's production install (--legacy-peer-deps: the
# React package's peers, React and its icons, are for the front end, not for the service).
RUN npm run build --workspaces --if-present \
 && npm run build \
 && npm prune --omit=dev --legacy-peer-deps --no-audit --no-fund --loglevel=error \
 && rm -rf packages/*/src packages/*/scripts packages/*/test

FROM ${BASE_IMAGE}
WORKDIR /app
# A fixed, non-root user (the Kubernetes manifest's runAsUser), and the embedded database's
# volume owned by it. Nothing else is writable: the image runs with a read-only root filesystem
# and a writable /tmp.
RUN groupadd --gid 10001 sidebar \
 && useradd --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin sidebar \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/bin bin
COPY --from=build /app/migrations migrations
COPY --from=build /app/packages packages

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    PGLITE_DATA_DIR=/data/pglite
VOLUME /data
USER 10001:10001
EXPOSE 3000
# Ready (/ready: the database answers and the sidebar can be served), not merely alive; the
# image has no curl, so node asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (the default stop signal) drains within SHUTDOWN_GRACE_MS; node is PID 1 and handles it.
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
