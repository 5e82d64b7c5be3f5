// A node forecasting N `internet` links (issue 14): per link, N Predictor::predict() calls,
// one predict_links call, one pba_predict_links call (the C ABI, as Go's Links.Predict makes
// it), and the bare network forward over the same number of windows as one batched call, in
// predict_links' batches of kLinksBatch, and one window at a time. All six are timed in turn
// inside every iteration, so that on a shared machine they see the same load; every link
// observes a new sample before each predict path. links/<N>: N = 1,000 / 10,000 / 100,000
// (benchmarks/README.md, "Fleet"). mode_aware_links/<N>: N mode-aware links (datacenter +
// internet, always both), per link predict() against one predict_links call and the two
// models' bare batched forwards over N windows each. predict_overhead/internet: one link's
// predict() against its model's forward alone.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "alloc_count.hpp"
#include "pba.h"
#include "pba/model/defaults.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/links.hpp"
#include "pba/predict/predictor.hpp"

namespace {

using namespace pba::predict;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// This process's resident set (/proc/self/statm), 0 where it cannot be read.
double resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    double pages = 0, resident = 0;
    if (!(statm >> pages >> resident)) return 0.0;
    return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double bandwidth(std::size_t link, int t) {
    return 20.0 + static_cast<double>(link % 97) + 5.0 * std::sin(0.1 * t + static_cast<double>(link)) +
           static_cast<double>((t * 37 + static_cast<int>(link)) % 11);
}

// N C++ predictors on one shared `internet` slot and N C ones on the same model.
struct Fleet {
    std::shared_ptr<ModelSlot> slot = std::make_shared<ModelSlot>(pba::default_model("internet"));
    std::vector<std::unique_ptr<Predictor>> links;
    std::vector<Predictor*> pointers;
    std::vector<pba_predictor*> c_links;
    std::vector<pba_sample> c_samples;
    int t = 0;

    explicit Fleet(std::size_t n) : c_links(n, nullptr), c_samples(n, pba_sample_at(0.0)) {
        for (std::size_t l = 0; l < n; ++l) links.push_back(std::make_unique<Predictor>(slot));
        for (auto& p : links) pointers.push_back(p.get());
        pba_model* model = nullptr;
        if (pba_model_load_default("internet", &model) != PBA_OK) throw std::runtime_error(pba_last_error());
        pba_predictor_config config = pba_predictor_config_default();
        config.model = model;
        for (auto& p : c_links)
            if (pba_predictor_create(&config, &p) != PBA_OK) throw std::runtime_error(pba_last_error());
        pba_model_free(model);
        const int window = static_cast<int>(slot->model()->pipeline().rows());
        while (t < window) observe();
    }
    ~Fleet() {
        for (pba_predictor* p : c_links) pba_predictor_free(p);
    }
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;

    // The next second's sample on every link, C++ and C.
    void observe() {
        for (std::size_t l = 0; l < links.size(); ++l) {
            Sample s;
            s.timestamp_unix_s = 1764158100.0 + t;
            s.bandwidth_mbps = bandwidth(l, t);
            links[l]->observe(s);
            c_samples[l].timestamp_unix_s = s.timestamp_unix_s;
            c_samples[l].bandwidth_mbps = s.bandwidth_mbps;
        }
        pba_observe_links(c_links.data(), c_samples.data(), c_links.size(), nullptr);
        ++t;
    }
};

std::vector<float> random_windows(std::size_t floats) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(floats);
    for (auto& x : v) x = u(rng);
    return v;
}

void links(benchmark::State& state, std::size_t n) {
    // What the links hold, measured by the kernel, not counted by us: the resident set grown by
    // the fleet (N C++ and N C predictors, their windows full, each having forecast once, and
    // the fleet's own arrays), before any batch buffer exists.
    const double resident_before = resident_bytes();
    Fleet fleet(n);
    for (Predictor* p : fleet.pointers) benchmark::DoNotOptimize(p->predict());
    for (pba_predictor* p : fleet.c_links) {
        pba_forecast f{};
        f.struct_size = sizeof f;
        pba_predictor_predict(p, &f);
    }
    const double resident_per_link = (resident_bytes() - resident_before) / (2.0 * static_cast<double>(n));
    const auto& model = fleet.slot->model()->model();
    const std::size_t in = model.input_size(), out = model.output_size();
    const auto windows = random_windows(n * in);
    std::vector<float> outputs(n * out);
    auto batch_ws = model.make_workspace(n);
    auto small_ws = model.make_workspace(kLinksBatch);
    std::vector<LinkForecast> forecasts(n);
    std::vector<pba_forecast> c_forecasts(n);
    for (auto& f : c_forecasts) f.struct_size = sizeof(pba_forecast);

    const auto per_link = [&] {
        for (Predictor* p : fleet.pointers) benchmark::DoNotOptimize(p->predict());
    };
    const auto links_call = [&] { predict_links(fleet.pointers, forecasts); };
    const auto c_links_call = [&] { pba_predict_links(fleet.c_links.data(), n, c_forecasts.data(), nullptr); };
    const auto forward_batched = [&] { model.forward(windows, outputs, batch_ws); };
    const auto forward_small = [&] {
        for (std::size_t w = 0; w < n; w += kLinksBatch) {
            const std::size_t k = std::min(kLinksBatch, n - w);
            model.forward(std::span(windows).subspan(w * in, k * in), std::span(outputs).subspan(w * out, k * out),
                          small_ws);
        }
    };
    const auto forward_single = [&] {
        for (std::size_t w = 0; w < n; ++w)
            model.forward(std::span(windows).subspan(w * in, in), std::span(outputs).subspan(w * out, out), small_ws);
    };
    // Warms every path (the links calls make this thread's batch buffers), then counts what a
    // warmed predict path allocates.
    per_link();
    links_call();
    c_links_call();
    forward_batched();
    fleet.observe();
    const std::size_t before = pba::bench::allocation_count();
    per_link();
    links_call();
    c_links_call();
    const std::size_t predict_allocations = pba::bench::allocation_count() - before;

    double s[6] = {};
    for (auto _ : state) {
        fleet.observe();
        auto t0 = Clock::now();
        per_link();
        s[0] += seconds_since(t0);
        fleet.observe();
        t0 = Clock::now();
        links_call();
        s[1] += seconds_since(t0);
        fleet.observe();
        t0 = Clock::now();
        c_links_call();
        s[2] += seconds_since(t0);
        t0 = Clock::now();
        forward_batched();
        s[3] += seconds_since(t0);
        t0 = Clock::now();
        forward_small();
        s[4] += seconds_since(t0);
        t0 = Clock::now();
        forward_single();
        s[5] += seconds_since(t0);
        benchmark::DoNotOptimize(outputs.data());
        benchmark::ClobberMemory();
    }
    if (forecasts[0].error || forecasts[0].forecast.fallback || c_forecasts[0].fallback)
        return state.SkipWithError("link 0 was not answered by the model");
    const double calls = static_cast<double>(state.iterations()) * static_cast<double>(n);
    state.counters["predict_us_per_link"] = s[0] * 1e6 / calls;
    state.counters["predict_links_us_per_link"] = s[1] * 1e6 / calls;
    state.counters["c_predict_links_us_per_link"] = s[2] * 1e6 / calls;
    state.counters["forward_batched_us_per_window"] = s[3] * 1e6 / calls;
    state.counters["forward_by_batch_us_per_window"] = s[4] * 1e6 / calls;
    state.counters["forward_single_us_per_window"] = s[5] * 1e6 / calls;
    state.counters["bytes_per_link"] = static_cast<double>(fleet.links[0]->stats().state_bytes);
    state.counters["resident_bytes_per_link"] = resident_per_link;
    state.counters["predict_allocs_per_link"] = static_cast<double>(predict_allocations) / (3.0 * static_cast<double>(n));
}

// One link, its state in cache: what predict() costs beyond its forward pass (encoding,
// finishing, bookkeeping; issue 14 asks <= 2 us), timed against the model's forward over the
// same window in each iteration.
void predict_overhead(benchmark::State& state) {
    const auto slot = std::make_shared<ModelSlot>(pba::default_model("internet"));
    Predictor link(slot);
    const pba::Model& model = slot->model()->model();
    const auto window = random_windows(model.input_size());
    std::vector<float> output(model.output_size());
    auto workspace = model.make_workspace(1);
    int t = 0;
    const auto observe = [&] {
        Sample s;
        s.timestamp_unix_s = 1764158100.0 + t;
        s.bandwidth_mbps = bandwidth(0, t);
        link.observe(s);
        ++t;
    };
    while (t < static_cast<int>(slot->model()->pipeline().rows())) observe();
    double predict_s = 0.0, forward_s = 0.0;
    for (auto _ : state) {
        observe();
        auto t0 = Clock::now();
        benchmark::DoNotOptimize(link.predict());
        predict_s += seconds_since(t0);
        t0 = Clock::now();
        model.forward(window, output, workspace);
        forward_s += seconds_since(t0);
        benchmark::DoNotOptimize(output.data());
    }
    const double calls = static_cast<double>(state.iterations());
    state.counters["predict_us"] = predict_s * 1e6 / calls;
    state.counters["forward_us"] = forward_s * 1e6 / calls;
    state.counters["overhead_us"] = (predict_s - forward_s) * 1e6 / calls;
}

void mode_aware_links(benchmark::State& state, std::size_t n) {
    const double resident_before = resident_bytes();
    const auto dc = std::make_shared<ModelSlot>(pba::default_model("datacenter"));
    const auto inet = std::make_shared<ModelSlot>(pba::default_model("internet"));
    HybridConfig config;
    config.policy = ModePolicy::hybrid;
    std::vector<std::unique_ptr<HybridPredictor>> owned;
    std::vector<LinkPredictor*> pointers;
    for (std::size_t l = 0; l < n; ++l) {
        owned.push_back(std::make_unique<HybridPredictor>(dc, inet, config));
        pointers.push_back(owned.back().get());
    }
    int t = 0;
    const auto observe = [&] {
        for (std::size_t l = 0; l < n; ++l) {
            Sample s;
            s.timestamp_unix_s = 1764158100.0 + t;
            s.bandwidth_mbps = bandwidth(l, t);
            s.latency_ms = 40.0 + static_cast<double>(l % 13);
            s.packet_loss = 0.001;
            s.jitter_ms = 2.0;
            owned[l]->observe(s);
        }
        ++t;
    };
    while (t < static_cast<int>(inet->model()->pipeline().rows())) observe();
    for (LinkPredictor* p : pointers) benchmark::DoNotOptimize(p->predict());
    const double resident_per_link = (resident_bytes() - resident_before) / static_cast<double>(n);

    std::vector<LinkForecast> forecasts(n);
    const auto per_link = [&] {
        for (LinkPredictor* p : pointers) benchmark::DoNotOptimize(p->predict());
    };
    const auto links_call = [&] { predict_links(pointers, forecasts); };
    struct Bare {
        const pba::Model& model;
        std::vector<float> windows, outputs;
        pba::nn::Workspace workspace;
    };
    std::vector<Bare> bare;
    for (const auto* slot : {&dc, &inet}) {
        const pba::Model& m = (*slot)->model()->model();
        bare.push_back({m, random_windows(n * m.input_size()), std::vector<float>(n * m.output_size()),
                        m.make_workspace(n)});
    }
    const auto forward_both = [&] {
        for (Bare& b : bare) b.model.forward(b.windows, b.outputs, b.workspace);
    };
    per_link();
    links_call();
    forward_both();

    double s[3] = {};
    for (auto _ : state) {
        observe();
        auto t0 = Clock::now();
        per_link();
        s[0] += seconds_since(t0);
        observe();
        t0 = Clock::now();
        links_call();
        s[1] += seconds_since(t0);
        t0 = Clock::now();
        forward_both();
        s[2] += seconds_since(t0);
        benchmark::ClobberMemory();
    }
    if (forecasts[0].error || forecasts[0].forecast.fallback || forecasts[0].forecast.mode != Mode::hybrid)
        return state.SkipWithError("link 0 was not answered by both models");
    const double calls = static_cast<double>(state.iterations()) * static_cast<double>(n);
    state.counters["predict_us_per_link"] = s[0] * 1e6 / calls;
    state.counters["predict_links_us_per_link"] = s[1] * 1e6 / calls;
    state.counters["forward_both_batched_us_per_link"] = s[2] * 1e6 / calls;
    state.counters["bytes_per_link"] = static_cast<double>(owned[0]->stats().state_bytes);
    state.counters["resident_bytes_per_link"] = resident_per_link;
}

}  // namespace

int main(int argc, char** argv) {
    for (const std::size_t n : {1'000, 10'000, 100'000})
        benchmark::RegisterBenchmark(("links/" + std::to_string(n)).c_str(),
                                     [n](benchmark::State& state) { links(state, n); })
            ->Unit(benchmark::kMillisecond)
            ->Iterations(n == 1'000 ? 20 : n == 10'000 ? 3 : 1)
            ->UseRealTime();
    benchmark::RegisterBenchmark("predict_overhead/internet", predict_overhead)->Iterations(20'000)->UseRealTime();
    for (const std::size_t n : {1'000, 10'000})
        benchmark::RegisterBenchmark(("mode_aware_links/" + std::to_string(n)).c_str(),
                                     [n](benchmark::State& state) { mode_aware_links(state, n); })
            ->Unit(benchmark::kMillisecond)
            ->Iterations(n == 1'000 ? 20 : 3)
            ->UseRealTime();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
