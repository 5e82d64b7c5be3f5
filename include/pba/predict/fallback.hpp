#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "pba/predict/sample.hpp"
#include "pba/predict/window.hpp"

namespace pba::predict {

// The transport's fallback forecaster, used until a model's window is full, without a
// model, and for the outputs a model does not produce.
inline constexpr std::size_t kFallbackSamples = 10;
static_assert(kFallbackSamples <= kExactWindowDepth, "the fallback reads only values the window keeps exact");
// The trend term divides by 10 whatever the number of samples: the transport always had 10
// here, and a fixed divisor keeps the trend's weight from growing as the window shrinks.
inline constexpr double kFallbackTrendDivisor = 10.0;
inline constexpr double kFallbackMaxConfidence = 0.5;

struct FallbackValues {
    // Indexed by SampleField (bandwidth_mbps, latency_ms, packet_loss, jitter_ms).
    std::array<double, kForecastFieldCount> values{};
    std::uint32_t unknown_fields = 0;  // field_bit mask: no finite value in the newest samples
};

// For each forecast field, over the finite values among the newest <= 10 samples of `window`:
// mean + (last - first) / 10, clamped at >= 0 (packet_loss also <= 1). A field with no
// finite value there is 0 with its bit in unknown_fields.
// The transport's case: bw = 100 + 10i, lat = 20 + i, loss 0.01, jitter 2 (i = 0..9)
// gives 154 / 25.4 / 0.01 / 2.
FallbackValues fallback_forecast(const Window& window) noexcept;

}  // namespace pba::predict
