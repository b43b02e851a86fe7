#!/usr/bin/env bash
# Builds helm from its Go module (through the Go module proxy; no prebuilt binary is downloaded) into a cache outside
# the repo, keyed by version. helm v3's go.mod has no replace lines, so `go install module@version` builds it as
# released. A second run finds the binary and returns at once. Prints the binary's path as its last line.
set -euo pipefail

HELM_VERSION="${OCP_HELM_VERSION:-v3.19.5}"
CACHE_ROOT="${OCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/o-cloud-provisioner}"
OUT="$CACHE_ROOT/helm/$HELM_VERSION"

log() { printf '[helm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -x "$OUT/helm" ]; then echo "$OUT/helm"; exit 0; fi
command -v go >/dev/null || { echo "go is required to build helm" >&2; exit 1; }
mkdir -p "$OUT"
exec 9>"$OUT/.build.lock"; flock 9   # two concurrent first runs build once
if [ -x "$OUT/helm" ]; then echo "$OUT/helm"; exit 0; fi

start=$(date +%s)
log "building helm.sh/helm/v3/cmd/helm@$HELM_VERSION (first build takes a few minutes on 2 cores)"
tmp="$OUT/.gobin"
rm -rf "$tmp"
GOBIN="$tmp" GOFLAGS="-trimpath" go install -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
mv "$tmp/helm" "$OUT/helm"
rm -rf "$tmp"
log "done in $(($(date +%s) - start))s: $OUT/helm"
echo "$OUT/helm"
