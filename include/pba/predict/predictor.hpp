#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "pba/model/model.hpp"
#include "pba/predict/aggregation.hpp"
#include "pba/predict/calibrated_confidence.hpp"
#include "pba/predict/challenger.hpp"
#include "pba/predict/confidence_rule.hpp"
#include "pba/predict/fallback.hpp"
#include "pba/predict/forecast.hpp"
#include "pba/predict/interval.hpp"
#include "pba/predict/link_predictor.hpp"
#include "pba/predict/matching.hpp"
#include "pba/predict/model_slot.hpp"
#include "pba/predict/observe_result.hpp"
#include "pba/predict/sample.hpp"
#include "pba/predict/sample_spacing.hpp"
#include "pba/predict/served_forecasts.hpp"
#include "pba/predict/stats.hpp"
#include "pba/predict/window.hpp"

namespace pba::predict {

// Whether the served bandwidth is the network's forecast alone or the online per-link
// aggregation of it with simple smoothers (aggregation.hpp, docs/aggregation.md).
enum class AggregationPolicy : std::uint8_t {
    // On for internet-mode models that forecast a mean over their horizon (the embedded
    // `internet`), and for any link the model cannot answer: one sampled at another interval
    // than the model's, or asked for another horizon (see horizon_s). Off without a model.
    automatic = 0,
    on = 1,
    off = 2,  // the network's forecast alone, else the fallback rule (pba 1.0's behaviour)
};
const char* to_string(AggregationPolicy policy) noexcept;

struct PredictorConfig {
    // Local time for the hour_of_day / day_of_week features: seconds east of UTC, |offset| <= 86400.
    double utc_offset_s = 0.0;
    // Seconds between samples. 0: the model's input.sample_interval_s; without one, 1 s is
    // assumed for horizons and matching, and gaps are not detected.
    double sample_interval_s = 0.0;
    // A sample more than this after the previous one starts a new window (the old samples no
    // longer describe the link). 0: 10 x a stated sample interval (no detection without one);
    // negative: never.
    double max_gap_s = 0.0;
    std::size_t accuracy_window = 100;  // matched forecasts in the rolling accuracy (1..100000; see AccuracyTracker)
    std::size_t interval_window = 100;  // residuals sizing the interval (1..100000)
    double interval_coverage = 0.9;     // in (0, 1)
    AggregationPolicy aggregation = AggregationPolicy::automatic;
    // The horizon served, in seconds: 0 for the model's (forecast.horizon_s). Any other
    // horizon (e.g. 900 for 15 minutes) is served by the aggregation of smoothers, forecasting
    // the mean bandwidth over the next horizon_s; it needs aggregation (not off). At most 1e6.
    double horizon_s = 0.0;
    // Match pending forecasts against the samples given to observe(). Turn off when the
    // caller reports measurements through record_actual() instead.
    bool match_observed_samples = true;
    // The rule whose value is served as Forecast::confidence (every rule's value is in
    // Forecast::confidence_by_rule either way).
    ConfidenceRule confidence_rule = ConfidenceRule::transport;
    // The calibrated rule's "within": |actual - forecast| <= tolerance x actual; in (0, 1].
    double confidence_tolerance = kDefaultConfidenceTolerance;
};

// Forecasts one link: a window of its samples, a model from a (possibly shared) ModelSlot
// with its feature pipeline, the fallback rule, accuracy tracking and confidence, a
// conformal bandwidth interval, statistics, and optionally a challenger model in shadow.
//
// Thread-safety: every member function may be called from any thread, also concurrently;
// calls on one predictor are serialised by an internal mutex (uncontended in the intended use
// of one predictor per link). Models are shared read-only; a reload through the slot is picked
// up at the next predict().
//
// Allocation: observe() and predict() allocate nothing after construction, except the first
// predict() after the slot swapped in a model needing a deeper window. The network's workspace
// and input/output buffers are not the link's: predict() borrows them from the model's
// BufferPool (see there for concurrent predicts through one model).
//
// Memory: a link keeps its window as the model's features need it (WindowLayout), its pending
// forecasts, rolling accuracy, interval residuals and counters; stats().state_bytes says how
// much (docs/predictors.md gives the figures for the default models).
class Predictor final : public LinkPredictor {
public:
    // Throws Error(invalid_argument) for a config out of range or a null slot.
    explicit Predictor(std::shared_ptr<ModelSlot> slot, const PredictorConfig& config = {});
    // A private slot holding `model` (nullptr: fallback only). Throws as ForecastModel::create.
    explicit Predictor(std::shared_ptr<const Model> model, const PredictorConfig& config = {});
    ~Predictor() override;

    // Adds a measurement (see ObserveStatus / ObserveResult for what is refused or repaired),
    // and, with match_observed_samples, settles the pending forecasts it is the actual for.
    ObserveResult observe(const Sample& sample) noexcept override;

    // Forecasts from the samples observed so far, at the newest sample's time. Never returns a
    // non-finite number: see Forecast. Throws Error(not_ready) before any sample was accepted.
    Forecast predict() override;

    // Reports a measurement for matching only (it does not enter the window). Returns how many
    // pending forecasts it settled or expired. Throws Error(invalid_argument) for an invalid
    // timestamp. Invalid values are treated as missing, as in observe().
    MatchCounts record_actual(const Sample& actual) override;

    PredictorStats stats() const override;
    // Forgets samples and pending forecasts (the link restarted); counters and accuracy stay.
    void reset() noexcept override;
    // Its model's mode (Mode::hybrid without a model).
    Mode mode() const override;
    // This predictor for Role::main; it has no other.
    Predictor* member(Role role) noexcept override { return role == Role::main ? this : nullptr; }

    ModelSlot& slot() const noexcept { return *slot_; }
    const std::shared_ptr<ModelSlot>& shared_slot() const noexcept { return slot_; }
    const PredictorConfig& config() const noexcept { return config_; }
    // Seconds between samples as used for horizons and matching: the config's, else the median
    // of the link's last few sample spacings, else the model's input.sample_interval_s, else 1.
    double sample_interval_s() const override;

    // Champion/challenger. The challenger runs in shadow on the same samples (its window starts
    // as a copy of this one's) and is predicted whenever this predictor is; its forecasts are
    // scored but never served. predict() takes about twice as long while one is set.
    // Throws as ForecastModel::create.
    void set_challenger(std::shared_ptr<const Model> model, std::uint64_t min_matched = 30);
    void clear_challenger() noexcept;
    bool has_challenger() const;
    // Throws Error(not_ready) without a challenger.
    ChallengerReport challenger_report() const;
    // Swaps the challenger's model into this predictor's slot (every predictor sharing the slot
    // gets it), ends the comparison and returns the new generation. Throws Error(not_ready)
    // without a challenger.
    std::uint64_t promote_challenger();

private:
    struct Comparison;
    friend class LinkBatch;  // predict_links (links.hpp): encode, batched forward, finish

    void refresh_model();
    void refresh_aggregator();
    bool network_applies() const noexcept;  // the model can answer this link's interval and horizon
    double horizon_locked() const noexcept;
    Forecast predict_locked();
    // A forecast in two steps around the network's forward pass, so that predict_links can run
    // many links' windows as one batch and predict() stays encode + forward + finish:
    // encode_locked() writes the model input and window means (one window's worth) and returns
    // none when the network must run, else why the fallback answers; finish_locked() makes the
    // forecast from the network's output (read only for none), aggregates it and records it.
    // Both expect refresh_model() and refresh_aggregator() to have run under the same lock.
    FallbackReason encode_locked(std::span<float> input, std::span<double> means) const noexcept;
    Forecast finish_locked(FallbackReason reason, std::span<const float> output, std::span<const double> means);
    WindowLayout window_layout_for(const ForecastModel* model) const noexcept;
    std::size_t state_bytes_locked() const noexcept;
    MatchCounts settle(const Sample& cleaned);  // what it settled, also scored
    double sample_interval_locked() const noexcept;
    double max_gap_locked() const noexcept;
    PredictorStats stats_locked() const;

    mutable std::mutex mutex_;
    PredictorConfig config_;
    std::shared_ptr<ModelSlot> slot_;

    // The model in use and what is sized for it.
    std::shared_ptr<const ForecastModel> model_;
    std::uint64_t generation_ = 0;
    bool synced_ = false;  // model_ and generation_ have been read from the slot
    bool has_sample_ = false;
    Mode last_mode_ = Mode::hybrid;  // of the latest forecast
    // +1 on every change a forecast depends on (samples, matches, forecasts, model, reset), so
    // predict_links can tell that a link's encoded window is still what predict() would read.
    std::uint64_t changes_ = 0;

    Window window_;
    std::optional<ForecastAggregator> aggregator_;
    SampleSpacing spacing_;  // the link's measured interval
    double last_timestamp_ = 0.0;
    ServedForecasts served_;
    std::array<ConformalInterval, kForecastSourceCount> intervals_;
    std::array<double, kForecastFieldCount> last_measured_{kMissing, kMissing, kMissing, kMissing};

    std::unique_ptr<Comparison> challenger_;
};

}  // namespace pba::predict
