#!/usr/bin/env bash
# The project's test command (npm test): static checks, unit tests, then integration tests on real control planes.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.dev.json
npx eslint .
npx prettier --check "**/*.{ts,mjs,js}"
npx tsx scripts/gen-types.ts --check
# Integration tests need the locally built control plane, the upstream CRDs and helm (cached after the first run).
export OCP_BIN_DIR="$(bash scripts/build-control-plane.sh | tail -n 1)"
export OCP_UPSTREAM_CRDS="$(bash scripts/fetch-upstream-crds.sh | tail -n 1)"
export OCP_HELM="$(bash scripts/build-helm.sh | tail -n 1)"
npx jest --selectProjects unit integration "$@"
