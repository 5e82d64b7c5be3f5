#include "pba/nn/kernels.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#if defined(PBA_X86_KERNELS)
#include <cpuid.h>
#endif

#include "nn/kernel_tables.hpp"
#include "pba/error.hpp"

namespace pba::nn::kernels {
namespace {

#if defined(PBA_X86_KERNELS)
// CPUID directly: clang 14's __builtin_cpu_supports does not know "f16c".
bool cpu_has_f16c() noexcept {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

bool cpu_has(Isa isa) noexcept {
    __builtin_cpu_init();
    switch (isa) {
        case Isa::generic: return true;
        case Isa::sse4: return __builtin_cpu_supports("sse4.1");
        case Isa::avx2:
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
        case Isa::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl");
    }
    return false;
}

const Table* table_of(Isa isa) noexcept {
    switch (isa) {
        case Isa::generic: return nullptr;
        case Isa::sse4: return sse4_table();
        case Isa::avx2: return avx2_table();
        case Isa::avx512: return avx512_table();
    }
    return nullptr;
}
#else
bool cpu_has(Isa isa) noexcept { return isa == Isa::generic; }
const Table* table_of(Isa) noexcept { return nullptr; }
#endif

// PBA_ISA caps the choice (for comparing kernels on one machine); unknown values are ignored.
Isa initial_isa() noexcept {
    Isa best = detected_isa();
    const char* env = std::getenv("PBA_ISA");
    if (!env) return best;
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512})
        if (std::strcmp(env, to_string(isa)) == 0 && static_cast<int>(isa) < static_cast<int>(best)) return isa;
    return best;
}

std::atomic<int>& active() noexcept {
    static std::atomic<int> isa{static_cast<int>(initial_isa())};
    return isa;
}

}  // namespace

const char* to_string(Isa isa) noexcept {
    switch (isa) {
        case Isa::generic: return "generic";
        case Isa::sse4: return "sse4";
        case Isa::avx2: return "avx2";
        case Isa::avx512: return "avx512";
    }
    return "unknown";
}

bool supported(Isa isa) noexcept { return cpu_has(isa); }

Isa detected_isa() noexcept {
    for (Isa isa : {Isa::avx512, Isa::avx2, Isa::sse4})
        if (cpu_has(isa)) return isa;
    return Isa::generic;
}

Isa active_isa() noexcept { return static_cast<Isa>(active().load(std::memory_order_acquire)); }

const Table* active_table() noexcept { return table_of(active_isa()); }

void set_active_isa(Isa isa) {
    if (!cpu_has(isa))
        throw Error(Errc::unsupported, fmt::format("{} kernels cannot run on this CPU or build", to_string(isa)));
    active().store(static_cast<int>(isa), std::memory_order_release);
}

}  // namespace pba::nn::kernels
