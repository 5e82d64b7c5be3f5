// libtorch on the same weights as pba: DIR/<arch>.pt (traced TorchScript written by
// tools/gen_reference.py --keep-sources), DIR from PBA_BENCH_MODELS. One intra-op thread.
#include <benchmark/benchmark.h>
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cstdlib>

#include "call_times.hpp"
#include <filesystem>
#include <string>
#include <vector>

namespace {

void run(benchmark::State& state, const std::filesystem::path& file, std::vector<std::int64_t> shape, double flops) {
    torch::jit::script::Module module = torch::jit::load(file.string());
    module.eval();
    torch::NoGradGuard no_grad;
    const auto input = torch::rand(shape);
    std::vector<torch::jit::IValue> inputs{input};
    module.forward(inputs);
    pba::bench::CallTimes times(state);
    for (auto _ : state) {
        const auto start = times.start();
        auto out = module.forward(inputs).toTensor();
        benchmark::DoNotOptimize(out.data_ptr());
        times.stop(start);
    }
    times.report(state, static_cast<std::size_t>(shape[0]));
    const double batch = static_cast<double>(shape[0]);
    using benchmark::Counter;
    state.counters["us_per_forecast"] = Counter(batch * 1e-6, Counter::kIsIterationInvariantRate | Counter::kInvert);
    state.counters["GFLOPs"] = Counter(flops * batch * 1e-9, Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    const char* dir = std::getenv("PBA_BENCH_MODELS");
    if (!dir) {
        std::fprintf(stderr, "set PBA_BENCH_MODELS to a directory written by tools/gen_reference.py --keep-sources\n");
        return 2;
    }
    // FLOPs per window for the GFLOP/s counter, as pba_bench counts them (flops_per_forecast);
    // run_peers.py passes them as PBA_BENCH_FLOPS_<arch>.
    const std::vector<std::pair<std::string, std::vector<std::int64_t>>> archs{
        {"v1", {10, 6}}, {"dc3", {30, 5}}, {"inet3", {60, 5}}, {"ddqn_lstm", {10, 4}}, {"qnet", {4}}, {"torch9", {20, 9}}};
    for (const auto& [arch, window] : archs) {
        const auto file = std::filesystem::path(dir) / (arch + ".pt");
        if (!std::filesystem::exists(file)) continue;
        const char* f = std::getenv(("PBA_BENCH_FLOPS_" + arch).c_str());
        const double flops = f ? std::atof(f) : 0.0;
        for (std::int64_t batch : {1, 16, 256}) {
            std::vector<std::int64_t> shape{batch};
            shape.insert(shape.end(), window.begin(), window.end());
            const std::string name = "libtorch/" + arch + "/batch:" + std::to_string(batch);
            benchmark::RegisterBenchmark(name.c_str(), [file, shape, flops](benchmark::State& s) { run(s, file, shape, flops); });
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
