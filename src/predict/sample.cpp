#include "pba/predict/sample.hpp"

#include <cmath>

#include "pba/predict/observe_result.hpp"

namespace pba::predict {

const char* to_string(SampleField field) noexcept {
    switch (field) {
        case SampleField::bandwidth_mbps: return "bandwidth_mbps";
        case SampleField::latency_ms: return "latency_ms";
        case SampleField::packet_loss: return "packet_loss";
        case SampleField::jitter_ms: return "jitter_ms";
        case SampleField::throughput_mbps: return "throughput_mbps";
        case SampleField::reliability: return "reliability";
    }
    return "unknown";
}

const char* to_string(ObserveStatus status) noexcept {
    switch (status) {
        case ObserveStatus::accepted: return "accepted";
        case ObserveStatus::accepted_after_gap: return "accepted_after_gap";
        case ObserveStatus::refused_invalid_timestamp: return "refused_invalid_timestamp";
        case ObserveStatus::refused_repeated_timestamp: return "refused_repeated_timestamp";
        case ObserveStatus::refused_backwards_timestamp: return "refused_backwards_timestamp";
    }
    return "unknown";
}

bool is_valid_value(SampleField field, double value) noexcept {
    if (!std::isfinite(value) || value < 0.0) return false;
    if (field == SampleField::packet_loss || field == SampleField::reliability) return value <= 1.0;
    return true;
}

bool is_valid_timestamp(double unix_s) noexcept { return std::isfinite(unix_s) && std::abs(unix_s) <= kMaxTimestampUnixS; }

CleanedSample clean_sample(const Sample& sample) noexcept {
    CleanedSample out{sample, 0};
    auto check = [&](double& value, SampleField field) {
        if (!std::isnan(value) && !is_valid_value(field, value)) {
            value = kMissing;
            out.dropped_fields |= field_bit(field);
        }
    };
    check(out.sample.bandwidth_mbps, SampleField::bandwidth_mbps);
    check(out.sample.latency_ms, SampleField::latency_ms);
    check(out.sample.packet_loss, SampleField::packet_loss);
    check(out.sample.jitter_ms, SampleField::jitter_ms);
    check(out.sample.throughput_mbps, SampleField::throughput_mbps);
    check(out.sample.reliability, SampleField::reliability);
    return out;
}

}  // namespace pba::predict
