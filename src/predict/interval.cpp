#include "pba/predict/interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::predict {

ConformalInterval::ConformalInterval(double coverage, std::size_t window) : coverage_(coverage), window_(window) {
    if (!(coverage > 0.0 && coverage < 1.0))
        throw Error(Errc::invalid_argument, fmt::format("interval coverage {} must lie in (0, 1)", coverage));
    if (window == 0) throw Error(Errc::invalid_argument, "interval window must hold at least 1 residual");
    residuals_.resize(window);
    sorted_.reserve(window);
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
    const auto residual = static_cast<float>(std::min(std::abs(actual - predicted),
                                                      static_cast<double>(std::numeric_limits<float>::max())));
    if (size_ == residuals_.size())  // the oldest leaves the sorted copy too
        sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), residuals_[head_]));
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), residual), residual);
    residuals_[head_] = residual;
    head_ = (head_ + 1) % residuals_.size();
    size_ = std::min(size_ + 1, residuals_.size());
    update_quantile();
}

void ConformalInterval::reset() noexcept {
    head_ = size_ = 0;
    sorted_.clear();
    half_width_ = 0.0;
    ready_ = false;
}

void ConformalInterval::update_quantile() noexcept {
    // The split-conformal rank: with n calibration residuals, the ceil((n + 1) c)-th smallest.
    const auto n = static_cast<double>(size_);
    const auto rank = static_cast<std::size_t>(std::ceil((n + 1.0) * coverage_ - 1e-9));
    ready_ = rank >= 1 && rank <= size_;
    if (!ready_) return;
    half_width_ = sorted_[rank - 1];
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
    return residuals_.capacity() * sizeof(float) + sorted_.capacity() * sizeof(float) +
           hits_.capacity() * sizeof(std::uint64_t);
}

}  // namespace pba::predict
