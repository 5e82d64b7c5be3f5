#include "pba/predict/forecast.hpp"

namespace pba::predict {

const char* to_string(Mode mode) noexcept {
    switch (mode) {
        case Mode::datacenter: return "datacenter";
        case Mode::internet: return "internet";
        case Mode::hybrid: return "hybrid";
    }
    return "unknown";
}

const char* to_string(ForecastTarget target) noexcept {
    switch (target) {
        case ForecastTarget::value_at: return "value_at";
        case ForecastTarget::mean_over: return "mean_over";
    }
    return "unknown";
}

const char* to_string(FallbackReason reason) noexcept {
    switch (reason) {
        case FallbackReason::none: return "none";
        case FallbackReason::no_model: return "no_model";
        case FallbackReason::window_filling: return "window_filling";
        case FallbackReason::invalid_input: return "invalid_input";
        case FallbackReason::model_error: return "model_error";
        case FallbackReason::not_applicable: return "not_applicable";
    }
    return "unknown";
}

const char* to_string(ConfidenceRule rule) noexcept {
    switch (rule) {
        case ConfidenceRule::transport: return "transport";
        case ConfidenceRule::calibrated: return "calibrated";
    }
    return "unknown";
}

double Forecast::value(SampleField field) const noexcept {
    switch (field) {
        case SampleField::bandwidth_mbps: return bandwidth_mbps;
        case SampleField::latency_ms: return latency_ms;
        case SampleField::packet_loss: return packet_loss;
        case SampleField::jitter_ms: return jitter_ms;
        default: return kMissing;
    }
}

}  // namespace pba::predict
