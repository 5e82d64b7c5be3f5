#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pba::predict {

struct IntervalSummary {
    double target_coverage = 0.0;    // the coverage intervals are sized for, e.g. 0.9
    std::size_t residuals = 0;       // residuals currently held
    double half_width = 0.0;         // current quantile of |residual| (0 until ready)
    std::uint64_t checked = 0;       // matched forecasts that carried an interval, since construction
    std::uint64_t covered = 0;       // of which the actual fell inside
    std::uint64_t recent_checked = 0;
    double measured_coverage = 0.0;  // covered share over the last `window` checks (0 with none)
};

// Split-conformal prediction interval for one forecast value: the half-width is the
// ceil((n + 1) c)-th smallest |actual - predicted| of the last n matched forecasts, so the
// interval [max(0, p - q), p + q] covers with probability >= c when errors are exchangeable.
// Forecasts made less than half a horizon apart aim at mostly the same future and make
// nearly the same error; a window of them holds only a few independent errors and sizes the
// band too narrow (a 90 % band covered 82 % at a 60 s horizon). So a residual joins the
// window only when its forecast was made at least half a horizon after the last one that
// did; one-step forecasts, a sample apart, all join.
// Whether it does on this link is measured: every matched forecast that carried an interval
// is checked. Residuals are kept as float (a relative error of 6e-8 on the band's width) in
// arrival order only: a join and a leave move the quantile by at most one rank, so it is found
// again from the previous one in one or two passes over the ring (~100 floats), and a sorted
// copy per link would cost as much again.
// Allocates only in its constructor. Not thread-safe: owned by one predictor.
class ConformalInterval {
public:
    // coverage in (0, 1), window in 1..2^32 - 1; throws Error(invalid_argument) otherwise.
    explicit ConformalInterval(double coverage = 0.9, std::size_t window = 200);

    struct Band {
        double low = 0.0;
        double high = 0.0;
        double coverage = 0.0;  // 0 until ceil((n + 1) c) <= n: no interval yet (low = high = p)
    };
    Band band(double predicted) const noexcept;

    // A matched forecast: its value, the actual, the band it was served with, when it was made
    // and its horizon (0: every residual joins the window). Forecasts come in order of made_at.
    void record(double predicted, double actual, const Band& served, double made_at_unix_s = 0.0,
                double horizon_s = 0.0) noexcept;
    void reset() noexcept;  // forgets residuals (the model changed); coverage counts are kept

    double target_coverage() const noexcept { return coverage_; }
    IntervalSummary summary() const noexcept;
    std::size_t heap_bytes() const noexcept;  // what it owns on the heap

private:
    void update_quantile() noexcept;

    double coverage_;
    std::vector<float> residuals_;     // ring of |actual - predicted|
    std::vector<std::uint64_t> hits_;  // ring of covered? bits over the last `window_` checks
    double half_width_ = 0.0;
    double last_made_at_unix_s_ = 0.0;  // of the newest residual in the window
    std::uint64_t checked_ = 0;
    std::uint64_t covered_ = 0;
    // 32-bit ring positions: a link holds two intervals.
    std::uint32_t window_;
    std::uint32_t head_ = 0;
    std::uint32_t size_ = 0;
    std::uint32_t hits_head_ = 0;
    std::uint32_t hits_size_ = 0;
    bool ready_ = false;
};

}  // namespace pba::predict
