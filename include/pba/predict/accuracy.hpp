#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "pba/predict/sample.hpp"

namespace pba::predict {

// The transport's confidence rule: with fewer than 10 forecasts made, 0.5; otherwise, over
// the last <= 20 matched forecasts with a valid relative error,
// clamp(1 - mean_relative_error / 0.2, 0, 1) (0.5 when there is none).
inline constexpr std::uint64_t kConfidenceMinForecasts = 10;
inline constexpr std::size_t kConfidenceWindow = 20;
inline constexpr double kConfidenceErrorScale = 0.2;
inline constexpr double kDefaultConfidence = 0.5;
// "Within ±20%": |predicted - actual| <= 0.2 |actual|.
inline constexpr double kWithinTolerance = 0.2;
// Absolute and relative errors are saturated here before they are stored (as float) or
// summed, so forecasts and actuals near DBL_MAX leave every statistic finite.
inline constexpr double kMaxRecordedError = 1e30;

// (|Δbw|/bw + |Δlat|/lat) / 2, the transport's error of one forecast. A term whose actual is
// zero or not finite is skipped, so a link that never measures latency is judged on
// bandwidth alone; NaN when both terms are skipped (the forecast does not count).
double relative_error(double predicted_bandwidth_mbps, double predicted_latency_ms, double actual_bandwidth_mbps,
                      double actual_latency_ms) noexcept;

double confidence_from_errors(std::uint64_t forecasts_made, std::span<const double> recent_errors) noexcept;

// Accuracy of one forecast field over a set of matched forecasts. 0 when count is 0.
struct FieldAccuracy {
    std::uint64_t count = 0;          // forecasts whose actual value of this field was known
    double mae = 0.0;                 // mean |predicted - actual|, in the field's unit
    std::uint64_t nonzero_count = 0;  // of those, with a non-zero actual (MAPE and ±20% use these)
    double mape = 0.0;                // mean |predicted - actual| / |actual|, a ratio (0.1 = 10%)
    double within_20pct = 0.0;        // share within ±20% of the actual
};

struct AccuracySummary {
    std::uint64_t matched = 0;  // matched forecasts in the rolling window
    std::array<FieldAccuracy, kForecastFieldCount> fields{};  // indexed by SampleField
    std::uint64_t relative_error_count = 0;
    double mean_relative_error = 0.0;  // transport's error, averaged over the rolling window
    double accuracy = 0.0;             // clamp(1 - mean_relative_error, 0, 1); 0 with no error
};

// Running sums since construction, so a period's accuracy is the difference of two snapshots.
struct FieldTotals {
    std::uint64_t count = 0;
    double abs_error_sum = 0.0;
    std::uint64_t nonzero_count = 0;
    double pct_error_sum = 0.0;
    std::uint64_t within_20pct = 0;
};
struct AccuracyTotals {
    std::uint64_t forecasts = 0;  // forecasts made (note_forecast)
    std::uint64_t matched = 0;
    std::array<FieldTotals, kForecastFieldCount> fields{};
    std::uint64_t relative_error_count = 0;
    double relative_error_sum = 0.0;
};
// Accuracy over the period between two snapshots of the same tracker.
AccuracySummary accuracy_between(const AccuracyTotals& before, const AccuracyTotals& after) noexcept;

// Who answered a forecast: the model, or the fallback rule.
enum class ForecastSource : std::uint8_t { model = 0, fallback = 1 };
inline constexpr std::size_t kForecastSourceCount = 2;

// The rolling accuracy is kept as sums over blocks of ceil(rolling_window / kAccuracyBlocks)
// matched forecasts: the whole blocks that make up at least rolling_window, and the block
// filling. So it covers the newest rolling_window to rolling_window + 2 x block - 2 forecasts
// (100 to 124 at the default 100; exactly the last rolling_window when that is <= 4), in a
// kilobyte instead of 40 bytes per forecast.
inline constexpr std::size_t kAccuracyBlocks = 4;
inline constexpr std::size_t kMaxAccuracyWindow = 4 * 65535;  // a block counts in 16 bits

// Errors of forecasts matched to their measurements: rolling MAE, MAPE and ±20% per field
// over the newest ~`rolling_window` matched forecasts (all, or one source's among them; see
// kAccuracyBlocks), the transport's confidence rule per source, and totals. Allocates nothing.
// Not thread-safe: owned by one predictor.
class AccuracyTracker {
public:
    // rolling_window in 1..kMaxAccuracyWindow: how many matched forecasts the rolling summaries
    // cover at least (once that many matched). Throws Error(invalid_argument) otherwise.
    explicit AccuracyTracker(std::size_t rolling_window = 100);

    void note_forecast(ForecastSource source) noexcept;
    // predicted and actual indexed by SampleField; an actual field that is NaN is not scored.
    void record(ForecastSource source, const std::array<double, kForecastFieldCount>& predicted,
                const std::array<double, kForecastFieldCount>& actual) noexcept;

    double confidence(ForecastSource source) const noexcept;
    // Forgets what the confidence rule uses for `source` (forecasts made, recent errors), e.g.
    // when the model changes; rolling and total accuracy are kept.
    void reset_confidence(ForecastSource source) noexcept;

    AccuracySummary summary() const noexcept;
    AccuracySummary summary(ForecastSource source) const noexcept;
    const AccuracyTotals& totals(ForecastSource source) const noexcept {
        return totals_[static_cast<std::size_t>(source)];
    }
    AccuracyTotals totals() const noexcept;  // both sources
    std::size_t block_size() const noexcept { return block_size_; }

private:
    // One source's matched forecasts within one block, summed as float: a block holds at most
    // 65,535 (a quarter of the rolling window, 25 at the default), so a rolling figure moves by
    // a relative ~1e-6 at the default, and 128 bytes a block instead of 208 (totals stay double).
    struct Sums {
        std::array<float, kForecastFieldCount> abs_error{};
        std::array<float, kForecastFieldCount> pct_error{};  // over the non-zero actuals
        float relative_error = 0.0f;
        std::array<std::uint16_t, kForecastFieldCount> count{};
        std::array<std::uint16_t, kForecastFieldCount> nonzero_count{};
        std::array<std::uint16_t, kForecastFieldCount> within_20pct{};
        std::uint16_t matched = 0;
        std::uint16_t relative_error_count = 0;
    };
    struct Block {
        std::array<Sums, kForecastSourceCount> by_source{};
        std::size_t size() const noexcept { return std::size_t{by_source[0].matched} + by_source[1].matched; }
    };
    struct Recent {
        std::array<float, kConfidenceWindow> errors{};  // as float: the rule's value moves by < 1e-6
        std::uint32_t head = 0;
        std::uint32_t size = 0;
        std::uint64_t forecasts = 0;  // since the last reset
    };
    AccuracySummary summarise(int source) const noexcept;  // -1: all

    // 32-bit indices: every link holds a tracker.
    std::uint32_t block_size_;
    std::uint32_t whole_blocks_;  // kept besides the one filling: ceil(rolling_window / block_size_)
    std::array<Block, kAccuracyBlocks + 1> blocks_{};  // a ring; blocks_[filling_] is filling
    std::uint32_t filling_ = 0;
    std::uint32_t held_ = 0;  // whole blocks held, up to whole_blocks_
    std::array<Recent, kForecastSourceCount> recent_{};
    std::array<AccuracyTotals, kForecastSourceCount> totals_{};
};

}  // namespace pba::predict
