// SSE4.1 kernels: compiled with -msse4.1 (src/CMakeLists.txt); reached only through
// sse4_table() once the CPU is known to have it. No fp16 or bf16 loads: such storage is widened
// to fp32 at load, so these kernels run the same rounded values and results do not depend on the CPU.
#include "nn/kernel_impl.hpp"
#include "nn/kernel_tables.hpp"

namespace pba::nn::kernels {

const Table* sse4_table() noexcept {
    static constexpr Table table = impl::make_table<xsimd::sse4_1>(Isa::sse4);
    return &table;
}

}  // namespace pba::nn::kernels
