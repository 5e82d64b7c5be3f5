// A node serving N links: the embedded `internet` model's forward pass over N windows, as one
// batched call and as N single-window calls, timed alternately inside the same iteration so that
// on a shared machine both see the same load and their ratio is meaningful.
// links/<N>: N = 1,000 / 10,000 / 100,000 (benchmarks/README.md, "Fleet").
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "alloc_count.hpp"
#include "pba/model/defaults.hpp"
#include "pba/model/model.hpp"
#include "random_inputs.hpp"

namespace {

using Clock = std::chrono::steady_clock;

void links(benchmark::State& state, std::size_t n) {
    const auto model = pba::default_model("internet");
    const std::size_t in = model->input_size(), out = model->output_size();
    const auto input = pba::bench::random_inputs(n * in);
    std::vector<float> batched(n * out), single(n * out);
    auto batch_ws = model->make_workspace(n);
    auto single_ws = model->make_workspace(1);
    const auto run_batched = [&] { model->forward(input, batched, batch_ws); };
    const auto run_single = [&] {
        for (std::size_t w = 0; w < n; ++w)
            model->forward(std::span(input).subspan(w * in, in), std::span(single).subspan(w * out, out), single_ws);
    };
    // Warms pages and caches, and counts allocations here: the benchmark loop's own
    // bookkeeping allocates a few times per run.
    const std::size_t allocations = pba::bench::allocation_count();
    run_batched();
    run_single();
    const std::size_t call_allocations = pba::bench::allocation_count() - allocations;
    double batched_s = 0, single_s = 0;
    for (auto _ : state) {
        auto t0 = Clock::now();
        run_batched();
        auto t1 = Clock::now();
        run_single();
        auto t2 = Clock::now();
        benchmark::DoNotOptimize(batched.data());
        benchmark::DoNotOptimize(single.data());
        benchmark::ClobberMemory();
        batched_s += std::chrono::duration<double>(t1 - t0).count();
        single_s += std::chrono::duration<double>(t2 - t1).count();
    }
    const double windows = static_cast<double>(state.iterations()) * static_cast<double>(n);
    state.counters["batched_us_per_window"] = batched_s * 1e6 / windows;
    state.counters["single_us_per_window"] = single_s * 1e6 / windows;
    state.counters["batched_vs_single"] = batched_s / single_s;
    state.counters["allocs_per_window"] = static_cast<double>(call_allocations) / (2.0 * static_cast<double>(n));
}

}  // namespace

int main(int argc, char** argv) {
    for (const std::size_t n : {1'000, 10'000, 100'000})
        benchmark::RegisterBenchmark(("links/" + std::to_string(n)).c_str(),
                                     [n](benchmark::State& state) { links(state, n); })
            ->Unit(benchmark::kMillisecond)
            ->MeasureProcessCPUTime()
            ->UseRealTime();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
