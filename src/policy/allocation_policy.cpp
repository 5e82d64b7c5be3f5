#include "pba/policy/allocation_policy.hpp"

#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/policy/double_dqn.hpp"

namespace pba::policy {
namespace {

std::vector<int> allocation_table(const format::Metadata& metadata, std::size_t outputs) {
    const std::vector<std::int64_t> listed = metadata.integers("policy.action_allocation_pct");
    std::vector<int> table;
    if (listed.empty()) {
        if (outputs != kActionCount)
            throw Error(Errc::shape_mismatch,
                        fmt::format("policy model has {} outputs; without policy.action_allocation_pct it needs {} "
                                    "(action a allocates (a + 1) x 10 %)",
                                    outputs, kActionCount));
        for (std::size_t a = 0; a < kActionCount; ++a) table.push_back(allocation_pct(a));
        return table;
    }
    if (listed.size() != outputs)
        throw Error(
            Errc::shape_mismatch,
            fmt::format("policy.action_allocation_pct has {} entries, the model {} outputs", listed.size(), outputs));
    for (std::size_t a = 0; a < listed.size(); ++a) {
        if (listed[a] < 0 || listed[a] > 100)
            throw Error(
                Errc::malformed_model,
                fmt::format("policy.action_allocation_pct[{}] = {} is not a percentage in 0..100", a, listed[a]));
        table.push_back(static_cast<int>(listed[a]));
    }
    return table;
}

const Model& checked(const std::shared_ptr<const Model>& model) {
    if (!model) throw Error(Errc::invalid_argument, "policy: no model");
    const std::string mode = model->metadata().string_or("model.mode", "policy");
    if (mode != "policy" && mode != "generic")
        throw Error(Errc::unsupported,
                    fmt::format("model '{}' is a {} model, not an allocation policy", model->name(), mode));
    if (model->window_length() > 1)
        throw Error(Errc::shape_mismatch,
                    fmt::format("policy model takes windows of {} samples; a policy state is one sample",
                                model->window_length()));
    return *model;
}

StateEncoder encoder_for(const std::shared_ptr<const Model>& model) {
    const Model& m = checked(model);
    return StateEncoder(m.metadata(), m.feature_count());
}

}  // namespace

AllocationPolicy::AllocationPolicy(std::shared_ptr<const Model> model)
    : model_(std::move(model)),
      encoder_(encoder_for(model_)),
      allocations_pct_(allocation_table(model_->metadata(), model_->output_size())) {}

int AllocationPolicy::allocation_pct(std::size_t action) const {
    if (action >= allocations_pct_.size())
        throw Error(Errc::invalid_argument, fmt::format("policy: action {} is out of range, the model has {} actions",
                                                        action, allocations_pct_.size()));
    return allocations_pct_[action];
}

PolicyWorkspace AllocationPolicy::make_workspace(std::size_t max_batch) const {
    if (max_batch == 0) throw Error(Errc::invalid_argument, "policy: a workspace needs max_batch >= 1");
    PolicyWorkspace ws;
    ws.network_ = model_->make_workspace(max_batch);
    ws.input_.assign(max_batch * encoder_.size(), 0.0f);
    ws.q_.assign(max_batch * action_count(), 0.0f);
    ws.max_batch_ = max_batch;
    ws.actions_ = action_count();
    return ws;
}

std::span<const float> AllocationPolicy::q_values(std::span<const State> states, PolicyWorkspace& ws) const {
    const std::size_t n = states.size();
    const std::size_t inputs = encoder_.size();
    if (ws.actions_ != action_count() || ws.input_.size() != ws.max_batch_ * inputs)
        throw Error(Errc::shape_mismatch, "policy: the workspace was made by another policy");
    if (n == 0 || n > ws.max_batch_)
        throw Error(Errc::shape_mismatch,
                    fmt::format("policy: {} states for a workspace of at most {}", n, ws.max_batch_));
    for (std::size_t i = 0; i < n; ++i) {
        try {
            validate(states[i]);
            encoder_.encode(states[i], std::span<float>(ws.input_).subspan(i * inputs, inputs));
        } catch (const Error& e) {
            if (n == 1) throw;
            throw Error(e.code(), fmt::format("state {}: {}", i, e.what()));
        }
    }
    const std::span<float> q(ws.q_.data(), n * action_count());
    ws.rows_ = 0;
    model_->forward(std::span<const float>(ws.input_.data(), n * inputs), q, ws.network_);
    ws.rows_ = n;
    return q;
}

std::span<const float> AllocationPolicy::q_values(const State& state, PolicyWorkspace& ws) const {
    return q_values(std::span<const State>(&state, 1), ws);
}

Decision AllocationPolicy::greedy(const State& state, PolicyWorkspace& ws) const {
    const std::size_t action = greedy_action(q_values(state, ws));
    return {action, allocations_pct_[action], false};
}

Decision AllocationPolicy::epsilon_greedy(const State& state, double epsilon, std::uint64_t seed,
                                          PolicyWorkspace& ws) const {
    const EpsilonGreedyChoice choice = epsilon_greedy_action(q_values(state, ws), epsilon, seed);
    return {choice.action, allocations_pct_[choice.action], choice.explored};
}

void double_dqn_targets(const AllocationPolicy& online, const AllocationPolicy& target,
                        std::span<const State> next_states, std::span<const double> rewards,
                        std::span<const std::uint8_t> terminal, double gamma, std::span<double> targets,
                        PolicyWorkspace& online_ws, PolicyWorkspace& target_ws) {
    if (&online_ws == &target_ws)
        throw Error(Errc::invalid_argument, "double DQN: the online and target networks need separate workspaces");
    if (online.action_count() != target.action_count())
        throw Error(Errc::shape_mismatch, fmt::format("double DQN: online network has {} actions, target network {}",
                                                      online.action_count(), target.action_count()));
    if (next_states.size() != rewards.size())
        throw Error(Errc::shape_mismatch, fmt::format("double DQN: {} next states for {} rewards", next_states.size(),
                                                      rewards.size()));
    if (next_states.empty()) return double_dqn_targets(rewards, terminal, {}, {}, gamma, targets);
    const std::span<const float> q_online = online.q_values(next_states, online_ws);
    const std::span<const float> q_target = target.q_values(next_states, target_ws);
    double_dqn_targets(rewards, terminal, q_online, q_target, gamma, targets);
}

}  // namespace pba::policy
