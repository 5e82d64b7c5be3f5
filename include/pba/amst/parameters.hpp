#pragma once

#include <cstdint>

namespace pba::amst {

// The adaptive multi-stream transport's settings, computed from a forecast of the link
// exactly as the transport's Go code computes them: float64 arithmetic in the same order,
// Go's truncating int(x) conversions and integer division. The arithmetic is compiled in
// the library (src/amst/parameters.cpp), not inlined, so a caller's floating-point flags
// (-ffast-math, contraction) cannot change a result.

// Every threshold and bound the transport uses; the defaults are the transport's values.
// Comparisons are strict where the transport's are (`>`/`<`) and inclusive where its
// gates are (`>=`); see each field.
struct Params {
    // Streams: base = trunc(bandwidth / bandwidth_per_stream_mbps).
    double bandwidth_per_stream_mbps = 10.0;
    // Latency factor: latency > high_latency_ms → high_latency_factor, else latency <
    // low_latency_ms → low_latency_factor, else 1. streams = trunc(base * factor).
    double high_latency_ms = 100.0;
    double high_latency_factor = 0.7;
    double low_latency_ms = 20.0;
    double low_latency_factor = 1.3;
    // packet_loss > stream_cut_loss → streams = streams * numerator / denominator (integer).
    // The transport uses 1 %; the original design document's 2 % was never deployed.
    double stream_cut_loss = 0.01;
    std::int64_t stream_cut_numerator = 3;
    std::int64_t stream_cut_denominator = 4;
    std::int64_t min_streams = 2;
    std::int64_t max_streams = 256;
    // Buffer: bandwidth-delay product plus a jitter allowance, clamped.
    std::int64_t min_buffer_bytes = 16384;
    std::int64_t max_buffer_bytes = 1048576;
    // Chunk: buffer / streams; packet_loss > chunk_cut_loss → chunk / chunk_cut_divisor.
    double chunk_cut_loss = 0.02;
    std::int64_t chunk_cut_divisor = 2;
    std::int64_t min_chunk_bytes = 8192;
    std::int64_t max_chunk_bytes = 131072;
    // Pacing: this fraction of the forecast bandwidth, to stay below congestion.
    double pacing_fraction = 0.95;

    // Confidence gates (amst/decisions.hpp), all inclusive (confidence >= threshold).
    double compute_confidence = 0.6;     // below: keep the current settings, compute nothing
    double apply_confidence = 0.8;       // computed settings are applied
    double adjust_confidence = 0.7;      // stream count may change…
    double adjust_min_change = 0.2;      // …when the relative change exceeds this (strictly)
    double preempt_confidence = 0.85;    // pre-emptive optimisation…
    double preempt_min_change = 0.15;    // …when the relative change exceeds this (strictly)
};

// Throws Error(invalid_argument) naming the first field out of its domain: a non-finite
// number, a negative threshold or factor, bandwidth_per_stream_mbps ≤ 0, a minimum above
// its maximum, min_streams < 1 (streams divide the buffer), a divisor < 1, a confidence
// threshold outside [0, 1].
void validate(const Params& params);

// The forecast link conditions the settings are computed for.
struct Forecast {
    double bandwidth_mbps = 0.0;
    double latency_ms = 0.0;
    double packet_loss = 0.0;  // ratio, 0..1
    double jitter_ms = 0.0;
};

// Throws Error(invalid_argument) naming the field: NaN, infinite or negative values, or
// packet_loss outside [0, 1].
void validate(const Forecast& forecast);

struct Settings {
    std::int64_t streams = 0;
    std::int64_t buffer_bytes = 0;
    std::int64_t chunk_bytes = 0;
    std::int64_t pacing_bytes_per_s = 0;
    std::int64_t window_bytes = 0;

    friend bool operator==(const Settings&, const Settings&) = default;
};

// Every function below validates its arguments and `params` first. Where the transport's
// 64-bit integer arithmetic would overflow (a float too large for int64, a product or sum
// past 2^63 − 1: forecasts of ~10^13 Mbps or more), the transport's result would be
// meaningless, so these throw Error(invalid_argument) naming the inputs instead.

// trunc(trunc(bw / 10) * latency factor), × 3/4 when loss > 1 %, clamped to [2, 256].
std::int64_t stream_count(const Forecast& forecast, const Params& params = {});

// trunc(Bps * (latency_ms / 1000)) + trunc(jitter_ms * Bps / 1000), Bps = bw * 1000000 / 8,
// clamped to [16384, 1048576].
std::int64_t buffer_bytes(const Forecast& forecast, const Params& params = {});

// buffer_bytes / streams, halved when loss > 2 %, clamped to [8192, 131072]. Takes the
// clamped buffer and stream count; streams ≥ 1 and buffer_bytes ≥ 0, else invalid_argument.
std::int64_t chunk_bytes(std::int64_t buffer_bytes, std::int64_t streams, double packet_loss,
                         const Params& params = {});

// trunc(bw * 1000000 * 0.95 / 8), evaluated left to right.
std::int64_t pacing_bytes_per_s(double bandwidth_mbps, const Params& params = {});

// buffer_bytes * streams (not clamped). Both ≥ 0, else invalid_argument.
std::int64_t window_bytes(std::int64_t buffer_bytes, std::int64_t streams);

// All five, as the transport computes them for one forecast.
Settings settings(const Forecast& forecast, const Params& params = {});

}  // namespace pba::amst
