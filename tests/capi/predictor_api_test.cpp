// Predictors, slots, hot reload, stats, Prometheus, champion/challenger and the many-links
// calls through the C interface, with values computed by hand.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pba.h"
#include "pba/format/model_file.hpp"
#include "support/alloc_counter.hpp"
#include "support/model_builder.hpp"

namespace {

std::string last_error() { return pba_last_error(); }

// A one-sample "model" y = w x + b over bandwidth / 1000, de-normalised x 1000, so it
// forecasts bandwidth w * bw + 1000 b. Latency, loss and jitter come from the fallback rule.
std::vector<std::byte> linear_bytes(float w, float b, const std::string& version) {
    auto d = pba::test::ModelBuilder({1})
                 .dense(1)
                 .meta("model.name", std::string("linear"))
                 .meta("model.version", version)
                 .meta("model.mode", std::string("internet"))
                 .meta("input.features", std::vector<std::string>{"bandwidth_mbps"})
                 .meta("input.norm", std::vector<std::string>{"divide"})
                 .meta("input.norm_a", std::vector<double>{1000.0})
                 .meta("output.targets", std::vector<std::string>{"bandwidth_mbps"})
                 .meta("output.norm", std::vector<std::string>{"divide"})
                 .meta("output.norm_a", std::vector<double>{1000.0})
                 .meta("input.sample_interval_s", 1.0)
                 .meta("forecast.horizon_steps", std::int64_t{1})
                 .build();
    d.tensors[0].values = {w};
    d.tensors[1].values = {b};
    return pba::format::write_model(d);
}

pba_model* load(const std::vector<std::byte>& bytes) {
    pba_model* m = nullptr;
    REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), nullptr, &m) == PBA_OK);
    return m;
}

pba_sample sample(double t, double bw, double lat = PBA_MISSING, double loss = PBA_MISSING,
                  double jitter = PBA_MISSING) {
    pba_sample s = pba_sample_at(t);
    s.bandwidth_mbps = bw;
    s.latency_ms = lat;
    s.packet_loss = loss;
    s.jitter_ms = jitter;
    return s;
}

pba_forecast forecast_struct() {
    pba_forecast f;
    std::memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    return f;
}

pba_predictor_stats stats_of(const pba_predictor* p) {
    pba_predictor_stats s;
    std::memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    REQUIRE(pba_predictor_get_stats(p, &s) == PBA_OK);
    return s;
}

struct Predictor {
    pba_predictor* p = nullptr;
    explicit Predictor(const pba_predictor_config& config) {
        REQUIRE(pba_predictor_create(&config, &p) == PBA_OK);
        REQUIRE(p != nullptr);
    }
    ~Predictor() { pba_predictor_free(p); }
};

struct Model {
    pba_model* m;
    explicit Model(const std::vector<std::byte>& bytes) : m(load(bytes)) {}
    ~Model() { pba_model_free(m); }
};

}  // namespace

TEST_CASE("the transport's fallback case: no model, ten samples give 154 / 25.4 / 0.01 / 2", "[capi]") {
    pba_predictor_config config = pba_predictor_config_default();
    Predictor p(config);

    pba_forecast f = forecast_struct();
    CHECK(pba_predictor_predict(p.p, &f) == PBA_ERR_NOT_READY);
    CHECK_THAT(last_error(), Catch::Contains("pba_predictor_predict"));

    for (int i = 0; i < 10; ++i) {
        const pba_sample s = sample(1000.0 + i, 100.0 + 10 * i, 20.0 + i, 0.01, 2.0);
        pba_observe_result r{sizeof(pba_observe_result), 99, 99};
        REQUIRE(pba_predictor_observe(p.p, &s, &r) == PBA_OK);
        CHECK(r.status == PBA_OBSERVE_ACCEPTED);
        CHECK(r.dropped_fields == 0);
    }
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(f.bandwidth_mbps == Approx(154.0));
    CHECK(f.latency_ms == Approx(25.4));
    CHECK(f.packet_loss == Approx(0.01));
    CHECK(f.jitter_ms == Approx(2.0));
    CHECK(f.fallback == 1);
    CHECK(f.fallback_reason == PBA_FALLBACK_NO_MODEL);
    CHECK(f.confidence <= 0.5);
    CHECK(f.made_at_unix_s == 1009.0);
    CHECK(std::string(f.model_version).empty());
    CHECK(f.model_generation == 0);
    CHECK(f.mode != PBA_MODE_AUTO);
}

TEST_CASE("confidence_rule and confidence_tolerance: defaults, round trip, refusals", "[capi]") {
    // The fields took the place of reserved ones: the struct keeps the size it had (x86-64, LP64).
    CHECK(sizeof(pba_predictor_config) == 208);
    const pba_predictor_config defaults = pba_predictor_config_default();
    CHECK(defaults.confidence_rule == PBA_CONFIDENCE_TRANSPORT);
    CHECK(defaults.confidence_tolerance == 0.2);

    // No model: fallback forecasts of 100 Mbps for samples of 100, 100, 100, 100, 100, 115. The
    // forecast after the sixth has five matured outcomes: four hits, then 100 against 115, within
    // 20 % (15 <= 23) but not within 10 % (15 > 11.5). By hand, with λ = 44/45 and the prior 0.43
    // of strength 30: outcomes = 45 (1 - λ^5); hits = outcomes at 0.2, λ 45 (1 - λ^4) at 0.1.
    const double lambda = 44.0 / 45.0;
    const double outcomes = 45 * (1 - std::pow(lambda, 5));
    const double at_20pct = (12.9 + outcomes) / (30 + outcomes);
    const double at_10pct = (12.9 + lambda * 45 * (1 - std::pow(lambda, 4))) / (30 + outcomes);
    auto sixth = [](const pba_predictor_config& c) {
        Predictor p(c);
        pba_forecast f = forecast_struct();
        for (int i = 0; i < 6; ++i) {
            const pba_sample s = sample(1000.0 + i, i < 5 ? 100.0 : 115.0, 80.0, 0.0, 1.0);
            REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
            REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
        }
        CHECK(f.fallback == 1);
        return f.confidence;
    };
    CHECK(sixth(defaults) == 0.5);  // the transport's rule: fewer than 10 forecasts
    pba_predictor_config c = defaults;
    c.confidence_rule = PBA_CONFIDENCE_CALIBRATED;
    CHECK(sixth(c) == Approx(at_20pct));
    c.confidence_tolerance = 0.1;
    CHECK(sixth(c) == Approx(at_10pct));
    c.confidence_tolerance = 0.0;  // a caller of the earlier header, whose reserved fields were 0
    CHECK(sixth(c) == Approx(at_20pct));

    pba_predictor* p = reinterpret_cast<pba_predictor*>(0x1);
    c = defaults;
    c.confidence_rule = 2;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(p == nullptr);
    CHECK_THAT(last_error(), Catch::Contains("config.confidence_rule 2 is not a pba_confidence_rule"));
    for (double bad : {-0.1, 1.5, std::nan("")}) {
        c = defaults;
        c.confidence_tolerance = bad;
        CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
        CHECK_THAT(last_error(), Catch::Contains("config.confidence_tolerance"));
    }
}

TEST_CASE("aggregation and horizon_s: defaults, refusals, member names", "[capi]") {
    const pba_predictor_config defaults = pba_predictor_config_default();
    CHECK(defaults.aggregation == PBA_AGGREGATION_AUTO);
    CHECK(defaults.horizon_s == 0.0);
    CHECK(offsetof(pba_predictor_config, reserved) + sizeof defaults.reserved == sizeof(pba_predictor_config));

    pba_predictor* p = nullptr;
    pba_predictor_config c = defaults;
    c.aggregation = 3;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("config.aggregation 3"));
    for (double bad : {-1.0, 2e6, std::nan("")}) {
        c = defaults;
        c.horizon_s = bad;
        CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
        CHECK_THAT(last_error(), Catch::Contains("config.horizon_s"));
    }
    c = defaults;
    c.horizon_s = 900.0;
    c.aggregation = PBA_AGGREGATION_OFF;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("PBA_AGGREGATION_OFF"));
    CHECK(p == nullptr);

    CHECK(std::string(pba_aggregation_member_name(0)) == "network");
    CHECK(std::string(pba_aggregation_member_name(1)) == "persistence");
    CHECK(std::string(pba_aggregation_member_name(2)) == "ma10");
    CHECK(std::string(pba_aggregation_member_name(3)) == "ewma_0.5");
    CHECK(std::string(pba_aggregation_member_name(PBA_AGGREGATION_MEMBER_COUNT - 1)) == "ewma_0.001");
    CHECK(pba_aggregation_member_name(PBA_AGGREGATION_MEMBER_COUNT) == nullptr);
}

TEST_CASE("aggregation on: a network that doubles a constant link loses its weight to the smoothers", "[capi]") {
    Model model(linear_bytes(2.0f, 0.0f, "double"));  // forecasts 2 x 50 = 100 on a 50 Mbps link
    pba_predictor_config c = pba_predictor_config_default();
    c.model = model.m;
    Predictor off(c);  // the linear model is not an internet mean: automatic means off
    c.aggregation = PBA_AGGREGATION_ON;
    Predictor on(c);
    pba_forecast f = forecast_struct(), f_off = forecast_struct();
    for (int t = 0; t < 40; ++t) {
        const pba_sample s = sample(1000.0 + t, 50.0);
        REQUIRE(pba_predictor_observe(on.p, &s, nullptr) == PBA_OK);
        REQUIRE(pba_predictor_observe(off.p, &s, nullptr) == PBA_OK);
        REQUIRE(pba_predictor_predict(on.p, &f) == PBA_OK);
        REQUIRE(pba_predictor_predict(off.p, &f_off) == PBA_OK);
    }
    CHECK(f_off.aggregated == 0);
    CHECK(f_off.bandwidth_mbps == Approx(100.0));
    CHECK(f_off.network_bandwidth_mbps == Approx(100.0));
    CHECK(stats_of(off.p).aggregating == 0);

    // Every smoother forecasts 50 and is right; the network's error is 50 of max(50, 100) at each
    // of ~39 matured forecasts, so Hedge leaves it only about the fixed share.
    CHECK(f.aggregated == 1);
    CHECK(f.fallback == 0);
    CHECK(f.network_bandwidth_mbps == Approx(100.0));
    const pba_predictor_stats st = stats_of(on.p);
    CHECK(st.aggregating == 1);
    CHECK(st.aggregation_updates >= 30);
    double sum = 0.0;
    for (double w : st.member_weights) sum += w;
    CHECK(sum == Approx(1.0).epsilon(1e-12));
    const auto lead = std::max_element(std::begin(st.member_weights), std::end(st.member_weights));
    CHECK(st.leading_member == static_cast<uint32_t>(lead - std::begin(st.member_weights)));
    CHECK(st.leading_weight == *lead);
    CHECK(f.leading_member == st.leading_member);
    CHECK(f.leading_member != 0);
    CHECK(st.member_weights[0] < 0.01);
    // served = network w_network + 50 (1 - w_network), with the weights the stats report (the
    // network's float32 arithmetic makes its forecast 100 within 1e-6, not exactly).
    const double w = st.member_weights[0];
    CHECK(f.bandwidth_mbps == Approx(f.network_bandwidth_mbps * w + 50.0 * (1.0 - w)).epsilon(1e-12));
    CHECK(f.bandwidth_mbps > 50.0);
    CHECK(f.bandwidth_mbps < 50.5);
}

TEST_CASE("horizon_s 900 without a model: the smoothers' aggregate over 15 minutes", "[capi]") {
    pba_predictor_config c = pba_predictor_config_default();
    c.horizon_s = 900.0;
    Predictor p(c);
    pba_forecast f = forecast_struct();
    for (int t = 0; t < 30; ++t) {
        const pba_sample s = sample(1000.0 + 60.0 * t, 40.0, 20.0);
        REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
    }
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(f.aggregated == 1);
    CHECK(f.horizon_s == 900.0);
    CHECK(f.target == PBA_TARGET_MEAN_OVER);
    CHECK(f.horizon_steps == 15);  // 900 s at the link's measured 60 s
    CHECK(f.target_unix_s == f.made_at_unix_s + 900.0);
    CHECK(f.bandwidth_mbps == Approx(40.0).epsilon(1e-12));  // every smoother of a constant link
    CHECK(f.network_bandwidth_mbps == 0.0);
    CHECK(f.leading_member != 0);
}

TEST_CASE("1.0-sized forecast and stats structs get the 1.0 fields and nothing past them", "[capi]") {
    pba_predictor_config c = pba_predictor_config_default();
    Predictor p(c);
    const pba_sample s = sample(1000.0, 80.0, 30.0);
    REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);

    std::vector<unsigned char> buffer(sizeof(pba_forecast) * 2, 0xAB);
    pba_forecast head;
    head.struct_size = PBA_FORECAST_SIZE_1_0;
    std::memcpy(buffer.data(), &head.struct_size, sizeof head.struct_size);
    REQUIRE(pba_predictor_predict(p.p, reinterpret_cast<pba_forecast*>(buffer.data())) == PBA_OK);
    pba_forecast got;
    std::memcpy(&got, buffer.data(), PBA_FORECAST_SIZE_1_0);
    CHECK(got.struct_size == PBA_FORECAST_SIZE_1_0);
    CHECK(got.bandwidth_mbps == Approx(80.0));
    CHECK(std::all_of(buffer.begin() + PBA_FORECAST_SIZE_1_0, buffer.end(), [](unsigned char b) { return b == 0xAB; }));

    // pba_predict_links steps through a 1.0 caller's array by the 1.0 size.
    std::fill(buffer.begin(), buffer.end(), 0xCD);
    for (std::size_t i = 0; i < 2; ++i)
        std::memcpy(buffer.data() + i * PBA_FORECAST_SIZE_1_0, &head.struct_size, sizeof head.struct_size);
    pba_predictor* links[2] = {p.p, p.p};
    pba_status statuses[2];
    REQUIRE(pba_predict_links(links, 2, reinterpret_cast<pba_forecast*>(buffer.data()), statuses) == PBA_OK);
    for (std::size_t i = 0; i < 2; ++i) {
        std::memcpy(&got, buffer.data() + i * PBA_FORECAST_SIZE_1_0, PBA_FORECAST_SIZE_1_0);
        CHECK(got.bandwidth_mbps == Approx(80.0));
    }
    CHECK(std::all_of(buffer.begin() + 2 * PBA_FORECAST_SIZE_1_0, buffer.end(), [](unsigned char b) { return b == 0xCD; }));

    std::vector<unsigned char> stats(sizeof(pba_predictor_stats) + 16, 0xEF);
    const size_t stats_size = PBA_PREDICTOR_STATS_SIZE_1_0;
    std::memcpy(stats.data(), &stats_size, sizeof stats_size);
    REQUIRE(pba_predictor_get_stats(p.p, reinterpret_cast<pba_predictor_stats*>(stats.data())) == PBA_OK);
    pba_predictor_stats st;
    std::memcpy(&st, stats.data(), PBA_PREDICTOR_STATS_SIZE_1_0);
    CHECK(st.samples_accepted == 1);
    CHECK(std::all_of(stats.begin() + PBA_PREDICTOR_STATS_SIZE_1_0, stats.end(), [](unsigned char b) { return b == 0xEF; }));
    const size_t odd_size = PBA_PREDICTOR_STATS_SIZE_1_0 + 8;  // neither 1.0's nor this header's
    std::memcpy(stats.data(), &odd_size, sizeof odd_size);
    CHECK(pba_predictor_get_stats(p.p, reinterpret_cast<pba_predictor_stats*>(stats.data())) == PBA_ERR_STRUCT_SIZE);
    // The refusal names both sizes the library accepts, not only this header's.
    CHECK_THAT(last_error(), Catch::Contains("stats.struct_size is " + std::to_string(odd_size)) &&
                                 Catch::Contains("knows only " + std::to_string(sizeof(pba_predictor_stats)) +
                                                 " and 1.0's " + std::to_string(PBA_PREDICTOR_STATS_SIZE_1_0)));
    pba_forecast odd;
    odd.struct_size = PBA_FORECAST_SIZE_1_0 + 8;
    CHECK(pba_predictor_predict(p.p, &odd) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("knows only " + std::to_string(sizeof(pba_forecast)) + " and 1.0's " +
                                             std::to_string(PBA_FORECAST_SIZE_1_0)));
}

TEST_CASE("a single-model predictor answers from its model: bandwidth 2 bw + 1000", "[capi]") {
    Model model(linear_bytes(2.0f, 1.0f, "lin-1"));
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model.m;
    Predictor p(config);
    pba_model_free(model.m);  // the predictor keeps the model alive on its own
    model.m = nullptr;

    const pba_sample s = sample(2000.0, 300.0, 40.0, 0.0, 1.0);
    REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(f.bandwidth_mbps == Approx(1600.0).epsilon(1e-6));
    CHECK(f.latency_ms == Approx(40.0));  // fallback rule on one sample: the sample
    CHECK(f.fallback == 0);
    CHECK(f.fallback_reason == PBA_FALLBACK_NONE);
    CHECK((f.fallback_fields & PBA_FIELD_BANDWIDTH) == 0);
    CHECK((f.fallback_fields & PBA_FIELD_LATENCY) != 0);
    CHECK(std::string(f.model_version) == "lin-1");
    CHECK(f.model_generation == 1);
    CHECK(f.mode == PBA_MODE_INTERNET);
    CHECK(f.horizon_steps == 1);
    CHECK(f.horizon_s == Approx(1.0));
    CHECK(f.target_unix_s == Approx(2001.0));

    pba_mode mode = PBA_MODE_AUTO;
    REQUIRE(pba_predictor_mode(p.p, &mode) == PBA_OK);
    CHECK(mode == PBA_MODE_INTERNET);

    const auto stats = stats_of(p.p);
    CHECK(stats.predictions == 1);
    CHECK(stats.model_predictions == 1);
    CHECK(stats.samples_accepted == 1);
    CHECK(stats.model_generation == 1);
    CHECK(std::string(stats.model_version) == "lin-1");
    CHECK(stats.latency_count == 1);
}

TEST_CASE("samples: NaN timestamps, repeats and time going backwards are refused and counted", "[capi]") {
    pba_predictor_config config = pba_predictor_config_default();
    Predictor p(config);
    pba_observe_result r{sizeof(pba_observe_result), 0, 0};

    pba_sample s = sample(NAN, 100.0);
    CHECK(pba_predictor_observe(p.p, &s, &r) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(r.status == PBA_OBSERVE_REFUSED_INVALID_TIMESTAMP);
    CHECK_THAT(last_error(), Catch::Contains("refused_invalid_timestamp"));

    s = sample(100.0, 100.0);
    CHECK(pba_predictor_observe(p.p, &s, &r) == PBA_OK);
    CHECK(pba_predictor_observe(p.p, &s, &r) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(r.status == PBA_OBSERVE_REFUSED_REPEATED_TIMESTAMP);
    s = sample(99.0, 100.0);
    CHECK(pba_predictor_observe(p.p, &s, &r) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(r.status == PBA_OBSERVE_REFUSED_BACKWARDS_TIMESTAMP);

    // Invalid values are dropped, the sample kept.
    s = sample(101.0, -5.0, INFINITY, 1.5, 2.0);
    CHECK(pba_predictor_observe(p.p, &s, &r) == PBA_OK);
    CHECK(r.dropped_fields == (PBA_FIELD_BANDWIDTH | PBA_FIELD_LATENCY | PBA_FIELD_PACKET_LOSS));

    const auto stats = stats_of(p.p);
    CHECK(stats.samples_accepted == 2);
    CHECK(stats.samples_refused_invalid_timestamp == 1);
    CHECK(stats.samples_refused_repeated_timestamp == 1);
    CHECK(stats.samples_refused_backwards_timestamp == 1);
    CHECK(stats.dropped_values == 3);

    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(std::isfinite(f.bandwidth_mbps));
    CHECK(std::isfinite(f.latency_ms));
}

TEST_CASE("observe_many offers every sample and names the first refused", "[capi]") {
    pba_predictor_config config = pba_predictor_config_default();
    Predictor p(config);
    std::vector<pba_sample> samples = {sample(1, 10), sample(2, 20), sample(2, 30), sample(NAN, 1), sample(3, 40)};
    size_t accepted = 99;
    CHECK(pba_predictor_observe_many(p.p, samples.data(), samples.size(), &accepted) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(accepted == 3);
    CHECK_THAT(last_error(), Catch::Contains("2 of 5 samples refused") && Catch::Contains("samples[2]"));
    CHECK(pba_predictor_observe_many(p.p, samples.data(), 0, &accepted) == PBA_OK);
    CHECK(accepted == 0);
    CHECK(pba_predictor_observe_many(p.p, nullptr, 0, nullptr) == PBA_OK);
    CHECK(pba_predictor_observe_many(p.p, nullptr, 3, &accepted) == PBA_ERR_NULL_POINTER);

    samples[1].struct_size = 8;
    CHECK(pba_predictor_observe_many(p.p, samples.data(), samples.size(), &accepted) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("samples[1].struct_size is 8"));
    CHECK(stats_of(p.p).samples_accepted == 3);  // nothing of the refused call was applied
}

TEST_CASE("predictor arguments: NULL, struct sizes, reserved fields, combinations, ranges", "[capi]") {
    Model model(linear_bytes(1.0f, 0.0f, "x"));
    pba_predictor* p = reinterpret_cast<pba_predictor*>(0x1);
    pba_predictor_config c = pba_predictor_config_default();

    CHECK(pba_predictor_create(nullptr, &p) == PBA_ERR_NULL_POINTER);
    CHECK(p == nullptr);
    CHECK(pba_predictor_create(&c, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("out_predictor is NULL"));

    c.struct_size = 16;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("config.struct_size is 16"));

    c = pba_predictor_config_default();
    c.reserved[1] = 1;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("config.reserved[1]"));

    c = pba_predictor_config_default();
    c.model = model.m;
    c.internet_model = model.m;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("one kind"));

    c = pba_predictor_config_default();
    c.model = model.m;
    c.mode = PBA_MODE_DATACENTER;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("mode-aware"));

    c = pba_predictor_config_default();
    c.mode = 7;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("config.mode 7"));

    c = pba_predictor_config_default();
    c.interval_coverage = 1.5;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("interval_coverage"));

    c = pba_predictor_config_default();
    c.dwell_samples = 0;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_INVALID_ARGUMENT);
    CHECK(p == nullptr);

    // A model without the metadata a predictor needs.
    Model raw(pba::format::write_model(pba::test::ModelBuilder({4}).dense(2).build()));
    c = pba_predictor_config_default();
    c.model = raw.m;
    CHECK(pba_predictor_create(&c, &p) == PBA_ERR_MALFORMED_MODEL);
    CHECK_THAT(last_error(), Catch::Contains("input.features"));

    c = pba_predictor_config_default();
    Predictor ok(c);
    pba_sample s = sample(1, 1);
    s.struct_size = sizeof s + 8;
    CHECK(pba_predictor_observe(ok.p, &s, nullptr) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("sample.struct_size"));
    CHECK(pba_predictor_observe(nullptr, &s, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK(pba_predictor_observe(ok.p, nullptr, nullptr) == PBA_ERR_NULL_POINTER);
    s = sample(1, 1);
    pba_observe_result r{4, 0, 0};
    CHECK(pba_predictor_observe(ok.p, &s, &r) == PBA_ERR_STRUCT_SIZE);
    REQUIRE(pba_predictor_observe(ok.p, &s, nullptr) == PBA_OK);

    pba_forecast f = forecast_struct();
    f.struct_size = 0;
    CHECK(pba_predictor_predict(ok.p, &f) == PBA_ERR_STRUCT_SIZE);
    CHECK(pba_predictor_predict(ok.p, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK(pba_predictor_predict(nullptr, &f) == PBA_ERR_NULL_POINTER);
    pba_predictor_stats st;
    st.struct_size = 1;
    CHECK(pba_predictor_get_stats(ok.p, &st) == PBA_ERR_STRUCT_SIZE);
    CHECK(pba_predictor_mode(ok.p, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK(pba_predictor_record_actual(ok.p, nullptr, nullptr, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK(pba_predictor_reset(nullptr) == PBA_ERR_NULL_POINTER);
    pba_predictor_free(nullptr);
    pba_slot_free(nullptr);
}

TEST_CASE("hot reload: a new model serves the next forecast, a corrupt one is refused and the old one serves", "[capi]") {
    Model model(linear_bytes(2.0f, 1.0f, "lin-1"));
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model.m;
    Predictor p(config);
    const pba_sample s = sample(10.0, 300.0);
    REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);

    const auto v2 = linear_bytes(3.0f, 0.0f, "lin-2");
    uint64_t generation = 0;
    REQUIRE(pba_predictor_reload_memory(p.p, PBA_ROLE_MAIN, v2.data(), v2.size(), nullptr, &generation) == PBA_OK);
    CHECK(generation == 2);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(f.bandwidth_mbps == Approx(900.0).epsilon(1e-6));
    CHECK(std::string(f.model_version) == "lin-2");
    CHECK(f.model_generation == 2);

    auto corrupt = v2;
    corrupt[corrupt.size() / 2] ^= std::byte{1};
    CHECK(pba_predictor_reload_memory(p.p, PBA_ROLE_MAIN, corrupt.data(), corrupt.size(), nullptr, &generation) ==
          PBA_ERR_CHECKSUM_MISMATCH);
    CHECK(generation == 2);
    CHECK(pba_predictor_reload_file(p.p, PBA_ROLE_MAIN, "/nonexistent/v3.pba", nullptr, nullptr) == PBA_ERR_IO);
    CHECK_THAT(last_error(), Catch::Contains("/nonexistent/v3.pba"));
    CHECK(pba_predictor_reload_memory(p.p, PBA_ROLE_DATACENTER, v2.data(), v2.size(), nullptr, nullptr) ==
          PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("single-model predictor"));

    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(std::string(f.model_version) == "lin-2");
    const auto stats = stats_of(p.p);
    CHECK(stats.reloads_succeeded == 1);
    CHECK(stats.reloads_refused == 2);
}

TEST_CASE("a slot shared by predictors swaps every one of them at once", "[capi]") {
    Model v1(linear_bytes(2.0f, 1.0f, "lin-1"));
    Model v2(linear_bytes(3.0f, 0.0f, "lin-2"));
    pba_slot* slot = nullptr;
    REQUIRE(pba_slot_create(v1.m, &slot) == PBA_OK);
    CHECK(pba_slot_generation(slot) == 1);

    pba_predictor_config config = pba_predictor_config_default();
    config.slot = slot;
    Predictor a(config), b(config);
    pba_slot_free(slot);  // the predictors keep the slot

    pba_slot* shared = nullptr;
    REQUIRE(pba_predictor_slot(a.p, PBA_ROLE_MAIN, &shared) == PBA_OK);
    uint64_t generation = 0;
    REQUIRE(pba_slot_replace(shared, v2.m, &generation) == PBA_OK);
    CHECK(generation == 2);
    CHECK(pba_slot_generation(shared) == 2);

    for (pba_predictor* p : {a.p, b.p}) {
        const pba_sample s = sample(5.0, 100.0);
        REQUIRE(pba_predictor_observe(p, &s, nullptr) == PBA_OK);
        pba_forecast f = forecast_struct();
        REQUIRE(pba_predictor_predict(p, &f) == PBA_OK);
        CHECK(f.bandwidth_mbps == Approx(300.0).epsilon(1e-6));
        CHECK(std::string(f.model_version) == "lin-2");
    }
    const auto bytes = linear_bytes(1.0f, 0.0f, "lin-3");
    CHECK(pba_slot_reload_memory(shared, bytes.data(), 10, nullptr, nullptr) == PBA_ERR_MALFORMED_MODEL);
    CHECK(pba_slot_generation(shared) == 2);
    CHECK(pba_slot_replace(shared, nullptr, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK(pba_slot_generation(nullptr) == 0);
    pba_slot_free(shared);

    pba_slot* empty = nullptr;
    REQUIRE(pba_slot_create(nullptr, &empty) == PBA_OK);
    CHECK(pba_slot_generation(empty) == 0);
    pba_slot_free(empty);
}

TEST_CASE("reload guard: v1 into a slot serving internet is refused unless reload_flags allow it", "[capi]") {
    pba_model* internet = nullptr;
    REQUIRE(pba_model_load_default("internet", &internet) == PBA_OK);
    pba_slot* slot = nullptr;
    REQUIRE(pba_slot_create(internet, &slot) == PBA_OK);
    pba_model_free(internet);
    const void* v1 = nullptr;
    size_t v1_size = 0;
    REQUIRE(pba_default_model_bytes("v1", &v1, &v1_size) == PBA_OK);

    uint64_t generation = 0;
    pba_load_options options = pba_load_options_default();
    const pba_load_options* defaults = &options;
    for (const pba_load_options* o : {static_cast<const pba_load_options*>(nullptr), defaults}) {
        CHECK(pba_slot_reload_memory(slot, v1, v1_size, o, &generation) == PBA_ERR_INVALID_ARGUMENT);
        CHECK_THAT(last_error(),
                   Catch::Contains("pba_slot_reload_memory") && Catch::Contains("another kind of model") &&
                       Catch::Contains("input features bandwidth_mbps (serving) vs bandwidth_mbps,latency_ms,packet_loss,"
                                       "jitter_ms,hour_of_day,day_of_week (new)") &&
                       Catch::Contains("window 180 samples (serving) vs 10 samples (new)") &&
                       Catch::Contains("target mean_over 60 steps (serving) vs value_at 1 steps (new)"));
        CHECK(pba_slot_generation(slot) == 1);
    }
    options.reload_flags = PBA_RELOAD_ALLOW_KIND_CHANGE;
    CHECK(pba_slot_reload_memory(slot, v1, v1_size, &options, &generation) == PBA_OK);
    CHECK(generation == 2);

    // Through a predictor on that slot, back to internet: refused, then allowed.
    pba_predictor_config config = pba_predictor_config_default();
    config.slot = slot;
    Predictor p(config);
    const void* back = nullptr;
    size_t back_size = 0;
    REQUIRE(pba_default_model_bytes("internet", &back, &back_size) == PBA_OK);
    CHECK(pba_predictor_reload_memory(p.p, PBA_ROLE_MAIN, back, back_size, nullptr, nullptr) ==
          PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("window 10 samples (serving) vs 180 samples (new)"));
    CHECK(pba_predictor_reload_memory(p.p, PBA_ROLE_MAIN, back, back_size, &options, &generation) == PBA_OK);
    CHECK(generation == 3);
    const auto stats = stats_of(p.p);
    CHECK(stats.reloads_succeeded == 2);
    CHECK(stats.reloads_refused == 3);
    pba_slot_free(slot);
}

TEST_CASE("mode-aware predictor: the transport's (5 ms, 2000 Mbps) link is datacenter", "[capi]") {
    Model dc(linear_bytes(1.0f, 0.0f, "dc-1"));
    pba_predictor_config config = pba_predictor_config_default();
    config.datacenter_model = dc.m;
    Predictor p(config);
    for (int i = 0; i < 10; ++i) {
        const pba_sample s = sample(100.0 + i, 2000.0, 5.0, 0.0, 0.1);
        REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
    }
    pba_mode mode = PBA_MODE_AUTO;
    REQUIRE(pba_predictor_mode(p.p, &mode) == PBA_OK);
    CHECK(mode == PBA_MODE_DATACENTER);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(f.mode == PBA_MODE_DATACENTER);
    CHECK(std::string(f.model_version) == "dc-1");
    CHECK(f.bandwidth_mbps == Approx(2000.0).epsilon(1e-6));

    CHECK(pba_predictor_reload_memory(p.p, PBA_ROLE_MAIN, nullptr, 0, nullptr, nullptr) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("mode-aware"));
    pba_slot* slot = nullptr;
    REQUIRE(pba_predictor_slot(p.p, PBA_ROLE_INTERNET, &slot) == PBA_OK);
    CHECK(pba_slot_generation(slot) == 0);  // no internet model
    pba_slot_free(slot);
}

TEST_CASE("record_actual settles a pending forecast and the accuracy shows its error", "[capi]") {
    Model model(linear_bytes(1.0f, 0.0f, "id"));
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model.m;
    config.match_observed_samples = 0;
    Predictor p(config);
    const pba_sample s = sample(50.0, 200.0, 10.0);
    REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    REQUIRE(f.bandwidth_mbps == Approx(200.0).epsilon(1e-6));

    uint32_t matched = 9, expired = 9;
    const pba_sample actual = sample(51.0, 250.0, 10.0);
    REQUIRE(pba_predictor_record_actual(p.p, &actual, &matched, &expired) == PBA_OK);
    CHECK(matched == 1);
    CHECK(expired == 0);
    const auto stats = stats_of(p.p);
    CHECK(stats.forecasts_matched == 1);
    CHECK(stats.accuracy.matched == 1);
    CHECK(stats.accuracy.fields[0].mae == Approx(50.0).epsilon(1e-5));  // |200 - 250|
    CHECK(stats.accuracy.fields[0].mape == Approx(0.2).epsilon(1e-5));  // 50 / 250

    pba_sample bad = sample(NAN, 1.0);
    CHECK(pba_predictor_record_actual(p.p, &bad, &matched, &expired) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("pba_predictor_record_actual"));
}

TEST_CASE("many links in one call: per-link statuses, a bad link does not stop the others", "[capi]") {
    pba_predictor_config config = pba_predictor_config_default();
    Predictor a(config), b(config);
    pba_predictor* links[3] = {a.p, nullptr, b.p};
    pba_sample samples[3] = {sample(1.0, 100.0, 10.0), sample(1.0, 1.0), sample(1.0, 300.0, 30.0)};
    pba_status statuses[3] = {PBA_ERR_INTERNAL, PBA_ERR_INTERNAL, PBA_ERR_INTERNAL};
    CHECK(pba_observe_links(links, samples, 3, statuses) == PBA_ERR_NULL_POINTER);
    CHECK(statuses[0] == PBA_OK);
    CHECK(statuses[1] == PBA_ERR_NULL_POINTER);
    CHECK(statuses[2] == PBA_OK);
    CHECK_THAT(last_error(), Catch::Contains("predictors[1] is NULL") && Catch::Contains("1 of 3 links failed"));

    pba_forecast forecasts[3] = {forecast_struct(), forecast_struct(), forecast_struct()};
    CHECK(pba_predict_links(links, 3, forecasts, statuses) == PBA_ERR_NULL_POINTER);
    CHECK(statuses[0] == PBA_OK);
    CHECK(statuses[2] == PBA_OK);
    CHECK(forecasts[0].bandwidth_mbps == Approx(100.0));
    CHECK(forecasts[2].bandwidth_mbps == Approx(300.0));
    CHECK(forecasts[2].latency_ms == Approx(30.0));

    pba_predictor* good[2] = {a.p, b.p};
    CHECK(pba_predict_links(good, 2, forecasts, nullptr) == PBA_OK);
    CHECK(last_error().empty());
    forecasts[1].struct_size = 3;
    CHECK(pba_predict_links(good, 2, forecasts, statuses) == PBA_ERR_STRUCT_SIZE);
    CHECK(statuses[0] == PBA_OK);
    CHECK(statuses[1] == PBA_ERR_STRUCT_SIZE);
    CHECK(pba_predict_links(nullptr, 0, nullptr, nullptr) == PBA_OK);
    CHECK(pba_predict_links(nullptr, 1, forecasts, nullptr) == PBA_ERR_NULL_POINTER);
}

TEST_CASE("a batch with a NULL link in the middle serves every other link exactly as one call each", "[capi]") {
    // Link 0 has one model, link 2 is a forced hybrid of two; each has a twin fed the same
    // samples one call at a time. A refused sample on link 2 must not touch link 0.
    Model single(linear_bytes(2.0f, 0.0f, "single"));
    Model dc(linear_bytes(1.0f, 0.0f, "dc"));
    Model inet(linear_bytes(3.0f, 0.0f, "inet"));
    pba_predictor_config single_config = pba_predictor_config_default();
    single_config.model = single.m;
    pba_predictor_config hybrid_config = pba_predictor_config_default();
    hybrid_config.datacenter_model = dc.m;
    hybrid_config.internet_model = inet.m;
    hybrid_config.mode = PBA_MODE_HYBRID;
    Predictor batch0(single_config), batch2(hybrid_config), twin0(single_config), twin2(hybrid_config);
    pba_predictor* links[3] = {batch0.p, nullptr, batch2.p};

    const double bandwidths[4] = {100.0, 250.0, 175.0, 400.0};
    for (int step = 0; step < 4; ++step) {
        pba_sample samples[3] = {sample(10.0 + step, bandwidths[step], 20.0), sample(10.0 + step, 1.0),
                                 sample(10.0 + step, 2.0 * bandwidths[step], 30.0)};
        if (step == 2) samples[2].timestamp_unix_s = NAN;  // refused on link 2 only
        pba_status statuses[3] = {PBA_ERR_INTERNAL, PBA_ERR_INTERNAL, PBA_ERR_INTERNAL};
        const pba_status batch = pba_observe_links(links, samples, 3, statuses);
        CHECK(batch == PBA_ERR_NULL_POINTER);  // link 1 is the first failure
        CHECK(statuses[0] == pba_predictor_observe(twin0.p, &samples[0], nullptr));
        CHECK(statuses[0] == PBA_OK);
        CHECK(statuses[1] == PBA_ERR_NULL_POINTER);
        CHECK(statuses[2] == pba_predictor_observe(twin2.p, &samples[2], nullptr));
        CHECK(statuses[2] == (step == 2 ? PBA_ERR_INVALID_ARGUMENT : PBA_OK));

        pba_forecast forecasts[3] = {forecast_struct(), forecast_struct(), forecast_struct()};
        std::fill(std::begin(statuses), std::end(statuses), PBA_ERR_INTERNAL);
        CHECK(pba_predict_links(links, 3, forecasts, statuses) == PBA_ERR_NULL_POINTER);
        CHECK(statuses[0] == PBA_OK);
        CHECK(statuses[1] == PBA_ERR_NULL_POINTER);
        CHECK(statuses[2] == PBA_OK);
        pba_forecast alone0 = forecast_struct(), alone2 = forecast_struct();
        REQUIRE(pba_predictor_predict(twin0.p, &alone0) == PBA_OK);
        REQUIRE(pba_predictor_predict(twin2.p, &alone2) == PBA_OK);
        CHECK(std::memcmp(&forecasts[0], &alone0, sizeof alone0) == 0);
        CHECK(std::memcmp(&forecasts[2], &alone2, sizeof alone2) == 0);
        // By hand: 2 bw on link 0; on link 2, before any forecast is scored (equal confidences),
        // the mean of 1 x and 3 x its bandwidth.
        CHECK(forecasts[0].bandwidth_mbps == Approx(2.0 * bandwidths[step]).epsilon(1e-6));
        if (step == 0) CHECK(forecasts[2].bandwidth_mbps == Approx(2.0 * 200.0).epsilon(1e-6));
        CHECK(forecasts[1].struct_size == sizeof(pba_forecast));  // a failed link's forecast is untouched
        CHECK(forecasts[1].bandwidth_mbps == 0.0);
    }

    // Arrays missing: the call fails, and still writes every status.
    pba_status statuses[3] = {PBA_OK, PBA_OK, PBA_OK};
    pba_sample samples[3] = {sample(20.0, 1.0), sample(20.0, 1.0), sample(20.0, 1.0)};
    CHECK(pba_observe_links(nullptr, samples, 3, statuses) == PBA_ERR_NULL_POINTER);
    for (pba_status s : statuses) CHECK(s == PBA_ERR_NULL_POINTER);
    std::fill(std::begin(statuses), std::end(statuses), PBA_OK);
    CHECK(pba_predict_links(links, 3, nullptr, statuses) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("forecasts is NULL"));
    for (pba_status s : statuses) CHECK(s == PBA_ERR_NULL_POINTER);
}

TEST_CASE("pba_predict_links over 300 internet links (chunks of 256, batched forwards) answers each as one call",
          "[capi][links]") {
    // Each link has a twin fed the same samples and asked one call at a time. Per ten links:
    // six on the internet model sampled every second (aggregated), one every 60 s (served by
    // the smoothers: not_applicable), one mode-aware (datacenter + internet), one NULL, one
    // without a model. Every other round passes 1.0-sized forecast structs.
    pba_model* internet = nullptr;
    pba_model* datacenter = nullptr;
    REQUIRE(pba_model_load_default("internet", &internet) == PBA_OK);
    REQUIRE(pba_model_load_default("datacenter", &datacenter) == PBA_OK);
    pba_predictor_config single = pba_predictor_config_default();
    single.model = internet;
    pba_predictor_config hybrid = pba_predictor_config_default();
    hybrid.datacenter_model = datacenter;
    hybrid.internet_model = internet;
    const pba_predictor_config none = pba_predictor_config_default();
    constexpr std::size_t kLinks = 300;
    auto config_of = [&](std::size_t l) -> const pba_predictor_config* {
        switch (l % 10) {
            case 7: return &hybrid;
            case 8: return nullptr;
            case 9: return &none;
            default: return &single;
        }
    };
    std::vector<std::unique_ptr<Predictor>> batched, twins;
    std::vector<pba_predictor*> links(kLinks, nullptr);
    for (std::size_t l = 0; l < kLinks; ++l) {
        if (const pba_predictor_config* c = config_of(l)) {
            batched.push_back(std::make_unique<Predictor>(*c));
            twins.push_back(std::make_unique<Predictor>(*c));
            links[l] = batched.back()->p;
        } else {
            batched.push_back(nullptr);
            twins.push_back(nullptr);
        }
    }
    pba_model_free(internet);
    pba_model_free(datacenter);

    std::vector<pba_forecast> forecasts(kLinks), alone(kLinks);
    std::vector<pba_status> statuses(kLinks);
    std::size_t compared = 0, aggregated = 0, not_applicable = 0;
    for (int t = 0; t < 200; ++t) {
        for (std::size_t l = 0; l < kLinks; ++l) {
            if (!links[l] || (l % 10 == 6 && t % 60 != 0)) continue;
            const double bw = 20.0 + static_cast<double>(l % 37) + 5.0 * std::sin(0.1 * t + static_cast<double>(l));
            const pba_sample s = sample(1764158100.0 + t, bw, 20.0 + (t % 7), 0.001, 1.5);
            REQUIRE(pba_predictor_observe(links[l], &s, nullptr) == PBA_OK);
            REQUIRE(pba_predictor_observe(twins[l]->p, &s, nullptr) == PBA_OK);
        }
        if (t % 25 != 0 && t < 178) continue;
        const bool old_size = t % 2 == 1;
        const std::size_t size = old_size ? PBA_FORECAST_SIZE_1_0 : sizeof(pba_forecast);
        std::vector<unsigned char> bytes(kLinks * size, 0);
        for (std::size_t l = 0; l < kLinks; ++l) std::memcpy(bytes.data() + l * size, &size, sizeof size);
        CHECK(pba_predict_links(links.data(), kLinks, reinterpret_cast<pba_forecast*>(bytes.data()), statuses.data()) ==
              PBA_ERR_NULL_POINTER);
        for (std::size_t l = 0; l < kLinks; ++l) {
            INFO("round " << t << ", link " << l);
            if (!links[l]) {
                CHECK(statuses[l] == PBA_ERR_NULL_POINTER);
                continue;
            }
            REQUIRE(statuses[l] == PBA_OK);
            pba_forecast one = forecast_struct();
            one.struct_size = size;
            REQUIRE(pba_predictor_predict(twins[l]->p, &one) == PBA_OK);
            CHECK(std::memcmp(bytes.data() + l * size, &one, size) == 0);
            ++compared;
            if (old_size) continue;
            pba_forecast got;
            std::memcpy(&got, bytes.data() + l * size, size);
            aggregated += got.aggregated;
            not_applicable += got.fallback_reason == PBA_FALLBACK_NOT_APPLICABLE;
        }
    }
    CHECK(compared > 5000);
    CHECK(aggregated > 1000);
    CHECK(not_applicable > 0);
    for (std::size_t l = 0; l < kLinks; ++l) {
        if (!links[l]) continue;
        INFO("link " << l);
        const pba_predictor_stats a = stats_of(links[l]), b = stats_of(twins[l]->p);
        CHECK(a.predictions == b.predictions);
        CHECK(a.forecasts_matched == b.forecasts_matched);
        CHECK(a.aggregation_updates == b.aggregation_updates);
        CHECK(a.model_confidence == b.model_confidence);
        CHECK(a.state_bytes == b.state_bytes);
    }
    // The link's own bytes: a mode-aware link holds two predictors' worth and its own.
    const pba_predictor_stats one_model = stats_of(links[0]), mode_aware = stats_of(links[7]);
    CHECK(one_model.state_bytes > 4096);
    CHECK(mode_aware.state_bytes > 2 * one_model.state_bytes);
}

TEST_CASE("a hybrid forecast carries the generation and versions of the models that answered", "[capi]") {
    Model dc_a(linear_bytes(1.0f, 0.0f, "dc-a")), dc_b(linear_bytes(1.0f, 0.0f, "dc-b"));
    Model inet_a(linear_bytes(3.0f, 0.0f, "inet-a")), inet_b(linear_bytes(3.0f, 0.0f, "inet-b"));
    pba_slot* dc_slot = nullptr;
    pba_slot* inet_slot = nullptr;
    REQUIRE(pba_slot_create(dc_a.m, &dc_slot) == PBA_OK);
    REQUIRE(pba_slot_create(inet_a.m, &inet_slot) == PBA_OK);
    pba_predictor_config config = pba_predictor_config_default();
    config.datacenter_slot = dc_slot;
    config.internet_slot = inet_slot;
    config.mode = PBA_MODE_HYBRID;
    Predictor p(config);
    double t = 100.0;
    auto forecast = [&] {
        const pba_sample s = sample(t++, 100.0, 20.0);
        REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
        pba_forecast f = forecast_struct();
        REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
        CHECK(f.mode == PBA_MODE_HYBRID);
        return f;
    };

    // Both answered: "dc+inet" and the internet slot's generation.
    pba_forecast f = forecast();
    CHECK(std::string(f.model_version) == "dc-a+inet-a");
    CHECK(f.model_generation == 1);
    CHECK(f.bandwidth_mbps == Approx(200.0).epsilon(1e-6));  // (1 x 100 + 3 x 100) / 2
    uint64_t generation = 0;
    REQUIRE(pba_slot_replace(inet_slot, inet_b.m, &generation) == PBA_OK);
    REQUIRE(generation == 2);
    f = forecast();
    CHECK(std::string(f.model_version) == "dc-a+inet-b");
    CHECK(f.model_generation == 2);
    REQUIRE(pba_slot_replace(dc_slot, dc_b.m, &generation) == PBA_OK);
    f = forecast();
    CHECK(std::string(f.model_version) == "dc-b+inet-b");
    CHECK(f.model_generation == 2);

    // Only one member has a model: its version and generation alone.
    pba_predictor_config dc_only = config;
    dc_only.internet_slot = nullptr;
    Predictor q(dc_only);
    const pba_sample s = sample(100.0, 100.0, 20.0);
    REQUIRE(pba_predictor_observe(q.p, &s, nullptr) == PBA_OK);
    f = forecast_struct();
    REQUIRE(pba_predictor_predict(q.p, &f) == PBA_OK);
    CHECK(std::string(f.model_version) == "dc-b");
    CHECK(f.model_generation == 2);

    // Neither: the fallback rule, no model.
    pba_predictor_config none = pba_predictor_config_default();
    none.mode = PBA_MODE_HYBRID;
    Predictor r(none);
    REQUIRE(pba_predictor_observe(r.p, &s, nullptr) == PBA_OK);
    f = forecast_struct();
    REQUIRE(pba_predictor_predict(r.p, &f) == PBA_OK);
    CHECK(f.fallback == 1);
    CHECK(std::string(f.model_version).empty());
    CHECK(f.model_generation == 0);
    pba_slot_free(dc_slot);
    pba_slot_free(inet_slot);
}

TEST_CASE("Prometheus text: the transport's metric names, one series per link, snprintf sizes", "[capi]") {
    pba_predictor_config config = pba_predictor_config_default();
    Predictor a(config), b(config);
    const pba_sample s = sample(1.0, 100.0, 10.0);
    REQUIRE(pba_predictor_observe(a.p, &s, nullptr) == PBA_OK);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(a.p, &f) == PBA_OK);

    const pba_predictor* predictors[2] = {a.p, b.p};
    const char* names[2] = {"eu-west", "us\"east"};
    size_t required = 0;
    CHECK(pba_prometheus_text(predictors, names, 2, nullptr, 0, &required) == PBA_ERR_BUFFER_TOO_SMALL);
    REQUIRE(required > 100);
    std::vector<char> text(required + 1024);
    REQUIRE(pba_prometheus_text(predictors, names, 2, text.data(), text.size(), &required) == PBA_OK);
    const std::string t = text.data();
    CHECK(t.size() + 1 == required);
    CHECK_THAT(t, Catch::Contains("dwcp_pba_predictions_total{link=\"eu-west\""));
    CHECK_THAT(t, Catch::Contains("link=\"us\\\"east\""));
    CHECK_THAT(t, Catch::Contains("dwcp_pba_prediction_latency_ms_bucket"));
    CHECK_THAT(t, Catch::Contains("# TYPE dwcp_pba_predictions_total counter"));

    const char* bad_names[2] = {"x", nullptr};
    CHECK(pba_prometheus_text(predictors, bad_names, 2, text.data(), text.size(), &required) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("links[1] is NULL"));
    CHECK(pba_prometheus_text(nullptr, nullptr, 0, text.data(), text.size(), &required) == PBA_OK);
}

TEST_CASE("champion/challenger through the C interface", "[capi]") {
    Model champion(linear_bytes(1.0f, 0.0f, "champ"));
    Model challenger(linear_bytes(1.0f, 0.01f, "chall"));
    pba_predictor_config config = pba_predictor_config_default();
    config.model = champion.m;
    Predictor p(config);

    pba_challenger_report report;
    std::memset(&report, 0, sizeof report);
    report.struct_size = sizeof report;
    CHECK(pba_predictor_challenger_report(p.p, PBA_ROLE_MAIN, &report) == PBA_ERR_NOT_READY);
    CHECK(pba_predictor_promote_challenger(p.p, PBA_ROLE_MAIN, nullptr) == PBA_ERR_NOT_READY);

    REQUIRE(pba_predictor_set_challenger(p.p, PBA_ROLE_MAIN, challenger.m, 3) == PBA_OK);
    // A constant 500 Mbps link: the champion (identity) is exact, the challenger 10 Mbps high.
    for (int i = 0; i < 8; ++i) {
        const pba_sample s = sample(100.0 + i, 500.0, 20.0);
        REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
        pba_forecast f = forecast_struct();
        REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
        CHECK(std::string(f.model_version) == "champ");
    }
    REQUIRE(pba_predictor_challenger_report(p.p, PBA_ROLE_MAIN, &report) == PBA_OK);
    CHECK(std::string(report.champion.model_version) == "champ");
    CHECK(std::string(report.challenger.model_version) == "chall");
    CHECK(report.challenger.accuracy.fields[0].mae == Approx(10.0).epsilon(1e-4));
    CHECK(report.champion.accuracy.fields[0].mae == Approx(0.0).margin(1e-3));
    CHECK(report.better == PBA_WINNER_CHAMPION);
    CHECK(report.min_matched == 3);

    size_t required = 0;
    CHECK(pba_predictor_challenger_text(p.p, PBA_ROLE_MAIN, nullptr, 0, &required) == PBA_ERR_BUFFER_TOO_SMALL);
    std::vector<char> text(required);
    REQUIRE(pba_predictor_challenger_text(p.p, PBA_ROLE_MAIN, text.data(), text.size(), nullptr) == PBA_OK);
    CHECK_THAT(std::string(text.data()), Catch::Contains("better: champion"));

    uint64_t generation = 0;
    REQUIRE(pba_predictor_promote_challenger(p.p, PBA_ROLE_MAIN, &generation) == PBA_OK);
    CHECK(generation == 2);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);
    CHECK(std::string(f.model_version) == "chall");
    CHECK(pba_predictor_set_challenger(p.p, PBA_ROLE_MAIN, nullptr, 3) == PBA_ERR_NULL_POINTER);
    CHECK(pba_predictor_clear_challenger(p.p, PBA_ROLE_INTERNET) == PBA_ERR_INVALID_ARGUMENT);
}

TEST_CASE("observe and predict through the C interface allocate nothing", "[capi]") {
    Model model(linear_bytes(2.0f, 1.0f, "lin-1"));
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model.m;
    Predictor p(config);
    pba_sample s = sample(1.0, 100.0, 10.0, 0.0, 1.0);
    REQUIRE(pba_predictor_observe(p.p, &s, nullptr) == PBA_OK);
    pba_forecast f = forecast_struct();
    REQUIRE(pba_predictor_predict(p.p, &f) == PBA_OK);  // sizes everything for the model
    pba_predictor* link[1] = {p.p};
    REQUIRE(pba_predict_links(link, 1, &f, nullptr) == PBA_OK);  // makes this thread's batch buffers

    pba::test::AllocationCounter counter;
    for (int i = 2; i < 200; ++i) {
        s = sample(i, 100.0 + i, 10.0, 0.0, 1.0);
        pba_predictor_observe(p.p, &s, nullptr);
        pba_predictor_predict(p.p, &f);
        pba_predictor* links[1] = {p.p};
        pba_predict_links(links, 1, &f, nullptr);
    }
    CHECK(counter.allocations() == 0);
    CHECK(f.bandwidth_mbps == Approx(2 * (100.0 + 199.0) + 1000.0).epsilon(1e-5));
}

TEST_CASE("threads forecast on a shared slot while another hot-reloads it", "[capi]") {
    Model v1(linear_bytes(2.0f, 0.0f, "two"));
    Model v2(linear_bytes(3.0f, 0.0f, "three"));
    pba_slot* slot = nullptr;
    REQUIRE(pba_slot_create(v1.m, &slot) == PBA_OK);
    std::atomic<bool> stop{false};
    std::atomic<int> torn{0}, failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            pba_predictor_config config = pba_predictor_config_default();
            config.slot = slot;
            pba_predictor* p = nullptr;
            if (pba_predictor_create(&config, &p) != PBA_OK) {
                ++failures;
                return;
            }
            for (int i = 0; !stop; ++i) {
                const pba_sample s = sample(i, 100.0 + t);
                pba_forecast f = forecast_struct();
                if (pba_predictor_observe(p, &s, nullptr) != PBA_OK || pba_predictor_predict(p, &f) != PBA_OK) {
                    ++failures;
                    continue;
                }
                // Each forecast wholly from one version: its value matches its version.
                const double factor = std::string(f.model_version) == "two" ? 2.0 : 3.0;
                if (std::abs(f.bandwidth_mbps - factor * (100.0 + t)) > 1e-3) ++torn;
            }
            pba_predictor_free(p);
        });
    for (int i = 0; i < 300; ++i) REQUIRE(pba_slot_replace(slot, (i % 2) ? v1.m : v2.m, nullptr) == PBA_OK);
    stop = true;
    for (auto& t : threads) t.join();
    pba_slot_free(slot);
    CHECK(torn == 0);
    CHECK(failures == 0);
}
