#include "pba/policy/state.hpp"

#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::policy {
namespace {

void require(bool ok, std::string_view field, std::string_view requirement, double value) {
    if (!ok)
        throw Error(Errc::invalid_argument, fmt::format("policy: {} must be {}, got {}", field, requirement, value));
}

}  // namespace

void validate(const State& s) {
    require(std::isfinite(s.latency_ms) && s.latency_ms >= 0.0, "latency_ms", "a finite number >= 0", s.latency_ms);
    require(std::isfinite(s.bandwidth_mbps) && s.bandwidth_mbps >= 0.0, "bandwidth_mbps", "a finite number >= 0",
            s.bandwidth_mbps);
    require(s.packet_loss >= 0.0 && s.packet_loss <= 1.0, "packet_loss", "in [0, 1]", s.packet_loss);
    require(s.reliability >= 0.0 && s.reliability <= 1.0, "reliability", "in [0, 1]", s.reliability);
}

}  // namespace pba::policy
