#!/usr/bin/env bash
# Renders packaging/kubernetes/<mode>.yaml from the Helm chart, one file per CI values file
# (packaging/helm/x402-gateway/ci/<mode>-values.yaml), for those who apply manifests without helm.
# The chart's random admin token and the forward-auth secret are blanked in the copies: a secret
# committed here would be everyone's (blank, the gateway refuses what needs them: it fails closed).
# tests/packaging/manifests.test.mjs renders again and fails when a copy no longer matches the chart.
#   bash packaging/tools/render-manifests.sh            # writes packaging/kubernetes/
#   bash packaging/tools/render-manifests.sh OUT_DIR    # writes elsewhere (the test compares)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
chart="$root/packaging/helm/x402-gateway"
out="${1:-$root/packaging/kubernetes}"
mkdir -p "$out"
# The release name of each mode's example: it names every resource.
release_of() {
  case "$1" in
    standalone) echo x402-gateway ;;
    sidecar) echo weather-api ;;
    forward-auth) echo x402-auth ;;
    *) echo "$1" ;;
  esac
}
for values in "$chart"/ci/*-values.yaml; do
  mode="$(basename "$values" -values.yaml)"
  release="$(release_of "$mode")"
  # A forward-auth secret known only to this run (the examples need one given), blanked below.
  secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  rendered="$(bash "$root/packaging/tools/helm.sh" template "$release" "$chart" -f "$values" --namespace default \
    --set "forwardAuth.secret=$secret")"
  {
    echo "# x402-gateway, mode: $mode. Rendered from packaging/helm/x402-gateway by"
    echo "#   helm template $release packaging/helm/x402-gateway -f packaging/helm/x402-gateway/ci/$mode-values.yaml"
    echo "# (packaging/tools/render-manifests.sh; do not edit by hand: tests/packaging/manifests.test.mjs checks it"
    echo "# matches the chart). Edit a copy for your cluster. X402_ADMIN_TOKEN is blank here: set one"
    echo "# (openssl rand -hex 32) to enable POST /admin/reload; blank, control endpoints are refused off loopback."
    if grep -q X402_FORWARD_AUTH_SECRET <<<"$rendered"; then
      echo "# X402_FORWARD_AUTH_SECRET is blank too, and so is every copy of it below (the Ingress annotations,"
      echo "# the Traefik Middleware): put one value (openssl rand -hex 32) in each place."
    fi
    # The generated token (48 random characters) becomes "": the rest is helm's output as it is.
    # The same for the forward-auth secret, wherever the chart wrote it.
    printf '%s\n' "$rendered" | sed -E -e 's/^(  X402_ADMIN_TOKEN: )"[A-Za-z0-9]{48}"$/\1""/' -e "s/$secret//g"
  } > "$out/$mode.yaml"
done
