#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "pba/model/model.hpp"
#include "pba/predict/forecast.hpp"
#include "pba/predict/interval.hpp"
#include "pba/predict/link_predictor.hpp"
#include "pba/predict/matching.hpp"
#include "pba/predict/mode.hpp"
#include "pba/predict/model_slot.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/predict/served_forecasts.hpp"
#include "pba/predict/stats.hpp"

namespace pba::predict {

// The transport's ensemble of a datacenter and an internet forecast: each value weighted by
// conf_i / (conf_dc + conf_inet) (equal weights when both are 0), confidence the larger one.
// The interval bounds take the same weights; its coverage is the smaller one (0 if either has
// none). Horizon and target are the longer forecast's, mode hybrid, fallback only if both fell
// back. The model that answered: both, version "dc+inet" and the internet member's generation
// (the member whose slot stats() reports); one, its version and generation; none (both fell
// back), version "" and generation 0. Every ConfidenceRule's value is combined the same way (the
// larger); HybridPredictor replaces the calibrated one, which must be measured on the ensemble's
// own outcomes. The transport's case: dc (8000 Mbps, 5 ms, conf 0.9) with
// inet (400 Mbps, 100 ms, conf 0.7) gives 4675 Mbps, 46.5625 ms, conf 0.9.
Forecast combine(const Forecast& datacenter, const Forecast& internet) noexcept;

// Which predictor answers.
enum class ModePolicy : std::uint8_t {
    automatic = 0,   // the ModeDetector's mode: datacenter, internet, or hybrid (both, combined)
    datacenter = 1,  // always the datacenter predictor
    internet = 2,    // always the internet predictor
    hybrid = 3,      // always both, combined
};
const char* to_string(ModePolicy policy) noexcept;

struct HybridConfig {
    ModePolicy policy = ModePolicy::automatic;
    ModeDetectorConfig detector;
    PredictorConfig predictor;  // for both member predictors
};

// A mode-aware link predictor: a datacenter and an internet Predictor fed the same samples,
// a ModeDetector choosing between them, and the ensemble in hybrid mode. When both run and
// one falls back while the other's model answers, the model's forecast answers alone.
// A member's forecast served alone carries that member's confidence; a combined forecast's
// calibrated confidence is the hit rate of the combined forecasts served before it.
// Forecasts and accuracy of what it served are tracked here; each member tracks its own.
//
// Thread-safety: every member function may be called from any thread; calls are serialised by
// an internal mutex. The member predictors are reachable (datacenter(), internet()) for their
// own stats, slots and challengers.
class HybridPredictor final : public LinkPredictor {
public:
    // A null slot stands for an empty one (that member answers from the fallback rule).
    // Throws Error(invalid_argument) for a config out of range.
    HybridPredictor(std::shared_ptr<ModelSlot> datacenter, std::shared_ptr<ModelSlot> internet,
                    const HybridConfig& config = {});
    // Private slots holding the models (either may be null). Throws as ForecastModel::create.
    HybridPredictor(std::shared_ptr<const Model> datacenter, std::shared_ptr<const Model> internet,
                    const HybridConfig& config = {});

    // As Predictor::observe, for both members and the mode detector.
    ObserveResult observe(const Sample& sample) noexcept override;
    // As Predictor::predict; forecast.mode says which mode answered.
    Forecast predict() override;
    MatchCounts record_actual(const Sample& actual) override;

    Mode mode() const override;  // the mode the next forecast will use
    // The served forecasts' counts, latency and accuracy, the mode switches, and the slot
    // information of the member the current mode uses (the internet one in hybrid mode).
    PredictorStats stats() const override;
    void reset() noexcept override;
    // The shorter of the members' intervals: served forecasts are matched to it.
    double sample_interval_s() const override;
    // The datacenter or internet member; it has no Role::main.
    Predictor* member(Role role) noexcept override;

    Predictor& datacenter() noexcept { return datacenter_; }
    Predictor& internet() noexcept { return internet_; }
    const Predictor& datacenter() const noexcept { return datacenter_; }
    const Predictor& internet() const noexcept { return internet_; }
    const HybridConfig& config() const noexcept { return config_; }

private:
    friend class LinkBatch;  // predict_links: each member's window in its model's batch, then serve_locked
    Mode mode_locked() const noexcept;
    MatchCounts settle(const Sample& cleaned);  // what it settled, also scored
    Forecast predict_locked();
    // What predict() serves in `mode` once the members it uses have forecast (the datacenter
    // one unless mode is internet, the internet one unless datacenter; the other is not read),
    // recorded as served; the caller records the latency.
    Forecast serve_locked(Mode mode, const Forecast& datacenter, const Forecast& internet);

    mutable std::mutex mutex_;
    HybridConfig config_;
    Predictor datacenter_;
    Predictor internet_;
    ModeDetector detector_;

    ServedForecasts served_;  // its calibrated confidence: of combine()'s forecasts only (settle)
    ConformalInterval coverage_;  // only measures the served intervals' coverage
    // +1 on every change of its own state (samples, matches, forecasts, reset), so predict_links
    // can tell that the mode and members it started from are still what predict() would use.
    std::uint64_t changes_ = 0;
};

}  // namespace pba::predict
