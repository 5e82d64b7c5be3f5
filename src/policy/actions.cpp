#include "pba/policy/actions.hpp"

#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::policy {

int allocation_pct(std::size_t action) {
    if (action >= kActionCount)
        throw Error(Errc::invalid_argument,
                    fmt::format("policy: action {} is out of range, there are {} actions", action, kActionCount));
    return static_cast<int>(action + 1) * 10;
}

std::size_t greedy_action(std::span<const float> q) {
    if (q.empty()) throw Error(Errc::invalid_argument, "policy: no Q-values to choose from");
    std::size_t best = 0;
    for (std::size_t a = 0; a < q.size(); ++a) {
        if (!std::isfinite(q[a]))
            throw Error(Errc::invalid_argument, fmt::format("policy: Q-value of action {} is {}", a, q[a]));
        if (q[a] > q[best]) best = a;  // strict: an equal later value keeps the lower index
    }
    return best;
}

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

EpsilonGreedyChoice epsilon_greedy_action(std::span<const float> q, double epsilon, std::uint64_t seed) {
    if (!(epsilon >= 0.0 && epsilon <= 1.0))
        throw Error(Errc::invalid_argument, fmt::format("policy: epsilon must be in [0, 1], got {}", epsilon));
    const std::size_t greedy = greedy_action(q);  // validates q whichever branch is taken
    std::uint64_t state = seed;
    const double u = static_cast<double>(splitmix64(state) >> 11) * 0x1p-53;
    if (u < epsilon) return {static_cast<std::size_t>(splitmix64(state) % q.size()), true};
    return {greedy, false};
}

}  // namespace pba::policy
