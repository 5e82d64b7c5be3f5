// Hot reload under load. Forecasting threads share one model slot through many predictors
// while a reloader swaps the slot's model thousands of times, alternating a valid model (from
// memory, then from a file) with a corrupt one of every defect class (from memory and from
// files), and a monitor thread reads statistics throughout. Through the C++ API and through
// the C interface (predictors created on a pba_slot, forecast with pba_predict_links).
//
// Two models with distinguishable constant outputs alternate: A (window 4) forecasts 100 Mbps
// / 10 ms, B (window 6) 200 Mbps / 20 ms, so every forecast can be checked against the model
// version and slot generation it reports (odd generations are A). Must hold: no forecast fails,
// none is torn (values from one model, version from another), every corrupt reload is refused
// with its defect's error and counted, and the ASan stage finds no leak, the TSan stage no race.
//
// PBA_STRESS_RELOADS sets the number of valid reloads (and as many corrupt ones); default 2000.

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pba.h"
#include "pba/model/model.hpp"
#include "pba/predict/predictor.hpp"
#include "stress/link_models.hpp"

using namespace pba::predict;

namespace {

constexpr int kForecasters = 3;
constexpr int kLinksPerForecaster = 4;
constexpr std::uint64_t kMinForecastsPerThread = 200;

int valid_reloads() {
    const char* env = std::getenv("PBA_STRESS_RELOADS");
    return env ? std::max(2, std::atoi(env)) : 2000;
}

struct Expected {
    const char* version;
    double bandwidth_mbps;
    double latency_ms;
};
constexpr Expected kA{"A", 100.0, 10.0};
constexpr Expected kB{"B", 200.0, 20.0};

// Whether a forecast's values, version and generation all name the same model.
bool consistent(const char* version, std::uint64_t generation, double bandwidth_mbps, double latency_ms) {
    const Expected& e = generation % 2 == 1 ? kA : kB;
    return std::string(version) == e.version && bandwidth_mbps == e.bandwidth_mbps && latency_ms == e.latency_ms;
}

// A corrupt reload source: bytes in memory or a path, and the error it must be refused with.
struct CorruptSource {
    std::string defect;
    std::vector<std::byte> bytes;
    std::string path;  // empty: reload from memory
    pba::Errc refused_with;
};

// The models, as bytes and as files in a private directory removed at the end.
struct Fixture {
    std::vector<std::byte> a = pba::format::write_model(pba::test::constant_link_model("A", 4, 100, 10));
    std::vector<std::byte> b = pba::format::write_model(pba::test::constant_link_model("B", 6, 200, 20));
    std::filesystem::path dir;
    std::string a_path, b_path;
    std::vector<CorruptSource> corrupt;

    Fixture() {
        dir = std::filesystem::temp_directory_path() / ("pba_stress_" + std::to_string(std::rand()) + "_" +
                                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        std::filesystem::create_directories(dir);
        a_path = write("a.pba", a);
        b_path = write("b.pba", b);
        int i = 0;
        for (auto& c : pba::test::corrupt_variants(pba::test::constant_link_model("B", 6, 200, 20))) {
            corrupt.push_back({c.defect + " (memory)", c.bytes, "", c.refused_with});
            corrupt.push_back({c.defect + " (file)", {}, write("corrupt" + std::to_string(i++) + ".pba", c.bytes),
                               c.refused_with});
        }
        corrupt.push_back({"a missing file", {}, (dir / "missing.pba").string(), pba::Errc::io_error});
        corrupt.push_back({"a directory", {}, dir.string(), pba::Errc::io_error});
    }
    ~Fixture() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::string write(const std::string& name, const std::vector<std::byte>& bytes) const {
        const auto path = dir / name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        return path.string();
    }
};

// What the forecasting threads saw.
struct Tally {
    std::atomic<std::uint64_t> forecasts{0}, model_forecasts{0}, window_filling{0}, seen_a{0}, seen_b{0};
    std::atomic<std::uint64_t> failed{0}, torn{0}, non_finite{0}, other_fallback{0};

    void record(bool fallback, bool window_filling_reason, const char* version, std::uint64_t generation,
                double bandwidth_mbps, double latency_ms, double confidence) {
        ++forecasts;
        if (!std::isfinite(bandwidth_mbps) || !std::isfinite(latency_ms) || !std::isfinite(confidence)) ++non_finite;
        if (fallback) {
            // Right after a swap to the longer window of B the window refills: the only fallback.
            if (window_filling_reason) ++window_filling;
            else ++other_fallback;
            return;
        }
        ++model_forecasts;
        if (!consistent(version, generation, bandwidth_mbps, latency_ms)) ++torn;
        else if (generation % 2 == 1) ++seen_a;
        else ++seen_b;
    }

    void print(const char* api, int reloads, std::uint64_t refused) const {
        std::printf("stress (%s): %llu forecasts (%llu from a model: %llu A, %llu B; %llu while a window refilled), "
                    "%d valid reloads, %llu corrupt reloads refused; %llu failed, %llu torn\n",
                    api, static_cast<unsigned long long>(forecasts.load()),
                    static_cast<unsigned long long>(model_forecasts.load()),
                    static_cast<unsigned long long>(seen_a.load()), static_cast<unsigned long long>(seen_b.load()),
                    static_cast<unsigned long long>(window_filling.load()), reloads,
                    static_cast<unsigned long long>(refused), static_cast<unsigned long long>(failed.load()),
                    static_cast<unsigned long long>(torn.load()));
    }
};

void check_tally(const Tally& t) {
    CHECK(t.failed == 0);
    CHECK(t.torn == 0);
    CHECK(t.non_finite == 0);
    CHECK(t.other_fallback == 0);
    CHECK(t.seen_a > 0);
    CHECK(t.seen_b > 0);
    CHECK(t.forecasts >= kForecasters * kMinForecastsPerThread);
}

pba_status status_of(pba::Errc code) {
    switch (code) {
        case pba::Errc::io_error: return PBA_ERR_IO;
        case pba::Errc::malformed_model: return PBA_ERR_MALFORMED_MODEL;
        case pba::Errc::unsupported_version: return PBA_ERR_UNSUPPORTED_VERSION;
        case pba::Errc::checksum_mismatch: return PBA_ERR_CHECKSUM_MISMATCH;
        case pba::Errc::non_finite: return PBA_ERR_NON_FINITE;
        case pba::Errc::self_test_failed: return PBA_ERR_SELF_TEST_FAILED;
        default: return PBA_ERR_INTERNAL;
    }
}

}  // namespace

TEST_CASE("C++ API: threads forecast on a shared slot while it is reloaded thousands of times, half corrupt",
          "[stress][concurrency]") {
    const Fixture fx;
    const int reloads = valid_reloads();
    auto slot = std::make_shared<ModelSlot>(pba::Model::from_bytes(fx.a));

    std::vector<std::unique_ptr<Predictor>> links;
    for (int i = 0; i < kForecasters * kLinksPerForecaster; ++i) links.push_back(std::make_unique<Predictor>(slot));

    std::atomic<bool> done{false};
    Tally tally;
    auto forecaster = [&](int thread) {
        double t = 1.7e9;
        for (std::uint64_t n = 0; !done.load() || n < kMinForecastsPerThread; ++n, t += 1) {
            for (int l = 0; l < kLinksPerForecaster; ++l) {
                Predictor& p = *links[thread * kLinksPerForecaster + l];
                try {
                    Sample s;
                    s.timestamp_unix_s = t;
                    s.bandwidth_mbps = 150;
                    s.latency_ms = 15;
                    if (!p.observe(s).accepted()) ++tally.failed;
                    const Forecast f = p.predict();
                    tally.record(f.fallback, f.fallback_reason == FallbackReason::window_filling,
                                 f.model_version.data(), f.model_generation, f.bandwidth_mbps, f.latency_ms,
                                 f.confidence);
                } catch (...) {
                    ++tally.failed;
                }
            }
        }
    };
    // Readers of counters and statistics while everything moves.
    std::atomic<std::uint64_t> monitor_reads{0};
    auto monitor = [&] {
        while (!done.load()) {
            for (auto& p : links) {
                const PredictorStats s = p->stats();
                if (s.predictions != s.model_predictions + s.fallback_predictions) ++tally.failed;
            }
            (void)slot->reloads_refused();
            (void)slot->last_error();
            ++monitor_reads;
        }
    };

    std::vector<std::thread> threads;
    for (int i = 0; i < kForecasters; ++i) threads.emplace_back(forecaster, i);
    threads.emplace_back(monitor);

    std::uint64_t refused = 0, wrong_error = 0;
    for (int i = 0; i < reloads; ++i) {
        // Valid: B, A, B, ... so that odd generations stay A; from memory and from files in turn.
        // Their windows differ (4 and 6 samples) on purpose, so the swap is allowed explicitly.
        const bool to_b = i % 2 == 0;
        constexpr auto allow = pba::predict::KindChange::allow;
        if ((i / 2) % 2 == 0) slot->reload_bytes(to_b ? fx.b : fx.a, {}, allow);
        else slot->reload_file(to_b ? fx.b_path : fx.a_path, {}, allow);

        const CorruptSource& c = fx.corrupt[static_cast<std::size_t>(i) % fx.corrupt.size()];
        try {
            if (c.path.empty()) slot->reload_bytes(c.bytes);
            else slot->reload_file(c.path);
        } catch (const pba::Error& e) {
            ++refused;
            if (e.code() != c.refused_with) {
                ++wrong_error;
                UNSCOPED_INFO(c.defect << ": " << e.what());
            }
        }
    }
    done = true;
    for (auto& th : threads) th.join();
    tally.print("C++", reloads, refused);

    check_tally(tally);
    CHECK(wrong_error == 0);
    CHECK(refused == static_cast<std::uint64_t>(reloads));
    CHECK(slot->reloads_refused() == static_cast<std::uint64_t>(reloads));
    CHECK(slot->reloads_succeeded() == static_cast<std::uint64_t>(reloads));
    CHECK(slot->generation() == static_cast<std::uint64_t>(reloads) + 1);
    CHECK(monitor_reads > 0);
}

TEST_CASE("C interface: threads forecast many links per call on a shared pba_slot while it is reloaded, half corrupt",
          "[stress][concurrency]") {
    const Fixture fx;
    const int reloads = valid_reloads();

    pba_model* model_a = nullptr;
    REQUIRE(pba_model_load_memory(fx.a.data(), fx.a.size(), nullptr, &model_a) == PBA_OK);
    pba_slot* slot = nullptr;
    REQUIRE(pba_slot_create(model_a, &slot) == PBA_OK);
    pba_model_free(model_a);  // the slot keeps the model alive

    std::vector<pba_predictor*> links(kForecasters * kLinksPerForecaster, nullptr);
    for (auto& p : links) {
        pba_predictor_config config = pba_predictor_config_default();
        config.slot = slot;
        REQUIRE(pba_predictor_create(&config, &p) == PBA_OK);
    }

    std::atomic<bool> done{false};
    Tally tally;
    auto forecaster = [&](int thread) {
        pba_predictor* const* mine = links.data() + thread * kLinksPerForecaster;
        std::vector<pba_sample> samples(kLinksPerForecaster);
        std::vector<pba_forecast> forecasts(kLinksPerForecaster);
        std::vector<pba_status> statuses(kLinksPerForecaster);
        double t = 1.7e9;
        for (std::uint64_t n = 0; !done.load() || n < kMinForecastsPerThread; ++n, t += 1) {
            for (auto& s : samples) {
                s = pba_sample_at(t);
                s.bandwidth_mbps = 150;
                s.latency_ms = 15;
            }
            for (auto& f : forecasts) f.struct_size = sizeof f;
            if (pba_observe_links(mine, samples.data(), samples.size(), statuses.data()) != PBA_OK) ++tally.failed;
            if (pba_predict_links(mine, forecasts.size(), forecasts.data(), statuses.data()) != PBA_OK) {
                ++tally.failed;
                continue;
            }
            for (const auto& f : forecasts)
                tally.record(f.fallback != 0, f.fallback_reason == PBA_FALLBACK_WINDOW_FILLING, f.model_version,
                             f.model_generation, f.bandwidth_mbps, f.latency_ms, f.confidence);
        }
    };
    std::atomic<std::uint64_t> monitor_reads{0};
    auto monitor = [&] {
        std::vector<const pba_predictor*> all(links.begin(), links.end());
        std::vector<std::string> names;
        for (std::size_t i = 0; i < links.size(); ++i) names.push_back("link" + std::to_string(i));
        std::vector<const char*> name_ptrs;
        for (auto& n : names) name_ptrs.push_back(n.c_str());
        std::vector<char> text(1 << 16);
        while (!done.load()) {
            std::size_t required = 0;
            if (pba_prometheus_text(all.data(), name_ptrs.data(), all.size(), text.data(), text.size(), &required) !=
                PBA_OK)
                ++tally.failed;
            pba_predictor_stats s{};
            s.struct_size = sizeof s;
            if (pba_predictor_get_stats(links[0], &s) != PBA_OK) ++tally.failed;
            ++monitor_reads;
        }
    };

    std::vector<std::thread> threads;
    for (int i = 0; i < kForecasters; ++i) threads.emplace_back(forecaster, i);
    threads.emplace_back(monitor);

    std::uint64_t refused = 0, wrong_status = 0, failed_reloads = 0;
    for (int i = 0; i < reloads; ++i) {
        const bool to_b = i % 2 == 0;
        const auto& bytes = to_b ? fx.b : fx.a;
        pba_load_options allow = pba_load_options_default();  // A and B differ in window on purpose
        allow.reload_flags = PBA_RELOAD_ALLOW_KIND_CHANGE;
        const pba_status valid = (i / 2) % 2 == 0
                                     ? pba_slot_reload_memory(slot, bytes.data(), bytes.size(), &allow, nullptr)
                                     : pba_slot_reload_file(slot, (to_b ? fx.b_path : fx.a_path).c_str(), &allow, nullptr);
        if (valid != PBA_OK) ++failed_reloads;

        const CorruptSource& c = fx.corrupt[static_cast<std::size_t>(i) % fx.corrupt.size()];
        const pba_status status = c.path.empty()
                                      ? pba_slot_reload_memory(slot, c.bytes.data(), c.bytes.size(), nullptr, nullptr)
                                      : pba_slot_reload_file(slot, c.path.c_str(), nullptr, nullptr);
        if (status != PBA_OK) ++refused;
        if (status != status_of(c.refused_with) || pba_last_error()[0] == '\0') {
            ++wrong_status;
            UNSCOPED_INFO(c.defect << ": " << pba_status_string(status) << ": " << pba_last_error());
        }
    }
    done = true;
    for (auto& th : threads) th.join();

    pba_predictor_stats stats{};
    stats.struct_size = sizeof stats;
    REQUIRE(pba_predictor_get_stats(links[0], &stats) == PBA_OK);
    tally.print("C", reloads, refused);

    check_tally(tally);
    CHECK(failed_reloads == 0);
    CHECK(wrong_status == 0);
    CHECK(refused == static_cast<std::uint64_t>(reloads));
    CHECK(stats.reloads_refused == static_cast<std::uint64_t>(reloads));
    CHECK(stats.reloads_succeeded == static_cast<std::uint64_t>(reloads));
    CHECK(pba_slot_generation(slot) == static_cast<std::uint64_t>(reloads) + 1);
    CHECK(monitor_reads > 0);

    for (auto* p : links) pba_predictor_free(p);
    pba_slot_free(slot);
}
