#pragma once

// Per-link online aggregation of bandwidth forecasts: the network's forecast combined with
// simple smoothers, weighted by how well each did on this link (docs/aggregation.md).

#include <array>
#include <cstddef>
#include <cstdint>

#include "pba/predict/aggregation_member.hpp"
#include "pba/predict/forecast.hpp"
#include "pba/predict/running_mean.hpp"

namespace pba::predict {

inline constexpr std::uint32_t kMaxSnapshotsPerHorizon = 6;

// The forecast the aggregator serves, and how it learns. Defaults chosen by
// leave-one-dataset-out evaluation (tools/train/evaluate_aggregation.py).
struct AggregationConfig {
    double horizon_s = 60.0;
    ForecastTarget target = ForecastTarget::mean_over;
    std::uint32_t horizon_steps = 60;
    double sample_interval_s = 1.0;  // matching tolerance: half of it
    // Hedge learning rate per update; losses are normalised to [0, 1].
    double learning_rate = 1.0;
    // Fixed share per update, in (0, 1): each awake member keeps 1 - share of its weight and the
    // rest is spread evenly over them, so a member that becomes the best can take over.
    double share = 0.003;
    // At most this many snapshots per horizon (1 .. kMaxSnapshotsPerHorizon): forecasts 1 s
    // apart share most of their target, and scoring each would count one error many times.
    std::uint32_t snapshots_per_horizon = 4;
    // The starting weights: a smoother whose samples are on average `prior_age_ratio * horizon_s`
    // old is favoured, others fall off as a Gaussian in the log of their mean age with sd
    // `prior_width`; the network gets the largest smoother prior.
    double prior_age_ratio = 0.5;
    double prior_width = 1.0;
};

struct AggregationSummary {
    std::uint64_t updates = 0;            // settled snapshots that moved the weights
    std::uint64_t snapshots_expired = 0;  // targets never measured well enough, or pushed out
    std::size_t snapshots_pending = 0;
    AggregationMember leading = AggregationMember::network;  // the largest weight
    double leading_weight = 0.0;
    std::array<double, kAggregationMemberCount> weights{};  // sum 1
};

// One link's aggregator: observe every sample, then forecast. Holds everything inline (no
// heap); deterministic; observe/forecast/restart/reset_member never throw or allocate. Not
// thread-safe: owned by one predictor.
class ForecastAggregator {
public:
    // Throws Error(invalid_argument) naming the field that is out of its domain.
    explicit ForecastAggregator(const AggregationConfig& config);

    // A sample (NaN, infinite or negative bandwidth: missing). t_s strictly increasing and
    // finite (the caller guarantees it; a non-finite t_s is ignored). Settles the snapshots
    // whose target it completes, updating the weights, then feeds the smoothers.
    void observe(double t_s, double bandwidth_mbps) noexcept;
    // A sample the link held before this aggregator was built (a rebuild replays its window):
    // feeds the smoothers as observe() does, with no snapshot to settle. Missing as in observe().
    void observe_held(double bandwidth_mbps) noexcept;
    // A gap: the smoothers restart from the next sample and pending snapshots are dropped
    // unscored; the weights are kept.
    void restart() noexcept;
    // The member's forecaster changed (a new model): its weight goes back to its prior (the
    // others scaled to make room) and its forecasts in pending snapshots are forgotten.
    void reset_member(AggregationMember member) noexcept;

    struct Result {
        double bandwidth_mbps = 0.0;  // NaN when not ready
        AggregationMember leading = AggregationMember::network;  // the largest awake weight
        double leading_weight = 0.0;  // its share of the awake members' weight
        std::array<double, kAggregationMemberCount> members{};  // each forecast; NaN: asleep
        bool ready = false;  // some member was awake
    };
    // The combined forecast made at t_s (the newest sample's time) for the configured target.
    // network_mbps: the model's forecast for that same target, NaN when it did not answer.
    // Records a snapshot when the last one is at least horizon_s / snapshots_per_horizon old.
    Result forecast(double t_s, double network_mbps) noexcept;

    const std::array<double, kAggregationMemberCount>& weights() const noexcept { return weights_; }
    const std::array<double, kAggregationMemberCount>& prior() const noexcept { return prior_; }
    const AggregationConfig& config() const noexcept { return config_; }
    AggregationSummary summary() const noexcept;

private:
    static constexpr std::size_t kRingSamples = 10;
    static constexpr std::size_t kEwmaCount = kAggregationMemberCount - 3;
    static constexpr std::size_t kPendingCapacity = kMaxSnapshotsPerHorizon + 2;

    struct Snapshot {
        double made_at_s = 0.0;
        double target_s = 0.0;
        // As float (saturated_float), as a link's pending forecasts are: 72 bytes a snapshot, not 104.
        std::array<float, kAggregationMemberCount> forecasts{};
        RunningMean measured;  // mean_over: the finite samples since made_at
        std::array<double, kAggregationMemberCount> forecasts_held() const noexcept;
    };

    std::array<double, kAggregationMemberCount> member_forecasts(double network_mbps) const noexcept;
    void feed(double bandwidth_mbps) noexcept;  // a usable sample into the smoothers
    void update(const std::array<double, kAggregationMemberCount>& forecasts, double actual_mbps) noexcept;

    AggregationConfig config_;
    std::array<double, kAggregationMemberCount> prior_{};
    std::array<double, kAggregationMemberCount> weights_{};
    std::array<double, kRingSamples> ring_{};  // the newest samples, oldest at ring_head_
    std::array<double, kEwmaCount> ewma_sum_{};   // sum of alpha (1 - alpha)^k x
    std::array<double, kEwmaCount> ewma_norm_{};  // sum of alpha (1 - alpha)^k: debiases the start
    std::array<Snapshot, kPendingCapacity> pending_{};  // oldest first
    double last_snapshot_s_ = 0.0;
    std::uint64_t updates_ = 0;
    std::uint64_t expired_ = 0;
    // Small counts in one word: every link holds an aggregator.
    std::uint8_t ring_head_ = 0;
    std::uint8_t ring_size_ = 0;
    std::uint8_t pending_size_ = 0;
    bool has_snapshot_ = false;
};
static_assert(sizeof(ForecastAggregator) <= 1536, "per-link aggregator state must stay small and inline");

}  // namespace pba::predict
