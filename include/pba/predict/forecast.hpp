#pragma once

#include <array>
#include <cstdint>

#include "pba/predict/aggregation_member.hpp"
#include "pba/predict/confidence_rule.hpp"
#include "pba/predict/sample.hpp"

namespace pba::predict {

// The kind of link a forecast was made for (see mode.hpp for how a link is classified).
enum class Mode : std::uint8_t { datacenter = 0, internet = 1, hybrid = 2 };
inline constexpr std::size_t kModeCount = 3;
const char* to_string(Mode mode) noexcept;

// What a forecast's value stands for (metadata `forecast.target`).
enum class ForecastTarget : std::uint8_t {
    value_at = 0,   // the value horizon_steps samples ahead
    mean_over = 1,  // the mean of the next horizon_steps samples
};
const char* to_string(ForecastTarget target) noexcept;

// Why a forecast came from the fallback rule rather than the model.
enum class FallbackReason : std::uint8_t {
    none = 0,            // the model answered
    no_model = 1,        // no model is loaded
    window_filling = 2,  // fewer samples than the model's window
    invalid_input = 3,   // a normalised input was not finite (e.g. a fill value outside log's domain)
    model_error = 4,     // the model or its de-normalisation produced a non-finite value
    // The link is sampled at another interval than the model's (by more than half of it), or
    // the predictor was asked for another horizon: the model's inputs would not mean what it
    // was trained on.
    not_applicable = 5,
};
inline constexpr std::size_t kFallbackReasonCount = 6;
const char* to_string(FallbackReason reason) noexcept;

// Long enough for two model versions joined by '+' (an ensemble), each at most
// kMaxModelVersionLength bytes.
inline constexpr std::size_t kMaxModelVersionLength = 47;
inline constexpr std::size_t kModelVersionCapacity = 2 * kMaxModelVersionLength + 2;

// The most steps a served horizon counts: a horizon_s asked of a link sampled far faster (1e6 s
// at a microsecond) is clamped here, so its mean_over is never measured and expires.
inline constexpr std::uint32_t kMaxServedHorizonSteps = 1'000'000'000;

// A forecast of one link. Every number is finite: outputs the model does not produce come
// from the fallback rule, and a field never measured on this link is reported as 0 with its
// bit set in unknown_fields.
struct Forecast {
    double bandwidth_mbps = 0.0;
    double latency_ms = 0.0;
    double packet_loss = 0.0;  // 0..1
    double jitter_ms = 0.0;

    double confidence = 0.0;  // 0..1, by the predictor's ConfidenceRule
    // Every rule's value, indexed by ConfidenceRule (confidence is one of them), so that a
    // replay can compare what each rule would have let through.
    std::array<double, kConfidenceRuleCount> confidence_by_rule{};

    // Bandwidth prediction interval: [bandwidth_low_mbps, bandwidth_high_mbps] should hold the
    // actual value with probability interval_coverage. interval_coverage is 0 (and low = high
    // = bandwidth_mbps) until enough forecasts have been checked to size the interval.
    double bandwidth_low_mbps = 0.0;
    double bandwidth_high_mbps = 0.0;
    double interval_coverage = 0.0;

    double made_at_unix_s = 0.0;  // timestamp of the newest sample the forecast used
    double target_unix_s = 0.0;   // made_at + horizon_s
    double horizon_s = 0.0;
    std::uint32_t horizon_steps = 0;  // at most kMaxServedHorizonSteps
    ForecastTarget target = ForecastTarget::value_at;

    Mode mode = Mode::hybrid;
    // The model did not answer (fallback_reason says why): every value came from the fallback
    // rule, except the bandwidth when aggregated.
    bool fallback = false;
    FallbackReason fallback_reason = FallbackReason::none;
    std::uint32_t fallback_fields = 0;  // field_bit mask: values from the fallback rule
    std::uint32_t unknown_fields = 0;   // field_bit mask: no data on this link, reported as 0

    // Aggregation (PredictorConfig::aggregation, aggregation.hpp): when `aggregated`,
    // bandwidth_mbps is the per-link online combination of the network's forecast (when it
    // answered) and simple smoothers; fallback_fields still says whether the network answered.
    bool aggregated = false;
    AggregationMember leading_member = AggregationMember::network;  // the member weighted most
    double leading_weight = 0.0;                                      // its weight, 0..1
    // The network's own bandwidth forecast (0 when it did not answer: see fallback).
    double network_bandwidth_mbps = 0.0;
    // Every member's forecast, indexed by AggregationMember; 0 for a member that could not
    // answer (its bit clear in awake_members). Zero when not aggregated.
    std::array<double, kAggregationMemberCount> member_bandwidth_mbps{};
    std::uint32_t awake_members = 0;  // bit i: member i answered

    std::uint64_t model_generation = 0;  // the model slot's generation that answered (0: none)
    // NUL-terminated model.version of the model that answered ("a+b" for an ensemble of two,
    // "" for a fallback without a model).
    std::array<char, kModelVersionCapacity> model_version{};

    double value(SampleField field) const noexcept;
};

}  // namespace pba::predict
