#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "pba/model/defaults.hpp"
#include "pba/policy/allocation_policy.hpp"
#include "pba/policy/reward.hpp"
#include "support/alloc_counter.hpp"

using namespace pba;
using policy::State;

namespace {

// Fresh states from the training simulator's marginal (tools/train/pba_train/policy.py):
// log-uniform latency 0.2–200 ms, bandwidth 1–10,000 Mbps, loss 1e-4–0.1; reliability
// uniform 0.9–1.0. Drawn here with another generator, so not the states it was evaluated on.
std::vector<State> simulator_states(std::size_t n) {
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto log_uniform = [&](double lo, double hi) { return std::exp(std::log(lo) + u(rng) * std::log(hi / lo)); };
    std::vector<State> states(n);
    for (State& s : states) {
        s.latency_ms = log_uniform(0.2, 200.0);
        s.bandwidth_mbps = log_uniform(1.0, 10000.0);
        s.packet_loss = log_uniform(1e-4, 0.1);
        s.reliability = 0.9 + 0.1 * u(rng);
    }
    return states;
}

}  // namespace

TEST_CASE("default policy: the embedded model is an allocation policy over the four state fields") {
    const policy::AllocationPolicy policy(default_model("policy"));
    CHECK(policy.action_count() == 10);
    CHECK(std::vector<int>(policy.allocations_pct().begin(), policy.allocations_pct().end()) ==
          std::vector<int>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100});
    CHECK(policy.model()->self_test_verified());
    CHECK(policy.encoder().size() == 4);
}

TEST_CASE("default policy: its mean reward in C++ is the one its metadata reports, far above a fixed 50 %") {
    const policy::AllocationPolicy policy(default_model("policy"));
    const auto& meta = policy.model()->metadata();
    const auto states = simulator_states(10000);
    auto ws = policy.make_workspace();
    double chosen = 0, fixed50 = 0, best = 0;
    for (const State& s : states) {
        chosen += policy::reward(s, policy.greedy(s, ws).allocation_pct);
        fixed50 += policy::reward(s, 50);
        double b = -1e9;
        for (int pct = 10; pct <= 100; pct += 10) b = std::max(b, policy::reward(s, pct));
        best += b;
    }
    const double n = static_cast<double>(states.size());
    chosen /= n;
    fixed50 /= n;
    best /= n;
    INFO("policy " << chosen << ", best " << best << ", fixed 50 % " << fixed50);
    // Another sample of the same distribution: the mean's standard error is ~0.002.
    CHECK(chosen == Approx(meta.number_or("metrics.mean_reward_policy", 0.0)).epsilon(0).margin(0.01));
    CHECK(fixed50 == Approx(meta.number_or("metrics.mean_reward_fixed_50pct", 0.0)).epsilon(0).margin(0.01));
    CHECK(best == Approx(meta.number_or("metrics.mean_reward_best_possible", 0.0)).epsilon(0).margin(0.01));
    CHECK(chosen > fixed50 + 0.05);
    CHECK(chosen > best - 0.02);
}

TEST_CASE("default policy: a decision allocates nothing") {
    const policy::AllocationPolicy policy(default_model("policy"));
    auto ws = policy.make_workspace();
    const auto states = simulator_states(32);
    test::AllocationCounter counter;
    for (const State& s : states) policy.greedy(s, ws);
    CHECK(counter.allocations() == 0);
}
