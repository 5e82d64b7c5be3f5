#pragma once

#include <atomic>
#include <mutex>

namespace pba::predict {

// The fleet's prior: what the links sharing one model in this process have measured, before a
// link has measured much itself. Every link's matured forecasts (in independent outcomes, as
// CalibratedConfidence weighs them) join one recency-weighted count of hits per model and
// source; a link's prior mean is that hit rate without its own outcomes, shrunk towards
// kCalibratedPriorMean by a prior of kFleetPriorStrength outcomes. So a new link on a steady
// network states what its neighbours hit, and a link alone (a cold fleet, or one replay) states
// what it did before there was a fleet. Memory: each new outcome of any link multiplies the
// earlier ones by 1 - 1 / kFleetMemory (about 8 hours of one link's outcomes at a 60 s horizon,
// minutes of a fleet's).
inline constexpr double kFleetPriorStrength = 15.0;
inline constexpr double kFleetMemory = 1000.0;

// A link's own outcomes inside the fleet's count, kept by the link so that its prior leaves them
// out (its own record already counts in its posterior). Doubles, updated as the fleet's counts
// are, so that a link alone leaves exactly nothing: it states what it would without a fleet.
struct FleetShare {
    double hits = 0.0;
    double outcomes = 0.0;
    double clock = 0.0;  // the fleet's outcome clock (FleetHitRate::clock) when this share was updated
};

// One model's fleet count for one forecast source. Thread-safe: record() takes a mutex (no
// allocation), reads take none (relaxed atomics; a read racing a record may mix the two states,
// which moves a prior mean by at most one outcome's worth, and is clamped into [0, 1]).
class FleetHitRate {
public:
    // One matured forecast of a link: `weight` independent outcomes (0..1), hit or not; the
    // link's `share` is brought up to date with it.
    void record(double weight, bool hit, FleetShare& share) noexcept;
    // The prior mean for the link holding `share`: (kFleetPriorStrength x kCalibratedPriorMean +
    // fleet hits - own hits) / (kFleetPriorStrength + fleet outcomes - own outcomes), own counts
    // decayed as the fleet's were since the link's last outcome.
    double prior_mean(const FleetShare& share) const noexcept;

    double hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
    double outcomes() const noexcept { return outcomes_.load(std::memory_order_relaxed); }
    // Every outcome's weight ever recorded: the fleet's decay since a link's last outcome is
    // (1 - 1 / kFleetMemory)^(clock now - clock then).
    double clock() const noexcept { return clock_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;  // serialises record(); readers load the atomics
    std::atomic<double> hits_{0.0};
    std::atomic<double> outcomes_{0.0};
    std::atomic<double> clock_{0.0};
};

}  // namespace pba::predict
