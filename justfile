# route256-bun — every command a developer or CI needs. `npx just --list` shows them.
# Tools (bun, buf, protoc-gen-es, biome, tsc) come from node_modules: `npm ci` installs them all.
export PATH := justfile_directory() + "/node_modules/.bin:" + env_var("PATH")

# list the recipes
default:
    @just --list

# run the system in embedded mode (no external servers): cart :8080, products :8082, loms :8084
dev: protovalidate
    bun scripts/dev.ts

# every check and every test: generated code fresh, lint, types, then bun test (units, integration, e2e)
test: protovalidate gen-check lint typecheck test-deps
    bun test

# servers the integration tests start for themselves (installed from Debian when missing)
test-deps:
    scripts/ensure-redis.sh

# regenerate everything generated: protobuf code and proto docs, the product catalog
gen: protovalidate
    buf generate
    bun tools/gen-proto-docs.ts proto/gen/docs.ts
    bun products/scripts/generate-catalog.ts

# fail when committed generated code differs from what the generators produce now
gen-check: protovalidate
    #!/usr/bin/env bash
    set -euo pipefail
    out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
    buf generate --output "$out"
    bun tools/gen-proto-docs.ts "$out/proto/gen/docs.ts" > /dev/null
    if ! diff -r proto/gen "$out/proto/gen"; then
      echo "generated code in proto/gen is stale: run 'just gen' and commit the result" >&2; exit 1
    fi

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
