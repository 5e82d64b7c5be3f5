#pragma once

#include <cstddef>
#include <cstdint>

namespace pba::predict {

// How a forecast's confidence is computed. Every forecast carries each rule's value
// (Forecast::confidence_by_rule); PredictorConfig::confidence_rule picks the one served as
// Forecast::confidence, the number the transport's gates compare with 0.6 / 0.8.
enum class ConfidenceRule : std::uint8_t {
    // The transport's rule, bit-exact (accuracy.hpp): clamp(1 - mean relative error / 0.2).
    transport = 0,
    // The probability, estimated from the link's own matured forecasts, that the actual lies
    // within the tolerance of the forecast (see calibrated_confidence.hpp).
    calibrated = 1,
};
inline constexpr std::size_t kConfidenceRuleCount = 2;
const char* to_string(ConfidenceRule rule) noexcept;

}  // namespace pba::predict
