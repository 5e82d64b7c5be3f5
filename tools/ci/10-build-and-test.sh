#!/usr/bin/env bash
# Release build of the library, CLI, tests and benchmarks; every CTest test (C++ unit
# tests, parity against PyTorch, Python tool tests).
set -euo pipefail
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j "$PBA_JOBS"
ctest --test-dir build/release --output-on-failure -j "$PBA_JOBS"
