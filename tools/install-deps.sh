#!/usr/bin/env bash
# Installs every Debian package pba needs to build, test and train. Idempotent and
# non-interactive: packages already present are skipped, so a second run costs a dpkg query.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libxsimd-dev xtl-dev libfmt-dev catch2 libbenchmark-dev
  clang-14 libclang-rt-14-dev
  golang-go
  python3 python3-numpy python3-torch python3-onnx python3-h5py python3-matplotlib python3-crc32c python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
