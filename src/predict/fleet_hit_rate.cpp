#include "pba/predict/fleet_hit_rate.hpp"

#include <algorithm>
#include <cmath>

#include "pba/predict/calibrated_confidence.hpp"

namespace pba::predict {
namespace {

// (1 - 1 / kFleetMemory)^outcomes: what the fleet keeps of a count after `outcomes` more.
double fleet_decay(double outcomes) noexcept {
    return std::exp(std::max(outcomes, 0.0) * std::log1p(-1.0 / kFleetMemory));
}

}  // namespace

void FleetHitRate::record(double weight, bool hit, FleetShare& share) noexcept {
    std::lock_guard lock(mutex_);
    const double keep = fleet_decay(weight);
    const double scored = hit ? weight : 0.0;
    const double before = clock_.load(std::memory_order_relaxed);
    // The link's share decays as the fleet did since its last outcome; with no other outcome
    // since, by the very same factor, so a link alone leaves exactly zero (prior_mean).
    const double own_keep = share.clock == before ? keep : fleet_decay(before - share.clock) * keep;
    hits_.store(keep * hits_.load(std::memory_order_relaxed) + scored, std::memory_order_relaxed);
    outcomes_.store(keep * outcomes_.load(std::memory_order_relaxed) + weight, std::memory_order_relaxed);
    clock_.store(before + weight, std::memory_order_relaxed);
    share.hits = own_keep * share.hits + scored;
    share.outcomes = own_keep * share.outcomes + weight;
    share.clock = before + weight;
}

double FleetHitRate::prior_mean(const FleetShare& share) const noexcept {
    const double own_keep = fleet_decay(clock() - share.clock);
    const double others = std::max(outcomes() - own_keep * share.outcomes, 0.0);
    const double other_hits = std::clamp(hits() - own_keep * share.hits, 0.0, others);
    return (kFleetPriorStrength * kCalibratedPriorMean + other_hits) / (kFleetPriorStrength + others);
}

}  // namespace pba::predict
