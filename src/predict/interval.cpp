#include "pba/predict/interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/predict/saturated_float.hpp"

namespace pba::predict {

ConformalInterval::ConformalInterval(double coverage, std::size_t window)
    : coverage_(coverage), window_(static_cast<std::uint32_t>(window)) {
    if (!(coverage > 0.0 && coverage < 1.0))
        throw Error(Errc::invalid_argument, fmt::format("interval coverage {} must lie in (0, 1)", coverage));
    if (window == 0) throw Error(Errc::invalid_argument, "interval window must hold at least 1 residual");
    if (window > std::numeric_limits<std::uint32_t>::max())
        throw Error(Errc::invalid_argument, fmt::format("interval window {} must hold at most 2^32 - 1 residuals", window));
    residuals_.resize(window);
    hits_.resize((window + 63) / 64);
}

ConformalInterval::Band ConformalInterval::band(double predicted) const noexcept {
    if (!ready_) return {predicted, predicted, 0.0};
    // Saturated: a forecast near DBL_MAX plus a residual as large would round to +inf.
    const double high = std::min(predicted + half_width_, std::numeric_limits<double>::max());
    return {std::max(predicted - half_width_, 0.0), high, coverage_};
}

void ConformalInterval::record(double predicted, double actual, const Band& served, double made_at_unix_s,
                               double horizon_s) noexcept {
    if (!std::isfinite(actual) || !std::isfinite(predicted)) return;
    if (served.coverage > 0.0) {
        const bool hit = actual >= served.low && actual <= served.high;
        ++checked_;
        covered_ += hit;
        const std::uint64_t bit = std::uint64_t{1} << (hits_head_ % 64);
        hits_[hits_head_ / 64] = hit ? hits_[hits_head_ / 64] | bit : hits_[hits_head_ / 64] & ~bit;
        hits_head_ = (hits_head_ + 1) % window_;
        hits_size_ = std::min(hits_size_ + 1, window_);
    }
    if (size_ > 0 && made_at_unix_s < last_made_at_unix_s_ + 0.5 * horizon_s) return;
    last_made_at_unix_s_ = made_at_unix_s;
    residuals_[head_] = saturated_float(std::abs(actual - predicted));
    head_ = (head_ + 1) % window_;
    size_ = std::min(size_ + 1, window_);
    update_quantile();
}

void ConformalInterval::reset() noexcept {
    head_ = size_ = 0;
    half_width_ = 0.0;
    ready_ = false;
}

void ConformalInterval::update_quantile() noexcept {
    // The split-conformal rank: with n calibration residuals, the ceil((n + 1) c)-th smallest.
    const auto n = static_cast<double>(size_);
    const auto rank = static_cast<std::size_t>(std::ceil((n + 1.0) * coverage_ - 1e-9));
    const bool was_ready = ready_;
    ready_ = rank >= 1 && rank <= size_;
    if (!ready_) return;
    // Start from the previous quantile (or any held residual) and step to the next smaller or
    // larger held value until `rank` falls among the values equal to it: the rank-th smallest,
    // exactly what sorting would give. Each step is one pass; a join and a leave need one or two.
    auto q = was_ready ? static_cast<float>(half_width_) : residuals_[0];
    for (;;) {
        std::size_t below = 0, equal = 0;
        float next_below = -std::numeric_limits<float>::infinity();
        float next_above = std::numeric_limits<float>::infinity();
        for (std::size_t i = 0; i < size_; ++i) {
            const float x = residuals_[i];
            if (x < q) {
                ++below;
                next_below = std::max(next_below, x);
            } else if (x == q) {
                ++equal;
            } else {
                next_above = std::min(next_above, x);
            }
        }
        if (rank <= below)
            q = next_below;
        else if (rank > below + equal)
            q = next_above;
        else
            break;
    }
    half_width_ = q;
}

IntervalSummary ConformalInterval::summary() const noexcept {
    IntervalSummary s;
    s.target_coverage = coverage_;
    s.residuals = size_;
    s.half_width = ready_ ? half_width_ : 0.0;
    s.checked = checked_;
    s.covered = covered_;
    s.recent_checked = hits_size_;
    std::size_t hits = 0;
    for (std::size_t i = 0; i < hits_size_; ++i) hits += (hits_[i / 64] >> (i % 64)) & 1u;
    if (hits_size_) s.measured_coverage = static_cast<double>(hits) / static_cast<double>(hits_size_);
    return s;
}

std::size_t ConformalInterval::heap_bytes() const noexcept {
    return residuals_.capacity() * sizeof(float) + hits_.capacity() * sizeof(std::uint64_t);
}

}  // namespace pba::predict
