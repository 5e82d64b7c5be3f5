#include "pba/predict/fallback.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pba::predict {

FallbackValues fallback_forecast(const Window& window) noexcept {
    FallbackValues out;
    for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
        const auto field = static_cast<SampleField>(f);
        // Values older than the column's depth are missing, and skipped like any other.
        const std::size_t column = column_of(field);
        const std::size_t held = std::min({window.size(), kFallbackSamples,
                                           static_cast<std::size_t>(window.layout().depth[column])});
        const WindowColumn values = window.newest(column, held);
        double sum = 0.0, first = 0.0, last = 0.0;
        std::size_t n = 0;
        for (std::size_t i = 0; i < held; ++i) {
            const double v = values[i];
            if (std::isnan(v)) continue;
            if (n == 0) first = v;
            last = v;
            sum += v;
            ++n;
        }
        if (n == 0) {
            out.values[f] = 0.0;
            out.unknown_fields |= field_bit(field);
            continue;
        }
        double mean = sum / static_cast<double>(n);
        if (!std::isfinite(mean)) {
            // The sum of values near DBL_MAX (finite, so in the domain) overflowed: a running
            // mean never exceeds the largest value.
            mean = 0.0;
            std::size_t k = 0;
            for (std::size_t i = 0; i < held; ++i) {
                const double v = values[i];
                if (!std::isnan(v)) mean += (v - mean) / static_cast<double>(++k);
            }
        }
        double value = std::clamp(mean + (last - first) / kFallbackTrendDivisor, 0.0, std::numeric_limits<double>::max());
        if (field == SampleField::packet_loss) value = std::min(value, 1.0);
        out.values[f] = value;
    }
    return out;
}

}  // namespace pba::predict
