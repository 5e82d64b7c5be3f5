// The calibrated confidence rule against sequences worked out by hand from its definition:
// p = (k0 m0 + hits) / (k0 + outcomes), prior mean m0 = 0.43 and strength k0 = 30, each outcome
// of weight w multiplying the earlier counts by (44/45)^w (memory 45), w = min(1, spacing /
// (horizon / 2)).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "pba/error.hpp"
#include "pba/predict/calibrated_confidence.hpp"

using namespace pba::predict;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPriorHits = 30 * 0.43;  // k0 m0 = 12.9
constexpr double kStrength = 30;
constexpr double kLambda = 44.0 / 45.0;

// A one-step forecast (horizon 0: every outcome weighs 1), made at `t`.
void outcome(CalibratedConfidence& c, bool hit, double t) { c.record(100.0, hit ? 110.0 : 200.0, t, 0.0); }

}  // namespace

TEST_CASE("within the tolerance: |actual - predicted| <= tolerance x actual", "[predict][confidence]") {
    CHECK(within_tolerance(100, 120, 0.2));       // 20 <= 24
    CHECK_FALSE(within_tolerance(100, 80, 0.2));  // 20 > 16: the tolerance is relative to the actual
    CHECK(within_tolerance(84, 100, 0.2));
    CHECK(within_tolerance(80, 100, 0.2));  // the boundary is in
    CHECK_FALSE(within_tolerance(79.9, 100, 0.2));
    CHECK(within_tolerance(0, 0, 0.2));  // an actual of 0 is hit only by 0
    CHECK_FALSE(within_tolerance(0.1, 0, 0.2));
    CHECK_FALSE(within_tolerance(100, kNaN, 0.2));
    CHECK_FALSE(within_tolerance(-100, -100, 0.2));
}

TEST_CASE("calibrated confidence: the prior before any outcome, then hits and misses", "[predict][confidence]") {
    CalibratedConfidence c;
    CHECK(c.tolerance() == 0.2);
    CHECK(c.probability() == Approx(0.43));  // empty history: the prior mean

    outcome(c, true, 0);
    CHECK(c.probability() == Approx((12.9 + 1) / 31));  // 0.4484
    outcome(c, true, 1);
    // hits = outcomes = 1 + 44/45 = 89/45: (12.9 + 89/45) / (30 + 89/45)
    CHECK(c.probability() == Approx((12.9 + 89.0 / 45) / (30 + 89.0 / 45)));
    CHECK(c.outcomes() == Approx(89.0 / 45.0));

    CalibratedConfidence misses;
    outcome(misses, false, 0);
    CHECK(misses.probability() == Approx(12.9 / 31));  // 0.4161
    outcome(misses, false, 1);
    CHECK(misses.probability() == Approx(12.9 / (30 + 89.0 / 45)));
    CHECK(misses.hits() == 0.0);

    // All hits for long: the weighted count reaches its memory, 45, and the prior keeps its 30.
    CalibratedConfidence always;
    for (int t = 0; t < 3000; ++t) outcome(always, true, t);
    CHECK(always.outcomes() == Approx(45.0));
    CHECK(always.probability() == Approx((kPriorHits + 45) / 75));  // 0.772 (0.95 in a fleet hitting 87 %)
    // All misses for long: 12.9 / 75.
    for (int t = 3000; t < 6000; ++t) outcome(always, false, t);
    CHECK(always.probability() == Approx(kPriorHits / 75).margin(1e-9));

    // Recency: a hit then a miss states less than a miss then a hit.
    CalibratedConfidence hit_miss, miss_hit;
    outcome(hit_miss, true, 0);
    outcome(hit_miss, false, 1);
    outcome(miss_hit, false, 0);
    outcome(miss_hit, true, 1);
    CHECK(hit_miss.probability() == Approx((kPriorHits + kLambda) / (kStrength + 1 + kLambda)));
    CHECK(miss_hit.probability() == Approx((kPriorHits + 1) / (kStrength + 1 + kLambda)));

    c.reset();
    CHECK(c.probability() == Approx(0.43));
    CHECK(c.outcomes() == 0.0);
    // Per-link state in a fleet of thousands: a few numbers (its share of the fleet's 3 of
    // them), no heap.
    static_assert(sizeof(CalibratedConfidence) <= 64);
}

TEST_CASE("calibrated confidence: forecasts less than half a horizon apart share one outcome",
          "[predict][confidence]") {
    // 60 s horizon, forecasts 1 s apart: the first weighs 1, each later one 1/30.
    CalibratedConfidence c;
    c.record(100, 110, 0.0, 60.0);  // hit
    c.record(100, 200, 1.0, 60.0);  // miss
    const double q = std::pow(kLambda, 1.0 / 30);
    CHECK(c.outcomes() == Approx(q + 1.0 / 30));
    CHECK(c.hits() == Approx(q));
    CHECK(c.probability() == Approx((kPriorHits + q) / (kStrength + q + 1.0 / 30)));

    // 30 more, a second apart, add one outcome's weight: 1 x q^30 + (1/30)(1 + q + ... + q^29).
    CalibratedConfidence run;
    run.record(100, 110, 0.0, 60.0);
    for (int t = 1; t <= 30; ++t) run.record(100, 110, t, 60.0);
    CHECK(run.outcomes() == Approx(kLambda + (1.0 / 30) * (1 - kLambda) / (1 - q)));
    CHECK(run.outcomes() == Approx(1.9670).epsilon(1e-4));

    // Half a horizon or more apart: each counts fully, as one-step forecasts do.
    CalibratedConfidence spaced;
    spaced.record(100, 110, 0.0, 60.0);
    spaced.record(100, 110, 30.0, 60.0);
    spaced.record(100, 110, 90.0, 60.0);
    CHECK(spaced.outcomes() == Approx(1 + kLambda + kLambda * kLambda));
}

TEST_CASE("calibrated confidence: the tolerance decides what a hit is", "[predict][confidence]") {
    // Forecast 85, actual 100: within 20 % (15 <= 20), not within 10 % (15 > 10).
    CalibratedConfidence wide(0.2), narrow(0.1);
    for (CalibratedConfidence* c : {&wide, &narrow}) c->record(85, 100, 0, 0);
    CHECK(wide.probability() == Approx(13.9 / 31));
    CHECK(narrow.probability() == Approx(12.9 / 31));
    CHECK(narrow.tolerance() == 0.1);

    CHECK_NOTHROW(CalibratedConfidence(1.0));
    for (double bad : {0.0, -0.1, 1.5, kNaN}) {
        INFO(bad);
        try {
            CalibratedConfidence{bad};
            FAIL("expected invalid_argument");
        } catch (const pba::Error& e) {
            CHECK(e.code() == pba::Errc::invalid_argument);
            CHECK_THAT(e.what(), Catch::Contains("confidence tolerance"));
        }
    }
}

TEST_CASE("calibrated confidence: non-finite outcomes are ignored", "[predict][confidence]") {
    CalibratedConfidence c;
    c.record(kNaN, 100, 0, 0);
    c.record(100, kNaN, 0, 0);
    c.record(100, 100, kNaN, 0);
    CHECK(c.outcomes() == 0.0);
    CHECK(c.probability() == Approx(0.43));
}
