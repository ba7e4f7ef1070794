#!/usr/bin/env bash
# Prepare a container engine for `cm docker script` (idempotent; run as root on Debian/Ubuntu):
#   podman + runc (+ debootstrap) from apt if missing, a private engine configuration, and the local
#   base image localhost/debian-min:<codename> built from Debian packages (no registry is ever contacted).
# Prints the two `export` lines that point podman (and cmperf) at this configuration.
# See docs/containers.md and ../shared/reference/containers.md for why each setting is there.
set -euo pipefail

WORK="${CMPERF_CONTAINERS_HOME:-/var/tmp/cmperf-containers}"
CODENAME="${CMPERF_BASE_CODENAME:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
BASE_IMAGE="localhost/debian-min:${CODENAME}"
log() { echo "setup-containers: $*" >&2; }

need=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc debootstrap uidmap slirp4netns fuse-overlayfs >/dev/null
fi

mkdir -p "$WORK"
# default_ulimits: the sandbox's hard limits cannot be raised, podman's defaults ask for more.
# runtime: crun fails on cgroups hybrid mode here; runc works.
cat > "$WORK/containers.conf.new" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
# A private store: easy to clean up (rm -rf $WORK), no daemon, nothing in /var/lib/containers.
cat > "$WORK/storage.conf.new" <<CONF
[storage]
driver = "overlay"
graphroot = "$WORK/store"
runroot = "$WORK/runroot"
CONF
for f in containers.conf storage.conf; do
  if cmp -s "$WORK/$f.new" "$WORK/$f"; then rm "$WORK/$f.new"; else mv "$WORK/$f.new" "$WORK/$f"; fi
done
export CONTAINERS_CONF="$WORK/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/storage.conf"

if podman image exists "$BASE_IMAGE"; then
  log "$BASE_IMAGE is present"
else
  # The mirror apt already uses on this machine (never a hard-coded host).
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$MIRROR" ] || { log "no apt mirror found in /etc/apt to build $BASE_IMAGE from"; exit 1; }
  ROOTFS="$WORK/rootfs-$CODENAME"
  rm -rf "$ROOTFS"
  log "building $BASE_IMAGE with debootstrap from $MIRROR"
  debootstrap --variant=minbase "$CODENAME" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
  tar -C "$ROOTFS" -c . | podman import -q - "$BASE_IMAGE" >/dev/null
  rm -rf "$ROOTFS"
fi
podman run --rm --network=host "$BASE_IMAGE" true
log "ready: $(podman --version), base image $BASE_IMAGE"
echo "export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf"
