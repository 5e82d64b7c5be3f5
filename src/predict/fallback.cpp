#include "pba/predict/fallback.hpp"

#include <algorithm>
#include <cmath>

namespace pba::predict {

FallbackValues fallback_forecast(const Window& window) noexcept {
    FallbackValues out;
    const std::size_t begin = window.first_of_newest(kFallbackSamples);
    for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
        const auto field = static_cast<SampleField>(f);
        double sum = 0.0, first = 0.0, last = 0.0;
        std::size_t n = 0;
        for (std::size_t i = begin; i < window.size(); ++i) {
            const double v = field_value(window[i], field);
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
        double value = std::max(sum / static_cast<double>(n) + (last - first) / kFallbackTrendDivisor, 0.0);
        if (field == SampleField::packet_loss) value = std::min(value, 1.0);
        out.values[f] = value;
    }
    return out;
}

}  // namespace pba::predict
