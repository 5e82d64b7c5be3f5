// AVX2 + FMA + F16C kernels: compiled with -mavx2 -mfma -mf16c (src/CMakeLists.txt); reached
// only through avx2_table() once the CPU is known to have them.
#include <immintrin.h>

#include "nn/kernel_impl.hpp"
#include "nn/kernel_tables.hpp"

namespace pba::nn::kernels {
namespace impl {
template <>
struct HalfLoader<xsimd::fma3<xsimd::avx2>> {
    static constexpr bool available = true;
    static PBA_ALWAYS_INLINE Vec<xsimd::fma3<xsimd::avx2>> load(const std::uint16_t* p) noexcept {
        return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
    }
};

// bf16 pairs (to_bf16_pairs): one vpslld per 16 weights (the odd row is the loaded words as
// they are). Kept, though the shift competes with half-width FMAs for the same two ports:
// measured against fp32 here (pba_bf16 vs pba, isa:avx2), batch 1 is even on v1 and ~7% faster
// on inet3, whose fp32 steps wait on L2, and the weights take half the bytes; batches of 16 and
// 256 pay up to ~13% for the shifts (the vpand pairs before paid 30-60%).
template <>
struct Bf16PairLoader<xsimd::fma3<xsimd::avx2>> {
    static constexpr bool available = true;
    static PBA_ALWAYS_INLINE Vec<xsimd::fma3<xsimd::avx2>> load(const std::uint32_t* p) noexcept {
        return _mm256_castsi256_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static PBA_ALWAYS_INLINE Vec<xsimd::fma3<xsimd::avx2>> even(Vec<xsimd::fma3<xsimd::avx2>> words) noexcept {
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(words), 16));
    }
};
}  // namespace impl

const Table* avx2_table() noexcept {
    static constexpr Table table = impl::make_table<xsimd::fma3<xsimd::avx2>>(Isa::avx2);
    return &table;
}

}  // namespace pba::nn::kernels
