# syntax=docker/dockerfile:1
#
# One image for every service. SERVICE picks the entry point:
#   SERVICE=router  -> router/src/main.ts
#   SERVICE=<name>  -> subgraphs/<name>/src/main.ts   (room, reservation, payment, review, dashboard)
# Set it at build time (--build-arg SERVICE=room, as docker-compose.yml does) or at run time
# (docker run -e SERVICE=room ...). The TypeScript runs as-is through the locked tsx.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- manifests: only what `npm ci` needs, so the install layer is reused until a manifest changes
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package-lock.json /manifests/ \
 && find . -name node_modules -prune -o -name package.json -print \
    | xargs -I{} cp --parents {} /manifests/

# --- deps: the locked install (dev dependencies included: tsx, which runs the services, is one)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev --no-audit --no-fund

# --- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Everything stays owned by root and read-only for the service user.
COPY --from=deps /app ./
COPY . .

COPY --chmod=755 <<'EOF' /usr/local/bin/roombook-service
#!/bin/sh
set -eu
case "${SERVICE:-}" in
  "") echo "SERVICE is not set: use router or a subgraph name (room, reservation, ...)" >&2; exit 64 ;;
  router) entry=router/src/main.ts ;;
  *) entry="subgraphs/${SERVICE}/src/main.ts" ;;
esac
if [ ! -f "/app/${entry}" ]; then
  echo "SERVICE=${SERVICE}: no entry point at ${entry}" >&2
  exit 64
fi
cd /app
exec node --import tsx "${entry}" "$@"
EOF

# Declared last so every layer above is shared by all services.
ARG SERVICE=router
ENV SERVICE=${SERVICE}

USER node
EXPOSE 4000 4001 4002 4003 4004 4005
ENTRYPOINT ["/usr/local/bin/roombook-service"]
