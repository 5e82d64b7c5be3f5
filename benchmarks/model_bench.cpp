// pba's forward pass on every architecture at batch 1, 16 and 256, per instruction set.
// With PBA_BENCH_MODELS=DIR it also runs DIR/<arch>.pba (the weights the peers run, written by
// tools/gen_reference.py), as pba_file/<arch>/batch:N.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "alloc_count.hpp"
#include "call_times.hpp"
#include "architectures.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/network.hpp"
#include "random_inputs.hpp"

namespace {

using pba::nn::kernels::Isa;

void run_model(benchmark::State& state, const pba::Model& model, std::size_t batch) {
    auto ws = model.make_workspace(batch);
    const auto input = pba::bench::random_inputs(batch * model.input_size());
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

// The batch-1 memory floor of an architecture on this core: only stream the recurrent
// weights an LSTM step must read (4H x H floats per layer, T times per window, alternating
// direction as the kernel does, so what one step leaves in L1 starts the next), with no
// arithmetic beyond what keeps the loads alive. pba/<arch>/batch:1 divided by this is the
// "times its floor" figure in benchmarks/README.md.
__attribute__((target("avx512f"))) void recurrent_stream_floor(benchmark::State& state, const std::string& arch) {
    using V = float __attribute__((vector_size(64), aligned(64)));
    const auto model = pba::bench::architecture(arch);
    std::uint64_t timesteps = model.input_shape().timesteps;
    struct Stream {
        std::vector<float> storage;  // over-allocated so that `weights` is 64-byte aligned
        const V* weights;
        std::size_t vectors;
        std::uint64_t timesteps;
    };
    std::vector<Stream> streams;
    double bytes_per_forecast = 0;
    for (const auto& layer : model.layers) {
        if (layer.type != pba::format::LayerType::lstm) continue;
        const std::size_t floats = 4ull * layer.output_size * layer.output_size;
        Stream& s = streams.emplace_back();
        s.storage.assign(floats + 16, 1e-3f);
        void* p = s.storage.data();
        std::size_t space = s.storage.size() * sizeof(float);
        s.weights = static_cast<const V*>(std::align(64, floats * sizeof(float), p, space));
        s.vectors = floats / 16;
        s.timesteps = timesteps;
        bytes_per_forecast += static_cast<double>(floats) * 4.0 * static_cast<double>(timesteps);
        if (!layer.return_sequences) timesteps = 1;
    }
    V acc[8] = {};
    for (auto _ : state) {
        for (const Stream& s : streams) {
            const std::size_t n = s.vectors & ~std::size_t{7};
            for (std::uint64_t t = 0; t < s.timesteps; ++t) {
                if (t % 2 == 0) {
                    for (std::size_t i = 0; i < n; i += 8)
                        for (int j = 0; j < 8; ++j) acc[j] += s.weights[i + j];
                } else {
                    for (std::size_t i = n; i > 0; i -= 8)
                        for (int j = 0; j < 8; ++j) acc[j] += s.weights[i - 8 + j];
                }
            }
        }
        benchmark::DoNotOptimize(acc);
    }
    using benchmark::Counter;
    state.counters["us_per_forecast"] = Counter(1e-6, Counter::kIsIterationInvariantRate | Counter::kInvert);
    state.counters["GBps"] = Counter(bytes_per_forecast * 1e-9, Counter::kIsIterationInvariantRate);
    state.counters["bytes_per_forecast"] = bytes_per_forecast;
}
#endif

void register_all() {
#if defined(__x86_64__) && defined(__GNUC__)
    if (pba::nn::kernels::supported(Isa::avx512)) {
        benchmark::RegisterBenchmark("fma_peak/avx512", fma_peak);
        for (const auto& arch : pba::bench::architecture_names()) {
            const auto model = pba::bench::architecture(arch);
            const bool recurrent = std::any_of(model.layers.begin(), model.layers.end(), [](const auto& l) {
                return l.type == pba::format::LayerType::lstm;
            });
            if (recurrent)
                benchmark::RegisterBenchmark(("recurrent_floor/" + arch + "/batch:1").c_str(),
                                             [arch](benchmark::State& state) { recurrent_stream_floor(state, arch); });
        }
    }
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
        // fp16 and bf16 recurrent weights, on the instruction sets whose kernels read them as
        // stored (SSE4 and generic run the rounded values as fp32, timed by the rows above)
        for (const auto& [storage, label] : {std::pair{pba::nn::WeightStorage::fp16, "pba_fp16/"},
                                             std::pair{pba::nn::WeightStorage::bf16, "pba_bf16/"}}) {
            for (Isa isa : {Isa::avx512, Isa::avx2}) {
                if (!pba::nn::kernels::supported(isa)) continue;
                for (std::size_t batch : batches) {
                    const std::string name = label + arch + "/batch:" + std::to_string(batch) + "/isa:" +
                                             pba::nn::kernels::to_string(isa);
                    benchmark::RegisterBenchmark(
                        name.c_str(), [arch, isa, batch, storage = storage](benchmark::State& state) {
                            pba::LoadOptions options;
                            options.recurrent_weights = storage;
                            const Isa previous = pba::nn::kernels::active_isa();
                            pba::nn::kernels::set_active_isa(isa);
                            const auto model = pba::Model::from_description(pba::bench::architecture(arch), options);
                            pba::nn::kernels::set_active_isa(previous);
                            run_model(state, *model, batch);
                        });
                }
            }
        }
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
