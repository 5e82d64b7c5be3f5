// The fleet's prior against values worked out by hand from its definition: the fleet keeps
// H and N, each outcome of weight w multiplying them by d^w (d = 1 - 1/1000) before adding
// w (and w to H for a hit); a link's prior mean is (15 x 0.43 + H - own H) / (15 + N - own N),
// its own counts decayed by d^(the weight recorded by anyone since its last outcome).
#include <catch2/catch.hpp>
#include <cmath>
#include <thread>
#include <vector>

#include "pba/predict/calibrated_confidence.hpp"
#include "pba/predict/fleet_hit_rate.hpp"
#include "pba/predict/predictor.hpp"
#include "test_models.hpp"
#include "support/samples.hpp"

using namespace pba::predict;
using pba::test::at;

namespace {

constexpr double kD = 0.999;             // what the fleet keeps of its counts per outcome
constexpr double kFleetPrior = 6.45;     // 15 x 0.43
constexpr double kLinkPrior = 12.9;      // 30 x 0.43

// A one-step model forecasting `value` Mbps from 5 samples of bandwidth.
std::shared_ptr<const pba::Model> bandwidth_model(float value) {
    auto m = pba::test::plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, "fleet");
    m.set("input.sample_interval_s", 1.0);
    return pba::test::constant_model(5, m, {value});
}

}  // namespace

TEST_CASE("fleet: a link's prior is the other links' hit rate", "[predict][confidence][fleet]") {
    FleetHitRate fleet;
    FleetShare a, b, newcomer;
    CHECK(fleet.prior_mean(newcomer) == Approx(0.43));  // an empty fleet: the fixed prior

    fleet.record(1.0, true, a);
    CHECK(fleet.hits() == Approx(1.0));
    CHECK(fleet.outcomes() == Approx(1.0));
    CHECK(fleet.clock() == Approx(1.0));
    CHECK(fleet.prior_mean(a) == Approx(0.43));                          // its own hit left out
    CHECK(fleet.prior_mean(newcomer) == Approx((kFleetPrior + 1) / 16));  // 0.4656

    fleet.record(1.0, false, b);  // a's hit now weighs 0.999
    CHECK(fleet.hits() == Approx(kD));
    CHECK(fleet.outcomes() == Approx(kD + 1));
    CHECK(fleet.prior_mean(a) == Approx(kFleetPrior / 16));                  // b's miss alone
    CHECK(fleet.prior_mean(b) == Approx((kFleetPrior + kD) / (15 + kD)));    // a's hit alone
    CHECK(fleet.prior_mean(newcomer) == Approx((kFleetPrior + kD) / (16 + kD)));

    // A fraction of an outcome (a forecast 10 s after the last at a 60 s horizon: w = 1/3).
    fleet.record(1.0 / 3, true, a);
    const double keep = std::pow(kD, 1.0 / 3);
    CHECK(fleet.hits() == Approx(kD * keep + 1.0 / 3));
    CHECK(fleet.outcomes() == Approx((kD + 1) * keep + 1.0 / 3));
    CHECK(fleet.clock() == Approx(7.0 / 3));
    // a: its two outcomes out, b's miss (0.999^(1/3)) left.
    CHECK(fleet.prior_mean(a) == Approx(kFleetPrior / (15 + keep)));
    // b: a's hits 0.999^(4/3) + 1/3 left, of as many outcomes.
    const double a_hits = kD * keep + 1.0 / 3;
    CHECK(fleet.prior_mean(b) == Approx((kFleetPrior + a_hits) / (15 + a_hits)));
}

TEST_CASE("fleet: records from many threads all count", "[predict][confidence][fleet]") {
    // 4 threads x 1000 hits of weight 1, in any order: H = N = (1 - d^4000) / (1 - d).
    FleetHitRate fleet;
    std::vector<std::thread> links;
    std::vector<FleetShare> shares(4);
    for (FleetShare& share : shares)
        links.emplace_back([&fleet, &share] {
            for (int i = 0; i < 1000; ++i) {
                fleet.record(1.0, true, share);
                CHECK(fleet.prior_mean(share) >= 0.43 - 1e-9);  // every other outcome is a hit
            }
        });
    for (std::thread& t : links) t.join();
    const double expected = (1 - std::pow(kD, 4000)) / (1 - kD);  // 981.7
    CHECK(fleet.outcomes() == Approx(expected));
    CHECK(fleet.hits() == Approx(expected));
    CHECK(fleet.clock() == Approx(4000));
}

TEST_CASE("calibrated confidence in a fleet: the prior mean is the fleet's", "[predict][confidence][fleet]") {
    FleetHitRate fleet;
    FleetShare other;
    for (int i = 0; i < 3; ++i) fleet.record(1.0, true, other);  // another link hit 3 times
    const double others = 1 + kD + kD * kD;
    const double m = (kFleetPrior + others) / (15 + others);

    CalibratedConfidence c;
    CHECK(c.probability(&fleet) == Approx(m));  // nothing of its own: the fleet's mean
    c.record(100, 200, 0.0, 0.0, &fleet);       // a miss, weight 1
    CHECK(fleet.outcomes() == Approx(others * kD + 1));
    // The fleet's prior leaves its miss out (the other link's hits now weigh d more).
    const double m1 = (kFleetPrior + others * kD) / (15 + others * kD);
    CHECK(c.probability(&fleet) == Approx((30 * m1) / (30 + 1)));
    CHECK(c.probability() == Approx(kLinkPrior / 31));  // without a fleet: 0.43 alone

    // Another tolerance is another event: such a link neither reads nor feeds the fleet.
    CalibratedConfidence narrow(0.1);
    const double before = fleet.outcomes();
    narrow.record(100, 100, 0.0, 0.0, &fleet);
    CHECK(fleet.outcomes() == before);
    CHECK(narrow.probability(&fleet) == Approx((kLinkPrior + 1) / 31));

    // Leaving the fleet forgets its share: its own miss then counts as another link's.
    c.leave_fleet();
    const double n = others * kD + 1;
    CHECK(c.probability(&fleet) == Approx(30 * ((kFleetPrior + others * kD) / (15 + n)) / 31));

    // Always hitting in a fleet that hits: above the 0.77 a link alone reaches.
    CalibratedConfidence always;
    FleetHitRate steady;
    FleetShare neighbours;
    for (int i = 0; i < 3000; ++i) steady.record(1.0, true, neighbours);
    for (int t = 0; t < 3000; ++t) always.record(100, 100, t, 0.0, &steady);
    const double fleet_n = (1 - std::pow(kD, 6000)) / (1 - kD);  // all hits
    const double own = (1 - std::pow(kD, 3000)) / (1 - kD);      // its own, the newest 3000
    const double prior = (kFleetPrior + fleet_n - own) / (15 + fleet_n - own);
    CHECK(always.probability(&steady) == Approx((30 * prior + 45) / 75).epsilon(1e-6));
    CHECK(always.probability(&steady) > 0.94);  // the neighbours, 47 outcomes' worth left: a prior of 0.86
    CHECK(always.probability() == Approx((kLinkPrior + 45) / 75));  // 0.772
}

TEST_CASE("predictors on one model share its fleet", "[predict][confidence][fleet]") {
    PredictorConfig config;
    config.confidence_rule = ConfidenceRule::calibrated;
    const auto model = bandwidth_model(100);
    // Link a: the model forecasts 100, a measures 110: every model forecast (t 4..28) hits.
    Predictor a(model, config);
    Forecast f;
    for (int t = 0; t < 30; ++t) {
        a.observe(at(t, 110));
        f = a.predict();
    }
    // a alone in its fleet states what it would alone: (12.9 + s) / (30 + s), s = 45 (1 - λ^25).
    const double s = 45 * (1 - std::pow(44.0 / 45.0, 25));
    CHECK(f.confidence == Approx((kLinkPrior + s) / (30 + s)));

    // Link b, new on the same model: its first model forecast states the fleet's hit rate, a's
    // 25 hits (weights 0.999^0..24) against the prior 15 x 0.43.
    Predictor b(model, config);
    for (int t = 0; t < 5; ++t) {
        b.observe(at(t, 110));
        f = b.predict();
    }
    REQUIRE_FALSE(f.fallback);
    const double hits = (1 - std::pow(kD, 25)) / (1 - kD);
    CHECK(f.confidence == Approx((kFleetPrior + hits) / (15 + hits)));  // 0.823

    // On another Model object (even with the same weights): another fleet, so 0.43.
    Predictor c(bandwidth_model(100), config);
    for (int t = 0; t < 5; ++t) {
        c.observe(at(t, 110));
        f = c.predict();
    }
    CHECK(f.confidence == Approx(0.43));
}
