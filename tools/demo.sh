#!/usr/bin/env bash
# The README's first command: installs what pba needs, builds the release build (build/release,
# configured as tools/ci/10-build-and-test.sh does; only the `pba` tool is compiled here), and
# replays the bundled held-out LTE trace through the embedded `internet` model, printing the
# summary. Extra arguments go to `pba replay`, e.g. `tools/demo.sh --plot demo.png`;
# PBA_BUILD_DIR builds elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
build="${PBA_BUILD_DIR:-build/release}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${PBA_JOBS:-$(nproc)}" --target pba_cli

echo
"$build/tools/pba" replay --trace examples/data/nyu_lte_car.csv --default internet "$@"
