# Sanitizer and fuzzing builds (tools/ci/30-sanitizers.sh, tools/ci/40-fuzz.sh).
#
#   PBA_SANITIZE=address,undefined   every target (library, tests, tools) built with ASan+UBSan
#   PBA_SANITIZE=thread              ... with TSan
#   PBA_FUZZ=ON                      clang only: libFuzzer coverage on everything, the targets
#                                    in tests/fuzz/; implies PBA_SANITIZE=address,undefined
#
# The options apply to the whole tree (add_compile_options before any target is made), so a
# sanitizer sees the library's own code, not just the test's. One PBA_FUZZ tree serves both
# the ASan+UBSan test stage and the fuzz stage: the library is compiled once.
include_guard(GLOBAL)

set(PBA_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined or thread (empty: none)")
option(PBA_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; implies ASan+UBSan)" OFF)

if(PBA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PBA_FUZZ=ON needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14")
  endif()
  if(NOT PBA_SANITIZE)
    set(PBA_SANITIZE address,undefined)
  endif()
  # Coverage instrumentation everywhere; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(PBA_SANITIZE)
  # A report is a failure (no recovering past UB), and stack traces name lines.
  add_compile_options(-fsanitize=${PBA_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer
                      $<IF:$<CXX_COMPILER_ID:Clang>,-gline-tables-only,-g1>)
  add_link_options(-fsanitize=${PBA_SANITIZE} -fno-sanitize-recover=all)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang links the sanitizer runtime into executables only, so libpba.so (linked with
    # --no-undefined) must be allowed the runtime's symbols, which the executable provides.
    # Deferred to the end of configuration, when capi/ has made the target.
    function(_pba_sanitizer_shared_library_fixup)
      if(TARGET pba_shared)
        target_link_options(pba_shared PRIVATE "LINKER:-z,undefs")
      endif()
    endfunction()
    cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _pba_sanitizer_shared_library_fixup)
  endif()
  message(STATUS "pba: sanitizers ${PBA_SANITIZE}")
endif()
