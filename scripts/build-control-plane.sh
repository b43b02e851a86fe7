#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from the official Go modules (through the Go
# module proxy) into a cache outside the repo, keyed by version. A second run finds the binaries and
# returns at once. If KUBEBUILDER_ASSETS points at a directory holding the three binaries, nothing is built.
# Prints the directory holding the binaries as its last line.
set -euo pipefail

K8S_VERSION="${OCP_K8S_VERSION:-v1.36.3}"
CACHE_ROOT="${OCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/o-cloud-provisioner}"
BINS=(etcd kube-apiserver kube-controller-manager)

log() { printf '[control-plane %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

have_all() { local d=$1; for b in "${BINS[@]}"; do [ -x "$d/$b" ] || return 1; done; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have_all "$KUBEBUILDER_ASSETS"; then
  log "using binaries from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
  echo "$KUBEBUILDER_ASSETS"; exit 0
fi

OUT="$CACHE_ROOT/control-plane/$K8S_VERSION"
if have_all "$OUT"; then echo "$OUT"; exit 0; fi

command -v go >/dev/null || { echo "go is required to build the local control plane" >&2; exit 1; }
mkdir -p "$OUT"
exec 9>"$OUT/.build.lock"; flock 9   # two concurrent first runs build once
if have_all "$OUT"; then echo "$OUT"; exit 0; fi

STAGING_VERSION="v0.${K8S_VERSION#v1.}"
SRC="$CACHE_ROOT/build/$K8S_VERSION"
mkdir -p "$SRC/etcd"
start=$(date +%s)
log "stage 1/4: resolving k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"
cd "$SRC"
gomod=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
etcd_version=$(grep -E '^\s+go.etcd.io/etcd/client/v3 ' "$gomod" | awk '{print $2}')
go_line=$(grep -E '^go ' "$gomod")
{
  echo "module ocp.local/controlplane"
  echo
  echo "$go_line"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  # every staging module kubernetes requires at v0.0.0 is replaced by its released v0.x tag
  grep -E '^\s+k8s.io/[a-z0-9-]+ v0.0.0$' "$gomod" | awk -v v="$STAGING_VERSION" '{print "replace " $1 " => " $1 " " v}'
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
log "stage 2/4: downloading modules (several hundred MB on a first run)"
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>"$SRC/tidy.log" || { cat "$SRC/tidy.log" >&2; exit 1; }
for b in kube-apiserver kube-controller-manager; do
  log "stage 3/4: building $b (first build takes several minutes on 2 cores)"
  GOFLAGS="-mod=mod -trimpath" go build -ldflags='-s -w' -o "$OUT/$b.tmp" "k8s.io/kubernetes/cmd/$b"
  mv "$OUT/$b.tmp" "$OUT/$b"
done

log "stage 4/4: building etcd $etcd_version"
cd "$SRC/etcd"
cat > go.mod <<GOMOD
module ocp.local/etcd

$go_line

require go.etcd.io/etcd/server/v3 $etcd_version
GOMOD
cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
GOFLAGS=-mod=mod go mod tidy >/dev/null 2>"$SRC/etcd-tidy.log" || { cat "$SRC/etcd-tidy.log" >&2; exit 1; }
GOFLAGS="-mod=mod -trimpath" go build -ldflags='-s -w' -o "$OUT/etcd.tmp" .
mv "$OUT/etcd.tmp" "$OUT/etcd"
echo "$(( $(date +%s) - start ))" > "$OUT/build-seconds"
log "done in $(( $(date +%s) - start ))s: $OUT"
echo "$OUT"
