#pragma once

#include <cstdint>

namespace pba::predict {

// "Within the tolerance": |actual - predicted| <= tolerance x actual, for a finite actual >= 0
// (an actual of 0 is hit only by a forecast of exactly 0). The calibrated confidence states
// the probability of this event, and docs/predictors.md measures it with this same test.
bool within_tolerance(double predicted, double actual, double tolerance) noexcept;

inline constexpr double kDefaultConfidenceTolerance = 0.2;
// Beta prior of the hit rate: its mean is what a link states before any of its forecasts has
// matured, its strength how many independent outcomes it weighs as. Chosen on real 3G/LTE
// traces (docs/predictors.md, "Confidence"): 0.43 is the share of the internet model's
// forecasts within 20 % there, and a link's own recent record says less about its next
// forecasts than its count suggests, so the prior keeps a weight of 15 against at most 45.
inline constexpr double kCalibratedPriorMean = 0.43;
inline constexpr double kCalibratedPriorStrength = 15.0;
// The recency weighting: each independent outcome multiplies the weight of the earlier ones by
// 1 - 1 / kCalibratedMemory, so about this many recent outcomes make up the estimate; a link
// that always hits states (15 x 0.43 + 45) / 60 = 0.86 at most.
inline constexpr double kCalibratedMemory = 45.0;

// The calibrated confidence rule: the probability that a forecast's bandwidth lands within the
// tolerance of its actual (within_tolerance), estimated from this link's own matured forecasts
// as the posterior mean of a Beta prior updated by a recency-weighted count of hits.
// Forecasts made less than half a horizon apart aim at mostly the same future (at a 60 s
// horizon, 1 s apart, they share 59 of 60 target seconds) and hit or miss together; so each
// outcome counts with weight min(1, spacing / (horizon / 2)), the spacing measured from the
// previous outcome's forecast: a half horizon of forecasts adds up to one independent outcome,
// as the conformal interval (interval.hpp) keeps one residual per half horizon.
// 40 bytes, no allocation. Not thread-safe: owned by one predictor.
class CalibratedConfidence {
public:
    // tolerance in (0, 1]; throws Error(invalid_argument) otherwise.
    explicit CalibratedConfidence(double tolerance = kDefaultConfidenceTolerance);

    // The probability that the next forecast's actual lies within the tolerance of it.
    double probability() const noexcept;
    // A matured forecast: its bandwidth, the actual, when it was made and its horizon (0: the
    // outcome counts fully). Forecasts come in order of made_at; a non-finite value is ignored.
    void record(double predicted_mbps, double actual_mbps, double made_at_unix_s, double horizon_s) noexcept;
    void reset() noexcept;  // forgets every outcome (the model changed)

    double tolerance() const noexcept { return tolerance_; }
    double outcomes() const noexcept { return outcomes_; }  // recency-weighted independent outcomes
    double hits() const noexcept { return hits_; }          // of which hits

private:
    double tolerance_;
    double hits_ = 0.0;
    double outcomes_ = 0.0;
    double last_made_at_unix_s_ = 0.0;
    bool has_outcome_ = false;
};

}  // namespace pba::predict
