# syntax=docker/dockerfile:1
#
# One build, one small image per service: each service is a target of this file.
#   docker build --target room -t roombook/room:local .
# Targets: router, room, reservation, payment, review, dashboard (subgraphs/catalog.ts, plus the
# router). Each runs its compiled entry point (`npm run build` → dist/) with production
# dependencies only, as user 1000 (node), and checks its own /health/ready.
# docker-compose.yml and deploy/kubernetes use these targets and image names
# (test/dockerfile.unit.test.ts holds the three together).

# Node 22 (package.json engines: 22.15 or newer, what the dependencies declare); the compiled
# services also require() ESM-only packages (jose, graphql-ws, @nats-io), which needs 20.19+.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- manifests: only what `npm ci` needs, so the install layers are reused until a manifest changes
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package-lock.json /manifests/ \
 && find . -name node_modules -prune -o -name package.json -print \
    | xargs -I{} cp --parents {} /manifests/

# --- build: every dependency, TypeScript compiled to dist/ (with the schemas and page assets), and
#     the client app built by Vite into dist/client/dist, which the router image serves at /
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only: what the compiled services require at run time
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# --- runtime: shared by every service target below
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, so read-only for the service user.
COPY --from=production-dependencies /app ./
COPY --from=build /app/dist ./dist
USER 1000:1000
# PORT is each service's own (set below); the check asks the service itself whether it is ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

FROM runtime AS router
ENV PORT=4000
EXPOSE 4000
CMD ["node", "dist/router/src/main.js"]

FROM runtime AS room
# A container's loopback is its own: listen where other containers and the health check reach it.
ENV PORT=4001
ENV HOST=0.0.0.0
EXPOSE 4001
CMD ["node", "dist/subgraphs/room/src/main.js"]

FROM runtime AS reservation
# A container's loopback is its own: listen where other containers and the health check reach it.
ENV PORT=4002
ENV HOST=0.0.0.0
EXPOSE 4002
CMD ["node", "dist/subgraphs/reservation/src/main.js"]

FROM runtime AS payment
# A container's loopback is its own: listen where other containers and the health check reach it.
ENV PORT=4003
ENV HOST=0.0.0.0
EXPOSE 4003
CMD ["node", "dist/subgraphs/payment/src/main.js"]

FROM runtime AS review
# A container's loopback is its own: listen where other containers and the health check reach it.
ENV PORT=4004
ENV HOST=0.0.0.0
EXPOSE 4004
CMD ["node", "dist/subgraphs/review/src/main.js"]

FROM runtime AS dashboard
# A container's loopback is its own: listen where other containers and the health check reach it.
ENV PORT=4005
ENV HOST=0.0.0.0
EXPOSE 4005
CMD ["node", "dist/subgraphs/dashboard/src/main.js"]
