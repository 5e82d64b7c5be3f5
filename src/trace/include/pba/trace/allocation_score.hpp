#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pba/amst/interval_sizing.hpp"
#include "pba/amst/parameters.hpp"
#include "pba/predict/confidence_rule.hpp"

namespace pba::trace {

struct ReplayPoint;

// What the transport would have done with a replay's forecasts, scored against what the link
// then delivered (docs/replay.md, "allocation score").
//
// A policy acts once per forecast (one per accepted sample) and then holds its settings until
// it next acts. The step from forecast i to forecast i + 1 is scored against the throughput
// the link delivered over it, the next accepted sample's bandwidth (ReplayPoint::next_mbps);
// steps without one (the last, a missing value) are not scored but the policy still acts. A
// holding period, from one change of the settings to the next, is a run of such steps.
//
// Every policy starts from the fixed settings and sizes from the forecast's latency, loss and
// jitter (0 where never measured), so policies differ only in the bandwidth they size from and
// in when they act.

enum class Sizing : std::uint8_t {
    point = 0,     // amst::settings of the forecast bandwidth
    interval = 1,  // amst::interval_settings of the forecast and its interval
    ewma = 2,      // amst::settings of the EWMA α=0.3 of the measured bandwidths (Method::ewma)
    fixed = 3,     // never changes: the fixed settings (AllocationReport::fixed_forecast)
    oracle = 4,    // amst::settings of the step's delivered throughput: hindsight, the floor
};
const char* to_string(Sizing sizing) noexcept;

struct AllocationPolicy {
    Sizing sizing = Sizing::point;
    // Gated: new settings are applied only at forecasts whose confidence by `rule` passes
    // amst::should_apply (>= 0.8); the compute gate (>= 0.6) changes nothing the transport
    // holds. Otherwise the policy applies new settings at every forecast.
    bool gated = false;
    predict::ConfidenceRule rule = predict::ConfidenceRule::transport;
};

// The rows `pba replay` reports, in order: point and interval sizing, each gated by every
// confidence rule and then ungated; EWMA, fixed, oracle (ungated).
std::vector<AllocationPolicy> allocation_policies();

// A name for CSV columns, e.g. "pba_gated_transport", "interval_every", "ewma".
std::string key(const AllocationPolicy& policy);

// One step's score: pacing (bytes per second) against the throughput delivered (Mbps, finite
// and >= 0). Overshoot: paced above it (strictly), which queues and loses packets. Unused
// share: max(0, delivered - pacing) / delivered, 0 when nothing was delivered.
struct StepScore {
    bool overshoot = false;
    double unused_share = 0.0;
};
StepScore score_step(std::int64_t pacing_bytes_per_s, double delivered_mbps) noexcept;

// The settings one policy holds, forecast by forecast.
class PolicyRun {
public:
    // Throws Error(invalid_argument) for invalid params or sizing.
    PolicyRun(const AllocationPolicy& policy, const amst::Settings& initial, const amst::Params& params = {},
              const amst::IntervalSizing& sizing = {});

    // Acts on the next forecast and returns the settings in force until the next one. Settings
    // beyond the transport's arithmetic, or a bandwidth that is unknown (an EWMA without data,
    // the oracle without a next sample), keep the current ones. Throws Error(invalid_argument)
    // for a gating confidence that is NaN or outside [0, 1].
    const amst::Settings& act(const ReplayPoint& point);

    const amst::Settings& held() const noexcept { return held_; }
    std::uint64_t applications() const noexcept { return applications_; }  // new settings computed and applied
    std::uint64_t not_computable() const noexcept { return not_computable_; }

private:
    AllocationPolicy policy_;
    amst::Params params_;
    amst::IntervalSizing sizing_;
    amst::Settings held_;
    std::uint64_t applications_ = 0;
    std::uint64_t not_computable_ = 0;
};

struct AllocationScore {
    AllocationPolicy policy;
    std::uint64_t steps = 0;            // scored steps (the same for every policy)
    std::uint64_t overshoot_steps = 0;  // of which paced above the delivered throughput
    double overshoot = 0.0;             // overshoot_steps / steps: the share of time paced above it
    double undershoot = 0.0;            // mean unused share over the scored steps
    std::uint64_t applications = 0;     // forecasts at which it applied settings
    // Forecasts after which the held streams, buffer or chunk differ from those held before
    // (the fixed settings before the first forecast); `changes` counts any of the three.
    std::uint64_t streams_changes = 0;
    std::uint64_t buffer_changes = 0;
    std::uint64_t chunk_changes = 0;
    std::uint64_t changes = 0;
    std::uint64_t not_computable = 0;  // forecasts whose settings were beyond the arithmetic
};

struct AllocationReport {
    // False when no step could be scored, or when the fixed settings are beyond the
    // transport's arithmetic (a median throughput of ~10^13 Mbps or more): no policy is scored.
    bool scored = false;
    // The fixed settings: amst::settings of the nearest-rank median delivered throughput over
    // the scored steps (a static configuration tuned to this link in hindsight) and the
    // nearest-rank medians of the forecasts' latency, loss and jitter.
    amst::Forecast fixed_forecast;
    amst::Settings fixed_settings;
    std::uint64_t steps = 0;
    std::vector<AllocationScore> policies;  // by allocation_policies()
    // What it was scored with, so that a policy's run can be repeated (PolicyRun), e.g. to
    // list the settings held at every forecast.
    amst::Params params;
    amst::IntervalSizing sizing;
};

// Scores every policy of allocation_policies() over the points, in order. Throws
// Error(invalid_argument) for invalid params or sizing, or a point whose confidence is NaN or
// outside [0, 1].
AllocationReport score_allocation(const std::vector<ReplayPoint>& points, const amst::Params& params = {},
                                  const amst::IntervalSizing& sizing = {});

}  // namespace pba::trace
