#include "pba/predict/accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::predict {
namespace {

bool usable_actual(double actual) noexcept { return std::isfinite(actual) && actual != 0.0; }

double clamp01(double x) noexcept { return std::clamp(x, 0.0, 1.0); }

}  // namespace

double relative_error(double predicted_bandwidth_mbps, double predicted_latency_ms, double actual_bandwidth_mbps,
                      double actual_latency_ms) noexcept {
    double sum = 0.0;
    int terms = 0;
    if (usable_actual(actual_bandwidth_mbps)) {
        sum += std::min(std::abs(predicted_bandwidth_mbps - actual_bandwidth_mbps) / std::abs(actual_bandwidth_mbps),
                        kMaxRecordedError);
        ++terms;
    }
    if (usable_actual(actual_latency_ms)) {
        sum += std::min(std::abs(predicted_latency_ms - actual_latency_ms) / std::abs(actual_latency_ms),
                        kMaxRecordedError);
        ++terms;
    }
    if (terms == 0) return kMissing;
    const double error = sum / terms;
    return std::isfinite(error) ? std::min(error, kMaxRecordedError) : kMissing;
}

double confidence_from_errors(std::uint64_t forecasts_made, std::span<const double> recent_errors) noexcept {
    if (forecasts_made < kConfidenceMinForecasts) return kDefaultConfidence;
    double sum = 0.0;
    std::size_t n = 0;
    for (double e : recent_errors)
        if (std::isfinite(e)) {
            sum += std::abs(e);
            ++n;
        }
    if (n == 0) return kDefaultConfidence;
    return clamp01(1.0 - (sum / static_cast<double>(n)) / kConfidenceErrorScale);
}

AccuracySummary accuracy_between(const AccuracyTotals& before, const AccuracyTotals& after) noexcept {
    AccuracySummary s;
    s.matched = after.matched - before.matched;
    for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
        const FieldTotals& a = after.fields[f];
        const FieldTotals& b = before.fields[f];
        FieldAccuracy& out = s.fields[f];
        out.count = a.count - b.count;
        out.nonzero_count = a.nonzero_count - b.nonzero_count;
        if (out.count) out.mae = (a.abs_error_sum - b.abs_error_sum) / static_cast<double>(out.count);
        if (out.nonzero_count) {
            out.mape = (a.pct_error_sum - b.pct_error_sum) / static_cast<double>(out.nonzero_count);
            out.within_20pct = static_cast<double>(a.within_20pct - b.within_20pct) / static_cast<double>(out.nonzero_count);
        }
    }
    s.relative_error_count = after.relative_error_count - before.relative_error_count;
    if (s.relative_error_count) {
        s.mean_relative_error =
            (after.relative_error_sum - before.relative_error_sum) / static_cast<double>(s.relative_error_count);
        s.accuracy = clamp01(1.0 - s.mean_relative_error);
    }
    return s;
}

AccuracyTracker::AccuracyTracker(std::size_t rolling_window) {
    if (rolling_window == 0 || rolling_window > kMaxAccuracyWindow)
        throw Error(Errc::invalid_argument, fmt::format("accuracy rolling window {} must lie in 1..{}", rolling_window,
                                                        kMaxAccuracyWindow));
    block_size_ = static_cast<std::uint32_t>((rolling_window + kAccuracyBlocks - 1) / kAccuracyBlocks);
    whole_blocks_ = static_cast<std::uint32_t>((rolling_window + block_size_ - 1) / block_size_);
}

void AccuracyTracker::note_forecast(ForecastSource source) noexcept {
    const auto i = static_cast<std::size_t>(source);
    ++recent_[i].forecasts;
    ++totals_[i].forecasts;
}

void AccuracyTracker::record(ForecastSource source, const std::array<double, kForecastFieldCount>& predicted,
                             const std::array<double, kForecastFieldCount>& actual) noexcept {
    const auto src = static_cast<std::size_t>(source);
    AccuracyTotals& totals = totals_[src];
    Block& block = blocks_[filling_];
    Sums& sums = block.by_source[src];
    ++totals.matched;
    ++sums.matched;
    for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
        if (!std::isfinite(actual[f])) continue;
        const double abs_error = std::min(std::abs(predicted[f] - actual[f]), kMaxRecordedError);
        FieldTotals& t = totals.fields[f];
        ++t.count;
        t.abs_error_sum += abs_error;
        ++sums.count[f];
        sums.abs_error[f] += static_cast<float>(abs_error);
        if (actual[f] != 0.0) {
            const double pct = std::min(abs_error / std::abs(actual[f]), kMaxRecordedError);
            ++t.nonzero_count;
            t.pct_error_sum += pct;
            ++sums.nonzero_count[f];
            sums.pct_error[f] += static_cast<float>(pct);
            if (abs_error <= kWithinTolerance * std::abs(actual[f])) {
                ++t.within_20pct;
                ++sums.within_20pct[f];
            }
        }
    }
    const double rel = relative_error(predicted[0], predicted[1], actual[0], actual[1]);
    if (std::isfinite(rel)) {
        ++totals.relative_error_count;
        totals.relative_error_sum += rel;
        ++sums.relative_error_count;
        sums.relative_error += static_cast<float>(rel);
        Recent& r = recent_[src];
        r.errors[r.head] = static_cast<float>(rel);
        r.head = (r.head + 1) % kConfidenceWindow;
        r.size = std::min<std::uint32_t>(r.size + 1, kConfidenceWindow);
    }
    if (block.size() == block_size_) {  // whole: the next block starts, pushing out the oldest
        held_ = std::min(held_ + 1, whole_blocks_);
        filling_ = static_cast<std::uint32_t>((filling_ + 1) % blocks_.size());
        blocks_[filling_] = Block{};
    }
}

double AccuracyTracker::confidence(ForecastSource source) const noexcept {
    const Recent& r = recent_[static_cast<std::size_t>(source)];
    std::array<double, kConfidenceWindow> errors;
    std::copy_n(r.errors.begin(), r.size, errors.begin());
    return confidence_from_errors(r.forecasts, std::span<const double>(errors.data(), r.size));
}

void AccuracyTracker::reset_confidence(ForecastSource source) noexcept { recent_[static_cast<std::size_t>(source)] = Recent{}; }

AccuracySummary AccuracyTracker::summarise(int source) const noexcept {
    AccuracySummary s;
    std::array<double, kForecastFieldCount> abs_sum{}, pct_sum{};
    std::array<std::uint64_t, kForecastFieldCount> within{};
    double rel_sum = 0.0;
    // The held whole blocks, oldest first, then the one filling.
    for (std::size_t k = held_ + 1; k-- > 0;) {
        const Block& block = blocks_[(filling_ + blocks_.size() - k) % blocks_.size()];
        for (std::size_t src = 0; src < kForecastSourceCount; ++src) {
            if (source >= 0 && static_cast<std::size_t>(source) != src) continue;
            const Sums& b = block.by_source[src];
            s.matched += b.matched;
            for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
                s.fields[f].count += b.count[f];
                s.fields[f].nonzero_count += b.nonzero_count[f];
                abs_sum[f] += b.abs_error[f];
                pct_sum[f] += b.pct_error[f];
                within[f] += b.within_20pct[f];
            }
            s.relative_error_count += b.relative_error_count;
            rel_sum += b.relative_error;
        }
    }
    for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
        FieldAccuracy& a = s.fields[f];
        if (a.count) a.mae = abs_sum[f] / static_cast<double>(a.count);
        if (a.nonzero_count) {
            a.mape = pct_sum[f] / static_cast<double>(a.nonzero_count);
            a.within_20pct = static_cast<double>(within[f]) / static_cast<double>(a.nonzero_count);
        }
    }
    if (s.relative_error_count) {
        s.mean_relative_error = rel_sum / static_cast<double>(s.relative_error_count);
        s.accuracy = clamp01(1.0 - s.mean_relative_error);
    }
    return s;
}

AccuracySummary AccuracyTracker::summary() const noexcept { return summarise(-1); }
AccuracySummary AccuracyTracker::summary(ForecastSource source) const noexcept {
    return summarise(static_cast<int>(source));
}

AccuracyTotals AccuracyTracker::totals() const noexcept {
    AccuracyTotals sum;
    for (const AccuracyTotals& t : totals_) {
        sum.forecasts += t.forecasts;
        sum.matched += t.matched;
        for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
            sum.fields[f].count += t.fields[f].count;
            sum.fields[f].abs_error_sum += t.fields[f].abs_error_sum;
            sum.fields[f].nonzero_count += t.fields[f].nonzero_count;
            sum.fields[f].pct_error_sum += t.fields[f].pct_error_sum;
            sum.fields[f].within_20pct += t.fields[f].within_20pct;
        }
        sum.relative_error_count += t.relative_error_count;
        sum.relative_error_sum += t.relative_error_sum;
    }
    return sum;
}

}  // namespace pba::predict
