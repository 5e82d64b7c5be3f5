#include "pba/predict/aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "pba/error.hpp"
#include "pba/predict/sample.hpp"
#include "pba/predict/saturated_float.hpp"

namespace pba::predict {
namespace {

constexpr std::size_t kNetwork = static_cast<std::size_t>(AggregationMember::network);
constexpr std::size_t kPersistence = static_cast<std::size_t>(AggregationMember::persistence);
constexpr std::size_t kMa10 = static_cast<std::size_t>(AggregationMember::ma10);
constexpr std::size_t kFirstEwma = static_cast<std::size_t>(AggregationMember::ewma_0_5);
constexpr std::array<double, kAggregationMemberCount - kFirstEwma> kEwmaAlphas{0.5, 0.2, 0.05, 0.02, 0.005, 0.001};

bool usable(double mbps) noexcept { return std::isfinite(mbps) && mbps >= 0.0; }

// How old, on average, the samples a smoother averages are, in seconds.
double mean_age_s(std::size_t member, double sample_interval_s) noexcept {
    if (member == kPersistence) return 0.0;
    if (member == kMa10) return 0.5 * 9.0 * sample_interval_s;
    const double alpha = kEwmaAlphas[member - kFirstEwma];
    return (1.0 - alpha) / alpha * sample_interval_s;
}

void require(bool ok, const char* field, const char* domain, double value) {
    if (!ok)
        throw Error(Errc::invalid_argument,
                    fmt::format("aggregation config: {} must be {}, got {}", field, domain, value));
}

AggregationConfig validated(const AggregationConfig& c) {
    require(std::isfinite(c.horizon_s) && c.horizon_s > 0.0, "horizon_s", "finite and > 0", c.horizon_s);
    require(c.target == ForecastTarget::value_at || c.target == ForecastTarget::mean_over, "target",
            "value_at or mean_over", static_cast<double>(c.target));
    require(c.horizon_steps >= 1, "horizon_steps", ">= 1", c.horizon_steps);
    require(std::isfinite(c.sample_interval_s) && c.sample_interval_s > 0.0, "sample_interval_s",
            "finite and > 0", c.sample_interval_s);
    require(std::isfinite(c.learning_rate) && c.learning_rate > 0.0, "learning_rate", "finite and > 0",
            c.learning_rate);
    require(c.share > 0.0 && c.share < 1.0, "share", "in (0, 1)", c.share);
    require(c.snapshots_per_horizon >= 1 && c.snapshots_per_horizon <= kMaxSnapshotsPerHorizon,
            "snapshots_per_horizon", "in 1 .. 6", c.snapshots_per_horizon);
    require(std::isfinite(c.prior_age_ratio) && c.prior_age_ratio > 0.0, "prior_age_ratio", "finite and > 0",
            c.prior_age_ratio);
    require(std::isfinite(c.prior_width) && c.prior_width > 0.0, "prior_width", "finite and > 0", c.prior_width);
    return c;
}

}  // namespace

const char* to_string(AggregationMember member) noexcept {
    switch (member) {
        case AggregationMember::network: return "network";
        case AggregationMember::persistence: return "persistence";
        case AggregationMember::ma10: return "ma10";
        case AggregationMember::ewma_0_5: return "ewma_0.5";
        case AggregationMember::ewma_0_2: return "ewma_0.2";
        case AggregationMember::ewma_0_05: return "ewma_0.05";
        case AggregationMember::ewma_0_02: return "ewma_0.02";
        case AggregationMember::ewma_0_005: return "ewma_0.005";
        case AggregationMember::ewma_0_001: return "ewma_0.001";
    }
    return "unknown";
}

ForecastAggregator::ForecastAggregator(const AggregationConfig& config) : config_(validated(config)) {
    // Gaussian in ln(age): computed relative to the closest member so that none underflows
    // to 0 for any width.
    const double dt = config_.sample_interval_s;
    const double centre = std::log(config_.prior_age_ratio * config_.horizon_s + dt);
    std::array<double, kAggregationMemberCount> z2{};
    double least = HUGE_VAL;
    for (std::size_t m = kPersistence; m < kAggregationMemberCount; ++m) {
        const double z = (std::log(mean_age_s(m, dt) + dt) - centre) / config_.prior_width;
        z2[m] = z * z;
        least = std::min(least, z2[m]);
    }
    z2[kNetwork] = least;
    double total = 0.0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
        prior_[m] = std::exp(-0.5 * (z2[m] - least));
        total += prior_[m];
    }
    for (double& p : prior_) p /= total;
    weights_ = prior_;
}

void ForecastAggregator::restart() noexcept {
    ring_head_ = ring_size_ = 0;
    ewma_sum_.fill(0.0);
    ewma_norm_.fill(0.0);
    pending_size_ = 0;
    has_snapshot_ = false;
}

void ForecastAggregator::reset_member(AggregationMember member) noexcept {
    const auto index = static_cast<std::size_t>(member);
    if (index >= kAggregationMemberCount) return;
    double others = 0.0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m)
        if (m != index) others += weights_[m];
    if (!(others > 0.0)) {  // cannot happen while share > 0 keeps every weight positive
        weights_ = prior_;
        return;
    }
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m)
        weights_[m] = m == index ? prior_[m] : weights_[m] * ((1.0 - prior_[index]) / others);
    for (std::size_t p = 0; p < pending_size_; ++p) pending_[p].forecasts[index] = std::numeric_limits<float>::quiet_NaN();
}

void ForecastAggregator::observe(double t_s, double bandwidth_mbps) noexcept {
    if (!std::isfinite(t_s)) return;
    const bool measured = usable(bandwidth_mbps);
    const double tolerance = 0.5 * config_.sample_interval_s;
    std::size_t kept = 0;
    for (std::size_t p = 0; p < pending_size_; ++p) {
        Snapshot& s = pending_[p];
        bool done = false;
        if (config_.target == ForecastTarget::value_at) {
            if (t_s > s.target_s + tolerance) {
                ++expired_;
                done = true;
            } else if (t_s >= s.target_s - tolerance) {
                if (measured)
                    update(s.forecasts_held(), bandwidth_mbps);
                else
                    ++expired_;
                done = true;
            }
        } else if (t_s > s.made_at_s) {
            if (t_s <= s.target_s + tolerance && measured) {
                s.measured.add(bandwidth_mbps);
            }
            if (t_s >= s.target_s - tolerance) {
                const std::uint32_t needed = (config_.horizon_steps + 1) / 2;
                if (s.measured.count() >= needed && s.measured.count() > 0)
                    update(s.forecasts_held(), s.measured.mean());
                else
                    ++expired_;
                done = true;
            }
        }
        if (!done) pending_[kept++] = s;
    }
    pending_size_ = kept;
    if (measured) feed(bandwidth_mbps);
}

void ForecastAggregator::observe_held(double bandwidth_mbps) noexcept {
    if (usable(bandwidth_mbps)) feed(bandwidth_mbps);
}

void ForecastAggregator::feed(double bandwidth_mbps) noexcept {
    ring_[(ring_head_ + ring_size_) % kRingSamples] = bandwidth_mbps;
    if (ring_size_ < kRingSamples)
        ++ring_size_;
    else
        ring_head_ = (ring_head_ + 1) % kRingSamples;
    for (std::size_t e = 0; e < kEwmaCount; ++e) {
        const double alpha = kEwmaAlphas[e];
        ewma_sum_[e] = (1.0 - alpha) * ewma_sum_[e] + alpha * bandwidth_mbps;
        ewma_norm_[e] = (1.0 - alpha) * ewma_norm_[e] + alpha;
    }
}

std::array<double, kAggregationMemberCount> ForecastAggregator::Snapshot::forecasts_held() const noexcept {
    std::array<double, kAggregationMemberCount> held;
    std::copy(forecasts.begin(), forecasts.end(), held.begin());
    return held;
}

// Hedge on the losses |f - y| / max(y, max f) in [0, 1] (scale-free, and the combination's loss
// is at most the weighted loss), among the members awake in the snapshot only; their total
// weight is kept (sleeping experts), then a fixed share of it is spread evenly over them.
void ForecastAggregator::update(const std::array<double, kAggregationMemberCount>& forecasts,
                                double actual_mbps) noexcept {
    double scale = actual_mbps;
    std::size_t awake = 0;
    for (double f : forecasts)
        if (!std::isnan(f)) {
            scale = std::max(scale, f);
            ++awake;
        }
    if (awake == 0) return;
    std::array<double, kAggregationMemberCount> loss{};
    double least = HUGE_VAL;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
        if (std::isnan(forecasts[m])) continue;
        loss[m] = scale > 0.0 ? std::abs(forecasts[m] - actual_mbps) / scale : 0.0;
        least = std::min(least, loss[m]);
    }
    double mass = 0.0, moved = 0.0;
    std::array<double, kAggregationMemberCount> v{};
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
        if (std::isnan(forecasts[m])) continue;
        mass += weights_[m];
        v[m] = weights_[m] * std::exp(-config_.learning_rate * (loss[m] - least));
        moved += v[m];
    }
    const double even = config_.share * mass / static_cast<double>(awake);
    double total = 0.0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
        if (!std::isnan(forecasts[m])) weights_[m] = (1.0 - config_.share) * (v[m] * (mass / moved)) + even;
        total += weights_[m];
    }
    for (double& w : weights_) w /= total;  // rounding drift only
    ++updates_;
}

std::array<double, kAggregationMemberCount> ForecastAggregator::member_forecasts(double network_mbps) const noexcept {
    std::array<double, kAggregationMemberCount> f;
    f.fill(kMissing);
    if (usable(network_mbps)) f[kNetwork] = network_mbps;
    if (ring_size_ > 0) {
        RunningMean mean;  // overflow-free: bandwidths near DBL_MAX sum past it
        for (std::size_t i = 0; i < ring_size_; ++i) mean.add(ring_[(ring_head_ + i) % kRingSamples]);
        f[kPersistence] = ring_[(ring_head_ + ring_size_ - 1) % kRingSamples];
        f[kMa10] = mean.mean();
    }
    for (std::size_t e = 0; e < kEwmaCount; ++e)
        if (ewma_norm_[e] > 0.0) f[kFirstEwma + e] = ewma_sum_[e] / ewma_norm_[e];
    return f;
}

ForecastAggregator::Result ForecastAggregator::forecast(double t_s, double network_mbps) noexcept {
    Result r;
    r.members = member_forecasts(network_mbps);
    double mass = 0.0, weighted = 0.0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
        if (std::isnan(r.members[m])) continue;
        mass += weights_[m];
        weighted += weights_[m] * r.members[m];
        if (!r.ready || weights_[m] > weights_[static_cast<std::size_t>(r.leading)])
            r.leading = static_cast<AggregationMember>(m);
        r.ready = true;
    }
    if (!r.ready) {
        r.bandwidth_mbps = kMissing;
        return r;
    }
    r.bandwidth_mbps = weighted / mass;
    r.leading_weight = weights_[static_cast<std::size_t>(r.leading)] / mass;

    const double spacing = config_.horizon_s / config_.snapshots_per_horizon - 0.5 * config_.sample_interval_s;
    if (std::isfinite(t_s) && (!has_snapshot_ || (t_s > last_snapshot_s_ && t_s - last_snapshot_s_ >= spacing))) {
        if (pending_size_ == config_.snapshots_per_horizon + 2) {  // the oldest is pushed out
            std::copy(pending_.begin() + 1, pending_.begin() + static_cast<std::ptrdiff_t>(pending_size_),
                      pending_.begin());
            --pending_size_;
            ++expired_;
        }
        Snapshot& s = pending_[pending_size_++];
        s = Snapshot{t_s, t_s + config_.horizon_s, {}, RunningMean{}};
        for (std::size_t m = 0; m < kAggregationMemberCount; ++m) s.forecasts[m] = saturated_float(r.members[m]);
        last_snapshot_s_ = t_s;
        has_snapshot_ = true;
    }
    return r;
}

AggregationSummary ForecastAggregator::summary() const noexcept {
    AggregationSummary s;
    s.updates = updates_;
    s.snapshots_expired = expired_;
    s.snapshots_pending = pending_size_;
    s.weights = weights_;
    const auto lead = std::max_element(weights_.begin(), weights_.end());
    s.leading = static_cast<AggregationMember>(lead - weights_.begin());
    s.leading_weight = *lead;
    return s;
}

}  // namespace pba::predict
