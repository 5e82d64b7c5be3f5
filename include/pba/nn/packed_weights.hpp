#pragma once

#include <cstddef>
#include <cstdint>

#include "pba/nn/aligned_vector.hpp"
#include "pba/nn/matrix.hpp"
#include "pba/nn/weight_storage.hpp"

namespace pba::nn {

// IEEE binary16 conversions (round to nearest even; fp16 overflow becomes infinity).
std::uint16_t float_to_half(float value) noexcept;
float half_to_float(std::uint16_t value) noexcept;

// bfloat16: the top half of a float, rounded to nearest even (its range is float's; a NaN
// stays a NaN).
std::uint16_t float_to_bf16(float value) noexcept;
float bf16_to_float(std::uint16_t value) noexcept;

// Weights W [outputs, k] as the kernels stream them: panels of 4 x lanes output columns, zero
// past the last output, stored in groups of `group` panels interleaved by k, so that one
// group is one sequential stream: [group][k][panel in group][4 x lanes].
struct PackedPanels {
    AlignedVector<float> weights;
    AlignedVector<float> bias;
    std::size_t k = 0;
    std::size_t panels = 0;
};

// Dense: panel p holds outputs [p x 4 lanes, (p + 1) x 4 lanes).
PackedPanels pack_dense(const RowMatrix& weight, const Vector& bias, std::size_t lanes, std::size_t group);

// LSTM, rows in i, f, o, g order ([4H, k]): panel b holds, for hidden units
// [b x lanes, (b + 1) x lanes), their i, f, o and g rows side by side.
PackedPanels pack_lstm_gates(const RowMatrix& weight, const Vector& bias, std::size_t hidden, std::size_t lanes,
                             std::size_t group);

// The [4H, k] matrix and [4H] bias pack_lstm_gates was given (weights as float).
RowMatrix unpack_lstm_gates(const AlignedVector<float>& weights, std::size_t k, std::size_t hidden, std::size_t lanes,
                            std::size_t group);
Vector unpack_lstm_bias(const AlignedVector<float>& bias, std::size_t hidden, std::size_t lanes);

// fp16 copy of packed weights; throws Error(unsupported) naming a weight beyond fp16's range.
AlignedVector<std::uint16_t> to_half(const AlignedVector<float>& weights);

// One bf16 pair word, for weights w_even (row 2i) and w_odd (row 2i + 1) of one column. Low
// half: float_to_bf16(w_even), so the even weight is bf16_pair_even(word) = bf16_to_float(low).
// High half: whichever of h - 1, h, h + 1 (h: the top 16 bits of w_odd) makes
// bf16_pair_odd(word), the whole word read as an fp32, nearest to w_odd (ties: the smaller
// magnitude), skipping any that would change the sign or make an infinity, a NaN or a
// subnormal. That is the fp32 nearest to w_odd among the normal ones (and zeros) of its sign
// that end in `low`: within one bf16 ulp of w_odd (half of one unless the two nearest straddle
// a power of two). An odd weight below float's normal range (a zero beside a nonzero low) takes
// the smallest normal ending in `low` instead, |value| < 1.19e-38: a subnormal operand costs an
// FMA a microcode assist (~100x slower, measured on the benchmark Xeon), and a zero odd weight
// beside a nonzero even one is common enough (pruned or dead units). A non-finite w_odd stays
// non-finite; callers check the range first (check_bf16_range).
std::uint32_t to_bf16_pair(float even, float odd) noexcept;
float bf16_pair_even(std::uint32_t word) noexcept;
float bf16_pair_odd(std::uint32_t word) noexcept;

// Throws Error(unsupported) naming a weight beyond bf16's range: one that rounds past bf16's
// largest finite value (applied to both rows of a pair, though only the even one is rounded so).
void check_bf16_range(const float* weights, std::size_t count);

// bf16 pair copy of packed weights (pack_dense / pack_lstm_gates layout, `packed.k` rows): word
// (panel, i, column) = to_bf16_pair(w[2i], w[2i + 1]) in the same grouped layout over
// ceil(k / 2) word rows, so one vector load gives the even row with one shift and the odd row
// as it is. An odd k's last word has a zero high half (its odd row does not exist and is never
// read). Throws as check_bf16_range.
AlignedVector<std::uint32_t> to_bf16_pairs(const PackedPanels& packed, std::size_t lanes, std::size_t group);

// The packed fp32 weights (k rows, `panels` panels) to_bf16_pairs was given, as the kernels
// read them (bf16_pair_even, bf16_pair_odd).
AlignedVector<float> from_bf16_pairs(const AlignedVector<std::uint32_t>& pairs, std::size_t k, std::size_t panels,
                                     std::size_t lanes, std::size_t group);

}  // namespace pba::nn
