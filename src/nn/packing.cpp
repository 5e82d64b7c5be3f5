#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/nn/packed_weights.hpp"

namespace pba::nn {

std::uint16_t float_to_half(float value) noexcept {
    const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (f >> 16) & 0x8000u;
    const std::uint32_t abs = f & 0x7fffffffu;
    if (abs >= 0x7f800000u) return static_cast<std::uint16_t>(sign | (abs > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds past 65504
    if (abs < 0x38800000u) {  // below fp16's smallest normal: a subnormal, rounded to nearest even
        const float magnitude = std::bit_cast<float>(abs);
        const float scaled = magnitude * 16777216.0f;  // 2^24: units of the smallest subnormal
        return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(std::nearbyint(scaled)));
    }
    const std::uint32_t mantissa_odd = (abs >> 13) & 1u;
    const std::uint32_t rounded = abs + 0xfffu + mantissa_odd;
    return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

float half_to_float(std::uint16_t value) noexcept {
    const std::uint32_t sign = (value & 0x8000u) << 16;
    const std::uint32_t exponent = (value >> 10) & 0x1fu;
    const std::uint32_t mantissa = value & 0x3ffu;
    if (exponent == 0) {
        const float magnitude = static_cast<float>(mantissa) / 16777216.0f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

std::uint16_t float_to_bf16(float value) noexcept {
    const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
    if ((f & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((f >> 16) | 0x0040u);  // quiet NaN
    const std::uint32_t lower_odd = (f >> 16) & 1u;
    return static_cast<std::uint16_t>((f + 0x7fffu + lower_odd) >> 16);
}

float bf16_to_float(std::uint16_t value) noexcept { return std::bit_cast<float>(std::uint32_t{value} << 16); }

std::uint32_t to_bf16_pair(float even, float odd) noexcept {
    const std::uint32_t low = float_to_bf16(even);
    const std::uint32_t top = std::bit_cast<std::uint32_t>(odd) >> 16;
    if (!std::isfinite(odd)) return top << 16 | low;
    const std::uint32_t sign = top & 0x8000u;
    // Bit patterns of one sign order their floats by magnitude, so the nearest float ending in
    // `low` lies just below or just above odd: at top - 1, top or top + 1, unless those are
    // subnormal; then it is the smallest normal ending in `low` (sign | 0x0080), always usable.
    std::uint32_t best = 0;
    double best_distance = std::numeric_limits<double>::infinity();
    for (const std::uint32_t high : {top, (top - 1) & 0xffffu, (top + 1) & 0xffffu, sign | 0x0080u}) {
        const std::uint32_t word = high << 16 | low;
        const std::uint32_t exponent = word & 0x7f800000u;
        const bool same_sign = (high & 0x8000u) == sign;
        const bool finite = exponent != 0x7f800000u;
        const bool normal_or_zero = exponent != 0 || (word & 0x7fffffffu) == 0;
        if (!same_sign || !finite || !normal_or_zero) continue;
        // exact for every candidate that can win (within a few bf16 ulps of odd)
        const double distance = std::abs(double(std::bit_cast<float>(word)) - double(odd));
        const bool nearer = distance < best_distance ||
                            (distance == best_distance &&
                             std::abs(std::bit_cast<float>(word)) < std::abs(std::bit_cast<float>(best)));
        if (nearer) {
            best = word;
            best_distance = distance;
        }
    }
    return best;
}

// What the kernels compute: the even row is one shift away, the odd row is the word itself.
float bf16_pair_even(std::uint32_t word) noexcept { return std::bit_cast<float>(word << 16); }
float bf16_pair_odd(std::uint32_t word) noexcept { return std::bit_cast<float>(word); }

namespace {
// Index of (panel, k, column) in the grouped layout of packed_weights.hpp, for `rows` k rows.
std::size_t packed_index(std::size_t rows, std::size_t panels, std::size_t group, std::size_t width, std::size_t panel,
                         std::size_t k, std::size_t column) {
    const std::size_t first = panel / group * group;
    const std::size_t size = std::min(group, panels - first);
    return first * rows * width + k * size * width + (panel - first) * width + column;
}
std::size_t packed_index(const PackedPanels& p, std::size_t group, std::size_t width, std::size_t panel, std::size_t k,
                         std::size_t column) {
    return packed_index(p.k, p.panels, group, width, panel, k, column);
}
}  // namespace

PackedPanels pack_dense(const RowMatrix& weight, const Vector& bias, std::size_t lanes, std::size_t group) {
    const std::size_t width = 4 * lanes;
    const auto outputs = static_cast<std::size_t>(weight.rows());
    PackedPanels p;
    p.k = static_cast<std::size_t>(weight.cols());
    p.panels = (outputs + width - 1) / width;
    p.weights.assign(p.panels * p.k * width, 0.0f);
    p.bias.assign(p.panels * width, 0.0f);
    for (std::size_t o = 0; o < outputs; ++o) {
        const std::size_t panel = o / width, column = o % width;
        for (std::size_t k = 0; k < p.k; ++k)
            p.weights[packed_index(p, group, width, panel, k, column)] =
                weight(static_cast<Eigen::Index>(o), static_cast<Eigen::Index>(k));
        p.bias[o] = bias[static_cast<Eigen::Index>(o)];
    }
    return p;
}

PackedPanels pack_lstm_gates(const RowMatrix& weight, const Vector& bias, std::size_t hidden, std::size_t lanes,
                             std::size_t group) {
    const std::size_t width = 4 * lanes;
    PackedPanels p;
    p.k = static_cast<std::size_t>(weight.cols());
    p.panels = (hidden + lanes - 1) / lanes;
    p.weights.assign(p.panels * p.k * width, 0.0f);
    p.bias.assign(p.panels * width, 0.0f);
    for (std::size_t gate = 0; gate < 4; ++gate)
        for (std::size_t j = 0; j < hidden; ++j) {
            const auto row = static_cast<Eigen::Index>(gate * hidden + j);
            const std::size_t panel = j / lanes, column = gate * lanes + j % lanes;
            for (std::size_t k = 0; k < p.k; ++k)
                p.weights[packed_index(p, group, width, panel, k, column)] = weight(row, static_cast<Eigen::Index>(k));
            p.bias[panel * width + column] = bias[row];
        }
    return p;
}

RowMatrix unpack_lstm_gates(const AlignedVector<float>& weights, std::size_t k, std::size_t hidden, std::size_t lanes,
                            std::size_t group) {
    const std::size_t width = 4 * lanes;
    PackedPanels p;
    p.k = k;
    p.panels = (hidden + lanes - 1) / lanes;
    RowMatrix m(static_cast<Eigen::Index>(4 * hidden), static_cast<Eigen::Index>(k));
    for (std::size_t gate = 0; gate < 4; ++gate)
        for (std::size_t j = 0; j < hidden; ++j)
            for (std::size_t i = 0; i < k; ++i)
                m(static_cast<Eigen::Index>(gate * hidden + j), static_cast<Eigen::Index>(i)) =
                    weights[packed_index(p, group, width, j / lanes, i, gate * lanes + j % lanes)];
    return m;
}

Vector unpack_lstm_bias(const AlignedVector<float>& bias, std::size_t hidden, std::size_t lanes) {
    Vector b(static_cast<Eigen::Index>(4 * hidden));
    for (std::size_t gate = 0; gate < 4; ++gate)
        for (std::size_t j = 0; j < hidden; ++j)
            b[static_cast<Eigen::Index>(gate * hidden + j)] = bias[j / lanes * 4 * lanes + gate * lanes + j % lanes];
    return b;
}

AlignedVector<std::uint16_t> to_half(const AlignedVector<float>& weights) {
    AlignedVector<std::uint16_t> half(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (!(std::abs(weights[i]) <= 65504.0f))
            throw Error(Errc::unsupported,
                        fmt::format("weight {} is beyond fp16's range (|w| <= 65504): use fp32 weight storage", weights[i]));
        half[i] = float_to_half(weights[i]);
    }
    return half;
}

void check_bf16_range(const float* weights, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
        if (!(std::abs(weights[i]) < 0x1.ffp127f))  // from here on, rounding to bf16 overflows
            throw Error(Errc::unsupported,
                        fmt::format("weight {} is beyond bf16's range (|w| < 3.396e38): use fp32 weight storage",
                                    weights[i]));
}

AlignedVector<std::uint32_t> to_bf16_pairs(const PackedPanels& packed, std::size_t lanes, std::size_t group) {
    check_bf16_range(packed.weights.data(), packed.weights.size());
    const std::size_t width = 4 * lanes, rows = (packed.k + 1) / 2;
    AlignedVector<std::uint32_t> pairs(packed.panels * rows * width, 0u);
    for (std::size_t panel = 0; panel < packed.panels; ++panel)
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t column = 0; column < width; ++column) {
                auto w = [&](std::size_t k) {
                    return packed.weights[packed_index(packed, group, width, panel, k, column)];
                };
                pairs[packed_index(rows, packed.panels, group, width, panel, i, column)] =
                    2 * i + 1 < packed.k ? to_bf16_pair(w(2 * i), w(2 * i + 1)) : float_to_bf16(w(2 * i));
            }
    return pairs;
}

AlignedVector<float> from_bf16_pairs(const AlignedVector<std::uint32_t>& pairs, std::size_t k, std::size_t panels,
                                     std::size_t lanes, std::size_t group) {
    const std::size_t width = 4 * lanes, rows = (k + 1) / 2;
    AlignedVector<float> weights(panels * k * width);
    for (std::size_t panel = 0; panel < panels; ++panel)
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t column = 0; column < width; ++column) {
                const std::uint32_t word = pairs[packed_index(rows, panels, group, width, panel, i / 2, column)];
                weights[packed_index(k, panels, group, width, panel, i, column)] =
                    i % 2 == 0 ? bf16_pair_even(word) : bf16_pair_odd(word);
            }
    return weights;
}

}  // namespace pba::nn
