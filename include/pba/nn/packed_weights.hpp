#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "pba/nn/matrix.hpp"

namespace pba::nn {

// How recurrent weights are stored. fp16 halves the bytes the batch-1 step loop streams
// (it is bandwidth-bound); arithmetic stays fp32. Off by default: on the reference models it
// moves outputs by up to ~1.4e-5 (tests/nn/kernel_test.cpp).
enum class WeightStorage { fp32, fp16 };

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

}  // namespace pba::nn
