#include "pba/predict/served_forecasts.hpp"

#include <bit>

namespace pba::predict {

ServedForecasts::ServedForecasts(std::size_t accuracy_window, double confidence_tolerance,
                                 std::size_t pending_capacity)
    : pending_(pending_capacity),
      accuracy_(accuracy_window),
      calibrated_{{CalibratedConfidence(confidence_tolerance), CalibratedConfidence(confidence_tolerance)}} {}

void ServedForecasts::count_sample(const ObserveResult& result) noexcept {
    switch (result.status) {
        case ObserveStatus::accepted: break;
        case ObserveStatus::accepted_after_gap: ++samples_.window_resets; break;
        case ObserveStatus::refused_invalid_timestamp: ++samples_.refused_invalid_timestamp; return;
        case ObserveStatus::refused_repeated_timestamp: ++samples_.refused_repeated_timestamp; return;
        case ObserveStatus::refused_backwards_timestamp: ++samples_.refused_backwards_timestamp; return;
    }
    ++samples_.accepted;
    samples_.dropped_values += static_cast<std::uint64_t>(std::popcount(result.dropped_fields));
}

void ServedForecasts::serve(const Forecast& f, bool combined) noexcept {
    const ForecastSource source = f.fallback ? ForecastSource::fallback : ForecastSource::model;
    accuracy_.note_forecast(source);
    PendingForecast pending;
    pending.made_at_unix_s = f.made_at_unix_s;
    pending.target_unix_s = f.target_unix_s;
    pending.target = f.target;
    pending.horizon_steps = f.horizon_steps;
    pending.fallback = f.fallback;
    pending.combined = combined;
    pending.predicted = {saturated_float(f.bandwidth_mbps), saturated_float(f.latency_ms),
                         saturated_float(f.packet_loss), saturated_float(f.jitter_ms)};
    pending.banded = f.interval_coverage > 0.0;
    pending.band_low_mbps = saturated_float(f.bandwidth_low_mbps);
    pending.band_high_mbps = saturated_float(f.bandwidth_high_mbps);
    expired_ += pending_.add(pending, pending_spacing_s(f.horizon_steps, f.horizon_s));

    ++by_mode_[static_cast<std::size_t>(f.mode)];
    if (f.fallback) ++by_reason_[static_cast<std::size_t>(f.fallback_reason)];
    last_confidence_ = f.confidence;
    for (std::size_t i = 0; i < kForecastFieldCount; ++i) {
        const auto field = static_cast<SampleField>(i);
        last_forecast_[i] = (f.unknown_fields & field_bit(field)) ? kMissing : f.value(field);
    }
}

void ServedForecasts::forget_model() noexcept {
    accuracy_.reset_confidence(ForecastSource::model);
    calibrated_[static_cast<std::size_t>(ForecastSource::model)].reset();
}

std::uint64_t ServedForecasts::forecasts() const noexcept {
    return forecasts(ForecastSource::model) + forecasts(ForecastSource::fallback);
}

void ServedForecasts::write_stats(PredictorStats& s) const noexcept {
    s.predictions = forecasts();
    s.model_predictions = forecasts(ForecastSource::model);
    s.fallback_predictions = forecasts(ForecastSource::fallback);
    s.predictions_by_mode = by_mode_;
    s.fallbacks_by_reason = by_reason_;
    s.samples = samples_;
    s.forecasts_matched = accuracy_.totals(ForecastSource::model).matched + accuracy_.totals(ForecastSource::fallback).matched;
    s.forecasts_expired = expired_;
    s.latency = latency_.summary();
    s.accuracy = accuracy_.summary();
    s.model_accuracy = accuracy_.summary(ForecastSource::model);
    s.last_confidence = last_confidence_;
    s.last_forecast = last_forecast_;
}

}  // namespace pba::predict
