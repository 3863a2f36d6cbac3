#!/usr/bin/env bash
# Builds the container image with podman (no Docker engine needed):
#   bash packaging/docker/build.sh [TAG]          (default tag: x402-gateway:<version>)
# Where no container registry is reachable but Debian's package mirror is (a sandbox, an
# air-gapped builder with a mirror), set X402GW_BASE_FROM_DEBOOTSTRAP=1: the debian:bookworm-slim
# base is then made locally with debootstrap from the mirror apt already uses, and imported.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^project(x402-gateway VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tag="${1:-x402-gateway:$version}"
podman=(podman ${PODMAN_STORAGE_DRIVER:+--storage-driver="$PODMAN_STORAGE_DRIVER"})
pull=()
if [ "${X402GW_BASE_FROM_DEBOOTSTRAP:-0}" = 1 ]; then
  if ! "${podman[@]}" image exists debian:bookworm-slim; then
    command -v debootstrap >/dev/null || { echo "build: install debootstrap (apt-get install debootstrap)" >&2; exit 1; }
    mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
    [ -n "$mirror" ] || mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
    rootfs=$(mktemp -d)
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    tar -C "$rootfs" -c . | "${podman[@]}" import - debian:bookworm-slim >/dev/null
  fi
  pull=(--pull=never)
fi
# chroot isolation and the host's network: what works inside an unprivileged container too.
# Docker's image format: the OCI format has no HEALTHCHECK, and podman would drop it.
"${podman[@]}" build "${pull[@]}" --format docker --isolation="${BUILDAH_ISOLATION:-chroot}" --network=host \
  -f packaging/docker/Dockerfile -t "$tag" .
echo "build: image $tag"
