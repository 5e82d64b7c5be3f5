#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "pba/amst/parameters.hpp"
#include "pba/predict/forecast.hpp"
#include "pba/predict/stats.hpp"
#include "pba/trace/allocation_score.hpp"
#include "pba/trace/trace.hpp"

namespace pba::predict {
class LinkPredictor;
}  // namespace pba::predict

namespace pba::trace {

// Replaying a trace through a predictor as a transport would drive it: each row is given to
// observe(); after every accepted sample, predict() is called once and timed. Each forecast
// is then scored offline against the trace, next to naive baselines on the same points.

// The naive forecasts a model has to beat, from the finite bandwidths among the newest <= 10
// samples the predictor's window holds (its samples since the last restart after a gap), as
// the training tool computes them on complete windows (tools/train/pba_train/forecast.py):
enum class Method : std::uint8_t {
    model = 0,           // the forecast served (model or fallback, depending on the point set)
    persistence = 1,     // the newest value
    moving_average = 2,  // their mean
    ewma = 3,            // exponentially weighted, alpha 0.3, seeded with the oldest of them
};
inline constexpr std::size_t kMethodCount = 4;
inline constexpr std::size_t kBaselineSamples = 10;
inline constexpr double kEwmaAlpha = 0.3;
const char* to_string(Method method) noexcept;

// MAPE only over actuals of at least 0.1 Mbps: near-zero seconds (coverage holes) would
// otherwise dominate it with percentages in the thousands.
inline constexpr double kMapeMinActualMbps = 0.1;

// One served forecast and what it is scored against.
struct ReplayPoint {
    std::size_t row = 0;      // index in Trace::samples of the sample it followed
    double t_s = 0.0;         // the forecast's made_at: that sample's t_s
    double target_t_s = 0.0;  // made_at + horizon_s
    double predicted_mbps = 0.0;
    // The forecast's other values (0 for a field never measured), for the AMST settings.
    double latency_ms = 0.0;
    double packet_loss = 0.0;
    double jitter_ms = 0.0;
    std::uint32_t unknown_fields = 0;  // Forecast::unknown_fields
    double low_mbps = 0.0;  // bandwidth interval; equal to predicted_mbps while it has none
    double high_mbps = 0.0;
    double interval_coverage = 0.0;  // the interval's stated coverage, 0 while it has none
    double confidence = 0.0;
    // Every confidence rule's value (Forecast::confidence_by_rule), indexed by
    // predict::ConfidenceRule: what each rule would let through the transport's gates.
    std::array<double, predict::kConfidenceRuleCount> confidence_by_rule{};
    predict::Mode mode = predict::Mode::hybrid;
    bool fallback = false;              // Forecast::fallback: every value from the fallback rule
    bool bandwidth_from_model = false;  // the bandwidth value came from a model
    predict::FallbackReason fallback_reason = predict::FallbackReason::none;
    predict::ForecastTarget target = predict::ForecastTarget::value_at;
    std::uint32_t horizon_steps = 1;
    double horizon_s = 0.0;
    // The measured value the forecast stands for, by its own target definition and the
    // predictor's matching rule (predict/matching.hpp) with a tolerance of half a step
    // (horizon_s / horizon_steps), over the samples the predictor accepted:
    // - value_at: the bandwidth of the first sample at or after target - tolerance, when it is
    //   no later than target + tolerance;
    // - mean_over: the mean of the finite bandwidths after t_s, up to and including the first
    //   sample at or after target - tolerance (if no later than target + tolerance), when
    //   there are at least ceil(horizon_steps / 2) of them.
    // NaN when unknown: the trace ended, a gap, a missing value.
    double actual_mbps = predict::kMissing;
    // The bandwidth of the next accepted sample: what the link delivered while the settings
    // chosen on this forecast were held (allocation_score.hpp). NaN for the last, or missing.
    double next_mbps = predict::kMissing;
    std::array<double, kMethodCount> baseline_mbps{};  // by Method; [model] unused; NaN without data
    // Aggregation (predict::Forecast::aggregated): predicted_mbps is then the aggregate.
    bool aggregated = false;
    predict::AggregationMember leading_member = predict::AggregationMember::network;
    double network_mbps = predict::kMissing;  // the network's own forecast; NaN when it did not answer
    // Every member's forecast by predict::AggregationMember; NaN for one that could not answer
    // (all NaN when not aggregated).
    std::array<double, predict::kAggregationMemberCount> member_mbps{};
    double latency_us = 0.0;  // the predict() call, wall clock
};

// A method's error over a set of points.
struct MethodScore {
    std::uint64_t count = 0;  // points scored
    double mae_mbps = 0.0;    // mean |predicted - actual|
    std::uint64_t mape_count = 0;  // points with actual >= kMapeMinActualMbps
    double mape = 0.0;             // over those: mean |predicted - actual| / actual (0.1 = 10%)
    double within_20pct = 0.0;     // share of all points with |predicted - actual| <= 0.2 actual
};

// Every method scored on the same points: forecasts with a known actual and a baseline
// (some finite bandwidth in the window). On the model's points, Method::model is the network's
// own forecast and `served` what the predictor served (the aggregate, when aggregated); on all
// points both are the served forecast.
struct Comparison {
    std::uint64_t points = 0;
    std::array<MethodScore, kMethodCount> methods{};  // by Method
    MethodScore served;
    // Each aggregation member over those of the points where it answered (its count says how
    // many): the network only where it answered, the smoothers from a link's first sample.
    std::array<MethodScore, predict::kAggregationMemberCount> members{};
};

// The bandwidth interval's stated coverage against how often it held the actual.
struct IntervalCheck {
    std::uint64_t checked = 0;       // scored forecasts that carried an interval
    std::uint64_t covered = 0;       // of which low <= actual <= high
    double stated_coverage = 0.0;    // mean interval_coverage of those forecasts
    double measured_coverage = 0.0;  // covered / checked (0 with none)
};

// The AMST settings each forecast leads to, and what the confidence gates let through.
struct AmstReplay {
    std::uint64_t computed = 0;  // forecasts with confidence >= Params::compute_confidence
    std::uint64_t applied = 0;   // forecasts with confidence >= Params::apply_confidence
    // Applied forecasts whose streams, buffer or chunk differ from the ones applied before them
    // (the first application counts). Pacing follows every change of the forecast bandwidth,
    // so it is left out.
    std::uint64_t changes = 0;
    std::uint64_t not_computable = 0;  // forecasts beyond the transport's integer arithmetic
    bool has_last = false;             // the last forecast's settings could be computed
    amst::Forecast last_forecast;
    amst::Settings last_settings;
    double last_confidence = 0.0;
    // The settings in force at the end: the last ones applied, and when.
    bool has_applied = false;
    amst::Settings applied_settings;
    double applied_t_s = 0.0;
};

// Exact percentiles (nearest rank) of the timed predict() calls.
struct LatencyPercentiles {
    std::uint64_t count = 0;
    double p50_us = 0.0;
    double p95_us = 0.0;
    double p99_us = 0.0;
    double max_us = 0.0;
    double mean_us = 0.0;
};

struct ReplaySummary {
    std::size_t rows = 0;
    predict::SampleCounts samples;  // the predictor's counts for the rows it was given
    std::uint64_t forecasts = 0;
    std::uint64_t model_forecasts = 0;  // Forecast::fallback false
    std::uint64_t fallback_forecasts = 0;
    std::array<std::uint64_t, predict::kFallbackReasonCount> fallbacks_by_reason{};
    std::array<std::uint64_t, predict::kModeCount> forecasts_by_mode{};
    std::uint64_t mode_switches = 0;  // consecutive forecasts of different modes
    std::uint64_t scored = 0;         // forecasts whose actual is known
    std::uint64_t aggregated_forecasts = 0;  // Forecast::aggregated
    // How often each member carried the most weight, over the aggregated forecasts.
    std::array<std::uint64_t, predict::kAggregationMemberCount> leading_by_member{};
    // The horizon of the last forecast whose bandwidth came from a model (else the last one).
    predict::ForecastTarget target = predict::ForecastTarget::value_at;
    std::uint32_t horizon_steps = 0;
    double horizon_s = 0.0;
    Comparison model;   // points whose bandwidth came from a model
    Comparison served;  // every point, from the model or the fallback rule
    IntervalCheck interval;
    double mean_confidence = 0.0;
    AmstReplay amst;
    AllocationReport allocation;  // the settings each policy would hold, scored (allocation_score.hpp)
    LatencyPercentiles latency;
};

struct ReplayOptions {
    amst::Params amst;  // validated by replay()
    // Called about every 0.5% of the rows with (rows done, rows in all), e.g. for a progress
    // bar. It runs outside the timed calls.
    std::function<void(std::size_t done, std::size_t total)> progress;
};

struct Replay {
    std::vector<ReplayPoint> points;  // one per forecast, in order
    ReplaySummary summary;
};

// Feeds every row of `trace` to the predictor (which keeps what it learnt: counters and
// accuracy add to its stats) and scores the forecasts. Throws Error(invalid_argument) for
// invalid options.amst, and whatever the predictor throws.
Replay replay(const Trace& trace, predict::LinkPredictor& predictor, const ReplayOptions& options = {});

// The summary of a set of points (those of a replay, perhaps filtered): every field but
// rows and samples, which the points do not hold.
ReplaySummary summarise(const std::vector<ReplayPoint>& points, const amst::Params& params = {});

}  // namespace pba::trace
