#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "pba/amst/decisions.hpp"
#include "pba/error.hpp"
#include "support/expect.hpp"

using namespace pba;

namespace {

using pba::test::below;
using pba::test::above;
using pba::test::require_invalid;

constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("amst decisions: compute from 0.6 and apply from 0.8, inclusive") {
    CHECK_FALSE(amst::should_compute(below(0.6)));
    CHECK(amst::should_compute(0.6));
    CHECK(amst::should_compute(above(0.6)));
    CHECK_FALSE(amst::should_apply(below(0.8)));
    CHECK(amst::should_apply(0.8));
    CHECK(amst::should_apply(above(0.8)));
    CHECK_FALSE(amst::should_compute(0.0));
    CHECK(amst::should_apply(1.0));
}

TEST_CASE("amst decisions: the stream change is (proposed - current) / current") {
    CHECK(amst::stream_change(10, 12) == 0.2);
    CHECK(amst::stream_change(10, 8) == -0.2);
    CHECK(amst::stream_change(16, 16) == 0.0);
    CHECK(amst::stream_change(4, 2) == -0.5);
    CHECK(amst::stream_change(0, 3) == kInf);
    CHECK(amst::stream_change(0, 0) == 0.0);
}

TEST_CASE("amst decisions: adjust streams from confidence 0.7 when the change exceeds 20 %") {
    // Confidence gate, with a change well past 20 %.
    CHECK_FALSE(amst::should_adjust_streams(below(0.7), 10, 20));
    CHECK(amst::should_adjust_streams(0.7, 10, 20));
    CHECK(amst::should_adjust_streams(above(0.7), 10, 20));
    // Change gate, strict in both directions: 2 / 10 is exactly the double 0.2.
    CHECK_FALSE(amst::should_adjust_streams(0.9, 10, 12));
    CHECK_FALSE(amst::should_adjust_streams(0.9, 10, 8));
    CHECK(amst::should_adjust_streams(0.9, 10, 13));
    CHECK(amst::should_adjust_streams(0.9, 10, 7));
    CHECK_FALSE(amst::should_adjust_streams(0.9, 1000000, 1199999));
    CHECK_FALSE(amst::should_adjust_streams(0.9, 1000000, 1200000));
    CHECK(amst::should_adjust_streams(0.9, 1000000, 1200001));
    CHECK(amst::should_adjust_streams(0.9, 1000000, 799999));
    CHECK_FALSE(amst::should_adjust_streams(0.9, 16, 16));
    CHECK(amst::should_adjust_streams(0.9, 0, 2));
    CHECK_FALSE(amst::should_adjust_streams(0.9, 0, 0));
}

TEST_CASE("amst decisions: pre-empt from confidence 0.85 when the change exceeds 15 %") {
    CHECK_FALSE(amst::should_preempt(below(0.85), 10, 20));
    CHECK(amst::should_preempt(0.85, 10, 20));
    CHECK(amst::should_preempt(above(0.85), 10, 20));
    // 3 / 20 is exactly the double 0.15.
    CHECK_FALSE(amst::should_preempt(0.9, 20, 23));
    CHECK_FALSE(amst::should_preempt(0.9, 20, 17));
    CHECK(amst::should_preempt(0.9, 20, 24));
    CHECK(amst::should_preempt(0.9, 20, 16));
    CHECK_FALSE(amst::should_preempt(0.9, 100, 115));
    CHECK(amst::should_preempt(0.9, 100, 116));
    // 18 % pre-empts but does not adjust: the gates are independent.
    CHECK(amst::should_preempt(0.9, 100, 118));
    CHECK_FALSE(amst::should_adjust_streams(0.9, 100, 118));
}

TEST_CASE("amst decisions: thresholds come from Params") {
    amst::Params p;
    p.compute_confidence = 0.5;
    p.adjust_min_change = 0.1;
    CHECK(amst::should_compute(0.5, p));
    CHECK_FALSE(amst::should_compute(0.5));
    CHECK(amst::should_adjust_streams(0.7, 10, 12, p));
}

TEST_CASE("amst decisions: bad confidence or stream counts are errors naming them") {
    for (double bad : {std::nan(""), kInf, -kInf, below(0.0), above(1.0)}) {
        require_invalid([&] { amst::should_compute(bad); }, "confidence");
        require_invalid([&] { amst::should_apply(bad); }, "confidence");
        require_invalid([&] { amst::should_adjust_streams(bad, 10, 20); }, "confidence");
        require_invalid([&] { amst::should_preempt(bad, 10, 20); }, "confidence");
    }
    require_invalid([] { amst::should_adjust_streams(0.9, -1, 20); }, "current_streams");
    require_invalid([] { amst::should_preempt(0.9, 10, -20); }, "proposed_streams");
    amst::Params p;
    p.preempt_confidence = std::nan("");
    require_invalid([&] { amst::should_preempt(0.9, 10, 20, p); }, "preempt_confidence");
}
