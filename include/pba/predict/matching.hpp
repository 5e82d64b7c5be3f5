#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "pba/predict/forecast.hpp"
#include "pba/predict/interval.hpp"
#include "pba/predict/running_mean.hpp"
#include "pba/predict/sample.hpp"

namespace pba::predict {

// A served forecast waiting for the measurement at its target time.
struct PendingForecast {
    double made_at_unix_s = 0.0;
    double target_unix_s = 0.0;
    ForecastTarget target = ForecastTarget::value_at;
    std::uint32_t horizon_steps = 1;
    bool fallback = false;
    bool combined = false;  // HybridPredictor: the ensemble of both members' forecasts
    std::array<double, kForecastFieldCount> predicted{};
    ConformalInterval::Band band;  // the bandwidth interval it was served with
    // mean_over: the measurements since made_at, per field.
    std::array<RunningMean, kForecastFieldCount> measured{};
};

struct MatchCounts {
    std::uint32_t matched = 0;
    std::uint32_t expired = 0;  // the measurement for the target time never came (gap) or was unusable
};

// Forecasts awaiting their measurement, matched as measurements arrive:
// - value_at: the first measurement within ±tolerance_s of the target time is the actual; one
//   arriving later than target + tolerance_s expires the forecast.
// - mean_over: measurements after made_at up to target + tolerance_s are averaged; the forecast
//   is settled by the first measurement at or after target - tolerance_s. A field with fewer
//   than half the horizon's samples is not scored; with no scored field the forecast expires.
// Holds at most `capacity` forecasts (the oldest expires first); a forecast made at the same
// time as the newest held one replaces it, so predicting twice between samples scores once.
// Allocates only in its constructor. Not thread-safe: owned by one predictor.
class PendingForecasts {
public:
    explicit PendingForecasts(std::size_t capacity = 64) { entries_.reserve(capacity < 1 ? 1 : capacity); }

    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t capacity() const noexcept { return entries_.capacity(); }
    void clear() noexcept { entries_.clear(); }
    // Grows the capacity, keeping the forecasts held (allocates). Never shrinks.
    void reserve(std::size_t capacity) { entries_.reserve(capacity); }

    // Returns 1 when the oldest forecast had to be dropped (counted as expired), else 0.
    std::uint32_t add(const PendingForecast& forecast) noexcept {
        if (!entries_.empty() && entries_.back().made_at_unix_s == forecast.made_at_unix_s) {
            entries_.back() = forecast;
            return 0;
        }
        std::uint32_t dropped = 0;
        if (entries_.size() == entries_.capacity()) {
            entries_.erase(entries_.begin());
            dropped = 1;
        }
        entries_.push_back(forecast);
        return dropped;
    }

    // Offers a measurement; calls on_match(const PendingForecast&, const std::array<double, 4>&
    // actual) for every forecast it settles. `actual` must be a cleaned sample (NaN for unknown).
    template <class OnMatch>
    MatchCounts offer(const Sample& actual, double tolerance_s, OnMatch&& on_match) noexcept {
        MatchCounts counts;
        const double t = actual.timestamp_unix_s;
        std::size_t kept = 0;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            PendingForecast& p = entries_[i];
            bool done = false;
            if (p.target == ForecastTarget::value_at) {
                if (t > p.target_unix_s + tolerance_s) {
                    ++counts.expired;
                    done = true;
                } else if (t >= p.target_unix_s - tolerance_s) {
                    on_match(std::as_const(p), values_of(actual));
                    ++counts.matched;
                    done = true;
                }
            } else if (t > p.made_at_unix_s) {
                if (t <= p.target_unix_s + tolerance_s) accumulate(p, actual);
                if (t >= p.target_unix_s - tolerance_s) {
                    if (settle_mean(p, on_match))
                        ++counts.matched;
                    else
                        ++counts.expired;
                    done = true;
                }
            }
            if (!done) entries_[kept++] = p;
        }
        entries_.resize(kept);
        return counts;
    }

private:
    static std::array<double, kForecastFieldCount> values_of(const Sample& s) noexcept {
        return {s.bandwidth_mbps, s.latency_ms, s.packet_loss, s.jitter_ms};
    }
    static void accumulate(PendingForecast& p, const Sample& s) noexcept {
        const auto v = values_of(s);
        for (std::size_t f = 0; f < kForecastFieldCount; ++f)
            if (std::isfinite(v[f])) p.measured[f].add(v[f]);
    }
    template <class OnMatch>
    static bool settle_mean(const PendingForecast& p, OnMatch& on_match) noexcept {
        const std::uint32_t needed = (p.horizon_steps + 1) / 2;
        std::array<double, kForecastFieldCount> mean{};
        bool any = false;
        for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
            if (p.measured[f].count() >= needed && p.measured[f].count() > 0) {
                mean[f] = p.measured[f].mean();
                any = true;
            } else {
                mean[f] = kMissing;
            }
        }
        if (any) on_match(p, mean);
        return any;
    }

    std::vector<PendingForecast> entries_;
};

}  // namespace pba::predict
