#pragma once

#include <array>
#include <cstdint>

#include "pba/predict/accuracy.hpp"
#include "pba/predict/aggregation.hpp"
#include "pba/predict/forecast.hpp"
#include "pba/predict/interval.hpp"
#include "pba/predict/latency_histogram.hpp"

namespace pba::predict {

// What happened to the samples given to observe() (see ObserveStatus).
struct SampleCounts {
    std::uint64_t accepted = 0;
    std::uint64_t refused_invalid_timestamp = 0;
    std::uint64_t refused_repeated_timestamp = 0;
    std::uint64_t refused_backwards_timestamp = 0;
    std::uint64_t window_resets = 0;   // accepted after a gap longer than max_gap_s
    std::uint64_t dropped_values = 0;  // single values (Inf, negative, ratio > 1) treated as missing
};

// A snapshot of one predictor's counters and accuracy. Plain data, safe to copy anywhere.
struct PredictorStats {
    std::uint64_t predictions = 0;  // forecasts served
    std::uint64_t model_predictions = 0;
    std::uint64_t fallback_predictions = 0;
    std::array<std::uint64_t, kModeCount> predictions_by_mode{};              // by Mode
    std::array<std::uint64_t, kFallbackReasonCount> fallbacks_by_reason{};  // by FallbackReason (none unused)
    std::uint64_t mode_switches = 0;
    Mode mode = Mode::hybrid;  // the mode of the latest forecast (or the detector's, for a hybrid)

    SampleCounts samples;
    std::uint64_t forecasts_matched = 0;
    std::uint64_t forecasts_expired = 0;

    LatencySummary latency;  // of predict() calls, whole call

    AccuracySummary accuracy;        // served forecasts, rolling window
    AccuracySummary model_accuracy;  // only those the model answered
    double model_confidence = 0.0;     // the selected confidence rule over the model's forecasts now
    double last_confidence = 0.0;      // of the latest forecast
    IntervalSummary interval;        // bandwidth intervals of the model's forecasts

    // The latest served forecast's values and the latest finite measured value of each forecast
    // field, indexed by SampleField (bandwidth, latency, packet loss, jitter). NaN: no forecast
    // yet or a field the forecast reports as unknown; a field never measured on this link.
    std::array<double, kForecastFieldCount> last_forecast{kMissing, kMissing, kMissing, kMissing};
    std::array<double, kForecastFieldCount> last_measured{kMissing, kMissing, kMissing, kMissing};

    // The served bandwidth is the online aggregate (aggregation.hpp): its members' weights now,
    // the one weighted most, and how many matured snapshots moved them. All zero when not.
    bool aggregating = false;
    AggregationSummary aggregation;

    std::uint64_t model_generation = 0;
    std::uint64_t reloads_succeeded = 0;
    std::uint64_t reloads_refused = 0;
    std::array<char, kModelVersionCapacity> model_version{};  // "" without a model

    // Bytes this link's state occupies (the object and what it owns on the heap, a hybrid's
    // members and shadow challenger included); the shared model and its buffers are not counted.
    std::uint64_t state_bytes = 0;
};

}  // namespace pba::predict
