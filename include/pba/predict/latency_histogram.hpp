#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pba::predict {

// Upper bounds (ms) of the Prometheus buckets of dwcp_pba_prediction_latency_ms: microsecond
// resolution where pba answers, and the transport's own 1..100 ms buckets above.
inline constexpr std::array<double, 14> kLatencyBucketBoundsMs = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                   1.0,   2.0,  5.0,   10.0, 20.0, 50.0, 100.0};

struct LatencySummary {
    std::uint64_t count = 0;
    double p50_us = 0.0;  // quantiles within ±5% (the fine bins' half-width); 0 when count is 0
    double p95_us = 0.0;
    double p99_us = 0.0;
    double max_us = 0.0;   // exact
    double mean_us = 0.0;  // exact
    double sum_ms = 0.0;
    // Non-cumulative counts per kLatencyBucketBoundsMs bucket; the last holds those above 100 ms.
    std::array<std::uint64_t, kLatencyBucketBoundsMs.size() + 1> bucket_counts{};
};

// Fixed-size latency histogram: log-spaced bins 10% wide from 0.1 µs to ~20 s for quantiles,
// plus exact Prometheus buckets. record() allocates nothing. Not thread-safe.
// The quantile bins count in 16 bits (400 bytes a link, not 1.6 KB): when one would pass 65,535
// (18 hours of one forecast a second in a single bin), every bin is halved, so from then on the
// quantiles weigh recent calls more. count, sum, max, mean and the buckets stay exact (64-bit).
class LatencyHistogram {
public:
    static constexpr std::size_t kBins = 200;
    static constexpr double kFirstBinUs = 0.1;
    static constexpr double kBinRatio = 1.1;

    void record(double microseconds) noexcept;
    LatencySummary summary() const noexcept;

private:
    std::array<std::uint16_t, kBins> bins_{};
    std::array<std::uint64_t, kLatencyBucketBoundsMs.size() + 1> buckets_{};
    std::uint64_t count_ = 0;
    double sum_us_ = 0.0;
    double max_us_ = 0.0;
};

}  // namespace pba::predict
