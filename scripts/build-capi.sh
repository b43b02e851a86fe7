#!/usr/bin/env bash
# Builds the real Cluster API managers (core, kubeadm bootstrap, kubeadm control plane) and the BYOH manager from
# their released Go modules (through the Go module proxy) into a cache outside the repo, keyed by version, the way
# scripts/build-control-plane.sh builds the plane. A second run finds the binaries and returns at once.
#
# Each module is built from a consumer module of its own (BYOH v0.5.0 pins Cluster API v1.4.4 and
# controller-runtime v0.14 libraries, which clash with Cluster API v1.10's), that requires exactly the released
# version and copies the module's `replace` lines: a dependency's replaces are ignored by Go, so without them the
# build would resolve other versions than the ones the release was built and tested with.
#
# Usage: scripts/build-capi.sh [capi|byoh|plane|all]     (default all)
# Prints `capi=<dir>`, `byoh=<dir>`, `plane=<dir>` (the directories holding the binaries) as its last lines.
#
# `plane`: the Cluster API managers refuse a management cluster whose version they cannot parse ("unsupported
# management cluster server version: v0.0.0-master+$Format:%H$"), which is what a kube-apiserver built from the Go
# module reports without the version stamp `make` adds through -ldflags -X. This relinks the cached control-plane
# build with the stamp (the packages come from the Go build cache: a link, not a rebuild) into a directory that
# OCP_BIN_DIR can point at (etcd and kube-controller-manager are linked from the control-plane cache).
# Exit status 0 only when every requested module built; a failed module keeps its log in the build directory.
set -euo pipefail

CAPI_VERSION="${OCP_CAPI_VERSION:-v1.10.10}"
BYOH_VERSION="${OCP_BYOH_VERSION:-v0.5.0}"
CACHE_ROOT="${OCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/o-cloud-provisioner}"
WHAT="${1:-all}"

log() { printf '[capi-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v go >/dev/null || { echo "go is required to build the Cluster API managers" >&2; exit 1; }

# module@version -> path of its go.mod in the module cache (downloads the module zip once)
module_json() { (cd /tmp && GOFLAGS=-mod=mod go mod download -json "$1"); }
field() { sed -n "s/.*\"$1\": \"\(.*\)\".*/\1/p"; }

# Writes go.mod for a consumer of module@version: its go line, the require, and the module's own replace lines
# (single-line and block form; a relative-path replace cannot be honoured outside the module and is reported).
consumer_gomod() { # dir module version
  local dir=$1 mod=$2 ver=$3 json gomod
  json=$(module_json "$mod@$ver")
  gomod=$(printf '%s\n' "$json" | field GoMod)
  [ -n "$gomod" ] || { log "the module proxy did not serve $mod@$ver"; return 1; }
  mkdir -p "$dir"
  {
    echo "module ocp.local/$(basename "$dir")"
    echo
    grep -E '^go ' "$gomod"
    echo
    echo "require $mod $ver"
    echo
    awk '/^replace \(/ {inblock=1; next} inblock && /^\)/ {inblock=0; next}
         inblock && NF {print "replace " $0; next}
         /^replace / {print}' "$gomod"
  } >"$dir/go.mod"
  if grep -E '^replace .*=> \.' "$dir/go.mod" >&2; then log "$mod@$ver replaces a module with a local path: dropped"; sed -i '/=> \./d' "$dir/go.mod"; fi
  printf '%s\n' "$json" | field Dir
}

# Builds the named main packages of module@version into OUT (binary names given as pkg=name pairs).
build_set() { # label module version out pkg=name...
  local label=$1 mod=$2 ver=$3 out=$4; shift 4
  local missing=0
  for pair in "$@"; do [ -x "$out/${pair#*=}" ] || missing=1; done
  if [ $missing = 0 ]; then echo "$label=$out"; return 0; fi
  mkdir -p "$out"
  exec 9>"$out/.build.lock"; flock 9 # two concurrent first runs build once
  local src="$CACHE_ROOT/build/$label-$ver" start; start=$(date +%s)
  log "$label: resolving $mod@$ver from the Go module proxy"
  consumer_gomod "$src" "$mod" "$ver" >/dev/null || return 1
  { echo '//go:build tools'; echo; echo 'package tools'; echo; echo 'import ('
    for pair in "$@"; do echo "	_ \"${pair%=*}\""; done; echo ')'; } >"$src/tools.go"
  log "$label: downloading modules"
  (cd "$src" && GOFLAGS=-mod=mod go mod tidy -e >"$src/tidy.log" 2>&1) || { cat "$src/tidy.log" >&2; return 1; }
  for pair in "$@"; do
    local pkg=${pair%=*} name=${pair#*=}
    [ -x "$out/$name" ] && continue
    log "$label: building $name from $pkg (several minutes on 2 cores)"
    if ! (cd "$src" && GOFLAGS="-mod=mod -trimpath" go build -ldflags='-s -w' -o "$out/$name.tmp" "$pkg") >"$src/build-$name.log" 2>&1; then
      log "$label: building $name failed (log: $src/build-$name.log)"; tail -30 "$src/build-$name.log" >&2; return 1
    fi
    mv "$out/$name.tmp" "$out/$name"
  done
  echo "$(($(date +%s) - start))" >"$out/build-seconds"
  log "$label: done in $(($(date +%s) - start))s: $out"
  echo "$label=$out"
}

status=0
results=()
if [ "$WHAT" = all ] || [ "$WHAT" = capi ]; then
  if r=$(build_set capi sigs.k8s.io/cluster-api "$CAPI_VERSION" "$CACHE_ROOT/capi/$CAPI_VERSION" \
    sigs.k8s.io/cluster-api=cluster-api-manager \
    sigs.k8s.io/cluster-api/bootstrap/kubeadm=kubeadm-bootstrap-manager \
    sigs.k8s.io/cluster-api/controlplane/kubeadm=kubeadm-control-plane-manager); then results+=("$r"); else status=1; fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = byoh ]; then
  if r=$(build_set byoh github.com/vmware-tanzu/cluster-api-provider-bringyourownhost "$BYOH_VERSION" "$CACHE_ROOT/byoh/$BYOH_VERSION" \
    github.com/vmware-tanzu/cluster-api-provider-bringyourownhost=byoh-manager); then results+=("$r"); else status=1; fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = plane ]; then
  K8S_VERSION="${OCP_K8S_VERSION:-v1.36.3}"
  plane_out="$CACHE_ROOT/capi-plane/$K8S_VERSION"
  if [ ! -x "$plane_out/kube-apiserver" ]; then
    cp_dir=$(bash "$(dirname "$0")/build-control-plane.sh" | tail -1)
    src="$CACHE_ROOT/build/$K8S_VERSION"
    mkdir -p "$plane_out"
    minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
    stamp=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      stamp+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    done
    log "plane: linking kube-apiserver $K8S_VERSION with its version stamp"
    start=$(date +%s)
    if (cd "$src" && GOFLAGS="-mod=mod -trimpath" go build -ldflags="-s -w$stamp" -o "$plane_out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver) >"$src/stamped.log" 2>&1; then
      mv "$plane_out/kube-apiserver.tmp" "$plane_out/kube-apiserver"
      ln -sf "$cp_dir/etcd" "$plane_out/etcd"; ln -sf "$cp_dir/kube-controller-manager" "$plane_out/kube-controller-manager"
      log "plane: done in $(($(date +%s) - start))s: $plane_out"
    else
      tail -30 "$src/stamped.log" >&2; status=1
    fi
  fi
  [ -x "$plane_out/kube-apiserver" ] && results+=("plane=$plane_out")
fi
for r in "${results[@]}"; do echo "$r"; done
exit $status
