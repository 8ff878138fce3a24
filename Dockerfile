# One image for every service of route256-bun. compose.yaml picks the service with its command:
#   bun products/src/main.ts | bun loms/src/main.ts | bun cart/src/main.ts | bun notifier/src/main.ts
# and runs the Kafka topic set-up from it too (bun scripts/kafka/create-topics.ts kafka:19092).
#
#   docker build -t route256-bun .        (compose builds it for you: `just up` / `docker compose up --build`)

# ---- deps: production node_modules, resolved from package-lock.json exactly as `npm ci` does ----------
# npm reads the lockfile the project keeps (package-lock.json; there is no bun.lock), so the image gets
# the same versions as every developer and CI. --omit=dev drops what only building and testing need
# (buf, protoc-gen-es, biome, tsc, the bun npm package: the runtime image brings its own bun).
# --ignore-scripts: no production dependency needs an install script to work; the one that has one
# (@scarf/scarf, pulled in by swagger-ui-dist) only phones home.
FROM node:24-slim AS deps
WORKDIR /app
# Only the manifests first: this layer is rebuilt when dependencies change, not on every code edit.
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY platform/package.json platform/
COPY products/package.json products/
COPY loms/package.json loms/
COPY cart/package.json cart/
COPY notifier/package.json notifier/
COPY tools/package.json tools/
COPY testkit/package.json testkit/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: the official Bun image, the version package.json pins (devDependencies "bun") ----------
# Debian (glibc) like the deps stage, so the platform-specific packages npm picked there fit.
FROM oven/bun:1.4.4-slim AS runtime
WORKDIR /app
# No NODE_ENV=production: Elysia would then shorten its validation errors, and the services must answer
# exactly as they do natively (the README's examples and the e2e tests describe one behaviour).
# The workspace links in node_modules/@route256/* point at ../../<workspace>, i.e. the folders below.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY proto/package.json proto/
COPY proto/gen proto/gen
COPY platform platform
COPY products products
COPY loms loms
COPY cart cart
COPY notifier notifier
COPY tools/package.json tools/
COPY testkit/package.json testkit/
# read at run time: LOMS applies sql/migrations on start; the topic set-up is the one the native stack uses
COPY sql/migrations sql/migrations
COPY scripts/kafka/create-topics.ts scripts/kafka/
# The services run as the unprivileged user the Bun image provides. The only place they may write is
# .run/ (the default PROFILE_DIR of the admin routes, .run/profiles, when ADMIN_TOKEN is set).
RUN mkdir -p /app/.run && chown bun:bun /app/.run
USER bun
# cart, products, loms, notifier (health and metrics)
EXPOSE 8080 8082 8084 8086
# No default service: say how to pick one instead of starting something arbitrary.
CMD ["bun", "-e", "console.error('pick a service: bun <products|loms|cart|notifier>/src/main.ts'); process.exit(2)"]
