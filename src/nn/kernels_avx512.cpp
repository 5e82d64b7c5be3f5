// AVX-512 kernels: compiled with -mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mfma
// (src/CMakeLists.txt); reached only through avx512_table() once the CPU is known to have them.
#include <immintrin.h>

#include "nn/kernel_impl.hpp"
#include "nn/kernel_tables.hpp"

namespace pba::nn::kernels {
namespace impl {
template <>
struct HalfLoader<xsimd::avx512bw> {
    static constexpr bool available = true;
    static PBA_ALWAYS_INLINE Vec<xsimd::avx512bw> load(const std::uint16_t* p) noexcept {
        return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
    }
};

// bf16 pairs (to_bf16_pairs): one vpslld per 32 weights (the odd row is the loaded words as
// they are), where vcvtph2ps takes two uops on the FMA ports per 16.
template <>
struct Bf16PairLoader<xsimd::avx512bw> {
    static constexpr bool available = true;
    static PBA_ALWAYS_INLINE Vec<xsimd::avx512bw> load(const std::uint32_t* p) noexcept {
        return _mm512_castsi512_ps(_mm512_load_si512(p));
    }
    static PBA_ALWAYS_INLINE Vec<xsimd::avx512bw> even(Vec<xsimd::avx512bw> words) noexcept {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(words), 16));
    }
};
}  // namespace impl

const Table* avx512_table() noexcept {
    static constexpr Table table = impl::make_table<xsimd::avx512bw>(Isa::avx512);
    return &table;
}

}  // namespace pba::nn::kernels
