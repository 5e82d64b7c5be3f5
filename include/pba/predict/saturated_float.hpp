#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

namespace pba::predict {

// A value kept as float to halve what a link holds: rounded, saturating at float's largest
// magnitude so a finite value stays finite, NaN kept (it means "missing").
inline float saturated_float(double x) noexcept {
    constexpr double kMax = std::numeric_limits<float>::max();
    return static_cast<float>(std::isnan(x) ? x : std::clamp(x, -kMax, kMax));
}

}  // namespace pba::predict
