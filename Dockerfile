# syntax=docker/dockerfile:1
# Build: compile TypeScript with the dev dependencies, then keep only the runtime ones.
# The full image: it has python3, make and g++ for native addons (better-sqlite3) when no prebuilt binary fits.
FROM node:24 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run: current Node LTS, non-root, state in /data.
FROM node:24-slim
ENV NODE_ENV=production \
    PORT=5000 \
    CONVERSATION_LOG_PATH=/data/conversations.json \
    THREAD_STORE_PATH=/data/threads.json \
    JOB_STORE_PATH=/data/jobs.json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The demo page at / (static files; dist/demo serves them from ../../public).
COPY public ./public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 5000
# Liveness, not readiness: a database or Redis outage must not get healthy processes restarted.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 here and handles SIGTERM: it drains requests and exits 0.
CMD ["node", "dist/main.js"]
