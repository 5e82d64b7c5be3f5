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

// bf16 pairs (to_bf16_pairs): one vpslld or vpand per 8 weights.
template <>
struct Bf16PairLoader<xsimd::fma3<xsimd::avx2>> {
    static constexpr bool available = true;
    static PBA_ALWAYS_INLINE Vec<xsimd::fma3<xsimd::avx2>> low(const std::uint32_t* p) noexcept {
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)), 16));
    }
    static PBA_ALWAYS_INLINE Vec<xsimd::fma3<xsimd::avx2>> high(const std::uint32_t* p) noexcept {
        return _mm256_castsi256_ps(_mm256_and_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)),
                                                    _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
    }
};
}  // namespace impl

const Table* avx2_table() noexcept {
    static constexpr Table table = impl::make_table<xsimd::fma3<xsimd::avx2>>(Isa::avx2);
    return &table;
}

}  // namespace pba::nn::kernels
