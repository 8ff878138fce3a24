#!/usr/bin/env bash
# Installs grpcurl into <repo>/.tools/bin when it is missing or not the pinned version: the gRPC
# tool tests (scripts/test/e2e/grpc-tools.test.ts) and the README's grpcurl examples call it. Idempotent.
exec "$(dirname "${BASH_SOURCE[0]}")/ensure-go-tool.sh" github.com/fullstorydev/grpcurl/cmd/grpcurl v1.9.4
