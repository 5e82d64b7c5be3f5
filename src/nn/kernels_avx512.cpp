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
}  // namespace impl

const Table* avx512_table() noexcept {
    static constexpr Table table = impl::make_table<xsimd::avx512bw>(Isa::avx512);
    return &table;
}

}  // namespace pba::nn::kernels
