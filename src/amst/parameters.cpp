#include "pba/amst/parameters.hpp"

#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "pba/error.hpp"

namespace pba::amst {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

[[noreturn]] void invalid(std::string_view what, std::string_view requirement, double value) {
    throw Error(Errc::invalid_argument, fmt::format("amst: {} must be {}, got {}", what, requirement, value));
}

void require_non_negative(double value, std::string_view what) {
    if (!std::isfinite(value) || value < 0.0) invalid(what, "a finite number >= 0", value);
}

void require_positive(double value, std::string_view what) {
    if (!std::isfinite(value) || value <= 0.0) invalid(what, "a finite number > 0", value);
}

void require_unit(double value, std::string_view what) {
    if (!(value >= 0.0 && value <= 1.0)) invalid(what, "in [0, 1]", value);
}

void require_at_least(std::int64_t value, std::int64_t minimum, std::string_view what) {
    if (value < minimum)
        throw Error(Errc::invalid_argument, fmt::format("amst: {} must be >= {}, got {}", what, minimum, value));
}

void require_ordered(std::int64_t low, std::int64_t high, std::string_view low_name, std::string_view high_name) {
    if (low > high)
        throw Error(Errc::invalid_argument,
                    fmt::format("amst: {} ({}) must not exceed {} ({})", low_name, low, high_name, high));
}

// Go's int(x): truncation toward zero. Defined in C++ only when the result fits; outside
// that range Go's result is platform garbage, so it is an error here.
std::int64_t go_int(double x, std::string_view what) {
    if (!(x >= -0x1p63 && x < 0x1p63))
        throw Error(Errc::invalid_argument,
                    fmt::format("amst: {} = {} is beyond the transport's 64-bit integers", what, x));
    return static_cast<std::int64_t>(x);
}

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
    if (b > 0 && a > kInt64Max - b)
        throw Error(Errc::invalid_argument, fmt::format("amst: {} overflows the transport's 64-bit integers", what));
    return a + b;
}

std::int64_t checked_multiply(std::int64_t a, std::int64_t b, std::string_view what) {
    if (a != 0 && b > kInt64Max / a)
        throw Error(Errc::invalid_argument, fmt::format("amst: {} overflows the transport's 64-bit integers", what));
    return a * b;
}

// The transport clamps with two ifs, low bound first; params guarantee low <= high.
std::int64_t clamp(std::int64_t v, std::int64_t low, std::int64_t high) {
    if (v < low) v = low;
    if (v > high) v = high;
    return v;
}

// Bytes per second from megabits per second, as the transport writes it: bw * 1000000 / 8.
double bytes_per_second(double bandwidth_mbps) { return bandwidth_mbps * 1000000.0 / 8.0; }

std::int64_t stream_count_unchecked(const Forecast& f, const Params& p) {
    const std::int64_t base = go_int(f.bandwidth_mbps / p.bandwidth_per_stream_mbps,
                                     "base streams (bandwidth_mbps / bandwidth_per_stream_mbps)");
    double factor = 1.0;
    if (f.latency_ms > p.high_latency_ms) {
        factor = p.high_latency_factor;
    } else if (f.latency_ms < p.low_latency_ms) {
        factor = p.low_latency_factor;
    }
    std::int64_t streams = go_int(static_cast<double>(base) * factor, "streams (base streams x latency factor)");
    if (f.packet_loss > p.stream_cut_loss)
        streams = checked_multiply(streams, p.stream_cut_numerator, "streams x stream_cut_numerator") /
                  p.stream_cut_denominator;
    return clamp(streams, p.min_streams, p.max_streams);
}

std::int64_t buffer_bytes_unchecked(const Forecast& f, const Params& p) {
    const double bps = bytes_per_second(f.bandwidth_mbps);
    const std::int64_t bdp =
        go_int(bps * (f.latency_ms / 1000.0), "bandwidth-delay product (bandwidth_mbps x latency_ms)");
    const std::int64_t jitter = go_int(f.jitter_ms * bps / 1000.0, "jitter buffer (bandwidth_mbps x jitter_ms)");
    return clamp(checked_add(bdp, jitter, "buffer (bandwidth-delay product + jitter buffer)"), p.min_buffer_bytes,
                 p.max_buffer_bytes);
}

std::int64_t chunk_bytes_unchecked(std::int64_t buffer, std::int64_t streams, double loss, const Params& p) {
    std::int64_t chunk = buffer / streams;
    if (loss > p.chunk_cut_loss) chunk /= p.chunk_cut_divisor;
    return clamp(chunk, p.min_chunk_bytes, p.max_chunk_bytes);
}

std::int64_t pacing_unchecked(double bandwidth_mbps, const Params& p) {
    return go_int(bandwidth_mbps * 1000000.0 * p.pacing_fraction / 8.0, "pacing (bandwidth_mbps x pacing_fraction)");
}

}  // namespace

void validate(const Params& p) {
    require_positive(p.bandwidth_per_stream_mbps, "bandwidth_per_stream_mbps");
    require_non_negative(p.high_latency_ms, "high_latency_ms");
    require_non_negative(p.high_latency_factor, "high_latency_factor");
    require_non_negative(p.low_latency_ms, "low_latency_ms");
    require_non_negative(p.low_latency_factor, "low_latency_factor");
    require_non_negative(p.stream_cut_loss, "stream_cut_loss");
    require_at_least(p.stream_cut_numerator, 0, "stream_cut_numerator");
    require_at_least(p.stream_cut_denominator, 1, "stream_cut_denominator");
    require_at_least(p.min_streams, 1, "min_streams");
    require_ordered(p.min_streams, p.max_streams, "min_streams", "max_streams");
    require_at_least(p.min_buffer_bytes, 0, "min_buffer_bytes");
    require_ordered(p.min_buffer_bytes, p.max_buffer_bytes, "min_buffer_bytes", "max_buffer_bytes");
    require_non_negative(p.chunk_cut_loss, "chunk_cut_loss");
    require_at_least(p.chunk_cut_divisor, 1, "chunk_cut_divisor");
    require_at_least(p.min_chunk_bytes, 0, "min_chunk_bytes");
    require_ordered(p.min_chunk_bytes, p.max_chunk_bytes, "min_chunk_bytes", "max_chunk_bytes");
    require_non_negative(p.pacing_fraction, "pacing_fraction");
    require_unit(p.compute_confidence, "compute_confidence");
    require_unit(p.apply_confidence, "apply_confidence");
    require_unit(p.adjust_confidence, "adjust_confidence");
    require_non_negative(p.adjust_min_change, "adjust_min_change");
    require_unit(p.preempt_confidence, "preempt_confidence");
    require_non_negative(p.preempt_min_change, "preempt_min_change");
}

void validate(const Forecast& f) {
    require_non_negative(f.bandwidth_mbps, "bandwidth_mbps");
    require_non_negative(f.latency_ms, "latency_ms");
    require_unit(f.packet_loss, "packet_loss");
    require_non_negative(f.jitter_ms, "jitter_ms");
}

std::int64_t stream_count(const Forecast& forecast, const Params& params) {
    validate(params);
    validate(forecast);
    return stream_count_unchecked(forecast, params);
}

std::int64_t buffer_bytes(const Forecast& forecast, const Params& params) {
    validate(params);
    validate(forecast);
    return buffer_bytes_unchecked(forecast, params);
}

std::int64_t chunk_bytes(std::int64_t buffer_bytes, std::int64_t streams, double packet_loss, const Params& params) {
    validate(params);
    require_at_least(buffer_bytes, 0, "buffer_bytes");
    require_at_least(streams, 1, "streams");
    require_unit(packet_loss, "packet_loss");
    return chunk_bytes_unchecked(buffer_bytes, streams, packet_loss, params);
}

std::int64_t pacing_bytes_per_s(double bandwidth_mbps, const Params& params) {
    validate(params);
    require_non_negative(bandwidth_mbps, "bandwidth_mbps");
    return pacing_unchecked(bandwidth_mbps, params);
}

std::int64_t window_bytes(std::int64_t buffer_bytes, std::int64_t streams) {
    require_at_least(buffer_bytes, 0, "buffer_bytes");
    require_at_least(streams, 0, "streams");
    return checked_multiply(buffer_bytes, streams, "buffer_bytes x streams");
}

Settings settings(const Forecast& forecast, const Params& params) {
    validate(params);
    validate(forecast);
    Settings s;
    s.streams = stream_count_unchecked(forecast, params);
    s.buffer_bytes = buffer_bytes_unchecked(forecast, params);
    s.chunk_bytes = chunk_bytes_unchecked(s.buffer_bytes, s.streams, forecast.packet_loss, params);
    s.pacing_bytes_per_s = pacing_unchecked(forecast.bandwidth_mbps, params);
    s.window_bytes = checked_multiply(s.buffer_bytes, s.streams, "buffer_bytes x streams");
    return s;
}

}  // namespace pba::amst
