// The DDQN allocation policy: Q-values, decisions, reward and Double-DQN targets.

#include <memory>
#include <mutex>
#include <vector>

#include "handles.hpp"
#include "pba/policy/allocation_policy.hpp"
#include "pba/policy/double_dqn.hpp"
#include "pba/policy/reward.hpp"

namespace policy = pba::policy;

// A policy is immutable and shared by threads; each call borrows a workspace from the pool
// (made once per concurrently calling thread, then reused), so decisions allocate nothing.
struct pba_policy {
    explicit pba_policy(std::shared_ptr<const pba::Model> model) : policy(std::move(model)) {}

    mutable pba::capi::Lifetime lifetime;
    const policy::AllocationPolicy policy;
    mutable std::mutex mutex;
    mutable std::vector<std::unique_ptr<policy::PolicyWorkspace>> pool;
};

namespace pba::capi {
namespace {

// Borrows a workspace holding at least `batch` states for the duration of one call.
class Borrowed {
public:
    Borrowed(const pba_policy& p, std::size_t batch) : p_(p) {
        {
            std::lock_guard lock(p_.mutex);
            if (!p_.pool.empty()) {
                ws_ = std::move(p_.pool.back());
                p_.pool.pop_back();
            }
        }
        if (!ws_ || ws_->max_batch() < batch)
            ws_ = std::make_unique<policy::PolicyWorkspace>(p_.policy.make_workspace(batch));
    }
    ~Borrowed() {
        std::lock_guard lock(p_.mutex);
        try {
            p_.pool.push_back(std::move(ws_));
        } catch (...) {
            // Out of memory to keep it: let it go; the next call makes another.
        }
    }
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
    policy::PolicyWorkspace& operator*() const noexcept { return *ws_; }

private:
    const pba_policy& p_;
    std::unique_ptr<policy::PolicyWorkspace> ws_;
};

policy::State to_state(const pba_policy_state& s) noexcept {
    return {s.latency_ms, s.bandwidth_mbps, s.packet_loss, s.reliability};
}

// Each state of an array must carry the one struct_size this library knows.
pba_status check_states(const char* fn, const pba_policy_state* states, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i)
        if (states[i].struct_size != sizeof(pba_policy_state))
            return fail(PBA_ERR_STRUCT_SIZE, "{}: states[{}].struct_size is {}, this library ({}) knows only {}", fn, i,
                        states[i].struct_size, PBA_VERSION_STRING, sizeof(pba_policy_state));
    return PBA_OK;
}

std::vector<policy::State> to_states(const pba_policy_state* states, std::size_t n) {
    std::vector<policy::State> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = to_state(states[i]);
    return out;
}

}  // namespace
}  // namespace pba::capi

using namespace pba::capi;

extern "C" {

pba_status pba_policy_create(const pba_model* model, pba_policy** out_policy) {
    constexpr const char* fn = "pba_policy_create";
    PBA_CHECK_NOT_NULL(fn, out_policy);
    *out_policy = nullptr;
    PBA_CHECK_NOT_NULL(fn, model);
    return guarded(fn, [&] {
        std::shared_ptr<const pba::Model> m;
        {
            Use use(model);
            m = model->model;
        }
        *out_policy = new pba_policy(std::move(m));
        return ok();
    });
}

void pba_policy_free(pba_policy* policy) { release(policy); }

size_t pba_policy_action_count(const pba_policy* policy) {
    if (policy == nullptr) return 0;
    Use use(policy);
    return policy->policy.action_count();
}

pba_status pba_policy_q_values(const pba_policy* policy, const pba_policy_state* states, size_t count, float* q,
                               size_t q_count) {
    constexpr const char* fn = "pba_policy_q_values";
    PBA_CHECK_NOT_NULL(fn, policy);
    PBA_CHECK_NOT_NULL(fn, states);
    PBA_CHECK_NOT_NULL(fn, q);
    if (auto s = check_states(fn, states, count)) return s;
    Use use(policy);
    const std::size_t actions = policy->policy.action_count();
    if (count == 0) return fail(PBA_ERR_INVALID_ARGUMENT, "{}: count is 0, at least one state is needed", fn);
    if (count > SIZE_MAX / actions || q_count != count * actions)
        return fail(PBA_ERR_SHAPE_MISMATCH, "{}: q_count is {}, {} states x {} actions need {}", fn, q_count, count,
                    actions, count * actions);
    return guarded(fn, [&] {
        Borrowed ws(*policy, count);
        std::span<const float> values;
        if (count == 1) {
            values = policy->policy.q_values(to_state(states[0]), *ws);
        } else {
            const auto s = to_states(states, count);
            values = policy->policy.q_values(s, *ws);
        }
        std::copy(values.begin(), values.end(), q);
        return ok();
    });
}

pba_status pba_policy_decide(const pba_policy* policy, const pba_policy_state* state, double epsilon, uint64_t seed,
                             pba_policy_decision* decision) {
    constexpr const char* fn = "pba_policy_decide";
    PBA_CHECK_NOT_NULL(fn, policy);
    PBA_CHECK_NOT_NULL(fn, state);
    PBA_CHECK_NOT_NULL(fn, decision);
    if (auto s = check_struct(fn, "decision", decision)) return s;
    if (auto s = check_struct(fn, "state", state)) return s;
    Use use(policy);
    return guarded(fn, [&] {
        Borrowed ws(*policy, 1);
        const policy::Decision d = epsilon == 0.0 ? policy->policy.greedy(to_state(*state), *ws)
                                                  : policy->policy.epsilon_greedy(to_state(*state), epsilon, seed, *ws);
        decision->action = static_cast<uint32_t>(d.action);
        decision->allocation_pct = d.allocation_pct;
        decision->explored = d.explored ? 1 : 0;
        return ok();
    });
}

pba_status pba_policy_reward(const pba_policy_state* state, double allocation_pct, double* optimal_pct,
                             double* reward) {
    constexpr const char* fn = "pba_policy_reward";
    PBA_CHECK_NOT_NULL(fn, state);
    if (auto s = check_struct(fn, "state", state)) return s;
    return guarded(fn, [&] {
        const policy::State s = to_state(*state);
        const double optimal = policy::optimal_allocation_pct(s);
        const double r = policy::reward(s, allocation_pct);
        if (optimal_pct != nullptr) *optimal_pct = optimal;
        if (reward != nullptr) *reward = r;
        return ok();
    });
}

pba_status pba_double_dqn_targets(size_t n, size_t actions, const double* rewards, const uint8_t* terminal,
                                  const float* q_online_next, const float* q_target_next, double gamma,
                                  double* targets) {
    constexpr const char* fn = "pba_double_dqn_targets";
    if (n == 0) return ok();
    PBA_CHECK_NOT_NULL(fn, rewards);
    PBA_CHECK_NOT_NULL(fn, terminal);
    PBA_CHECK_NOT_NULL(fn, q_online_next);
    PBA_CHECK_NOT_NULL(fn, q_target_next);
    PBA_CHECK_NOT_NULL(fn, targets);
    if (actions == 0 || n > SIZE_MAX / actions)
        return fail(PBA_ERR_SHAPE_MISMATCH, "{}: {} transitions x {} actions is not a valid Q array", fn, n, actions);
    return guarded(fn, [&] {
        policy::double_dqn_targets(std::span(rewards, n), std::span(terminal, n), std::span(q_online_next, n * actions),
                                   std::span(q_target_next, n * actions), gamma, std::span(targets, n));
        return ok();
    });
}

pba_status pba_policy_double_dqn_targets(const pba_policy* online, const pba_policy* target,
                                         const pba_policy_state* next_states, const double* rewards,
                                         const uint8_t* terminal, size_t n, double gamma, double* targets) {
    constexpr const char* fn = "pba_policy_double_dqn_targets";
    PBA_CHECK_NOT_NULL(fn, online);
    PBA_CHECK_NOT_NULL(fn, target);
    if (n == 0) return ok();
    PBA_CHECK_NOT_NULL(fn, next_states);
    PBA_CHECK_NOT_NULL(fn, rewards);
    PBA_CHECK_NOT_NULL(fn, terminal);
    PBA_CHECK_NOT_NULL(fn, targets);
    if (auto s = check_states(fn, next_states, n)) return s;
    Use use_online(online);
    Use use_target(target);
    return guarded(fn, [&] {
        const auto states = to_states(next_states, n);
        Borrowed online_ws(*online, n);
        Borrowed target_ws(*target, n);
        policy::double_dqn_targets(online->policy, target->policy, states, std::span(rewards, n),
                                   std::span(terminal, n), gamma, std::span(targets, n), *online_ws, *target_ws);
        return ok();
    });
}

}  // extern "C"
