#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "pba/predict/accuracy.hpp"
#include "pba/predict/calibrated_confidence.hpp"
#include "pba/predict/fleet_hit_rate.hpp"
#include "pba/predict/forecast.hpp"
#include "pba/predict/latency_histogram.hpp"
#include "pba/predict/matching.hpp"
#include "pba/predict/observe_result.hpp"
#include "pba/predict/sample.hpp"
#include "pba/predict/stats.hpp"

namespace pba::predict {

// The forecasts a link predictor serves and what became of them: the ones waiting for their
// measurement (matching.hpp), their rolling accuracy and the transport's confidence
// (AccuracyTracker), the calibrated confidence measured on them, the counters of samples and
// forecasts, the latency of predict() and the latest values served. Predictor and
// HybridPredictor each keep one for what they serve.
// Forecasts served and matched are counted once, in the AccuracyTracker's totals.
// Allocates only in its constructor and reserve_pending(). Not thread-safe: owned by one predictor.
class ServedForecasts {
public:
    // The fleets (fleet_hit_rate.hpp) a link's calibrated confidence pools its outcomes in, per
    // source: its model's, or none (nullptr: no model, or forecasts no other link makes).
    using Fleets = std::array<FleetHitRate*, kForecastSourceCount>;

    // Which matured forecasts the calibrated confidence is measured on.
    enum class Calibration : std::uint8_t {
        every_forecast = 0,  // a predictor's own
        combined_only = 1,   // a HybridPredictor's: only its ensemble's, members measure their own
    };

    // accuracy_window as AccuracyTracker's, confidence_tolerance as CalibratedConfidence's.
    ServedForecasts(std::size_t accuracy_window, double confidence_tolerance, std::size_t pending_capacity);

    // Counts a sample given to observe() by what observe() did with it.
    void count_sample(const ObserveResult& result) noexcept;

    // Records a served forecast (its source: the model unless it fell back) and holds it for
    // matching; `combined` marks a HybridPredictor's ensemble. Its values and bandwidth interval
    // are scored when the measurement at its target time arrives (settle).
    void serve(const Forecast& forecast, bool combined = false) noexcept;
    void record_latency(double microseconds) noexcept { latency_.record(microseconds); }

    // Offers a cleaned measurement to the pending forecasts: each one it settles is scored here
    // (the calibrated confidence as `calibration` says, pooled in `fleets`; the owner's choice, so
    // no byte per link keeps it), then given to on_match(const PendingForecast&, const std::array<double, 4>&
    // actual, ForecastSource) for what the owner measures besides (its intervals).
    template <class OnMatch>
    MatchCounts settle(const Sample& cleaned, double tolerance_s, Calibration calibration, const Fleets& fleets,
                       OnMatch&& on_match) noexcept {
        const MatchCounts counts = pending_.offer(
            cleaned, tolerance_s, [&](const PendingForecast& p, const std::array<double, kForecastFieldCount>& actual) {
                const ForecastSource source = p.fallback ? ForecastSource::fallback : ForecastSource::model;
                accuracy_.record(source, p.predicted_values(), actual);
                if (calibration == Calibration::every_forecast || p.combined) {
                    const auto i = static_cast<std::size_t>(source);
                    calibrated_[i].record(p.predicted[0], actual[0], p.made_at_unix_s,
                                          p.target_unix_s - p.made_at_unix_s, fleets[i]);
                }
                on_match(p, actual, source);
            });
        expired_ += counts.expired;
        return counts;
    }

    // Grows the room for pending forecasts to `capacity` (allocates then, and only then; never
    // shrinks, keeps those held).
    void reserve_pending(std::size_t capacity) { pending_.reserve(capacity); }
    void clear_pending() noexcept { pending_.clear(); }

    // Forgets what the confidence rules know of the model's forecasts (the model changed).
    void forget_model() noexcept;
    // The link's outcomes are no longer in its fleets' counts (a new model object, a new fleet).
    void leave_fleets() noexcept {
        for (CalibratedConfidence& c : calibrated_) c.leave_fleet();
    }

    double transport_confidence(ForecastSource source) const noexcept { return accuracy_.confidence(source); }
    double calibrated_confidence(ForecastSource source, const FleetHitRate* fleet = nullptr) const noexcept {
        return calibrated_[static_cast<std::size_t>(source)].probability(fleet);
    }
    const AccuracyTracker& accuracy() const noexcept { return accuracy_; }
    std::uint64_t forecasts() const noexcept;  // served since construction
    std::uint64_t forecasts(ForecastSource source) const noexcept { return accuracy_.totals(source).forecasts; }

    // Writes the served forecasts' counters, latency, accuracy and latest values into `stats`
    // (predictions, by source, mode and reason, samples, matched, expired, latency, accuracy,
    // model_accuracy, last_confidence, last_forecast); leaves its other fields.
    void write_stats(PredictorStats& stats) const noexcept;
    std::size_t heap_bytes() const noexcept { return pending_.heap_bytes(); }

private:
    PendingForecasts pending_;
    AccuracyTracker accuracy_;
    std::array<CalibratedConfidence, kForecastSourceCount> calibrated_;
    SampleCounts samples_;
    std::array<std::uint64_t, kModeCount> by_mode_{};
    std::array<std::uint64_t, kFallbackReasonCount> by_reason_{};
    std::uint64_t expired_ = 0;
    LatencyHistogram latency_;
    double last_confidence_ = 0.0;
    std::array<double, kForecastFieldCount> last_forecast_{kMissing, kMissing, kMissing, kMissing};
};

}  // namespace pba::predict
