#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "pba/error.hpp"

namespace pba::test {

// The neighbouring doubles, to test a threshold exactly at, just below and just above it.
inline double below(double x) { return std::nextafter(x, -std::numeric_limits<double>::infinity()); }
inline double above(double x) { return std::nextafter(x, std::numeric_limits<double>::infinity()); }

// Runs f and requires a pba::Error with `code` whose message contains `named`.
template <class F>
void require_error(F&& f, Errc code, const std::string& named) {
    try {
        f();
        FAIL("expected Error(" << to_string(code) << ") naming " << named);
    } catch (const Error& e) {
        CHECK(e.code() == code);
        CHECK_THAT(e.what(), Catch::Contains(named));
    }
}

template <class F>
void require_invalid(F&& f, const std::string& named) {
    require_error(std::forward<F>(f), Errc::invalid_argument, named);
}

}  // namespace pba::test
