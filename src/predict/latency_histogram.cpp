#include "pba/predict/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pba::predict {

void LatencyHistogram::record(double us) noexcept {
    if (!(us >= 0.0)) us = 0.0;
    std::size_t bin = 0;
    if (us > kFirstBinUs) {
        const double b = std::floor(std::log(us / kFirstBinUs) / std::log(kBinRatio)) + 1.0;
        bin = b >= static_cast<double>(kBins - 1) ? kBins - 1 : static_cast<std::size_t>(b);
    }
    if (bins_[bin] == std::numeric_limits<std::uint16_t>::max())
        for (std::uint16_t& n : bins_) n = static_cast<std::uint16_t>(n / 2);
    ++bins_[bin];
    const double ms = us / 1000.0;
    const auto bucket = std::lower_bound(kLatencyBucketBoundsMs.begin(), kLatencyBucketBoundsMs.end(), ms) -
                        kLatencyBucketBoundsMs.begin();
    ++buckets_[static_cast<std::size_t>(bucket)];
    ++count_;
    sum_us_ += us;
    max_us_ = std::max(max_us_, us);
}

LatencySummary LatencyHistogram::summary() const noexcept {
    LatencySummary s;
    s.count = count_;
    s.bucket_counts = buckets_;
    s.sum_ms = sum_us_ / 1000.0;
    if (count_ == 0) return s;
    s.max_us = max_us_;
    s.mean_us = sum_us_ / static_cast<double>(count_);
    // Bin i > 0 holds (0.1 * 1.1^(i-1), 0.1 * 1.1^i] µs; a quantile is its bin's geometric middle,
    // never above the exact maximum.
    std::uint64_t binned = 0;  // count_ until the bins were first halved
    for (std::uint16_t n : bins_) binned += n;
    auto quantile = [&](double q) {
        const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(binned)));
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBins; ++i) {
            seen += bins_[i];
            if (seen >= std::max<std::uint64_t>(rank, 1)) {
                if (i == 0) return std::min(kFirstBinUs, max_us_);
                const double mid = kFirstBinUs * std::pow(kBinRatio, static_cast<double>(i) - 0.5);
                return std::min(mid, max_us_);
            }
        }
        return max_us_;
    };
    s.p50_us = quantile(0.50);
    s.p95_us = quantile(0.95);
    s.p99_us = quantile(0.99);
    return s;
}

}  // namespace pba::predict
