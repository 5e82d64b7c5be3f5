#include "pba/predict/calibrated_confidence.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::predict {

bool within_tolerance(double predicted, double actual, double tolerance) noexcept {
    return std::isfinite(actual) && actual >= 0.0 && std::abs(actual - predicted) <= tolerance * actual;
}

CalibratedConfidence::CalibratedConfidence(double tolerance) : tolerance_(tolerance) {
    if (!(tolerance > 0.0 && tolerance <= 1.0))
        throw Error(Errc::invalid_argument, fmt::format("confidence tolerance {} must lie in (0, 1]", tolerance));
}

bool CalibratedConfidence::pools(const FleetHitRate* fleet) const noexcept {
    return fleet != nullptr && tolerance_ == kDefaultConfidenceTolerance;
}

double CalibratedConfidence::probability(const FleetHitRate* fleet) const noexcept {
    const double prior_mean = pools(fleet) ? fleet->prior_mean(share_) : kCalibratedPriorMean;
    return (kCalibratedPriorStrength * prior_mean + hits_) / (kCalibratedPriorStrength + outcomes_);
}

void CalibratedConfidence::record(double predicted_mbps, double actual_mbps, double made_at_unix_s,
                                  double horizon_s, FleetHitRate* fleet) noexcept {
    if (!std::isfinite(predicted_mbps) || !std::isfinite(actual_mbps) || !std::isfinite(made_at_unix_s)) return;
    double weight = 1.0;
    if (has_outcome_ && horizon_s > 0.0)
        weight = std::clamp((made_at_unix_s - last_made_at_unix_s_) / (0.5 * horizon_s), 0.0, 1.0);
    const double keep = std::pow(1.0 - 1.0 / kCalibratedMemory, weight);
    const bool hit = within_tolerance(predicted_mbps, actual_mbps, tolerance_);
    hits_ = keep * hits_ + (hit ? weight : 0.0);
    outcomes_ = keep * outcomes_ + weight;
    if (pools(fleet)) fleet->record(weight, hit, share_);
    last_made_at_unix_s_ = made_at_unix_s;
    has_outcome_ = true;
}

void CalibratedConfidence::reset() noexcept {
    hits_ = outcomes_ = 0.0;
    last_made_at_unix_s_ = 0.0;
    has_outcome_ = false;
    share_ = {};
}

}  // namespace pba::predict
