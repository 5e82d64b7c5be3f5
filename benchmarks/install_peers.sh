#!/usr/bin/env bash
# Installs the peers the benchmark driver compares pba against. Benchmark runs only: the
# default test command (tools/test.sh) never needs them.
#   libtorch (Debian libtorch-dev) with OpenBLAS (libopenblas0-pthread; without it Debian's
#   libtorch runs on the reference BLAS), and ONNX Runtime's CPU library as bundled by the npm
#   package onnxruntime-node, installed into benchmarks/peers/node_modules.
#   RTNeural (not packaged in Debian): a shallow clone of tag $RTNEURAL_REF (default v1.0.0) into
#   benchmarks/peers/RTNeural (git-ignored, never committed), for run_peers.py --rtneural-dir.
#   Without network the clone is skipped; an RTNeural snapshot put there by hand works too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
# nlohmann-json3-dev: RTNeural's model_loader.h includes nlohmann/json (a clone vendors it in
# modules/json; a snapshot without that file forwards to Debian's copy).
for pkg in libtorch-dev libopenblas0-pthread nlohmann-json3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# Node.js may come from elsewhere than Debian (its npm then conflicts with Debian's): only
# install Debian's when there is none.
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  sudo_if_needed apt-get update
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

if [ ! -d "$here/peers/node_modules/onnxruntime-node" ]; then
  (cd "$here/peers" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node)
fi

rtneural_ref="${RTNEURAL_REF:-v1.0.0}"
if [ ! -f "$here/peers/RTNeural/RTNeural/RTNeural.h" ]; then
  if ! git clone --depth 1 --branch "$rtneural_ref" https://github.com/jatinchowdhury18/RTNeural "$here/peers/RTNeural"; then
    echo "install_peers: could not clone RTNeural $rtneural_ref; the RTNeural column needs a checkout in $here/peers/RTNeural" >&2
  fi
fi
