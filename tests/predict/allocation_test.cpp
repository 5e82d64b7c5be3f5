// observe() and predict() allocate nothing after construction (issue 3, guide: the predict path).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "pba/predict/hybrid.hpp"
#include "pba/predict/predictor.hpp"
#include "support/alloc_counter.hpp"
#include "test_models.hpp"

using namespace pba::predict;

namespace {
Sample full(double t, double bw, double lat) {
    Sample s;
    s.timestamp_unix_s = 1764158100 + t;
    s.bandwidth_mbps = bw;
    s.latency_ms = lat;
    s.packet_loss = 0.001;
    s.jitter_ms = 1.5;
    return s;
}

std::shared_ptr<const pba::Model> v1_like(const std::string& version, std::vector<float> outputs) {
    auto m = pba::test::plain_metadata(
        {"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms", "hour_of_day", "day_of_week"},
        {"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"}, version);
    m.set("input.sample_interval_s", 1.0);
    m.set("forecast.target", std::string("mean_over"));
    m.set("forecast.horizon_steps", std::int64_t{3});
    return pba::test::constant_model(10, m, std::move(outputs));
}
}  // namespace

TEST_CASE("observe and predict allocate nothing after construction", "[predict][allocation]") {
    const auto model = v1_like("A", {500, 20, 0.001f, 2});
    Predictor p(model);
    Predictor fallback_only(std::shared_ptr<const pba::Model>{});
    {
        pba::test::AllocationCounter counter;
        for (int t = 0; t < 300; ++t) {
            const double bw = 400 + 50 * std::sin(t * 0.1);
            p.observe(full(t, bw, 20));
            fallback_only.observe(full(t, bw, 20));
            const Forecast f = p.predict();
            fallback_only.predict();
            REQUIRE(std::isfinite(f.bandwidth_mbps));
        }
        // Degenerate input takes the same allocation-free paths.
        p.observe(full(299, 1, 1));                                       // repeated
        p.observe(full(10, 1, 1));                                        // backwards
        p.observe(full(std::numeric_limits<double>::quiet_NaN(), 1, 1));  // invalid
        p.observe(full(301, -1, std::numeric_limits<double>::infinity()));
        p.predict();
        CHECK(counter.allocations() == 0);
    }
    CHECK(p.stats().model_predictions > 250);
    CHECK(p.stats().forecasts_matched > 250);
}

TEST_CASE("hybrid and shadow challenger predict without allocating", "[predict][allocation]") {
    HybridPredictor h(v1_like("dc", {8000, 5, 0, 1}), v1_like("inet", {400, 100, 0.01f, 10}));
    Predictor p(v1_like("champ", {500, 20, 0, 1}));
    p.set_challenger(v1_like("chall", {510, 20, 0, 1}));
    pba::test::AllocationCounter counter;
    for (int t = 0; t < 300; ++t) {
        // Datacenter, then internet, then between: the detector switches modes.
        const double lat = t < 100 ? 2 : t < 200 ? 120 : 30;
        const double bw = t < 100 ? 5000 : t < 200 ? 300 : 2000;
        h.observe(full(t, bw, lat));
        p.observe(full(t, bw, lat));
        h.predict();
        p.predict();
    }
    CHECK(counter.allocations() == 0);
    CHECK(h.stats().mode_switches >= 2);
}
