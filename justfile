# route256-bun — every command a developer or CI needs. `npx just --list` shows them.
# Tools (bun, buf, protoc-gen-es, biome, tsc) come from node_modules: `npm ci` installs them all.
export PATH := justfile_directory() + "/node_modules/.bin:" + env_var("PATH")

# list the recipes
default:
    @just --list

# run the system in embedded mode (no external servers): cart :8080, products :8082, loms :8084 (on PGlite, data in .run/pglite); --fresh starts from empty data
dev *flags: protovalidate
    bun scripts/dev.ts {{flags}}

# every check and every test: generated code fresh, lint, types, then bun test (unit, integration, e2e together; what CI runs)
test: protovalidate test-deps gen-check lint typecheck
    bun test --timeout 30000

# unit tests only (seconds): in-process, no servers; a test that starts PostgreSQL, Redis, Kafka or a service fails and names the folder it belongs in
test-unit: protovalidate
    bun scripts/test-suite.ts unit

# integration and end-to-end tests only: real PostgreSQL, Redis, Kafka and service processes the tests start (integration/, e2e/, postgres/, kafka/, deploy/, http/)
test-integration: protovalidate test-deps
    bun scripts/test-suite.ts integration

# what the tests need beyond npm: servers they start for themselves and Chromium for the Swagger UI test (Debian packages), sqlc and grpcurl (Go), the Compose schema, schemathesis (PyPI), the Helm chart's tools and schemas
test-deps: postgres-deps helm-deps
    scripts/ensure-redis.sh
    scripts/ensure-pgbouncer.sh
    scripts/ensure-prometheus.sh
    scripts/ensure-chromium.sh
    scripts/ensure-sqlc.sh
    scripts/ensure-grpcurl.sh
    scripts/ensure-compose-schema.sh
    scripts/ensure-schemathesis.sh

# helm, kubeconform, controller-gen and the Kubernetes/CNPG/Strimzi schemas the chart is checked against, pinned, into .tools/
helm-deps:
    scripts/ensure-k8s-tools.sh
    scripts/ensure-k8s-schemas.sh

# lint, render and strictly validate the Helm chart (deploy/helm/route256) and check it against the code
helm-check: helm-deps
    bun test --timeout 30000 deploy/test/helm.test.ts

# PostgreSQL 15 server binaries for the Postgres integration tests and `just infra` (Debian package when missing)
postgres-deps:
    scripts/ensure-postgres.sh

# native servers on 127.0.0.1, data kept in .run/ (Postgres: 2 shards × primary + sync replica; a PgBouncer per primary; Redis; Kafka): up | down | status
infra action="up":
    scripts/infra.sh {{action}}

# regenerate everything generated: protobuf code and proto docs, LOMS query code (sqlc), the product catalog
gen: protovalidate sqlc-gen
    buf generate
    bun tools/gen-proto-docs.ts proto/gen/docs.ts
    bun products/scripts/generate-catalog.ts

# fail when committed generated code differs from what the generators produce now
gen-check: protovalidate sqlc-check
    #!/usr/bin/env bash
    set -euo pipefail
    out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
    buf generate --output "$out"
    bun tools/gen-proto-docs.ts "$out/proto/gen/docs.ts" > /dev/null
    if ! diff -r proto/gen "$out/proto/gen"; then
      echo "generated code in proto/gen is stale: run 'just gen' and commit the result" >&2; exit 1
    fi

# regenerate the LOMS query code from sql/ (sqlc + tools/sqlc-gen-pgjs, biome-formatted); installs sqlc if missing
sqlc-gen:
    scripts/ensure-sqlc.sh
    scripts/ensure-grpcurl.sh
    .tools/bin/sqlc generate -f sql/sqlc.yaml

# fail when the committed query code differs from what sqlc generates now (files of deleted .sql files are not seen)
sqlc-check:
    #!/usr/bin/env bash
    set -euo pipefail
    scripts/ensure-sqlc.sh > /dev/null
    # sqlc diff prints the changed lines, but nothing for a missing file: say it here
    if ! .tools/bin/sqlc diff -f sql/sqlc.yaml; then
      echo "generated query code is stale or missing: run 'just sqlc-gen' and commit the result" >&2; exit 1
    fi

# refresh the plugin's test fixture (sqlc's json request) and golden files from tools/sqlc-gen-pgjs/testdata
sqlc-golden:
    scripts/ensure-sqlc.sh
    scripts/ensure-grpcurl.sh
    .tools/bin/sqlc generate -f tools/sqlc-gen-pgjs/testdata/sqlc.yaml
    UPDATE_GOLDEN=1 bun test tools/sqlc-gen-pgjs/test/plugin.test.ts
    bun test tools/sqlc-gen-pgjs

# export buf/validate/validate.proto from @bufbuild/protovalidate into .gen/ (not vendored)
protovalidate:
    @test -f .gen/protovalidate/buf/validate/validate.proto || bun tools/export-validate-proto.ts .gen/protovalidate

# buf lint for the contracts, biome for the code
lint: protovalidate
    buf lint
    biome check .

# format and apply safe lint fixes
fmt:
    biome check --write .

# strict TypeScript, no emit
typecheck:
    tsc --noEmit -p .

# throughput and latency benchmarks; results land in bench/results/
bench suite="":
    bun bench/run.ts {{suite}}

# the full stack in the background: compose.yaml when a Docker engine answers, else native (STACK_MODE=docker|native)
up:
    scripts/full-stack.sh up

# stop the full stack, the way `just up` started it (data stays: Docker volumes, .run/)
down:
    scripts/full-stack.sh down

# what runs
ps:
    scripts/full-stack.sh ps

# follow the services' logs
logs:
    scripts/full-stack.sh logs

# apply sql/migrations to every configured primary (LOMS also does it when it starts)
migrate:
    bun loms/scripts/migrate.ts
