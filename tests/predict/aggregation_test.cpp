// The per-link forecast aggregator (issue 12): delayed feedback, the Hedge + fixed-share update,
// sleeping members, restarts, bad configs, size and allocations, each against values worked
// out by hand from the rule in docs/aggregation.md.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "pba/error.hpp"
#include "pba/predict/aggregation.hpp"
#include "support/alloc_counter.hpp"
#include "support/csv.hpp"

using namespace pba::predict;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kNet = static_cast<std::size_t>(AggregationMember::network);
constexpr std::size_t kPersistence = static_cast<std::size_t>(AggregationMember::persistence);
constexpr std::size_t kMa10 = static_cast<std::size_t>(AggregationMember::ma10);

// A width so wide that every prior is 1/9 to within 1e-12: the hand computations start from
// equal weights.
AggregationConfig flat(double horizon_s, std::uint32_t steps, std::uint32_t snapshots = 1) {
    AggregationConfig c;
    c.horizon_s = horizon_s;
    c.horizon_steps = steps;
    c.sample_interval_s = 1.0;
    c.snapshots_per_horizon = snapshots;
    c.learning_rate = 2.0;
    c.share = 0.01;
    c.prior_width = 1e7;
    return c;
}

double sum(const std::array<double, kAggregationMemberCount>& w) { return std::accumulate(w.begin(), w.end(), 0.0); }

}  // namespace

TEST_CASE("aggregation: member labels are stable", "[predict][aggregation]") {
    CHECK(std::string(to_string(AggregationMember::network)) == "network");
    CHECK(std::string(to_string(AggregationMember::persistence)) == "persistence");
    CHECK(std::string(to_string(AggregationMember::ma10)) == "ma10");
    CHECK(std::string(to_string(AggregationMember::ewma_0_5)) == "ewma_0.5");
    CHECK(std::string(to_string(AggregationMember::ewma_0_2)) == "ewma_0.2");
    CHECK(std::string(to_string(AggregationMember::ewma_0_05)) == "ewma_0.05");
    CHECK(std::string(to_string(AggregationMember::ewma_0_02)) == "ewma_0.02");
    CHECK(std::string(to_string(AggregationMember::ewma_0_005)) == "ewma_0.005");
    CHECK(std::string(to_string(AggregationMember::ewma_0_001)) == "ewma_0.001");
    CHECK(std::string(to_string(static_cast<AggregationMember>(200))) == "unknown");
}

TEST_CASE("aggregation: no weight moves before the target is measured, then exactly one Hedge step",
          "[predict][aggregation]") {
    // mean_over 3 s, one snapshot per horizon. At t=0 the network says 13, every smoother 10
    // (the one sample). The target, the mean of the samples at 1, 2, 3, is 10.
    ForecastAggregator a(flat(3.0, 3));
    for (double w : a.weights()) REQUIRE(w == Approx(1.0 / 9).epsilon(1e-12));
    a.observe(0.0, 10.0);
    const auto r0 = a.forecast(0.0, 13.0);
    REQUIRE(r0.ready);
    CHECK(r0.bandwidth_mbps == Approx((13.0 + 8 * 10.0) / 9).epsilon(1e-12));
    CHECK(r0.members[kNet] == 13.0);
    CHECK(r0.members[kPersistence] == 10.0);
    for (std::size_t m = 1; m < kAggregationMemberCount; ++m) CHECK(r0.members[m] == Approx(10.0).epsilon(1e-15));
    CHECK(a.summary().snapshots_pending == 1);

    for (double t : {1.0, 2.0}) {
        a.observe(t, 10.0);
        a.forecast(t, 13.0);  // within the spacing (3 - 0.5 s): no snapshot
        for (double w : a.weights()) CHECK(w == Approx(1.0 / 9).epsilon(1e-12));
        CHECK(a.summary().updates == 0);
        CHECK(a.summary().snapshots_pending == 1);
    }
    a.observe(3.0, 10.0);
    CHECK(a.summary().updates == 1);
    CHECK(a.summary().snapshots_pending == 0);
    // Losses |f - y| / max(y, max f): network 3/13, the others 0. Weights 1/9 each, mass 1:
    // v_net = e^(-2 * 3/13) / 9, v_other = 1/9; w = 0.99 v / sum(v) + 0.01 / 9.
    const double e = std::exp(-6.0 / 13.0);
    const double net = 0.99 * e / (8.0 + e) + 0.01 / 9;
    const double other = 0.99 / (8.0 + e) + 0.01 / 9;
    CHECK(a.weights()[kNet] == Approx(net).epsilon(1e-12));
    CHECK(a.weights()[kNet] == Approx(0.0734156).epsilon(1e-6));  // the number itself
    for (std::size_t m = 1; m < kAggregationMemberCount; ++m) CHECK(a.weights()[m] == Approx(other).epsilon(1e-12));
    CHECK(sum(a.weights()) == Approx(1.0).epsilon(1e-15));
}

TEST_CASE("aggregation: value_at scores the sample at the target, and expires a missing one",
          "[predict][aggregation]") {
    AggregationConfig c = flat(2.0, 2);
    c.target = ForecastTarget::value_at;
    ForecastAggregator a(c);
    a.observe(0.0, 4.0);
    a.forecast(0.0, 8.0);  // snapshot: network 8, smoothers 4; target: the sample at t=2
    a.observe(1.0, 100.0);  // not the target: nothing moves
    CHECK(a.summary().updates == 0);
    a.observe(2.0, 8.0);  // y = 8: network exact, the smoothers' loss 4/8
    REQUIRE(a.summary().updates == 1);
    const double e = std::exp(-2.0 * 0.5);
    CHECK(a.weights()[kNet] == Approx(0.99 / (1.0 + 8.0 * e) + 0.01 / 9).epsilon(1e-12));
    CHECK(a.weights()[kMa10] == Approx(0.99 * e / (1.0 + 8.0 * e) + 0.01 / 9).epsilon(1e-12));

    const auto before = a.weights();
    a.forecast(2.0, 8.0);    // the next snapshot, target t=4
    a.observe(4.0, kNaN);    // missing at the target: expired, unscored
    CHECK(a.summary().snapshots_expired == 1);
    CHECK(a.summary().updates == 1);
    CHECK(a.weights() == before);
}

TEST_CASE("aggregation: forecasting twice at one time records one snapshot", "[predict][aggregation]") {
    // FCC-like: 5 s samples, 10 s horizon, 4 snapshots per horizon: the spacing, 10 / 4 - 2.5,
    // is 0, so every sample gets one, but a second forecast at the same time does not.
    AggregationConfig c;
    c.horizon_s = 10;
    c.horizon_steps = 2;
    c.sample_interval_s = 5;
    ForecastAggregator a(c);
    a.observe(0.0, 1.0);
    a.forecast(0.0, kNaN);
    a.forecast(0.0, kNaN);
    CHECK(a.summary().snapshots_pending == 1);
    a.observe(5.0, 1.0);
    a.forecast(5.0, kNaN);
    CHECK(a.summary().snapshots_pending == 2);
}

TEST_CASE("aggregation: mean_over with fewer than half the horizon's samples expires unscored",
          "[predict][aggregation]") {
    ForecastAggregator a(flat(4.0, 4));
    a.observe(0.0, 4.0);
    a.forecast(0.0, 8.0);
    a.observe(1.0, kNaN);
    a.observe(2.0, kNaN);
    a.observe(3.0, kNaN);
    a.observe(4.0, 5.0);  // 1 of the needed 2 samples
    CHECK(a.summary().snapshots_expired == 1);
    CHECK(a.summary().updates == 0);
    for (double w : a.weights()) CHECK(w == Approx(1.0 / 9).epsilon(1e-12));
}

TEST_CASE("aggregation: a member that becomes the best takes over", "[predict][aggregation]") {
    // 60 s mean, 4 snapshots per horizon. Until t=1200 the link ramps up and the network knows
    // the next minute's mean exactly, which every smoother lags; then the link holds still at
    // 130 Mbps, where the smoothers are exact and the network says twice that.
    AggregationConfig c = flat(60.0, 60, 4);
    ForecastAggregator a(c);
    auto level = [](double t) { return t < 1200 ? 10.0 + 0.1 * t : 130.0; };
    auto future_mean = [&](double t) {
        double s = 0;
        for (int k = 1; k <= 60; ++k) s += level(t + k);
        return s / 60;
    };
    ForecastAggregator::Result r;
    for (int t = 0; t < 1140; ++t) {
        a.observe(t, level(t));
        r = a.forecast(t, future_mean(t));
    }
    CHECK(r.leading == AggregationMember::network);
    CHECK(r.leading_weight > 0.5);
    CHECK(r.bandwidth_mbps == Approx(future_mean(1139)).epsilon(0.02));
    for (int t = 1140; t < 2400; ++t) {
        a.observe(t, level(t));
        r = a.forecast(t, 2 * level(t));
    }
    CHECK(r.leading != AggregationMember::network);
    CHECK(a.weights()[kNet] < 0.01);
    CHECK(a.weights()[kPersistence] > a.weights()[kNet]);
    CHECK(r.bandwidth_mbps == Approx(130.0).epsilon(0.01));
}

TEST_CASE("aggregation: a constant link is forecast exactly by every member", "[predict][aggregation]") {
    ForecastAggregator a(AggregationConfig{});
    ForecastAggregator::Result r;
    for (int t = 0; t < 400; ++t) {
        a.observe(t, 7.5);
        r = a.forecast(t, t < 200 ? kNaN : 7.5);
        REQUIRE(r.ready);
        for (double f : r.members)
            if (!std::isnan(f)) REQUIRE(f == Approx(7.5).epsilon(1e-14));
        REQUIRE(r.bandwidth_mbps == Approx(7.5).epsilon(1e-14));
    }
    CHECK(a.summary().updates > 20);
    CHECK(sum(a.weights()) == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("aggregation: an all-zero link gives finite zero forecasts and finite weights", "[predict][aggregation]") {
    ForecastAggregator a(AggregationConfig{});
    for (int t = 0; t < 300; ++t) {
        a.observe(t, 0.0);
        const auto r = a.forecast(t, t < 100 ? kNaN : 0.0);
        REQUIRE(r.ready);
        REQUIRE(r.bandwidth_mbps == 0.0);
    }
    CHECK(a.summary().updates > 10);
    for (double w : a.weights()) CHECK(std::isfinite(w));
    CHECK(sum(a.weights()) == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("aggregation: nothing is ready before the first sample", "[predict][aggregation]") {
    ForecastAggregator a(AggregationConfig{});
    const auto r = a.forecast(0.0, kNaN);
    CHECK_FALSE(r.ready);
    CHECK(std::isnan(r.bandwidth_mbps));
    for (double f : r.members) CHECK(std::isnan(f));
    CHECK(a.summary().snapshots_pending == 0);
    // The network alone can answer.
    const auto n = a.forecast(1.0, 3.0);
    CHECK(n.ready);
    CHECK(n.bandwidth_mbps == Approx(3.0).epsilon(1e-15));
    CHECK(n.leading == AggregationMember::network);
    CHECK(n.leading_weight == 1.0);
}

TEST_CASE("aggregation: restart drops pending snapshots and restarts the smoothers, keeping the weights",
          "[predict][aggregation]") {
    ForecastAggregator a(flat(3.0, 3));
    a.observe(0.0, 10.0);
    a.forecast(0.0, 13.0);
    for (double t : {1.0, 2.0, 3.0}) {
        a.observe(t, 10.0);
        a.forecast(t, 13.0);
    }
    REQUIRE(a.summary().updates == 1);
    REQUIRE(a.summary().snapshots_pending == 1);  // made at t=3
    const auto weights = a.weights();
    a.restart();
    CHECK(a.summary().snapshots_pending == 0);
    CHECK(a.weights() == weights);
    CHECK_FALSE(a.forecast(50.0, kNaN).ready);  // no sample since the gap
    a.observe(100.0, 5.0);
    const auto r = a.forecast(100.0, kNaN);
    for (std::size_t m = 1; m < kAggregationMemberCount; ++m) CHECK(r.members[m] == Approx(5.0).epsilon(1e-15));
    // The snapshot made at t=3 would have settled at t=6 had it been kept.
    a.observe(101.0, 5.0);
    a.observe(102.0, 5.0);
    a.observe(103.0, 5.0);
    CHECK(a.summary().updates == 2);  // only the one made at t=100
    CHECK(a.summary().snapshots_expired == 0);
}

TEST_CASE("aggregation: an asleep network keeps its weight and gets none of the forecast", "[predict][aggregation]") {
    ForecastAggregator a(AggregationConfig{});
    const double prior = a.prior()[kNet];
    for (int t = 0; t < 300; ++t) {
        a.observe(t, 10.0 + (t % 7));
        const auto r = a.forecast(t, kNaN);
        REQUIRE(std::isnan(r.members[kNet]));
        REQUIRE(r.leading != AggregationMember::network);
    }
    REQUIRE(a.summary().updates > 10);
    CHECK(a.weights()[kNet] == Approx(prior).epsilon(1e-12));
    // Awake, it counts: a network that says 1000 pulls the forecast up by its weight.
    const auto r = a.forecast(300, 1000.0);
    double mass = 0, weighted = 0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
        mass += a.weights()[m];
        weighted += a.weights()[m] * r.members[m];
    }
    CHECK(r.bandwidth_mbps == Approx(weighted / mass).epsilon(1e-14));
    CHECK(r.bandwidth_mbps > 10.0 + 990.0 * prior * 0.99);
    // Once its forecasts are scored (it was awake in the snapshot), its weight moves.
    for (int t = 301; t < 400; ++t) {
        a.observe(t, 10.0 + (t % 7));
        a.forecast(t, 1000.0);
    }
    CHECK(a.weights()[kNet] < 0.5 * prior);
}

TEST_CASE("aggregation: reset_member puts a member back at its prior", "[predict][aggregation]") {
    ForecastAggregator a(AggregationConfig{});
    for (int t = 0; t < 400; ++t) {
        a.observe(t, 10.0 + (t % 7));
        a.forecast(t, 1000.0);
    }
    const auto before = a.weights();
    REQUIRE(before[kNet] < 0.5 * a.prior()[kNet]);
    a.reset_member(AggregationMember::network);
    CHECK(a.weights()[kNet] == a.prior()[kNet]);
    CHECK(sum(a.weights()) == Approx(1.0).epsilon(1e-14));
    // The others keep their proportions.
    CHECK(a.weights()[kMa10] / a.weights()[kPersistence] == Approx(before[kMa10] / before[kPersistence]).epsilon(1e-14));
}

TEST_CASE("aggregation: the prior favours smoothers about prior_age_ratio horizons old", "[predict][aggregation]") {
    // Hand-computed for H = 60 s, 1 s samples: centre ln(0.1 * 60 + 1) = ln 7; persistence's
    // age 0 gives z = ln(1/7); ma10's mean age 4.5 s gives z = ln(5.5/7), the closest (ewma_0.2's
    // 4 s: ln(5/7)), so the network shares its (largest) prior.
    AggregationConfig c;
    c.prior_age_ratio = 0.1;
    c.prior_width = 1.0;
    ForecastAggregator a(c);
    const auto& p = a.prior();
    CHECK(sum(p) == Approx(1.0).epsilon(1e-15));
    const double zp = std::log(1.0 / 7.0), zc = std::log(5.5 / 7.0);
    CHECK(p[kPersistence] / p[kNet] == Approx(std::exp(-0.5 * (zp * zp - zc * zc))).epsilon(1e-12));
    CHECK(p[kMa10] == p[kNet]);
    for (double w : p) CHECK(w <= p[kNet]);
}

TEST_CASE("aggregation: a bad config is refused naming the field", "[predict][aggregation]") {
    auto refused = [](AggregationConfig c, const char* field) {
        try {
            ForecastAggregator a(c);
            FAIL("accepted a bad " << field);
        } catch (const pba::Error& e) {
            CHECK(e.code() == pba::Errc::invalid_argument);
            CHECK_THAT(e.what(), Catch::Contains(field));
        }
    };
    AggregationConfig c;
    c.horizon_s = 0;
    refused(c, "horizon_s");
    c = {};
    c.horizon_s = kNaN;
    refused(c, "horizon_s");
    c = {};
    c.horizon_steps = 0;
    refused(c, "horizon_steps");
    c = {};
    c.sample_interval_s = -1;
    refused(c, "sample_interval_s");
    c = {};
    c.target = static_cast<ForecastTarget>(7);
    refused(c, "target");
    c = {};
    c.learning_rate = 0;
    refused(c, "learning_rate");
    c = {};
    c.learning_rate = std::numeric_limits<double>::infinity();
    refused(c, "learning_rate");
    c = {};
    c.share = 0;
    refused(c, "share");
    c = {};
    c.share = 1;
    refused(c, "share");
    c = {};
    c.snapshots_per_horizon = 0;
    refused(c, "snapshots_per_horizon");
    c = {};
    c.snapshots_per_horizon = kMaxSnapshotsPerHorizon + 1;
    refused(c, "snapshots_per_horizon");
    c = {};
    c.prior_age_ratio = 0;
    refused(c, "prior_age_ratio");
    c = {};
    c.prior_width = kNaN;
    refused(c, "prior_width");
}

TEST_CASE("aggregation: per-link state is small and inline, and the hot path allocates nothing",
          "[predict][aggregation][allocation]") {
    STATIC_REQUIRE(sizeof(ForecastAggregator) <= 1536);
    ForecastAggregator a(AggregationConfig{});
    {
        pba::test::AllocationCounter counter;
        for (int t = 0; t < 2000; ++t) {
            a.observe(t, t % 50 == 0 ? kNaN : 10.0 + std::sin(t * 0.1));
            a.forecast(t, t < 180 ? kNaN : 10.0);
            if (t == 1000) {
                a.restart();
                a.reset_member(AggregationMember::network);
            }
        }
        a.summary();
        CHECK(counter.allocations() == 0);
    }
    CHECK(a.summary().updates > 100);
}

TEST_CASE("aggregation: reproduces the numpy reference sample by sample", "[predict][aggregation]") {
    // tests/data/aggregation_reference.csv, written by tools/train/gen_aggregation_reference.py
    // from pba_train.aggregation.Aggregator with these two configs (its CASES).
    std::array<AggregationConfig, 2> cases{};
    cases[0] = {20.0, ForecastTarget::mean_over, 20, 1.0, 3.0, 0.02, 4, 0.2, 1.0};
    cases[1] = {5.0, ForecastTarget::value_at, 5, 1.0, 1.5, 0.05, 6, 0.5, 2.0};
    std::ifstream in(pba::test::data_dir() / "aggregation_reference.csv");
    REQUIRE(in.good());
    std::vector<ForecastAggregator> links{ForecastAggregator(cases[0]), ForecastAggregator(cases[1])};
    std::array<std::size_t, 2> rows{};
    std::string line;
    while (std::getline(in, line)) {
        std::vector<double> v;
        std::stringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, ',')) v.push_back(std::strtod(cell.c_str(), nullptr));
        REQUIRE(v.size() == 6 + kAggregationMemberCount);
        ForecastAggregator& a = links.at(static_cast<std::size_t>(v[0]));
        ++rows[static_cast<std::size_t>(v[0])];
        if (v[4] == 1) a.restart();
        if (v[4] == 2) a.reset_member(AggregationMember::network);
        a.observe(v[1], v[2]);
        const auto r = a.forecast(v[1], v[3]);
        INFO("case " << v[0] << ", t = " << v[1]);
        REQUIRE(r.ready == !std::isnan(v[5]));
        if (r.ready) REQUIRE(r.bandwidth_mbps == Approx(v[5]).epsilon(1e-10));
        for (std::size_t m = 0; m < kAggregationMemberCount; ++m)
            REQUIRE(a.weights()[m] == Approx(v[6 + m]).epsilon(1e-10).margin(1e-15));
    }
    CHECK(rows[0] == 700);
    CHECK(rows[1] == 700);
    CHECK(links[0].summary().updates > 80);
    CHECK(links[1].summary().updates > 80);
    CHECK(links[1].summary().snapshots_expired > 0);  // value_at targets that fell on a missing sample
}
