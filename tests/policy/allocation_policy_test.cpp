#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "pba/error.hpp"
#include "pba/model/model.hpp"
#include "pba/policy/allocation_policy.hpp"
#include "support/alloc_counter.hpp"
#include "support/model_builder.hpp"
#include "support/expect.hpp"

using namespace pba;
using format::ActivationCode;
using policy::AllocationPolicy;
using policy::State;
using Strings = std::vector<std::string>;
using Numbers = std::vector<double>;

namespace {

using pba::test::require_error;

// The trained policy's normalisation (tools/train/pba_train/policy.py).
test::ModelBuilder& with_policy_norms(test::ModelBuilder& b) {
    return b.meta("model.mode", std::string("policy"))
        .meta("input.features", Strings{"latency_ms", "bandwidth_mbps", "packet_loss", "reliability"})
        .meta("input.norm", Strings{"log", "log", "log", "minmax"})
        .meta("input.norm_a", Numbers{2.0, 4.6, -5.8, 0.9})
        .meta("input.norm_b", Numbers{2.0, 2.7, 2.0, 1.0})
        .meta("input.norm_c", Numbers{0.01, 1.0, 1e-5, 0.0});
}

// The qnet: Dense 128 ReLU BN, Dense 64 ReLU BN, Dense 32 ReLU BN, Dense 10.
format::ModelDescription qnet(std::uint32_t seed) {
    test::ModelBuilder b({4}, seed);
    b.dense(128, ActivationCode::relu).batch_norm().dense(64, ActivationCode::relu).batch_norm();
    b.dense(32, ActivationCode::relu).batch_norm().dense(10);
    return with_policy_norms(b).build();
}

// An independent double-precision evaluation of a Dense/BatchNorm network and of the
// normalisation formulas of docs/model-format.md, for the policy's metadata above.
std::vector<double> reference_q(const format::ModelDescription& d, const State& s) {
    std::vector<double> x{(std::log(s.latency_ms + 0.01) - 2.0) / 2.0, (std::log(s.bandwidth_mbps + 1.0) - 4.6) / 2.7,
                          (std::log(s.packet_loss + 1e-5) + 5.8) / 2.0, (s.reliability - 0.9) / (1.0 - 0.9)};
    for (double& v : x) v = static_cast<float>(v);  // the model's input is float32
    for (const auto& l : d.layers) {
        const auto& t = [&](int i) -> const std::vector<float>& { return d.tensors[l.tensors[i]].values; };
        std::vector<double> y(l.output_size);
        for (std::size_t o = 0; o < y.size(); ++o) {
            if (l.type == format::LayerType::dense) {
                double sum = t(1)[o];
                for (std::size_t i = 0; i < x.size(); ++i) sum += double(t(0)[o * x.size() + i]) * x[i];
                y[o] = l.activation == ActivationCode::relu ? std::max(sum, 0.0) : sum;
            } else {
                y[o] = t(0)[o] * (x[o] - t(2)[o]) / std::sqrt(double(t(3)[o]) + double(l.epsilon)) + t(1)[o];
            }
        }
        x = std::move(y);
    }
    return x;
}

std::vector<State> random_states(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<State> states;
    for (std::size_t i = 0; i < n; ++i)
        states.push_back({std::exp(std::log(0.2) + u(rng) * std::log(1000.0)), std::exp(u(rng) * std::log(10000.0)),
                          std::exp(std::log(1e-4) + u(rng) * std::log(1000.0)), 0.9 + 0.1 * u(rng)});
    return states;
}

void check_close(std::span<const float> q, const std::vector<double>& expected) {
    REQUIRE(q.size() == expected.size());
    for (std::size_t a = 0; a < q.size(); ++a) {
        INFO("action " << a);
        CHECK(q[a] == Approx(expected[a]).epsilon(1e-4).margin(1e-4));
    }
}

// Q_a = a·x0 − (a − 3)²·x1 with x0 = minmax(reliability; 0.9, 1.0), x1 = latency_ms / 100.
std::shared_ptr<const Model> hand_model() {
    auto d = test::ModelBuilder({2})
                 .dense(10)
                 .meta("input.features", Strings{"reliability", "latency_ms"})
                 .meta("input.norm", Strings{"minmax", "divide"})
                 .meta("input.norm_a", Numbers{0.9, 100.0})
                 .meta("input.norm_b", Numbers{1.0, 0.0})
                 .build();
    for (int a = 0; a < 10; ++a) {
        d.tensors[0].values[2 * a] = static_cast<float>(a);
        d.tensors[0].values[2 * a + 1] = static_cast<float>(-(a - 3) * (a - 3));
        d.tensors[1].values[a] = 0.0f;
    }
    return Model::from_description(d);
}
}  // namespace

TEST_CASE("policy encoder: the model's features, in its order, normalised as its metadata says") {
    format::Metadata m;
    m.set("input.features", Strings{"packet_loss", "reliability", "latency_ms", "bandwidth_mbps"});
    m.set("input.norm", Strings{"log", "minmax", "log", "log"});
    m.set("input.norm_a", Numbers{-5.8, 0.9, 2.0, 4.6});
    m.set("input.norm_b", Numbers{2.0, 1.0, 2.0, 2.7});
    m.set("input.norm_c", Numbers{1e-5, 0.0, 0.01, 1.0});
    const policy::StateEncoder encoder(m, 4);
    std::array<float, 4> x{};
    encoder.encode({120.0, 250.0, 0.001, 0.97}, x);
    // Computed independently in Python: (ln(0.001 + 1e-5) + 5.8) / 2, (0.97 − 0.9) / 0.1,
    // (ln(120.01) − 2) / 2, (ln(251) − 4.6) / 2.7.
    CHECK(x[0] == Approx(-0.5489024740644846).epsilon(1e-7));
    CHECK(x[1] == Approx(0.7).epsilon(1e-7));
    CHECK(x[2] == Approx(1.3937875363216752).epsilon(1e-7));
    CHECK(x[3] == Approx(0.3427603478265866).epsilon(1e-7));

    format::Metadata plain;  // no features, no norms: the raw state in canonical order
    const policy::StateEncoder raw(plain, 4);
    raw.encode({12.5, 300.0, 0.25, 0.5}, x);
    CHECK(x == std::array<float, 4>{12.5f, 300.0f, 0.25f, 0.5f});

    format::Metadata standard;
    standard.set("input.features", Strings{"bandwidth_mbps"});
    standard.set("input.norm", Strings{"standard"});
    standard.set("input.norm_a", Numbers{100.0});
    standard.set("input.norm_b", Numbers{50.0});
    std::array<float, 1> one{};
    policy::StateEncoder(standard, 1).encode({0, 175.0, 0, 0}, one);
    CHECK(one[0] == 1.5f);
}

TEST_CASE("policy encoder: metadata a policy cannot use is refused, naming the key") {
    auto encoder = [](std::initializer_list<std::pair<const char*, format::MetaValue>> entries, std::size_t n) {
        format::Metadata m;
        for (const auto& [k, v] : entries) m.set(k, v);
        return policy::StateEncoder(m, n);
    };
    require_error([&] { encoder({}, 3); }, Errc::shape_mismatch, "4 state fields");
    require_error([&] { encoder({{"input.features", Strings{"latency_ms", "reliability"}}}, 3); }, Errc::shape_mismatch,
                  "lists 2 features");
    require_error([&] { encoder({{"input.features", Strings{"latency_ms", "jitter_ms"}}}, 2); }, Errc::unsupported,
                  "input.features[1] = 'jitter_ms'");
    require_error([&] { encoder({{"input.features", Strings{"latency_ms", "latency_ms"}}}, 2); },
                  Errc::malformed_model, "input.features[1] = 'latency_ms' repeats");
    const Strings two{"latency_ms", "reliability"};
    require_error(
        [&] {
            encoder({{"input.features", two}, {"input.norm", Strings{"none"}}}, 2);
        },
        Errc::malformed_model, "input.norm has 1");
    require_error([&] { encoder({{"input.features", two}, {"input.norm", Strings{"none", "log_ratio"}}}, 2); },
                  Errc::unsupported, "input.norm[1] = log_ratio");
    require_error([&] { encoder({{"input.features", two}, {"input.norm", Strings{"cube", "none"}}}, 2); },
                  Errc::malformed_model, "input.norm[0] = 'cube'");
    require_error([&] { encoder({{"input.features", two}, {"input.norm", Strings{"none", "minmax"}}}, 2); },
                  Errc::malformed_model, "needs input.norm_a");
    require_error(
        [&] {
            encoder(
                {{"input.features", two}, {"input.norm", Strings{"divide", "none"}}, {"input.norm_a", Numbers{0, 0}}},
                2);
        },
        Errc::malformed_model, "divide needs a != 0");
    require_error(
        [&] {
            encoder({{"input.features", two},
                     {"input.norm", Strings{"log", "none"}},
                     {"input.norm_a", Numbers{0, 0}},
                     {"input.norm_b", Numbers{1, 1}},
                     {"input.norm_c", Numbers{0, 0}}},
                    2);
        },
        Errc::malformed_model, "log needs c > 0");
    require_error([&] { encoder({{"input.features", two}, {"input.norm_a", Numbers{1, 2, 3}}}, 2); },
                  Errc::malformed_model, "input.norm_a has 3");
}

TEST_CASE("policy encoder: a value that normalises past float's range is a non-finite error naming it") {
    format::Metadata m;
    m.set("input.features", Strings{"latency_ms"});
    m.set("input.norm", Strings{"divide"});
    m.set("input.norm_a", Numbers{1e-300});
    std::array<float, 1> x{};
    require_error([&] { policy::StateEncoder(m, 1).encode({1e10, 0, 0, 0}, x); }, Errc::non_finite, "latency_ms");
    // 1e41 is a finite double but beyond float32.
    require_error([&] { policy::StateEncoder(m, 1).encode({1e-259, 0, 0, 0}, x); }, Errc::non_finite, "latency_ms");
    policy::StateEncoder(m, 1).encode({1e-262, 0, 0, 0}, x);
    CHECK(x[0] == Approx(1e38).epsilon(1e-6));
}

TEST_CASE("policy: hand-computed Q-values, ties to the smaller allocation") {
    const AllocationPolicy policy(hand_model());
    auto ws = policy.make_workspace();
    // x = (0.5, 0.5): Q_a = a/2 − (a−3)²/2; actions 3 and 4 tie at 1.5.
    auto q = policy.q_values({50.0, 100.0, 0.0, 0.95}, ws);
    const std::array<float, 10> expected{-4.5f, -1.5f, 0.5f, 1.5f, 1.5f, 0.5f, -1.5f, -4.5f, -8.5f, -13.5f};
    CHECK(std::equal(q.begin(), q.end(), expected.begin(), expected.end()));
    auto d = policy.greedy({50.0, 100.0, 0.0, 0.95}, ws);
    CHECK(d.action == 3);
    CHECK(d.allocation_pct == 40);
    CHECK_FALSE(d.explored);
    CHECK(ws.q().size() == 10);
    CHECK(ws.q()[4] == 1.5f);
    // x = (1, 0.5): Q_a = a − (a−3)²/2, best at a = 4.
    d = policy.greedy({50.0, 100.0, 0.0, 1.0}, ws);
    CHECK(d.action == 4);
    CHECK(d.allocation_pct == 50);
}

TEST_CASE("policy: qnet Q-values match an independent double-precision evaluation") {
    const auto description = qnet(7);
    const AllocationPolicy policy(Model::from_description(description));
    CHECK(policy.action_count() == 10);
    CHECK(std::vector<int>(policy.allocations_pct().begin(), policy.allocations_pct().end()) ==
          std::vector<int>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100});
    const auto states = random_states(64, 11);
    auto ws = policy.make_workspace(64);
    int decisive = 0;
    for (const State& s : states) {
        const auto expected = reference_q(description, s);
        check_close(policy.q_values(s, ws), expected);
        auto sorted = expected;
        std::sort(sorted.rbegin(), sorted.rend());
        if (sorted[0] - sorted[1] > 1e-3) {  // a clear winner: the greedy action must be it
            ++decisive;
            const auto best = std::max_element(expected.begin(), expected.end()) - expected.begin();
            CHECK(policy.greedy(s, ws).action == static_cast<std::size_t>(best));
        }
    }
    CHECK(decisive > 32);
    // The whole batch at once agrees with the reference too.
    const auto q = policy.q_values(states, ws);
    REQUIRE(q.size() == states.size() * 10);
    for (std::size_t i = 0; i < states.size(); ++i)
        check_close(q.subspan(i * 10, 10), reference_q(description, states[i]));
}

TEST_CASE("policy: Q-values, greedy and epsilon-greedy allocate nothing after construction") {
    const AllocationPolicy policy(Model::from_description(qnet(3)));
    auto ws = policy.make_workspace(16);
    const auto states = random_states(16, 5);
    test::AllocationCounter counter;
    for (std::uint64_t i = 0; i < 50; ++i) {
        policy.q_values(states[i % 16], ws);
        policy.greedy(states[i % 16], ws);
        policy.epsilon_greedy(states[i % 16], 0.3, i, ws);
    }
    policy.q_values(states, ws);
    CHECK(counter.allocations() == 0);
}

TEST_CASE("policy: epsilon-greedy on the network is deterministic and explores as documented") {
    const AllocationPolicy policy(hand_model());
    auto ws = policy.make_workspace();
    const State s{50.0, 100.0, 0.0, 1.0};  // greedy action 4
    // Seed 3 draws u = 0.113… and then action 1 (actions_test.cpp).
    auto d = policy.epsilon_greedy(s, 0.2, 3, ws);
    CHECK(d.explored);
    CHECK(d.action == 1);
    CHECK(d.allocation_pct == 20);
    d = policy.epsilon_greedy(s, 0.1, 3, ws);
    CHECK_FALSE(d.explored);
    CHECK(d.action == 4);
    CHECK(d.allocation_pct == 50);
    CHECK(policy.epsilon_greedy(s, 0.0, 12345, ws).action == 4);
}

TEST_CASE("policy: an allocation table in the metadata maps other action counts") {
    test::ModelBuilder b({4});
    b.dense(5).meta("policy.action_allocation_pct", std::vector<std::int64_t>{0, 25, 50, 75, 100});
    const AllocationPolicy policy(Model::from_description(b.build()));
    CHECK(policy.action_count() == 5);
    CHECK(policy.allocation_pct(3) == 75);
    require_error([&] { policy.allocation_pct(5); }, Errc::invalid_argument, "action 5");
    auto ws = policy.make_workspace();
    const auto d = policy.greedy({10, 100, 0.01, 0.99}, ws);
    CHECK(d.allocation_pct == policy.allocations_pct()[d.action]);
}

TEST_CASE("policy: Double-DQN targets from the online and target networks") {
    const auto online_d = qnet(21);
    const auto target_d = qnet(22);
    const AllocationPolicy online(Model::from_description(online_d));
    const AllocationPolicy target(Model::from_description(target_d));
    auto online_ws = online.make_workspace(8);
    auto target_ws = target.make_workspace(8);
    const auto next = random_states(8, 3);
    const std::array<double, 8> rewards{0.9, 1.1, 0.3, 0.75, 1.0, 0.2, 0.6, 0.95};
    const std::array<std::uint8_t, 8> terminal{0, 0, 0, 1, 0, 0, 0, 0};
    std::array<double, 8> y{};
    policy::double_dqn_targets(online, target, next, rewards, terminal, 0.5, y, online_ws, target_ws);
    for (std::size_t i = 0; i < next.size(); ++i) {
        const auto qo = reference_q(online_d, next[i]);
        const auto qt = reference_q(target_d, next[i]);
        const auto chosen = std::max_element(qo.begin(), qo.end()) - qo.begin();
        const double expected = terminal[i] ? rewards[i] : rewards[i] + 0.5 * qt[chosen];
        INFO("transition " << i);
        CHECK(y[i] == Approx(expected).epsilon(1e-4).margin(1e-4));
    }
    require_error(
        [&] { policy::double_dqn_targets(online, target, next, rewards, terminal, 0.5, y, online_ws, online_ws); },
        Errc::invalid_argument, "separate workspaces");
    require_error(
        [&] {
            policy::double_dqn_targets(online, target, std::span(next).first(7), rewards, terminal, 0.5, y, online_ws,
                                       target_ws);
        },
        Errc::shape_mismatch, "7 next states");
}

TEST_CASE("policy: invalid states are errors naming the field (and the state's index in a batch)") {
    const AllocationPolicy policy(Model::from_description(qnet(1)));
    auto ws = policy.make_workspace(4);
    const State ok{20, 100, 0.001, 0.99};
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0}) {
        State s = ok;
        s.latency_ms = bad;
        require_error([&] { policy.q_values(s, ws); }, Errc::invalid_argument, "latency_ms");
        s = ok;
        s.bandwidth_mbps = bad;
        require_error([&] { policy.greedy(s, ws); }, Errc::invalid_argument, "bandwidth_mbps");
        s = ok;
        s.packet_loss = bad;
        require_error([&] { policy.epsilon_greedy(s, 0.1, 1, ws); }, Errc::invalid_argument, "packet_loss");
    }
    require_error([&] { policy.q_values({20, 100, 0.001, 1.5}, ws); }, Errc::invalid_argument, "reliability");
    const std::array<State, 3> batch{ok, ok, State{20, 100, 2.0, 0.99}};
    require_error([&] { policy.q_values(batch, ws); }, Errc::invalid_argument, "state 2: policy: packet_loss");
    require_error([&] { policy.q_values(std::span<const State>{}, ws); }, Errc::shape_mismatch, "0 states");
    const std::array<State, 5> too_many{ok, ok, ok, ok, ok};
    require_error([&] { policy.q_values(too_many, ws); }, Errc::shape_mismatch, "at most 4");
    const AllocationPolicy other(Model::from_description(
        test::ModelBuilder({2}).dense(10).meta("input.features", Strings{"latency_ms", "reliability"}).build()));
    auto other_ws = other.make_workspace();
    require_error([&] { policy.q_values(ok, other_ws); }, Errc::shape_mismatch, "another policy");
    policy::PolicyWorkspace empty;
    require_error([&] { policy.q_values(ok, empty); }, Errc::shape_mismatch, "another policy");
    require_error([&] { policy.make_workspace(0); }, Errc::invalid_argument, "max_batch");
}

TEST_CASE("policy: models that are not allocation policies are refused") {
    require_error([] { AllocationPolicy(nullptr); }, Errc::invalid_argument, "no model");
    require_error([] { AllocationPolicy(Model::from_description(test::ModelBuilder({4}).dense(9).build())); },
                  Errc::shape_mismatch, "9 outputs");
    require_error(
        [] {
            AllocationPolicy(Model::from_description(test::ModelBuilder({4})
                                                         .dense(10)
                                                         .meta("model.mode", std::string("internet"))
                                                         .meta("model.name", std::string("inet"))
                                                         .build()));
        },
        Errc::unsupported, "'inet' is a internet model");
    require_error(
        [] {
            AllocationPolicy(Model::from_description(test::ModelBuilder({3, 4}).lstm(8, false).dense(10).build()));
        },
        Errc::shape_mismatch, "windows of 3");
    require_error(
        [] {
            AllocationPolicy(
                Model::from_description(test::ModelBuilder({4})
                                            .dense(3)
                                            .meta("policy.action_allocation_pct", std::vector<std::int64_t>{10, 20})
                                            .build()));
        },
        Errc::shape_mismatch, "has 2 entries");
    require_error(
        [] {
            AllocationPolicy(
                Model::from_description(test::ModelBuilder({4})
                                            .dense(2)
                                            .meta("policy.action_allocation_pct", std::vector<std::int64_t>{10, 120})
                                            .build()));
        },
        Errc::malformed_model, "policy.action_allocation_pct[1] = 120");
    // A one-sample window is a state.
    CHECK_NOTHROW(
        AllocationPolicy(Model::from_description(test::ModelBuilder({1, 4}).lstm(8, false).dense(10).build())));
    CHECK_NOTHROW(AllocationPolicy(
        Model::from_description(test::ModelBuilder({4}).dense(10).meta("model.mode", std::string("generic")).build())));
}
