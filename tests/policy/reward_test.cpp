#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "pba/error.hpp"
#include "pba/policy/reward.hpp"
#include "support/expect.hpp"

using namespace pba;
using policy::State;

namespace {

using pba::test::below;
using pba::test::above;
using pba::test::require_invalid;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Neutral on every rule: 10 ms, 1 % loss, 96 % reliability → optimal 50.
constexpr State kNeutral{10.0, 100.0, 0.01, 0.96};

State with_latency(double v) { State s = kNeutral; s.latency_ms = v; return s; }
State with_loss(double v) { State s = kNeutral; s.packet_loss = v; return s; }
State with_reliability(double v) { State s = kNeutral; s.reliability = v; return s; }
}  // namespace

TEST_CASE("policy reward: the optimal allocation's latency rule, strict at 1 and 50 ms") {
    using policy::optimal_allocation_pct;
    CHECK(optimal_allocation_pct(kNeutral) == 50);
    CHECK(optimal_allocation_pct(with_latency(below(1))) == 60);
    CHECK(optimal_allocation_pct(with_latency(1)) == 50);
    CHECK(optimal_allocation_pct(with_latency(above(1))) == 50);
    CHECK(optimal_allocation_pct(with_latency(below(50))) == 50);
    CHECK(optimal_allocation_pct(with_latency(50)) == 50);
    CHECK(optimal_allocation_pct(with_latency(above(50))) == 40);
    CHECK(optimal_allocation_pct(with_latency(0)) == 60);
}

TEST_CASE("policy reward: the optimal allocation's loss rule, strict at 0.5 % and 2 %") {
    using policy::optimal_allocation_pct;
    CHECK(optimal_allocation_pct(with_loss(below(0.005))) == 55);
    CHECK(optimal_allocation_pct(with_loss(0.005)) == 50);
    CHECK(optimal_allocation_pct(with_loss(above(0.005))) == 50);
    CHECK(optimal_allocation_pct(with_loss(below(0.02))) == 50);
    CHECK(optimal_allocation_pct(with_loss(0.02)) == 50);
    CHECK(optimal_allocation_pct(with_loss(above(0.02))) == 35);
}

TEST_CASE("policy reward: the optimal allocation's reliability rule, strict at 95 % and 98 %") {
    using policy::optimal_allocation_pct;
    CHECK(optimal_allocation_pct(with_reliability(below(0.95))) == 40);
    CHECK(optimal_allocation_pct(with_reliability(0.95)) == 50);
    CHECK(optimal_allocation_pct(with_reliability(above(0.95))) == 50);
    CHECK(optimal_allocation_pct(with_reliability(below(0.98))) == 50);
    CHECK(optimal_allocation_pct(with_reliability(0.98)) == 50);
    CHECK(optimal_allocation_pct(with_reliability(above(0.98))) == 60);
}

TEST_CASE("policy reward: the rules add up, the extremes 15 and 75 lie inside the [10, 90] clip") {
    using policy::optimal_allocation_pct;
    CHECK(optimal_allocation_pct({0.5, 100, 0.001, 0.99}) == 75);  // 50 + 10 + 5 + 10
    CHECK(optimal_allocation_pct({60, 100, 0.03, 0.9}) == 15);     // 50 − 10 − 15 − 10
    CHECK(optimal_allocation_pct({60, 100, 0.001, 0.99}) == 55);   // 50 − 10 + 5 + 10
}

TEST_CASE("policy reward: hand-computed rewards") {
    using policy::reward;
    const State best{0.5, 100, 0.001, 0.99};  // optimal 75, reliability bonus possible
    const State worst{60, 100, 0.03, 0.9};    // optimal 15, no bonus
    CHECK(reward(kNeutral, 50) == Approx(1.1).epsilon(0).margin(1e-12));   // on target + bonus
    CHECK(reward(kNeutral, 60) == Approx(1.0).epsilon(0).margin(1e-12));   // 1 − 0.1 + 0.1
    CHECK(reward(kNeutral, 80) == Approx(0.7).epsilon(0).margin(1e-12));   // 1 − 0.3
    CHECK(reward(kNeutral, 10) == Approx(0.4).epsilon(0).margin(1e-12));   // 1 − 0.4 − 0.2
    CHECK(reward(kNeutral, 100) == Approx(0.3).epsilon(0).margin(1e-12));  // 1 − 0.5 − 0.2
    CHECK(reward(best, 70) == Approx(1.05).epsilon(0).margin(1e-12));      // 1 − 0.05 + 0.1
    CHECK(reward(best, 80) == Approx(0.95).epsilon(0).margin(1e-12));      // 1 − 0.05
    CHECK(reward(best, 100) == Approx(0.55).epsilon(0).margin(1e-12));     // 1 − 0.25 − 0.2
    CHECK(reward(worst, 20) == Approx(0.95).epsilon(0).margin(1e-12));     // 1 − 0.05
    CHECK(reward(worst, 10) == Approx(0.75).epsilon(0).margin(1e-12));     // 1 − 0.05 − 0.2
    CHECK(reward(worst, 50) == Approx(0.65).epsilon(0).margin(1e-12));     // 1 − 0.35, reliability 0.9: no bonus
}

TEST_CASE("policy reward: the penalty is strict at 20 and 90, the bonus inclusive at 40 and 70") {
    using policy::reward;
    // kNeutral: optimal 50, so the distance term is |alloc − 50| / 100.
    CHECK(reward(kNeutral, below(20)) == Approx(1 - 0.3 - 0.2).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, 20) == Approx(0.7).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, 90) == Approx(0.6).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, above(90)) == Approx(1 - 0.4 - 0.2).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, below(40)) == Approx(0.9).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, 40) == Approx(1.0).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, 70) == Approx(0.9).epsilon(0).margin(1e-12));
    CHECK(reward(kNeutral, above(70)) == Approx(0.8).epsilon(0).margin(1e-12));
    // The bonus needs reliability strictly above 95 %.
    CHECK(reward(with_reliability(0.95), 50) == Approx(1.0).epsilon(0).margin(1e-12));
    CHECK(reward(with_reliability(above(0.95)), 50) == Approx(1.1).epsilon(0).margin(1e-12));
}

TEST_CASE("policy reward: invalid states and allocations are errors naming the field") {
    for (double bad : {std::nan(""), kInf, -1.0}) {
        require_invalid([&] { policy::reward(with_latency(bad), 50); }, "latency_ms");
        require_invalid([&] { policy::reward(with_loss(bad), 50); }, "packet_loss");
        require_invalid([&] { policy::reward(with_reliability(bad), 50); }, "reliability");
        require_invalid([&] { policy::reward(kNeutral, bad); }, "allocation_pct");
        State s = kNeutral;
        s.bandwidth_mbps = bad;
        require_invalid([&] { policy::optimal_allocation_pct(s); }, "bandwidth_mbps");
    }
    require_invalid([] { policy::reward(with_loss(above(1)), 50); }, "packet_loss");
    require_invalid([] { policy::reward(with_reliability(above(1)), 50); }, "reliability");
    require_invalid([] { policy::reward(kNeutral, above(100)); }, "allocation_pct");
    CHECK_NOTHROW(policy::reward({0, 0, 1, 1}, 0));
}
