#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "pba/model/model.hpp"
#include "pba/predict/accuracy.hpp"
#include "pba/predict/features.hpp"
#include "pba/predict/fleet_hit_rate.hpp"
#include "pba/predict/forecast_buffers.hpp"
#include "pba/predict/forecast.hpp"

namespace pba::predict {

// A Model together with everything a predictor reads from its metadata: the feature
// pipeline, the horizon, the mode it was made for and its version. Immutable and shared
// like the Model; checked once when created, so a model that cannot drive a predictor is
// refused at load (or reload) time, never at predict time.
class ForecastModel {
public:
    // Throws Error(invalid_argument) for a null model, Error(malformed_model) when the metadata
    // does not describe a usable predictor model (see FeaturePipeline), when forecast.target is
    // neither value_at nor mean_over, forecast.horizon_steps is outside 1..1e6,
    // forecast.horizon_s or input.sample_interval_s is negative, or model.version is longer
    // than kMaxModelVersionLength bytes. While one made for the same Model object is alive,
    // returns that one: predictors made from one Model (one slot each, as pba_predictor_create
    // makes them) share its forecast buffers (~90 KB for `internet`) and batch together in
    // predict_links. Safe from any thread.
    static std::shared_ptr<const ForecastModel> create(std::shared_ptr<const Model> model);

    const Model& model() const noexcept { return *model_; }
    const std::shared_ptr<const Model>& shared_model() const noexcept { return model_; }
    const FeaturePipeline& pipeline() const noexcept { return pipeline_; }

    ForecastTarget target() const noexcept { return target_; }  // forecast.target, default value_at
    std::uint32_t horizon_steps() const noexcept { return horizon_steps_; }  // default 1
    // forecast.horizon_s, else horizon_steps x sample_interval_s; 0 when neither is stated.
    double horizon_s() const noexcept { return horizon_s_; }
    double sample_interval_s() const noexcept { return sample_interval_s_; }  // 0: not stated
    // model.mode when it is datacenter, internet or hybrid; hybrid otherwise ("any link").
    Mode mode() const noexcept { return mode_; }
    const char* version() const noexcept { return version_.data(); }  // model.version, NUL-terminated
    const std::string& name() const noexcept { return name_; }
    // Single-window forecast buffers, shared by every predictor on this model (see BufferPool).
    BufferPool& buffers() const noexcept { return *buffers_; }
    // The hit rate of every predictor's calibrated confidence on this model, per source: the
    // fleet's prior (fleet_hit_rate.hpp). Thread-safe.
    FleetHitRate& fleet(ForecastSource source) const noexcept { return fleets_[static_cast<std::size_t>(source)]; }

private:
    explicit ForecastModel(std::shared_ptr<const Model> model);

    std::shared_ptr<const Model> model_;
    FeaturePipeline pipeline_;
    ForecastTarget target_ = ForecastTarget::value_at;
    std::uint32_t horizon_steps_ = 1;
    double horizon_s_ = 0.0;
    double sample_interval_s_ = 0.0;
    Mode mode_ = Mode::hybrid;
    std::array<char, kMaxModelVersionLength + 1> version_{};
    std::string name_;
    std::unique_ptr<BufferPool> buffers_;  // made last: it fits its buffers to this model
    mutable std::array<FleetHitRate, kForecastSourceCount> fleets_;
};

// What makes `candidate` another kind of model than `serving`, the reload guard's test
// (ModelSlot): each of its input features (names, in order), window (samples per input) and
// forecast target (value_at or mean_over, horizon_steps) that differs, as
// "window 30 samples (serving) vs 60 samples (new)", joined by "; ". Empty when none does.
std::string kind_difference(const ForecastModel& serving, const ForecastModel& candidate);

}  // namespace pba::predict
