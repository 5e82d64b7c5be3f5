#include "pba/policy/reward.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::policy {

double optimal_allocation_pct(const State& s) {
    validate(s);
    double opt = 50.0;
    if (s.latency_ms < 1.0) {
        opt += 10.0;
    } else if (s.latency_ms > 50.0) {
        opt -= 10.0;
    }
    if (s.packet_loss > 0.02) {
        opt -= 15.0;
    } else if (s.packet_loss < 0.005) {
        opt += 5.0;
    }
    if (s.reliability > 0.98) {
        opt += 10.0;
    } else if (s.reliability < 0.95) {
        opt -= 10.0;
    }
    return std::clamp(opt, 10.0, 90.0);
}

double reward(const State& s, double allocation_pct) {
    if (!(allocation_pct >= 0.0 && allocation_pct <= 100.0))
        throw Error(Errc::invalid_argument,
                    fmt::format("policy: allocation_pct must be in [0, 100], got {}", allocation_pct));
    const double opt = optimal_allocation_pct(s);
    double r = 1.0 - std::abs(allocation_pct - opt) / 100.0;
    if (allocation_pct < 20.0 || allocation_pct > 90.0) r -= 0.2;
    if (s.reliability > 0.95 && allocation_pct >= 40.0 && allocation_pct <= 70.0) r += 0.1;
    return r;
}

}  // namespace pba::policy
