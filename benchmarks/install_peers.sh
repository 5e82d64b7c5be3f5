#!/usr/bin/env bash
# Installs the peers the benchmark driver compares pba against. Benchmark runs only: the
# default test command (tools/test.sh) never needs them.
#   libtorch (Debian libtorch-dev) with OpenBLAS (libopenblas0-pthread; without it Debian's
#   libtorch runs on the reference BLAS), and ONNX Runtime's CPU library as bundled by the npm
#   package onnxruntime-node, installed into benchmarks/peers/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
for pkg in libtorch-dev libopenblas0-pthread; do
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
