#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <new>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "pba/error.hpp"
#include "pba/model/defaults.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/network.hpp"

// Heap allocations of the whole process, so `pba bench` can show that forecasts make none.
namespace {
std::atomic<std::size_t> g_allocations{0};
}
void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace pba::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct ThreadResult {
    std::vector<double> call_us;
    std::size_t allocations = 0;
};

// Runs forward passes of `batch` windows on `model` for `seconds`, timing each call.
ThreadResult run_thread(const Model& model, std::size_t batch, double seconds, unsigned seed) {
    ThreadResult r;
    auto ws = model.make_workspace(batch);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> input(batch * model.input_size());
    for (auto& v : input) v = u(rng);
    std::vector<float> output(batch * model.output_size());
    r.call_us.reserve(1 << 20);
    for (int i = 0; i < 10; ++i) model.forward(input, output, ws);
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    do {
        const auto t0 = Clock::now();
        model.forward(input, output, ws);
        r.call_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    } while (Clock::now() < end && r.call_us.size() < r.call_us.capacity());
    r.allocations = g_allocations.load(std::memory_order_relaxed) - before;
    return r;
}

// Median of `v` (not empty).
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// A node serving `links` links: rounds of (a) one single-window forward per link and (b) one
// batched forward over all links, alternating so both see the same machine load. One line per
// path, microseconds per link, the median over rounds.
int bench_links(const Model& model, const std::string& label, std::size_t links, double seconds) {
    const std::size_t in = model.input_size(), out = model.output_size();
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> input(links * in);
    for (auto& v : input) v = u(rng);
    std::vector<float> output(links * out);
    auto single_ws = model.make_workspace(1);
    auto batch_ws = model.make_workspace(links);
    const auto per_link = [&] {
        for (std::size_t w = 0; w < links; ++w)
            model.forward(std::span<const float>(input).subspan(w * in, in), std::span<float>(output).subspan(w * out, out),
                          single_ws);
    };
    const auto batched = [&] { model.forward(input, output, batch_ws); };
    const auto us_per_link = [&](auto&& run) {
        const auto t0 = Clock::now();
        run();
        return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / static_cast<double>(links);
    };
    per_link();  // warm pages and caches
    batched();
    std::vector<double> per_link_us, batched_us;
    per_link_us.reserve(1 << 16);
    batched_us.reserve(1 << 16);
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    do {
        per_link_us.push_back(us_per_link(per_link));
        batched_us.push_back(us_per_link(batched));
    } while (Clock::now() < end && per_link_us.size() < per_link_us.capacity());
    const std::size_t allocations = g_allocations.load(std::memory_order_relaxed) - before;
    const double single = median(per_link_us), batch = median(batched_us);
    fmt::print("model={} isa={} links={} rounds={} allocations={}\n", label,
               nn::kernels::to_string(nn::kernels::active_isa()), links, per_link_us.size(), allocations);
    fmt::print("per-link forward: {:.3f} us/link\n", single);
    fmt::print("batched forward: {:.3f} us/link ({:.2f}x per-link)\n", batch, batch / single);
    return 0;
}

}  // namespace

// Times the forward pass: per-call latency percentiles, microseconds per forecast, GFLOP/s.
int bench(const Argv& argv) {
    const Args args(argv, {"default", "model", "batch", "threads", "seconds", "weights", "links"});
    if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
    if (args.has("default") == args.has("model")) throw UsageError{"give exactly one of --default NAME and --model FILE"};
    const long long batch = args.integer("batch", 1);
    const long long threads = args.integer("threads", 1);
    const double seconds = args.has("seconds") ? args.number("seconds") : 2.0;
    if (batch < 1 || batch > 65536) throw UsageError{"--batch must be 1..65536"};
    if (threads < 1 || threads > 256) throw UsageError{"--threads must be 1..256"};
    if (!(seconds > 0.0 && seconds <= 3600.0)) throw UsageError{"--seconds must be in (0, 3600]"};
    LoadOptions options;
    const std::string weights = args.get("weights").value_or("fp32");
    if (weights == "fp16")
        options.recurrent_weights = nn::WeightStorage::fp16;
    else if (weights == "bf16")
        options.recurrent_weights = nn::WeightStorage::bf16;
    else if (weights != "fp32")
        throw UsageError{"--weights must be fp32, fp16 or bf16"};

    std::shared_ptr<const Model> model;
    std::string label;
    if (const auto name = args.get("default")) {
        model = options.recurrent_weights == nn::WeightStorage::fp32
                    ? default_model(*name)
                    : Model::from_bytes(default_model_bytes(*name), options);
        label = *name;
    } else {
        label = args.require("model");
        model = Model::from_file(label, options);
    }

    if (args.has("links")) {
        const long long links = args.integer("links", 1);
        if (links < 1 || links > 1'000'000) throw UsageError{"--links must be 1..1000000"};
        if (args.has("batch") || args.has("threads")) throw UsageError{"--links runs one thread; drop --batch and --threads"};
        return bench_links(*model, label, static_cast<std::size_t>(links), seconds);
    }

    const auto n = static_cast<std::size_t>(batch);
    std::vector<ThreadResult> results(static_cast<std::size_t>(threads));
    const auto start = Clock::now();
    {
        std::vector<std::thread> workers;
        for (std::size_t t = 0; t < results.size(); ++t)
            workers.emplace_back([&, t] { results[t] = run_thread(*model, n, seconds, static_cast<unsigned>(t + 1)); });
        for (auto& w : workers) w.join();
    }
    const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();

    std::vector<double> calls;
    std::size_t allocations = 0;
    for (const auto& r : results) {
        calls.insert(calls.end(), r.call_us.begin(), r.call_us.end());
        allocations += r.allocations;
    }
    std::sort(calls.begin(), calls.end());
    const auto at = [&](double q) { return calls[std::min(calls.size() - 1, static_cast<std::size_t>(q * calls.size()))]; };
    const double median_us = at(0.5), p99_us = at(0.99);
    const double flops = static_cast<double>(model->network().flops_per_window());
    // Throughput of all threads together over the run's wall time.
    const double gflops = flops * static_cast<double>(n) * static_cast<double>(calls.size()) / wall_s * 1e-9;

    fmt::print("model={} isa={} batch={} threads={} weights={}\n", label,
               nn::kernels::to_string(nn::kernels::active_isa()), n, threads, weights);
    fmt::print("weight_bytes={} flops_per_forecast={} calls={} seconds={:.2f}\n", model->network().weight_bytes(),
               model->network().flops_per_window(), calls.size(), wall_s);
    fmt::print("us_per_forecast={:.3f} allocations_per_forecast={:.3g}\n", median_us / static_cast<double>(n),
               static_cast<double>(allocations) / static_cast<double>(calls.size() * n));
    fmt::print("median_us={:.3f} p99_us={:.3f} gflops={:.2f}\n", median_us, p99_us, gflops);
    return 0;
}

}  // namespace pba::cli
