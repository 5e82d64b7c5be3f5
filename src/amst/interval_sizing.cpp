#include "pba/amst/interval_sizing.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::amst {
namespace {

void require_non_negative(double value, std::string_view what) {
    if (!std::isfinite(value) || value < 0.0)
        throw Error(Errc::invalid_argument, fmt::format("amst: {} must be a finite number >= 0, got {}", what, value));
}

}  // namespace

void validate(const IntervalSizing& sizing) {
    if (!(sizing.pacing_floor_share >= 0.0 && sizing.pacing_floor_share <= 1.0))
        throw Error(Errc::invalid_argument,
                    fmt::format("amst: pacing_floor_share must be in [0, 1], got {}", sizing.pacing_floor_share));
}

Settings interval_settings(const Forecast& forecast, const BandwidthInterval& interval, const Params& params,
                           const IntervalSizing& sizing) {
    validate(params);
    validate(forecast);
    validate(sizing);
    require_non_negative(interval.low_mbps, "bandwidth_low_mbps");
    require_non_negative(interval.high_mbps, "bandwidth_high_mbps");
    if (interval.low_mbps > forecast.bandwidth_mbps)
        throw Error(Errc::invalid_argument,
                    fmt::format("amst: bandwidth_low_mbps ({}) must not exceed bandwidth_mbps ({})", interval.low_mbps,
                                forecast.bandwidth_mbps));
    if (interval.high_mbps < forecast.bandwidth_mbps)
        throw Error(Errc::invalid_argument,
                    fmt::format("amst: bandwidth_high_mbps ({}) must not be below bandwidth_mbps ({})",
                                interval.high_mbps, forecast.bandwidth_mbps));
    Forecast high = forecast;
    high.bandwidth_mbps = interval.high_mbps;
    Settings s;
    s.streams = stream_count(forecast, params);
    s.buffer_bytes = buffer_bytes(high, params);
    s.chunk_bytes = chunk_bytes(s.buffer_bytes, s.streams, forecast.packet_loss, params);
    s.pacing_bytes_per_s = pacing_bytes_per_s(
        std::max(interval.low_mbps, sizing.pacing_floor_share * forecast.bandwidth_mbps), params);
    s.window_bytes = window_bytes(s.buffer_bytes, s.streams);
    return s;
}

}  // namespace pba::amst
