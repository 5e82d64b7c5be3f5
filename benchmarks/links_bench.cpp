// Many links at once (issue 14, item 2): at 10,000 `internet` links, predict_links (C++) and
// pba_predict_links (C ABI) against one batched forward pass over as many windows, and a loop
// of single predict() calls; per link (items_per_second) side by side in one run.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <vector>

#include "pba.h"
#include "pba/model/defaults.hpp"
#include "pba/predict/links.hpp"
#include "pba/predict/predictor.hpp"

namespace {

using namespace pba::predict;

constexpr std::size_t kLinks = 10000;

Sample sample(std::size_t link, int t) {
    Sample s;
    s.timestamp_unix_s = 1764158100 + t;
    s.bandwidth_mbps = 20.0 + static_cast<double>(link % 97) + 5.0 * std::sin(0.1 * t + static_cast<double>(link));
    return s;
}

// kLinks predictors on one shared `internet` slot, each with a full window.
struct Fleet {
    std::shared_ptr<ModelSlot> slot = std::make_shared<ModelSlot>(pba::default_model("internet"));
    std::vector<std::unique_ptr<Predictor>> links;
    std::vector<Predictor*> pointers;
    int t = 0;
    Fleet() {
        const int window = static_cast<int>(slot->model()->pipeline().rows());
        for (std::size_t l = 0; l < kLinks; ++l) links.push_back(std::make_unique<Predictor>(slot));
        for (auto& p : links) pointers.push_back(p.get());
        for (; t < window; ++t) step();
    }
    void step() {
        for (std::size_t l = 0; l < kLinks; ++l) links[l]->observe(sample(l, t));
    }
};

void links_predict_links(benchmark::State& state) {
    Fleet fleet;
    std::vector<LinkForecast> out(kLinks);
    for (auto _ : state) {
        predict_links(fleet.pointers, out);
        benchmark::DoNotOptimize(out.data());
    }
    if (out[0].error || out[0].forecast.fallback) state.SkipWithError("link 0 was not answered by the model");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLinks));
}

void links_single_predict(benchmark::State& state) {
    Fleet fleet;
    for (auto _ : state)
        for (Predictor* p : fleet.pointers) benchmark::DoNotOptimize(p->predict());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLinks));
}

void links_c_abi(benchmark::State& state) {
    pba_model* model = nullptr;
    if (pba_model_load_default("internet", &model) != PBA_OK) return state.SkipWithError(pba_last_error());
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model;
    std::vector<pba_predictor*> links(kLinks);
    for (auto& p : links)
        if (pba_predictor_create(&config, &p) != PBA_OK) return state.SkipWithError(pba_last_error());
    std::vector<pba_sample> samples(kLinks, pba_sample_at(0.0));
    for (int t = 0; t < 180; ++t) {
        for (std::size_t l = 0; l < kLinks; ++l) {
            const Sample s = sample(l, t);
            samples[l].timestamp_unix_s = s.timestamp_unix_s;
            samples[l].bandwidth_mbps = s.bandwidth_mbps;
        }
        pba_observe_links(links.data(), samples.data(), kLinks, nullptr);
    }
    std::vector<pba_forecast> out(kLinks);
    for (auto& f : out) f.struct_size = sizeof(pba_forecast);
    for (auto _ : state)
        if (pba_predict_links(links.data(), kLinks, out.data(), nullptr) != PBA_OK)
            return state.SkipWithError(pba_last_error());
    if (out[0].fallback) state.SkipWithError("link 0 was not answered by the model");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLinks));
    for (auto* p : links) pba_predictor_free(p);
    pba_model_free(model);
}

// The floor: the same number of windows through one forward pass (encoding not included).
void links_forward_only(benchmark::State& state) {
    const auto model = pba::default_model("internet");
    const auto batch = static_cast<std::size_t>(state.range(0));
    auto ws = model->make_workspace(batch);
    std::vector<float> input(batch * model->input_size(), 0.01f), output(batch * model->output_size());
    for (auto _ : state) {
        for (std::size_t done = 0; done < kLinks; done += batch)
            model->forward(std::span(input.data(), batch * model->input_size()),
                           std::span(output.data(), batch * model->output_size()), ws);
        benchmark::DoNotOptimize(output.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLinks));
}

}  // namespace

BENCHMARK(links_predict_links)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(links_c_abi)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(links_single_predict)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(links_forward_only)->Arg(10000)->Arg(64)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0);

BENCHMARK_MAIN();
