// Shared models under hot reload: many threads forecasting while another thread swaps the model
// hundreds of times (valid and corrupt). Every forecast must come wholly from one model version.
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "pba/error.hpp"
#include "pba/format/model_file.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/predictor.hpp"
#include "test_models.hpp"
#include "support/samples.hpp"

using namespace pba::predict;

namespace {
using pba::test::at;

pba::format::ModelDescription constant(const std::string& version, float value) {
    auto m = pba::test::plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, version);
    m.set("input.sample_interval_s", 1.0);
    return pba::test::constant_description(10, m, {value});
}
}  // namespace

TEST_CASE("threads forecast on a shared model while another reloads it hundreds of times",
          "[predict][concurrency][reload]") {
    const auto bytes_a = pba::format::write_model(constant("A", 100));
    const auto bytes_b = pba::format::write_model(constant("B", 200));
    auto corrupt = bytes_b;
    corrupt[corrupt.size() - 3] ^= std::byte{1};
    auto slot = std::make_shared<ModelSlot>(pba::Model::from_bytes(bytes_a));

    constexpr int kReloads = 400;
    constexpr int kThreads = 3;
    std::atomic<bool> done{false};
    std::atomic<int> errors{0}, torn{0};
    std::atomic<std::uint64_t> seen_a{0}, seen_b{0};

    auto forecaster = [&] {
        Predictor p(slot);
        double t = 0;
        std::uint64_t forecasts = 0;
        while (!done.load() || forecasts < 200) {
            try {
                p.observe(at(t, 150));
                t += 1;
                const Forecast f = p.predict();
                ++forecasts;
                if (f.fallback) continue;  // the first 9 samples
                const std::string version = f.model_version.data();
                // Generation 1 is A, then B and A alternate: odd generations are A.
                const bool is_a = version == "A" && f.bandwidth_mbps == 100.0 && f.model_generation % 2 == 1;
                const bool is_b = version == "B" && f.bandwidth_mbps == 200.0 && f.model_generation % 2 == 0;
                if (is_a) ++seen_a;
                if (is_b) ++seen_b;
                if (!is_a && !is_b) ++torn;
                if (!std::isfinite(f.confidence) || !std::isfinite(f.bandwidth_high_mbps)) ++torn;
            } catch (...) {
                ++errors;
            }
        }
    };

    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) threads.emplace_back(forecaster);
    int refused = 0;
    for (int i = 0; i < kReloads; ++i) {
        slot->reload_bytes(i % 2 == 0 ? bytes_b : bytes_a);
        if (i % 4 == 0) {
            try {
                slot->reload_bytes(corrupt);
            } catch (const pba::Error&) {
                ++refused;
            }
        }
        std::this_thread::yield();
    }
    done = true;
    for (auto& th : threads) th.join();

    CHECK(errors == 0);
    CHECK(torn == 0);
    CHECK(refused == kReloads / 4);
    CHECK(slot->reloads_refused() == static_cast<std::uint64_t>(kReloads / 4));
    CHECK(slot->reloads_succeeded() == static_cast<std::uint64_t>(kReloads));
    CHECK(slot->generation() == kReloads + 1);
    CHECK(seen_a + seen_b > 0);
}

TEST_CASE("one predictor used from several threads at once stays consistent", "[predict][concurrency]") {
    auto model = pba::Model::from_description(constant("A", 100));
    HybridPredictor h(model, model);
    Predictor p(model);
    std::atomic<double> clock{0};
    std::atomic<int> errors{0};
    constexpr int kThreads = 4, kRounds = 500;
    auto worker = [&] {
        for (int i = 0; i < kRounds; ++i) {
            try {
                const double t = clock.fetch_add(1);
                // Samples may arrive out of order across threads: those are refused, never a crash.
                p.observe(at(t, 100));
                h.observe(at(t, 100));
                if (p.stats().samples.accepted > 0) p.predict();
                if (h.stats().samples.accepted > 0) h.predict();
            } catch (...) {
                ++errors;
            }
        }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker);
    for (auto& th : threads) th.join();
    CHECK(errors == 0);
    const PredictorStats s = p.stats();
    const SampleCounts& c = s.samples;
    CHECK(c.accepted + c.refused_backwards_timestamp + c.refused_repeated_timestamp == kThreads * kRounds);
    CHECK(s.predictions == s.latency.count);
    CHECK(s.predictions == s.model_predictions + s.fallback_predictions);
    const PredictorStats hs = h.stats();
    CHECK(hs.samples.accepted + hs.samples.refused_backwards_timestamp == kThreads * kRounds);
}
