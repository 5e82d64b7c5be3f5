# Sourced by the sanitizer and fuzz stages: one clang tree holding the whole test suite and
# the fuzz targets, built with ASan+UBSan (PBA_FUZZ=ON adds libFuzzer's coverage), and the
# runtime options that make every report fatal.
# -O1 keeps the sanitizers' slowdown bearable; a Debug build keeps assertions (Eigen's bounds
# checks among them) that a Release build would compile out.
sanitizer_cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG=-O1 -DCMAKE_CXX_FLAGS_DEBUG=-O1
                      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DPBA_BUILD_BENCHMARKS=OFF)
sanitize_dir="${PBA_SANITIZE_DIR:-build/sanitize}"
tsan_dir="${PBA_TSAN_DIR:-build/tsan}"

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
