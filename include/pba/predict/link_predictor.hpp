#pragma once

#include <cstdint>

#include "pba/predict/forecast.hpp"
#include "pba/predict/matching.hpp"
#include "pba/predict/observe_result.hpp"
#include "pba/predict/sample.hpp"
#include "pba/predict/stats.hpp"

namespace pba::predict {

class Predictor;

// The model-backed predictors inside a link predictor, by what they forecast for it.
enum class Role : std::uint8_t {
    main = 0,        // a single-model Predictor: itself
    datacenter = 1,  // a HybridPredictor's datacenter member
    internet = 2,    // a HybridPredictor's internet member
};

// One link's predictor, whichever kind: a Predictor (one model) or a HybridPredictor (a
// datacenter and an internet model, chosen by mode). A transport holds one per link and drives
// it through this interface; reloads and challengers are per model, through member().
// Every call is as the implementation documents it (Predictor, HybridPredictor): safe from any
// thread, serialised per link; observe() and predict() allocate nothing after construction.
class LinkPredictor {
public:
    virtual ~LinkPredictor();
    LinkPredictor(const LinkPredictor&) = delete;
    LinkPredictor& operator=(const LinkPredictor&) = delete;

    // Adds a measurement; see ObserveResult for what is refused or repaired.
    virtual ObserveResult observe(const Sample& sample) noexcept = 0;
    // Forecasts at the newest sample's time. Throws Error(not_ready) before any accepted sample.
    virtual Forecast predict() = 0;
    // Reports a measurement for matching only. Throws Error(invalid_argument) for an invalid timestamp.
    virtual MatchCounts record_actual(const Sample& actual) = 0;
    virtual PredictorStats stats() const = 0;
    // Forgets samples and pending forecasts (the link restarted); counters and accuracy stay.
    virtual void reset() noexcept = 0;
    // The mode the next forecast will be made in.
    virtual Mode mode() const = 0;
    // Seconds between samples as used for horizons and matching.
    virtual double sample_interval_s() const = 0;
    // The predictor of `role`, for its slot and challenger; nullptr when this one has no such role.
    virtual Predictor* member(Role role) noexcept = 0;

protected:
    LinkPredictor() = default;
};

}  // namespace pba::predict
