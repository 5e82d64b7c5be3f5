#pragma once

#include "pba/amst/parameters.hpp"

namespace pba::amst {

// The transport's settings sized from the forecast's bandwidth prediction interval rather
// than its point value, for a transport that prefers robustness to the last few percent of
// throughput. Each setting takes the side of the interval that guards against its costlier
// failure; the arithmetic per setting is the transport's own (parameters.hpp), unchanged:
//
// - pacing from the low bound: pacing above what the link delivers fills its queue and
//   loses packets on every stream, pacing below it only leaves capacity unused. The low bound
//   is floored at IntervalSizing::pacing_floor_share of the point forecast, because a
//   conformal interval on a volatile link reaches 0, and pacing at 0 would stop the very
//   traffic the link's next measurements come from.
// - buffer from the high bound: a buffer below the bandwidth-delay product caps each stream
//   below the link's rate when the link turns out faster; a larger one costs only memory,
//   since pacing, not the buffer, sets the rate.
// - streams from the point forecast: too many cost connections and fairness, too few
//   throughput, about equally, and every change reopens connections, so they follow the
//   central estimate, not a bound the interval's width moves.
// - chunk and window from that buffer and those streams, as the transport derives them.
//
// Without an interval (low = high = bandwidth_mbps, as a forecast carries until its
// interval is sized) these are exactly settings(forecast).

// The forecast's bandwidth prediction interval (predict::Forecast::bandwidth_low_mbps,
// bandwidth_high_mbps): low <= the forecast's bandwidth_mbps <= high.
struct BandwidthInterval {
    double low_mbps = 0.0;
    double high_mbps = 0.0;
};

struct IntervalSizing {
    // Pacing never sizes from less than this share of the point forecast, in [0, 1].
    double pacing_floor_share = 0.5;
};

// Throws Error(invalid_argument) naming the field: pacing_floor_share outside [0, 1].
void validate(const IntervalSizing& sizing);

// The settings above. Validates params, forecast and sizing as settings() does, and throws
// Error(invalid_argument) naming the bound for a low or high that is NaN, infinite or
// negative, or an interval that does not hold forecast.bandwidth_mbps; and, like settings(),
// for values beyond the transport's 64-bit integers.
Settings interval_settings(const Forecast& forecast, const BandwidthInterval& interval, const Params& params = {},
                           const IntervalSizing& sizing = {});

}  // namespace pba::amst
