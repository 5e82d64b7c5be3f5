#!/usr/bin/env bash
# The C++ test suite (unit, C interface, stress, degenerate data, fuzz seed corpora, CLI
# contracts) built with ASan+UBSan and run with every report fatal, leaks included; then the
# tests that run threads built with TSan. Left out (stage 10 runs them): Python-only tests
# (label python) and the C++ checks against a live Python regeneration (*_live), which would
# pull that regeneration in.
set -euo pipefail
source tools/ci/sanitizer-env.sh
jobs="${PBA_JOBS:-2}"

echo "--- ASan+UBSan: build"
cmake -S . -B "$sanitize_dir" "${sanitizer_cmake_args[@]}" -DPBA_FUZZ=ON >/dev/null
cmake --build "$sanitize_dir" -j "$jobs"
echo "--- ASan+UBSan: ctest"
ctest --test-dir "$sanitize_dir" -LE python -E '_live$' --output-on-failure -j "$jobs"

# TSan: only the executables whose tests start threads, and the library they link.
tsan_targets=(stress_test predict_test capi_test)
echo "--- TSan: build ${tsan_targets[*]}"
cmake -S . -B "$tsan_dir" "${sanitizer_cmake_args[@]}" -DPBA_SANITIZE=thread -DPBA_BUILD_TOOLS=OFF >/dev/null
cmake --build "$tsan_dir" -j "$jobs" --target "${tsan_targets[@]}"
echo "--- TSan: run"
"$tsan_dir/tests/stress_test"
"$tsan_dir/tests/predict_test" "[concurrency]"
"$tsan_dir/tests/capi/capi_test"
