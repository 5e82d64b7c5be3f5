#pragma once

#include <cstdint>

namespace pba::predict {

// The mean of the values added (0 of none), finite for any finite values: a plain sum of two
// bandwidths near DBL_MAX is +inf. The sum is kept scaled by 2^-64, which is exact (a power of
// two), so the mean is bit for bit the plain sum / count wherever that was finite (for values
// 0 or of magnitude above 2^-958, below which the scaled value would lose bits as a subnormal).
class RunningMean {
public:
    void add(double x) noexcept {
        ++count_;
        scaled_sum_ += x * kDown;
    }
    std::uint64_t count() const noexcept { return count_; }
    double mean() const noexcept { return count_ > 0 ? scaled_sum_ / static_cast<double>(count_) * kUp : 0.0; }

private:
    static constexpr double kDown = 0x1p-64;
    static constexpr double kUp = 0x1p64;
    std::uint64_t count_ = 0;
    double scaled_sum_ = 0.0;
};

}  // namespace pba::predict
