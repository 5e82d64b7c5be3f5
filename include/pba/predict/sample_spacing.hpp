#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace pba::predict {

// A link's measured sample interval: the median of its last few spacings, kept up to date as
// each spacing arrives so that reading it (every forecast) costs nothing. Plain data, no heap.
class SampleSpacing {
public:
    void record(double spacing_s) noexcept {
        spacings_s_[head_] = spacing_s;
        head_ = static_cast<std::uint8_t>((head_ + 1) % spacings_s_.size());
        count_ = static_cast<std::uint8_t>(std::min<std::size_t>(count_ + 1u, spacings_s_.size()));
        // Insertion sort of at most five: std::sort's 16-element threshold makes GCC 12 warn
        // (-Warray-bounds, a false positive) about an array this small.
        std::array<double, kSpacings> sorted{};
        for (std::size_t i = 0; i < count_; ++i) {
            std::size_t j = i;
            for (; j > 0 && sorted[j - 1] > spacings_s_[i]; --j) sorted[j] = sorted[j - 1];
            sorted[j] = spacings_s_[i];
        }
        median_s_ = sorted[count_ / 2];
    }
    void clear() noexcept { *this = SampleSpacing{}; }
    bool known() const noexcept { return count_ > 0; }
    double median_s() const noexcept { return median_s_; }  // 0 until a spacing was recorded

private:
    static constexpr std::size_t kSpacings = 5;
    std::array<double, kSpacings> spacings_s_{};  // a ring, the oldest at head_ once full
    double median_s_ = 0.0;
    std::uint8_t count_ = 0;
    std::uint8_t head_ = 0;
};

}  // namespace pba::predict
