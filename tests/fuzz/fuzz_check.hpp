#pragma once

// What a fuzz target does when a property fails: print why and abort, which libFuzzer (and
// the corpus replay driver) reports as a crash with the input that caused it. Unlike assert,
// it is not compiled out by NDEBUG.

#include <cstdio>
#include <cstdlib>

#define PBA_FUZZ_CHECK(condition)                                                                 \
    do {                                                                                          \
        if (!(condition)) {                                                                       \
            std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                         \
        }                                                                                         \
    } while (0)
