// AMST settings and gates, and the DDQN policy, through the C interface, against the
// transport's cases and hand-computed values.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "pba.h"
#include "pba/format/model_file.hpp"
#include "support/model_builder.hpp"

namespace {

std::string last_error() { return pba_last_error(); }

struct Expected {
    double bw, lat, loss, jitter;
    int64_t streams, buffer, chunk, pacing, window;
};

pba_amst_settings settings_struct() {
    pba_amst_settings s;
    std::memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    return s;
}

// A policy whose Q-values are its biases (zero weights), so every value is known by hand.
pba_model* constant_q_policy(const std::vector<float>& q) {
    auto d = pba::test::ModelBuilder({4}).dense(static_cast<std::uint32_t>(q.size())).build();
    std::fill(d.tensors[0].values.begin(), d.tensors[0].values.end(), 0.0f);
    d.tensors[1].values = q;
    const auto bytes = pba::format::write_model(d);
    pba_model* m = nullptr;
    REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), nullptr, &m) == PBA_OK);
    return m;
}

}  // namespace

TEST_CASE("AMST settings reproduce the transport's three cases to the integer", "[capi]") {
    const Expected cases[] = {
        {100, 50, 0, 5, 10, 687500, 68750, 11875000, 6875000},
        {1000, 10, 0.005, 1, 130, 1048576, 8192, 118750000, 136314880},
        {50, 150, 0.03, 10, 2, 1000000, 131072, 5937500, 2000000},
    };
    for (const auto& c : cases) {
        pba_amst_settings s = settings_struct();
        REQUIRE(pba_amst_settings_for(nullptr, c.bw, c.lat, c.loss, c.jitter, &s) == PBA_OK);
        CHECK(s.streams == c.streams);
        CHECK(s.buffer_bytes == c.buffer);
        CHECK(s.chunk_bytes == c.chunk);
        CHECK(s.pacing_bytes_per_s == c.pacing);
        CHECK(s.window_bytes == c.window);
    }
    // The same through explicit default parameters.
    const pba_amst_params params = pba_amst_params_default();
    pba_amst_settings s = settings_struct();
    REQUIRE(pba_amst_settings_for(&params, 100, 50, 0, 5, &s) == PBA_OK);
    CHECK(s.streams == 10);
}

TEST_CASE("AMST parameters change the arithmetic, bad inputs and parameters are named", "[capi]") {
    pba_amst_params params = pba_amst_params_default();
    params.stream_cut_loss = 0.02;  // the design document's threshold: loss 0.015 no longer cuts
    pba_amst_settings s = settings_struct();
    REQUIRE(pba_amst_settings_for(&params, 100, 50, 0.015, 5, &s) == PBA_OK);
    CHECK(s.streams == 10);
    REQUIRE(pba_amst_settings_for(nullptr, 100, 50, 0.015, 5, &s) == PBA_OK);
    CHECK(s.streams == 7);  // 10 * 3 / 4

    s = settings_struct();
    s.streams = 42;
    CHECK(pba_amst_settings_for(nullptr, NAN, 50, 0, 5, &s) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("bandwidth"));
    CHECK(s.streams == 42);
    CHECK(pba_amst_settings_for(nullptr, 100, 50, 1.5, 5, &s) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("packet_loss"));
    CHECK(pba_amst_settings_for(nullptr, 100, -1, 0, 5, &s) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_amst_settings_for(nullptr, 100, 50, 0, INFINITY, &s) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_amst_settings_for(nullptr, 1e300, 50, 0, 5, &s) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_amst_settings_for(nullptr, 100, 50, 0, 5, nullptr) == PBA_ERR_NULL_POINTER);

    params = pba_amst_params_default();
    params.min_streams = 300;
    CHECK(pba_amst_settings_for(&params, 100, 50, 0, 5, &s) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("min_streams"));
    params = pba_amst_params_default();
    params.struct_size = 8;
    CHECK(pba_amst_settings_for(&params, 100, 50, 0, 5, &s) == PBA_ERR_STRUCT_SIZE);
    params = pba_amst_params_default();
    params.reserved[0] = 1;
    CHECK(pba_amst_settings_for(&params, 100, 50, 0, 5, &s) == PBA_ERR_INVALID_ARGUMENT);
    s.struct_size = sizeof s - 8;
    CHECK(pba_amst_settings_for(nullptr, 100, 50, 0, 5, &s) == PBA_ERR_STRUCT_SIZE);
}

TEST_CASE("AMST confidence gates: exactly at, just below each threshold", "[capi]") {
    pba_amst_decision d;
    std::memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    // 10 -> 13 streams: +30 %, above both the 20 % and the 15 % change thresholds.
    REQUIRE(pba_amst_decide(nullptr, 0.85, 10, 13, &d) == PBA_OK);
    CHECK(d.compute == 1);
    CHECK(d.apply == 1);
    CHECK(d.adjust_streams == 1);
    CHECK(d.preempt == 1);
    CHECK(d.stream_change == Approx(0.3));

    REQUIRE(pba_amst_decide(nullptr, std::nextafter(0.85, 0.0), 10, 13, &d) == PBA_OK);
    CHECK(d.preempt == 0);
    REQUIRE(pba_amst_decide(nullptr, 0.7, 10, 13, &d) == PBA_OK);
    CHECK(d.adjust_streams == 1);
    CHECK(d.apply == 0);
    REQUIRE(pba_amst_decide(nullptr, 0.6, 10, 12, &d) == PBA_OK);  // +20 %: not more than 20 %
    CHECK(d.compute == 1);
    CHECK(d.adjust_streams == 0);
    REQUIRE(pba_amst_decide(nullptr, std::nextafter(0.6, 0.0), 10, 13, &d) == PBA_OK);
    CHECK(d.compute == 0);
    REQUIRE(pba_amst_decide(nullptr, 0.9, 0, 5, &d) == PBA_OK);
    CHECK(std::isinf(d.stream_change));

    CHECK(pba_amst_decide(nullptr, NAN, 10, 13, &d) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("confidence"));
    CHECK(pba_amst_decide(nullptr, 1.5, 10, 13, &d) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_amst_decide(nullptr, 0.9, -1, 13, &d) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_amst_decide(nullptr, 0.9, 10, 13, nullptr) == PBA_ERR_NULL_POINTER);
}

TEST_CASE("policy: Q-values, greedy and epsilon-greedy decisions on a hand-made Q-network", "[capi]") {
    const std::vector<float> q = {0.1f, 0.2f, 0.3f, 0.0f, 0.5f, 0.4f, 0.9f, 0.2f, 0.1f, 0.0f};
    pba_model* model = constant_q_policy(q);
    pba_policy* policy = nullptr;
    REQUIRE(pba_policy_create(model, &policy) == PBA_OK);
    pba_model_free(model);
    CHECK(pba_policy_action_count(policy) == 10);
    CHECK(pba_policy_action_count(nullptr) == 0);

    pba_policy_state states[2] = {pba_policy_state_of(5.0, 100.0, 0.001, 0.99),
                                  pba_policy_state_of(60.0, 10.0, 0.03, 0.9)};
    std::vector<float> values(20);
    REQUIRE(pba_policy_q_values(policy, states, 2, values.data(), values.size()) == PBA_OK);
    for (int i = 0; i < 10; ++i) {
        CHECK(values[i] == q[i]);
        CHECK(values[10 + i] == q[i]);
    }
    CHECK(pba_policy_q_values(policy, states, 2, values.data(), 19) == PBA_ERR_SHAPE_MISMATCH);
    CHECK(pba_policy_q_values(policy, states, 0, values.data(), 0) == PBA_ERR_INVALID_ARGUMENT);

    pba_policy_decision d;
    std::memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    REQUIRE(pba_policy_decide(policy, &states[0], 0.0, 0, &d) == PBA_OK);
    CHECK(d.action == 6);
    CHECK(d.allocation_pct == 70);
    CHECK(d.explored == 0);

    // epsilon 1 always explores; the same seed gives the same draw, and every action is reachable.
    pba_policy_decision again = d;
    std::vector<int> seen(10, 0);
    for (uint64_t seed = 0; seed < 200; ++seed) {
        REQUIRE(pba_policy_decide(policy, &states[0], 1.0, seed, &d) == PBA_OK);
        REQUIRE(pba_policy_decide(policy, &states[0], 1.0, seed, &again) == PBA_OK);
        CHECK(d.explored == 1);
        CHECK(d.action == again.action);
        CHECK(d.allocation_pct == static_cast<int>(d.action + 1) * 10);
        seen[d.action] = 1;
    }
    CHECK(std::count(seen.begin(), seen.end(), 1) == 10);

    const pba_policy_state bad = pba_policy_state_of(5.0, 100.0, 2.0, 0.99);
    CHECK(pba_policy_decide(policy, &bad, 0.0, 0, &d) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("packet_loss"));
    const pba_policy_state nan_state = pba_policy_state_of(NAN, 100.0, 0.0, 0.99);
    CHECK(pba_policy_q_values(policy, &nan_state, 1, values.data(), 10) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_policy_decide(policy, &states[0], 1.5, 0, &d) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_policy_decide(policy, &states[0], NAN, 0, &d) == PBA_ERR_INVALID_ARGUMENT);
    d.struct_size = 0;
    CHECK(pba_policy_decide(policy, &states[0], 0.0, 0, &d) == PBA_ERR_STRUCT_SIZE);
    CHECK(pba_policy_decide(nullptr, &states[0], 0.0, 0, &d) == PBA_ERR_NULL_POINTER);
    states[1].struct_size = 0;
    CHECK(pba_policy_q_values(policy, states, 2, values.data(), values.size()) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("states[1].struct_size is 0"));
    states[1].struct_size = sizeof(pba_policy_state);

    // Double-DQN through the network: Q(s') is q for every state, argmax 6 -> 0.9.
    const double rewards[2] = {1.0, 2.0};
    const uint8_t terminal[2] = {0, 1};
    double targets[2] = {0, 0};
    REQUIRE(pba_policy_double_dqn_targets(policy, policy, states, rewards, terminal, 2, 0.5, targets) == PBA_OK);
    CHECK(targets[0] == Approx(1.0 + 0.5 * 0.9f));
    CHECK(targets[1] == 2.0);
    pba_policy_free(policy);
    pba_policy_free(nullptr);
}

TEST_CASE("policy creation refuses models that are not policies", "[capi]") {
    pba_policy* policy = reinterpret_cast<pba_policy*>(0x1);
    CHECK(pba_policy_create(nullptr, &policy) == PBA_ERR_NULL_POINTER);
    CHECK(policy == nullptr);
    const auto bytes = pba::format::write_model(pba::test::ModelBuilder({3}).dense(10).build());  // 3 inputs, not 4
    pba_model* m = nullptr;
    REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), nullptr, &m) == PBA_OK);
    CHECK(pba_policy_create(m, &policy) != PBA_OK);
    CHECK(policy == nullptr);
    CHECK_THAT(last_error(), Catch::Contains("pba_policy_create"));
    pba_model_free(m);
}

TEST_CASE("the reward and Double-DQN targets match hand-computed values", "[capi]") {
    // opt = 50 + 10 (latency < 1) + 5 (loss < 0.005) + 10 (reliability > 0.98) = 75;
    // reward(70) = 1 - 5/100 + 0.1 (reliability > 0.95, 40 <= 70 <= 70) = 1.05.
    pba_policy_state s = pba_policy_state_of(0.5, 100.0, 0.001, 0.99);
    double optimal = 0, reward = 0;
    REQUIRE(pba_policy_reward(&s, 70.0, &optimal, &reward) == PBA_OK);
    CHECK(optimal == 75.0);
    CHECK(reward == Approx(1.05));
    // reward(10) = 1 - 65/100 - 0.2 (allocation < 20) = 0.15.
    REQUIRE(pba_policy_reward(&s, 10.0, nullptr, &reward) == PBA_OK);
    CHECK(reward == Approx(0.15));
    CHECK(pba_policy_reward(&s, 101.0, nullptr, &reward) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(pba_policy_reward(nullptr, 50.0, nullptr, &reward) == PBA_ERR_NULL_POINTER);
    s.struct_size = 16;
    CHECK(pba_policy_reward(&s, 50.0, nullptr, &reward) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("state.struct_size is 16"));

    const double rewards[2] = {1.0, 2.0};
    const uint8_t terminal[2] = {0, 1};
    const float q_online[6] = {0.1f, 0.5f, 0.2f, 0.0f, 0.0f, 1.0f};
    const float q_target[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    double targets[2] = {-1, -1};
    REQUIRE(pba_double_dqn_targets(2, 3, rewards, terminal, q_online, q_target, 0.9, targets) == PBA_OK);
    CHECK(targets[0] == Approx(1.0 + 0.9 * 2.0));  // online argmax 1, target value 2
    CHECK(targets[1] == 2.0);                      // terminal
    targets[0] = targets[1] = -1;
    CHECK(pba_double_dqn_targets(2, 3, rewards, terminal, q_online, q_target, 1.5, targets) ==
          PBA_ERR_INVALID_ARGUMENT);
    CHECK(targets[0] == -1);  // nothing written
    CHECK(pba_double_dqn_targets(2, 0, rewards, terminal, q_online, q_target, 0.9, targets) ==
          PBA_ERR_SHAPE_MISMATCH);
    CHECK(pba_double_dqn_targets(2, 3, nullptr, terminal, q_online, q_target, 0.9, targets) == PBA_ERR_NULL_POINTER);
    CHECK(pba_double_dqn_targets(0, 3, nullptr, nullptr, nullptr, nullptr, 0.9, nullptr) == PBA_OK);
}
