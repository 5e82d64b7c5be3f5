#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace pba::predict {

// NaN marks a field that was not measured.
inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// One measurement of a link, as a transport takes it. Only the timestamp is required; any
// other field may be missing (NaN), and the model's metadata says how a missing input is filled.
struct Sample {
    double timestamp_unix_s = kMissing;  // seconds since 1970-01-01 UTC
    double bandwidth_mbps = kMissing;
    double latency_ms = kMissing;
    double packet_loss = kMissing;  // ratio 0..1
    double jitter_ms = kMissing;
    double throughput_mbps = kMissing;
    double reliability = kMissing;  // 0..1
};

// The measured fields of a Sample. The first four are also the fields a Forecast carries,
// in this order (kForecastFieldCount).
enum class SampleField : std::uint8_t {
    bandwidth_mbps = 0,
    latency_ms = 1,
    packet_loss = 2,
    jitter_ms = 3,
    throughput_mbps = 4,
    reliability = 5,
};
inline constexpr std::size_t kSampleFieldCount = 6;
inline constexpr std::size_t kForecastFieldCount = 4;

constexpr std::uint32_t field_bit(SampleField field) noexcept { return 1u << static_cast<unsigned>(field); }
const char* to_string(SampleField field) noexcept;

constexpr double field_value(const Sample& s, SampleField field) noexcept {
    switch (field) {
        case SampleField::bandwidth_mbps: return s.bandwidth_mbps;
        case SampleField::latency_ms: return s.latency_ms;
        case SampleField::packet_loss: return s.packet_loss;
        case SampleField::jitter_ms: return s.jitter_ms;
        case SampleField::throughput_mbps: return s.throughput_mbps;
        case SampleField::reliability: return s.reliability;
    }
    return kMissing;
}

// Whether `value` lies in the field's domain: finite, >= 0, and <= 1 for ratios
// (packet_loss, reliability). NaN (missing) is not a value and yields false.
bool is_valid_value(SampleField field, double value) noexcept;

// Timestamps must be finite and |t| <= kMaxTimestampUnixS: larger values are refused so that
// a millisecond timestamp (~1.7e12) passed by mistake is caught rather than read as year 55000.
inline constexpr double kMaxTimestampUnixS = 1e11;
bool is_valid_timestamp(double unix_s) noexcept;

// A sample with every invalid measured value (Inf, negative, a ratio above 1) replaced by
// NaN, and which fields were replaced (field_bit mask).
struct CleanedSample {
    Sample sample;
    std::uint32_t dropped_fields = 0;
};
CleanedSample clean_sample(const Sample& sample) noexcept;

}  // namespace pba::predict
