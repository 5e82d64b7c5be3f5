// pba's forward pass on every architecture at batch 1, 16 and 256, per instruction set.
// With PBA_BENCH_MODELS=DIR it also runs DIR/<arch>.pba (the weights the peers run, written by
// tools/gen_reference.py), as pba_file/<arch>/batch:N.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "alloc_count.hpp"
#include "call_times.hpp"
#include "architectures.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"

namespace {

using pba::nn::kernels::Isa;

std::vector<float> random_inputs(std::size_t n) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

void run_model(benchmark::State& state, const pba::Model& model, std::size_t batch) {
    auto ws = model.make_workspace(batch);
    const auto input = random_inputs(batch * model.input_size());
    std::vector<float> output(batch * model.output_size());
    model.forward(input, output, ws);  // warm caches and pages
    pba::bench::CallTimes times(state);
    const std::size_t allocations = pba::bench::allocation_count();
    for (auto _ : state) {
        const auto start = times.start();
        model.forward(input, output, ws);
        benchmark::DoNotOptimize(output.data());
        benchmark::ClobberMemory();
        times.stop(start);
    }
    const std::size_t loop_allocations = pba::bench::allocation_count() - allocations;
    times.report(state, batch);
    const double forecasts = static_cast<double>(state.iterations()) * static_cast<double>(batch);
    using benchmark::Counter;
    state.counters["us_per_forecast"] =
        Counter(static_cast<double>(batch) * 1e-6, Counter::kIsIterationInvariantRate | Counter::kInvert);
    state.counters["GFLOPs"] =
        Counter(static_cast<double>(model.network().flops_per_window()) * static_cast<double>(batch) * 1e-9,
                Counter::kIsIterationInvariantRate);
    state.counters["weight_bytes"] = static_cast<double>(model.network().weight_bytes());
    state.counters["flops_per_forecast"] = static_cast<double>(model.network().flops_per_window());
    state.counters["allocs_per_forecast"] = static_cast<double>(loop_allocations) / forecasts;
}

// The core's FMA peak as this process sees it: 24 independent AVX-512 FMA chains, no memory.
// The reference for "% of peak" in benchmarks/README.md.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f"))) void fma_peak(benchmark::State& state) {
    using V = float __attribute__((vector_size(64)));
    V acc[24];
    for (int i = 0; i < 24; ++i) acc[i] = V{} + static_cast<float>(i);
    const V a = V{} + 0.999999f, b = V{} + 1e-7f;
    for (auto _ : state) {
        for (int r = 0; r < 256; ++r) {
#pragma GCC unroll 24
            for (int i = 0; i < 24; ++i) acc[i] = __builtin_ia32_vfmaddps512_mask(acc[i], a, b, -1, 4);
        }
        benchmark::DoNotOptimize(acc);
    }
    state.counters["GFLOPs"] =
        benchmark::Counter(256.0 * 24 * 16 * 2 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
#endif

void register_all() {
#if defined(__x86_64__) && defined(__GNUC__)
    if (pba::nn::kernels::supported(Isa::avx512)) benchmark::RegisterBenchmark("fma_peak/avx512", fma_peak);
#endif
    const std::size_t batches[] = {1, 16, 256};
    for (const auto& arch : pba::bench::architecture_names()) {
        for (Isa isa : {Isa::avx512, Isa::avx2, Isa::sse4, Isa::generic}) {
            if (!pba::nn::kernels::supported(isa)) continue;
            for (std::size_t batch : batches) {
                const std::string name = "pba/" + arch + "/batch:" + std::to_string(batch) + "/isa:" +
                                         pba::nn::kernels::to_string(isa);
                benchmark::RegisterBenchmark(name.c_str(), [arch, isa, batch](benchmark::State& state) {
                    const Isa previous = pba::nn::kernels::active_isa();
                    pba::nn::kernels::set_active_isa(isa);
                    const auto model = pba::Model::from_description(pba::bench::architecture(arch));
                    pba::nn::kernels::set_active_isa(previous);
                    run_model(state, *model, batch);
                });
            }
        }
        // fp16 recurrent weights, for the bandwidth-bound batch-1 case
        const Isa best = pba::nn::kernels::detected_isa();
        const std::string name = "pba_fp16/" + arch + "/batch:1/isa:" + pba::nn::kernels::to_string(best);
        benchmark::RegisterBenchmark(name.c_str(), [arch](benchmark::State& state) {
            pba::LoadOptions options;
            options.recurrent_weights = pba::nn::WeightStorage::fp16;
            run_model(state, *pba::Model::from_description(pba::bench::architecture(arch), options), 1);
        });
        if (const char* dir = std::getenv("PBA_BENCH_MODELS")) {
            const auto path = std::filesystem::path(dir) / (arch + ".pba");
            if (!std::filesystem::exists(path)) continue;
            for (std::size_t batch : batches) {
                const std::string name = "pba_file/" + arch + "/batch:" + std::to_string(batch);
                benchmark::RegisterBenchmark(name.c_str(), [path, batch](benchmark::State& state) {
                    run_model(state, *pba::Model::from_file(path), batch);
                });
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("pba_isa", pba::nn::kernels::to_string(pba::nn::kernels::active_isa()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
