#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "pba/nn/matrix.hpp"

namespace pba::nn {

// How recurrent weights are stored. fp16 and bf16 halve the bytes the batch-1 step loop
// streams (it is bandwidth-bound); arithmetic stays fp32. fp16 keeps more precision (outputs
// move by up to ~1.4e-5 on the reference models), but widening it costs the step loop more
// than the bytes save on some cores; bf16 widens with one integer operation per vector, at a
// coarser rounding (up to ~1.8e-4; tests/nn/kernel_test.cpp states both). fp32 is the default.
enum class WeightStorage { fp32, fp16, bf16 };

// 64-byte aligned storage, so a panel row never straddles a cache line more than it must.
template <class T>
struct CacheAlignedAllocator {
    using value_type = T;
    CacheAlignedAllocator() = default;
    template <class U>
    CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
        void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
        if (!p) throw std::bad_alloc();
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t) noexcept { std::free(p); }
    template <class U>
    bool operator==(const CacheAlignedAllocator<U>&) const noexcept { return true; }
};

template <class T>
using AlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

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

// Throws Error(unsupported) naming a weight that rounds past bf16's largest finite value.
void check_bf16_range(const float* weights, std::size_t count);

// bf16 copy of packed weights (pack_dense / pack_lstm_gates layout, `packed.k` rows), two k
// rows per 32-bit word so that one vector load widens to two rows' vectors with one integer
// operation each: word (panel, i, column) = bf16(w[2i + 1]) << 16 | bf16(w[2i]), in the same
// grouped layout over ceil(k / 2) word rows; an odd k's last word has a zero high half.
// Throws as check_bf16_range.
AlignedVector<std::uint32_t> to_bf16_pairs(const PackedPanels& packed, std::size_t lanes, std::size_t group);

// The packed fp32 weights (k rows, `panels` panels) to_bf16_pairs was given, as rounded.
AlignedVector<float> from_bf16_pairs(const AlignedVector<std::uint32_t>& pairs, std::size_t k, std::size_t panels,
                                     std::size_t lanes, std::size_t group);

}  // namespace pba::nn
