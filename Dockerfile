# syntax=docker/dockerfile:1
# Multi-stage: build TypeScript with dev dependencies, ship only dist/, runbooks, the Slack manifest and production
# dependencies.
# The CLIs are in dist/ too: `node dist/src/cli/export.js INC-12 --format json`, `node dist/src/cli/runbooks-lint.js`,
# `node dist/src/cli/manifest.js --url https://bot.example.com` (reads slack/manifest.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 RUNBOOKS_DIR=/app/runbooks
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY runbooks ./runbooks
COPY slack ./slack
# The image's built-in unprivileged user; the bot needs no root and writes nothing to disk.
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node as PID 1 gets SIGTERM from `docker stop`; main.ts drains (finishes running jobs) and exits.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
