#pragma once

#include <cstdint>

#include "pba/predict/fleet_hit_rate.hpp"

namespace pba::predict {

// "Within the tolerance": |actual - predicted| <= tolerance x actual, for a finite actual >= 0
// (an actual of 0 is hit only by a forecast of exactly 0). The calibrated confidence states
// the probability of this event, and docs/predictors.md measures it with this same test.
bool within_tolerance(double predicted, double actual, double tolerance) noexcept;

inline constexpr double kDefaultConfidenceTolerance = 0.2;
// Beta prior of a link's hit rate: its mean is what the link states before any of its forecasts
// has matured, its strength how many independent outcomes it weighs as. The mean is the fleet's
// (fleet_hit_rate.hpp): the hit rate of the other links on the same model, shrunk towards
// kCalibratedPriorMean, which is all a link alone states. Constants chosen leaving one dataset
// out (docs/predictors.md, "Confidence"): 0.43 is the share of the internet model's forecasts
// within 20 % on real 3G/LTE links, and a link's own recent record says less about its next
// forecasts than its count suggests (outcomes arrive a horizon late; links move), so the prior
// weighs 30 outcomes against at most 45 of the link's own.
inline constexpr double kCalibratedPriorMean = 0.43;
inline constexpr double kCalibratedPriorStrength = 30.0;
// The recency weighting: each independent outcome multiplies the weight of the earlier ones by
// 1 - 1 / kCalibratedMemory, so about this many recent outcomes make up the estimate; a link
// that always hits states (30 m + 45) / 75 at most, m its prior mean (0.77 alone, 0.95 in a
// fleet that hits 87 %).
inline constexpr double kCalibratedMemory = 45.0;

// The calibrated confidence rule: the probability that a forecast's bandwidth lands within the
// tolerance of its actual (within_tolerance), estimated from this link's own matured forecasts
// as the posterior mean of a Beta prior (the fleet's hit rate) updated by a recency-weighted
// count of hits.
// Forecasts made less than half a horizon apart aim at mostly the same future (at a 60 s
// horizon, 1 s apart, they share 59 of 60 target seconds) and hit or miss together; so each
// outcome counts with weight min(1, spacing / (horizon / 2)), the spacing measured from the
// previous outcome's forecast: a half horizon of forecasts adds up to one independent outcome,
// as the conformal interval (interval.hpp) keeps one residual per half horizon. The same weight
// joins the fleet. A link whose tolerance is not the default keeps out of the fleet (its hits
// are another event) and states around kCalibratedPriorMean alone.
// 64 bytes, no allocation. Not thread-safe: owned by one predictor (the fleet is thread-safe).
class CalibratedConfidence {
public:
    // tolerance in (0, 1]; throws Error(invalid_argument) otherwise.
    explicit CalibratedConfidence(double tolerance = kDefaultConfidenceTolerance);

    // The probability that the next forecast's actual lies within the tolerance of it; `fleet`
    // (null: none) gives the prior mean.
    double probability(const FleetHitRate* fleet = nullptr) const noexcept;
    // A matured forecast: its bandwidth, the actual, when it was made and its horizon (0: the
    // outcome counts fully); it joins `fleet` too (null: none), which must be the same fleet
    // from one leave_fleet() to the next. Forecasts come in order of made_at; a non-finite
    // value is ignored.
    void record(double predicted_mbps, double actual_mbps, double made_at_unix_s, double horizon_s,
                FleetHitRate* fleet = nullptr) noexcept;
    void reset() noexcept;  // forgets every outcome (the model changed)
    // Forgets which outcomes of the fleet are this link's, keeping its own record: the link
    // moves to another fleet (a new ForecastModel object with the same weights).
    void leave_fleet() noexcept { share_ = {}; }

    double tolerance() const noexcept { return tolerance_; }
    double outcomes() const noexcept { return outcomes_; }  // recency-weighted independent outcomes
    double hits() const noexcept { return hits_; }          // of which hits

private:
    bool pools(const FleetHitRate* fleet) const noexcept;  // joins the fleet: a fleet given, default tolerance

    double tolerance_;
    double hits_ = 0.0;
    double outcomes_ = 0.0;
    double last_made_at_unix_s_ = 0.0;
    bool has_outcome_ = false;
    FleetShare share_;
};

}  // namespace pba::predict
