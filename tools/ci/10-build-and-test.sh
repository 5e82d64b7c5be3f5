#!/usr/bin/env bash
# Release build of the library, CLI, tests and benchmarks; every CTest test (C++ unit
# tests, parity against PyTorch, Python tool tests).
set -euo pipefail
# The release preset (CMakePresets.json: Ninja, Release, build/release), as stage 20 uses.
cmake --preset release
cmake --build build/release -j "$PBA_JOBS"
ctest --test-dir build/release --output-on-failure -j "$PBA_JOBS"
