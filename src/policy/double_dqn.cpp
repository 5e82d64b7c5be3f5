#include "pba/policy/double_dqn.hpp"

#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/policy/actions.hpp"

namespace pba::policy {

void double_dqn_targets(std::span<const double> rewards, std::span<const std::uint8_t> terminal,
                        std::span<const float> q_online_next, std::span<const float> q_target_next, double gamma,
                        std::span<double> targets) {
    const std::size_t n = rewards.size();
    if (terminal.size() != n || targets.size() != n)
        throw Error(Errc::shape_mismatch,
                    fmt::format("double DQN: {} rewards, {} terminal flags and {} targets must agree", n,
                                terminal.size(), targets.size()));
    if (n == 0) return;
    const std::size_t actions = q_online_next.size() / n;
    if (actions == 0 || q_online_next.size() != n * actions || q_target_next.size() != q_online_next.size())
        throw Error(Errc::shape_mismatch,
                    fmt::format("double DQN: Q-values must be {} transitions x actions (>= 1) for both networks, "
                                "got {} online and {} target",
                                n, q_online_next.size(), q_target_next.size()));
    if (!(gamma >= 0.0 && gamma <= 1.0))
        throw Error(Errc::invalid_argument, fmt::format("double DQN: gamma must be in [0, 1], got {}", gamma));
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(rewards[i]))
            throw Error(Errc::invalid_argument, fmt::format("double DQN: reward {} is {}", i, rewards[i]));
        for (std::size_t a = 0; a < actions; ++a) {
            const float qo = q_online_next[i * actions + a];
            const float qt = q_target_next[i * actions + a];
            if (!std::isfinite(qo) || !std::isfinite(qt))
                throw Error(Errc::invalid_argument,
                            fmt::format("double DQN: Q-value of transition {}, action {} is not finite (online {}, "
                                        "target {})",
                                        i, a, qo, qt));
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (terminal[i]) {
            targets[i] = rewards[i];
            continue;
        }
        const std::size_t next = greedy_action(q_online_next.subspan(i * actions, actions));
        targets[i] = rewards[i] + gamma * static_cast<double>(q_target_next[i * actions + next]);
    }
}

}  // namespace pba::policy
