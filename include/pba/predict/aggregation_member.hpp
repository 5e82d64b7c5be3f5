#pragma once

#include <cstddef>
#include <cstdint>

namespace pba::predict {

// The members, from fast to slow. An EWMA's alpha is per sample.
enum class AggregationMember : std::uint8_t {
    network = 0,  // the model's forecast, when it answered
    persistence,  // the newest sample
    ma10,         // the mean of the newest 10 samples
    ewma_0_5,
    ewma_0_2,
    ewma_0_05,
    ewma_0_02,
    ewma_0_005,
    ewma_0_001,
};
inline constexpr std::size_t kAggregationMemberCount = 9;
// Stable labels: "network", "persistence", "ma10", "ewma_0.5", ... "ewma_0.001".
const char* to_string(AggregationMember member) noexcept;

}  // namespace pba::predict
