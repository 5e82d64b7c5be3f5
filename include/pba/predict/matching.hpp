#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "pba/predict/forecast.hpp"
#include "pba/predict/interval.hpp"
#include "pba/predict/saturated_float.hpp"
#include "pba/predict/sample.hpp"

namespace pba::predict {

// The running means of the four forecast fields, as RunningMean computes each (scaled sum, so
// bit for bit the plain sum / count), in 48 bytes instead of 64.
class FieldMeans {
public:
    void add(std::size_t field, double x) noexcept {
        ++counts_[field];
        scaled_sums_[field] += x * kDown;
    }
    std::uint32_t count(std::size_t field) const noexcept { return counts_[field]; }
    double mean(std::size_t field) const noexcept {
        return counts_[field] > 0 ? scaled_sums_[field] / static_cast<double>(counts_[field]) * kUp : 0.0;
    }

private:
    static constexpr double kDown = 0x1p-64;
    static constexpr double kUp = 0x1p64;
    std::array<double, kForecastFieldCount> scaled_sums_{};
    std::array<std::uint32_t, kForecastFieldCount> counts_{};
};

// Which forecasts are scored, and how many can wait. Forecasts made less than 1/16 of a horizon
// apart aim at nearly the same future and would be scored on nearly the same measurements; so
// a forecast joins the pending set only when made at least horizon_s / 16 after the last one
// that joined, which bounds the set at 16 whatever the horizon (a 60 s horizon held up to 128
// forecasts of 144 bytes each). One-step forecasts all join, as before.
inline constexpr double kPendingSpacingHorizons = 1.0 / 16.0;
constexpr double pending_spacing_s(std::uint32_t horizon_steps, double horizon_s) noexcept {
    return horizon_steps > 1 ? horizon_s * kPendingSpacingHorizons : 0.0;
}
// Room for every joined forecast still waiting: a one-step forecast waits for the next sample
// only (2 at most, one made since), so 5. A longer horizon H settles a forecast at the first
// sample within the tolerance of its target, so those waiting were made within the last H,
// at least H / 16 apart: 16 at most, and one more as a margin. A link whose served horizon is
// longer in steps than its model's (a link sampled faster, or horizon_s set) is sized as a long
// horizon.
constexpr std::size_t pending_capacity(std::uint32_t horizon_steps) noexcept { return horizon_steps <= 1 ? 5 : 17; }

// A served forecast waiting for the measurement at its target time, in 96 bytes (a link holds
// up to 17). Its values and interval bounds are kept as float: scoring them moves an error by
// a relative 6e-8, and a bound only for an actual within that of it.
struct PendingForecast {
    double made_at_unix_s = 0.0;
    double target_unix_s = 0.0;
    ForecastTarget target = ForecastTarget::value_at;
    bool fallback = false;
    bool combined = false;  // HybridPredictor: the ensemble of both members' forecasts
    bool banded = false;    // it was served with a bandwidth interval
    std::uint32_t horizon_steps = 1;
    std::array<float, kForecastFieldCount> predicted{};  // indexed by SampleField
    float band_low_mbps = 0.0f;
    float band_high_mbps = 0.0f;
    // mean_over: the measurements since made_at, per field.
    FieldMeans measured;

    std::array<double, kForecastFieldCount> predicted_values() const noexcept {
        return {predicted[0], predicted[1], predicted[2], predicted[3]};
    }
    // The bandwidth interval it was served with, for an interval sized for `coverage`.
    ConformalInterval::Band band(double coverage) const noexcept {
        return {band_low_mbps, band_high_mbps, banded ? coverage : 0.0};
    }
};
static_assert(sizeof(PendingForecast) == 96, "a link holds up to 17: keep it at 96 bytes");

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
// time as the newest held one replaces it, so predicting twice between samples scores once, and
// one made less than `spacing_s` after the last that joined is not held (see pending_spacing_s).
// Allocates only in its constructor. Not thread-safe: owned by one predictor.
class PendingForecasts {
public:
    explicit PendingForecasts(std::size_t capacity = 64) { entries_.reserve(capacity < 1 ? 1 : capacity); }

    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t capacity() const noexcept { return entries_.capacity(); }
    std::size_t heap_bytes() const noexcept { return entries_.capacity() * sizeof(PendingForecast); }
    void clear() noexcept {
        entries_.clear();
        joined_ = false;
    }
    // Grows the capacity, keeping the forecasts held (allocates). Never shrinks.
    void reserve(std::size_t capacity) { entries_.reserve(capacity); }

    // Returns 1 when the oldest forecast had to be dropped (counted as expired), else 0.
    std::uint32_t add(const PendingForecast& forecast, double spacing_s = 0.0) noexcept {
        if (!entries_.empty() && entries_.back().made_at_unix_s == forecast.made_at_unix_s) {
            entries_.back() = forecast;
            return 0;
        }
        if (joined_ && forecast.made_at_unix_s < last_joined_unix_s_ + spacing_s) return 0;
        joined_ = true;
        last_joined_unix_s_ = forecast.made_at_unix_s;
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
            if (std::isfinite(v[f])) p.measured.add(f, v[f]);
    }
    template <class OnMatch>
    static bool settle_mean(const PendingForecast& p, OnMatch& on_match) noexcept {
        const std::uint32_t needed = (p.horizon_steps + 1) / 2;
        std::array<double, kForecastFieldCount> mean{};
        bool any = false;
        for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
            if (p.measured.count(f) >= needed && p.measured.count(f) > 0) {
                mean[f] = p.measured.mean(f);
                any = true;
            } else {
                mean[f] = kMissing;
            }
        }
        if (any) on_match(p, mean);
        return any;
    }

    std::vector<PendingForecast> entries_;
    bool joined_ = false;
    double last_joined_unix_s_ = 0.0;  // made_at of the newest forecast that joined
};

}  // namespace pba::predict
