#!/usr/bin/env bash
# Fetches the upstream Cluster API (v1beta1 storage) and BYOH CRDs from their released Go modules through the Go
# module proxy into a cache outside the repo, compares each with ../shared/reference/crds (byte-identical copies,
# SOURCES.md), and falls back to those copies only where a module is not served. Drops any spec.conversion stanza
# (no CAPI/BYOH webhooks run here). Prints the directory holding the CRDs as its last line.
set -euo pipefail
CAPI_VERSION="${OCP_CAPI_VERSION:-v1.10.10}"
BYOH_VERSION="${OCP_BYOH_VERSION:-v0.5.0}"
CACHE_ROOT="${OCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/o-cloud-provisioner}"
OUT="$CACHE_ROOT/upstream-crds/capi-$CAPI_VERSION-byoh-$BYOH_VERSION"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
REF="${OCP_REFERENCE_CRDS:-$HERE/../shared/reference/crds}"
log() { printf '[upstream-crds] %s\n' "$*" >&2; }

# The marker names the file set: a cache filled from an earlier, smaller set (before ClusterResourceSetBinding, which
# the simulator writes as CAPI's ClusterResourceSet controller does) is filled again.
MARKER="$OUT/.complete-set2"
if [ -f "$MARKER" ]; then echo "$OUT"; exit 0; fi
mkdir -p "$OUT"

CAPI_FILES=(
  config/crd/bases/cluster.x-k8s.io_clusters.yaml
  config/crd/bases/cluster.x-k8s.io_machinedeployments.yaml
  config/crd/bases/cluster.x-k8s.io_machinesets.yaml
  config/crd/bases/cluster.x-k8s.io_machines.yaml
  config/crd/bases/addons.cluster.x-k8s.io_clusterresourcesets.yaml
  config/crd/bases/addons.cluster.x-k8s.io_clusterresourcesetbindings.yaml
  controlplane/kubeadm/config/crd/bases/controlplane.cluster.x-k8s.io_kubeadmcontrolplanes.yaml
  bootstrap/kubeadm/config/crd/bases/bootstrap.cluster.x-k8s.io_kubeadmconfigs.yaml
  bootstrap/kubeadm/config/crd/bases/bootstrap.cluster.x-k8s.io_kubeadmconfigtemplates.yaml
)

module_dir() { # module@version -> extracted module directory, or empty when not served
  (cd /tmp && GOFLAGS=-mod=mod go mod download -json "$1" 2>/dev/null | sed -n 's/.*"Dir": "\(.*\)".*/\1/p') || true
}

fetch_set() { # name module version reference-subdir files...
  local name=$1 mod=$2 ver=$3 refsub=$4; shift 4
  local dir; dir=$(command -v go >/dev/null && module_dir "$mod@$ver" || true)
  for f in "$@"; do
    local base; base=$(basename "$f")
    if [ -n "$dir" ] && [ -f "$dir/$f" ]; then
      cp "$dir/$f" "$OUT/$base"
      if [ -f "$REF/$refsub/$base" ] && ! cmp -s "$dir/$f" "$REF/$refsub/$base"; then
        log "note: $base from $mod@$ver differs from shared/reference/crds/$refsub"
      fi
    elif [ -f "$REF/$refsub/$base" ]; then
      log "$mod@$ver not served: using shared/reference/crds/$refsub/$base"
      cp "$REF/$refsub/$base" "$OUT/$base"
    else
      log "cannot find $base ($mod@$ver) nor a reference copy"; exit 1
    fi
    chmod u+w "$OUT/$base"
  done
  log "$name: $# CRDs"
}

fetch_set "Cluster API $CAPI_VERSION" sigs.k8s.io/cluster-api "$CAPI_VERSION" "capi-$CAPI_VERSION" "${CAPI_FILES[@]}"
BYOH_FILES=()
for k in bootstrapkubeconfigs byoclusters byoclustertemplates byohosts byomachines byomachinetemplates k8sinstallerconfigs k8sinstallerconfigtemplates; do
  BYOH_FILES+=("config/crd/bases/infrastructure.cluster.x-k8s.io_$k.yaml")
done
fetch_set "BYOH $BYOH_VERSION" github.com/vmware-tanzu/cluster-api-provider-bringyourownhost "$BYOH_VERSION" byoh "${BYOH_FILES[@]}"

# The base CRDs carry no conversion stanza; strip one defensively (a Webhook strategy would point at a missing service).
for f in "$OUT"/*.yaml; do
  if grep -q '^  conversion:' "$f"; then
    awk 'BEGIN{skip=0} /^  conversion:/{skip=1; next} skip && /^  [^ ]/{skip=0} !skip' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
    log "stripped spec.conversion from $(basename "$f")"
  fi
done
touch "$MARKER"
echo "$OUT"
