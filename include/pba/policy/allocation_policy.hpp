#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pba/model/model.hpp"
#include "pba/nn/workspace.hpp"
#include "pba/policy/actions.hpp"
#include "pba/policy/state.hpp"
#include "pba/policy/state_encoder.hpp"

namespace pba::policy {

// Preallocated buffers for one caller's policy calls (one thread at a time), sized at
// creation for up to max_batch states.
class PolicyWorkspace {
public:
    PolicyWorkspace() = default;
    std::size_t max_batch() const noexcept { return max_batch_; }
    // The Q-values computed by the last call on this workspace (states × actions, row-major).
    std::span<const float> q() const noexcept { return {q_.data(), rows_ * actions_}; }

private:
    friend class AllocationPolicy;
    nn::Workspace network_;
    std::vector<float> input_;  // max_batch × model inputs
    std::vector<float> q_;      // max_batch × actions
    std::size_t max_batch_ = 0;
    std::size_t actions_ = 0;
    std::size_t rows_ = 0;
};

struct Decision {
    std::size_t action = 0;
    int allocation_pct = 0;
    bool explored = false;  // drawn at random by ε-greedy
};

// The DDQN allocation policy: a Q-network (e.g. the `qnet` architecture: Dense 128 ReLU BN,
// Dense 64 ReLU BN, Dense 32 ReLU BN, Dense 10) mapping a normalised state to one Q-value per
// action. Immutable after construction: one instance serves any number of threads, each
// with its own PolicyWorkspace. After construction no call allocates.
class AllocationPolicy {
public:
    // Checks that `model` is a policy: no time axis (or a window of one sample), inputs the
    // encoder can fill from a State (StateEncoder), and one output per action. The allocation
    // of each action is metadata `policy.action_allocation_pct` (i64 array, one value in
    // 0..100 per output) when present, else (a + 1) × 10 % for exactly kActionCount outputs.
    // Throws Error(invalid_argument) for a null model, Error(unsupported) for a model whose
    // `model.mode` is neither `policy` nor `generic`, Error(shape_mismatch) or
    // Error(malformed_model) naming the defect otherwise.
    explicit AllocationPolicy(std::shared_ptr<const Model> model);

    const std::shared_ptr<const Model>& model() const noexcept { return model_; }
    const StateEncoder& encoder() const noexcept { return encoder_; }
    std::size_t action_count() const noexcept { return allocations_pct_.size(); }
    std::span<const int> allocations_pct() const noexcept { return allocations_pct_; }
    int allocation_pct(std::size_t action) const;  // Error(invalid_argument) when out of range

    PolicyWorkspace make_workspace(std::size_t max_batch = 1) const;

    // Q-values of one state: action_count() floats in `ws`, valid until ws's next use.
    // Throws Error(invalid_argument) for an invalid state, Error(non_finite) when a
    // normalised input or a Q-value is not finite, Error(shape_mismatch) for a workspace
    // made by another policy.
    std::span<const float> q_values(const State& state, PolicyWorkspace& ws) const;

    // Q-values of a batch: states.size() × action_count() floats, row-major, in `ws`;
    // 1 ≤ states.size() ≤ ws.max_batch(), else Error(shape_mismatch). Errors as above, the
    // message naming the state's index.
    std::span<const float> q_values(std::span<const State> states, PolicyWorkspace& ws) const;

    // The greedy action (greedy_action: ties to the lowest index); ws.q() holds its Q-values.
    Decision greedy(const State& state, PolicyWorkspace& ws) const;

    // ε-greedy from `seed` (epsilon_greedy_action: deterministic); ws.q() holds the Q-values.
    Decision epsilon_greedy(const State& state, double epsilon, std::uint64_t seed, PolicyWorkspace& ws) const;

private:
    std::shared_ptr<const Model> model_;
    StateEncoder encoder_;
    std::vector<int> allocations_pct_;
};

// Double-DQN targets (double_dqn.hpp) computed from the networks: for each transition i,
// y_i = r_i + γ · Q_target(s′_i, argmax_a Q_online(s′_i, a)), or r_i when terminal.
// `online_ws` and `target_ws` are two distinct workspaces, of `online` and `target`, each
// holding next_states.size() states. Errors as q_values and double_dqn_targets;
// Error(invalid_argument) when both workspaces are the same object.
void double_dqn_targets(const AllocationPolicy& online, const AllocationPolicy& target,
                        std::span<const State> next_states, std::span<const double> rewards,
                        std::span<const std::uint8_t> terminal, double gamma, std::span<double> targets,
                        PolicyWorkspace& online_ws, PolicyWorkspace& target_ws);

}  // namespace pba::policy
