#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pba::policy {

// The policy's actions: action a allocates (a + 1) × 10 % of the link.
inline constexpr std::size_t kActionCount = 10;

// (action + 1) * 10 for action < kActionCount; Error(invalid_argument) otherwise.
int allocation_pct(std::size_t action);

// argmax of `q`. Ties go to the lowest index (as numpy's and PyTorch's argmax, which the
// policy was trained with), so the smaller allocation wins an exact tie. Throws
// Error(invalid_argument) for an empty span or a NaN/infinite value. Allocates nothing.
std::size_t greedy_action(std::span<const float> q);

// SplitMix64 (Steele, Lea & Flood 2014; Vigna's constants): the ε-greedy generator. Each
// call advances `state` by 0x9E3779B97F4A7C15 and returns the mixed value.
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

struct EpsilonGreedyChoice {
    std::size_t action = 0;
    bool explored = false;  // true when the action was drawn at random instead of greedily
};

// ε-greedy, deterministic in `seed`: with state = seed, u = (splitmix64(state) >> 11) · 2⁻⁵³
// is uniform in [0, 1); u < epsilon explores, choosing splitmix64(state) mod q.size() (every
// action, the greedy one included, with probability 1/n up to a bias below n/2⁶⁴), else
// greedy_action(q). So epsilon 0 never explores and 1 always does. The same seed gives the
// same choice; successive decisions should use successive (or otherwise distinct) seeds.
// Throws Error(invalid_argument) for epsilon outside [0, 1] or NaN, and as greedy_action.
EpsilonGreedyChoice epsilon_greedy_action(std::span<const float> q, double epsilon, std::uint64_t seed);

}  // namespace pba::policy
