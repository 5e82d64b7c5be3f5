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

// bf16 pairs (to_bf16_pairs): one vpslld or vpandd per 16 weights, where vcvtph2ps takes two
// uops on the FMA ports.
template <>
struct Bf16PairLoader<xsimd::avx512bw> {
    static constexpr bool available = true;
    static PBA_ALWAYS_INLINE Vec<xsimd::avx512bw> low(const std::uint32_t* p) noexcept {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_load_si512(p), 16));
    }
    static PBA_ALWAYS_INLINE Vec<xsimd::avx512bw> high(const std::uint32_t* p) noexcept {
        return _mm512_castsi512_ps(
            _mm512_and_si512(_mm512_load_si512(p), _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
    }
};
}  // namespace impl

const Table* avx512_table() noexcept {
    static constexpr Table table = impl::make_table<xsimd::avx512bw>(Isa::avx512);
    return &table;
}

}  // namespace pba::nn::kernels
