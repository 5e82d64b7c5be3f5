#pragma once

#include <cstdint>
#include <span>

namespace pba::policy {

// Double-DQN targets for a batch of n transitions (s, a, r, s′):
//   y_i = r_i + γ · Q_target(s′_i, argmax_a Q_online(s′_i, a)),   or y_i = r_i when terminal,
// the online network choosing the next action (ties: lowest index, as greedy_action) and the
// target network valuing it. `q_online_next` and `q_target_next` are n × actions, row-major
// (row i: the next state of transition i); `terminal[i]` non-zero marks a terminal
// transition. Arithmetic in double: y = r + γ · double(q).
// Throws Error(shape_mismatch) when the sizes disagree (q sizes not n × actions with
// actions ≥ 1, targets not n), Error(invalid_argument) for γ outside [0, 1], a non-finite
// reward or Q-value. Writes nothing unless every input is valid. Allocates nothing.
void double_dqn_targets(std::span<const double> rewards, std::span<const std::uint8_t> terminal,
                        std::span<const float> q_online_next, std::span<const float> q_target_next, double gamma,
                        std::span<double> targets);

}  // namespace pba::policy
