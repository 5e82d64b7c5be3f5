#pragma once

#include <array>
#include <string_view>

namespace pba::policy {

// What the allocation policy sees of a link.
struct State {
    double latency_ms = 0.0;
    double bandwidth_mbps = 0.0;
    double packet_loss = 0.0;  // ratio, 0..1
    double reliability = 0.0;  // 0..1
};

// The state's fields in their canonical order, named as in a model's `input.features`.
inline constexpr std::array<std::string_view, 4> kStateFeatures = {"latency_ms", "bandwidth_mbps", "packet_loss",
                                                                   "reliability"};

// Throws Error(invalid_argument) naming the field: NaN, infinite or negative values,
// packet_loss or reliability above 1.
void validate(const State& state);

}  // namespace pba::policy
