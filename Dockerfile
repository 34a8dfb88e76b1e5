# factorio-mod-bot: a multi-stage image (README "Container").
#   docker build -t factorio-mod-bot .          (or: podman build)
#   docker run -d --env-file .env -e HTTP_PORT=8080 -v fmb-data:/app/data factorio-mod-bot
# NODE_VERSION: a Node.js LTS line the bot supports (20.19+, 22, 24).
ARG NODE_VERSION=24

# ---- build: compile the TypeScript, then keep only the production dependencies
FROM node:${NODE_VERSION}-bookworm-slim AS build
# A C/C++ toolchain for the native SQLite bindings (better-sqlite3, sqlite3) when no prebuilt binary fits;
# the node headers come with the image (/usr/local/include/node), so a build needs no download.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends python3 make g++ \
	&& rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
	&& npm ci --omit=dev --no-audit --no-fund \
	&& npm cache clean --force

# ---- runtime: node, the compiled bot and its production dependencies; runs as the image's non-root `node` user
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The SQLite store (STORE_URL default sqlite://data/bot.sqlite, relative to /app) lives in the volume.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# GET /healthz when HTTP_PORT is set; without it the check passes while the process runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=2m --retries=3 CMD ["node", "dist/healthcheck.js"]
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "dist/index.js"]
