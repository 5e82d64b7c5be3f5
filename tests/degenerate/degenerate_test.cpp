// Degenerate data: what a predictor does with all-zero and constant traces, NaN / infinite /
// negative / absurdly large samples, timestamps that repeat, go backwards or leave the valid
// range, and huge gaps. Each case has one defined behaviour (refused with a status and counted,
// or the value dropped and counted, or a documented forecast) and never a NaN or infinite
// forecast. Every case runs through the C++ Predictor and, fed the same samples, a C
// pba_predictor, which must agree with it call for call. Values are computed by hand from the
// fallback rule (mean of the newest <= 10 finite values + (last - first) / 10) or the
// constant models' outputs.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "pba.h"
#include "pba/model/model.hpp"
#include "pba/predict/predictor.hpp"
#include "stress/link_models.hpp"
#include "support/samples.hpp"

using namespace pba::predict;

namespace {
using pba::test::at;


constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kT0 = 1.7e9;
constexpr std::uint32_t kAllForecastFields = 0xF;

std::vector<std::byte> constant_model() {
    return pba::format::write_model(pba::test::constant_link_model("const", 4, 100, 10));
}

pba_status status_of(ObserveStatus s) {
    return s == ObserveStatus::accepted || s == ObserveStatus::accepted_after_gap ? PBA_OK : PBA_ERR_INVALID_ARGUMENT;
}

bool all_finite(const Forecast& f) {
    for (double v : {f.bandwidth_mbps, f.latency_ms, f.packet_loss, f.jitter_ms, f.confidence, f.bandwidth_low_mbps,
                     f.bandwidth_high_mbps, f.interval_coverage, f.made_at_unix_s, f.target_unix_s, f.horizon_s})
        if (!std::isfinite(v)) return false;
    return true;
}

// One link through both interfaces: a C++ Predictor and a C pba_predictor on the same model
// (or on none: the fallback rule), fed the same samples.
class Link {
public:
    explicit Link(const std::vector<std::byte>& model_bytes, PredictorConfig config = {})
        : cpp_(model_bytes.empty() ? nullptr : pba::Model::from_bytes(model_bytes), config) {
        pba_model* model = nullptr;
        if (!model_bytes.empty())
            REQUIRE(pba_model_load_memory(model_bytes.data(), model_bytes.size(), nullptr, &model) == PBA_OK);
        // A single predictor in C too: on a slot, which may be empty.
        REQUIRE(pba_slot_create(model, &slot_) == PBA_OK);
        pba_model_free(model);
        pba_predictor_config c = pba_predictor_config_default();
        c.slot = slot_;
        c.utc_offset_s = config.utc_offset_s;
        c.sample_interval_s = config.sample_interval_s;
        c.max_gap_s = config.max_gap_s;
        REQUIRE(pba_predictor_create(&c, &c_) == PBA_OK);
    }
    ~Link() {
        pba_predictor_free(c_);
        pba_slot_free(slot_);
    }
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Observes through both; the C call's status, observe status and dropped fields must match.
    ObserveResult observe(const Sample& s) {
        const ObserveResult r = cpp_.observe(s);
        pba_sample cs = pba_sample_at(s.timestamp_unix_s);
        cs.bandwidth_mbps = s.bandwidth_mbps;
        cs.latency_ms = s.latency_ms;
        cs.packet_loss = s.packet_loss;
        cs.jitter_ms = s.jitter_ms;
        cs.throughput_mbps = s.throughput_mbps;
        cs.reliability = s.reliability;
        pba_observe_result cr{};
        cr.struct_size = sizeof cr;
        const pba_status status = pba_predictor_observe(c_, &cs, &cr);
        CHECK(status == status_of(r.status));
        CHECK(cr.status == static_cast<std::uint32_t>(r.status));
        CHECK(cr.dropped_fields == r.dropped_fields);
        if (status != PBA_OK) CHECK(std::strlen(pba_last_error()) > 0);
        return r;
    }

    // Forecasts through both; they must agree, and every number must be finite.
    Forecast predict() {
        const Forecast f = cpp_.predict();
        pba_forecast cf{};
        cf.struct_size = sizeof cf;
        REQUIRE(pba_predictor_predict(c_, &cf) == PBA_OK);
        CHECK(all_finite(f));
        CHECK(cf.bandwidth_mbps == f.bandwidth_mbps);
        CHECK(cf.latency_ms == f.latency_ms);
        CHECK(cf.packet_loss == f.packet_loss);
        CHECK(cf.jitter_ms == f.jitter_ms);
        CHECK(cf.confidence == f.confidence);
        CHECK(cf.bandwidth_high_mbps == f.bandwidth_high_mbps);
        CHECK(cf.fallback == static_cast<std::uint32_t>(f.fallback));
        CHECK(cf.fallback_reason == static_cast<std::uint32_t>(f.fallback_reason));
        CHECK(cf.unknown_fields == f.unknown_fields);
        return f;
    }

    // Before any sample was accepted both refuse to forecast.
    void check_not_ready() {
        CHECK_THROWS_MATCHES(cpp_.predict(), pba::Error,
                             Catch::Predicate<pba::Error>([](const pba::Error& e) { return e.code() == pba::Errc::not_ready; }));
        pba_forecast cf{};
        cf.struct_size = sizeof cf;
        CHECK(pba_predictor_predict(c_, &cf) == PBA_ERR_NOT_READY);
    }

    // The counters of both, which must agree.
    SampleCounts counts() {
        const SampleCounts s = cpp_.stats().samples;
        pba_predictor_stats cs{};
        cs.struct_size = sizeof cs;
        REQUIRE(pba_predictor_get_stats(c_, &cs) == PBA_OK);
        CHECK(cs.samples_accepted == s.accepted);
        CHECK(cs.samples_refused_invalid_timestamp == s.refused_invalid_timestamp);
        CHECK(cs.samples_refused_repeated_timestamp == s.refused_repeated_timestamp);
        CHECK(cs.samples_refused_backwards_timestamp == s.refused_backwards_timestamp);
        CHECK(cs.window_resets == s.window_resets);
        CHECK(cs.dropped_values == s.dropped_values);
        return s;
    }

    PredictorStats stats() const { return cpp_.stats(); }

private:
    Predictor cpp_;
    pba_slot* slot_ = nullptr;
    pba_predictor* c_ = nullptr;
};

}  // namespace

TEST_CASE("an all-zero trace forecasts zeros from the fallback rule, and the model's constant from a model",
          "[degenerate]") {
    Link fallback({});
    Link model(constant_model());
    for (int i = 0; i < 30; ++i) {
        for (Link* l : {&fallback, &model}) REQUIRE(l->observe(at(kT0 + i, 0, 0, 0, 0)).accepted());
        const Forecast f = fallback.predict();
        CHECK(f.fallback);
        CHECK(f.fallback_reason == FallbackReason::no_model);
        CHECK(f.bandwidth_mbps == 0.0);
        CHECK(f.latency_ms == 0.0);
        CHECK(f.packet_loss == 0.0);
        CHECK(f.jitter_ms == 0.0);
        CHECK(f.unknown_fields == 0);  // zeros are measurements, not missing values
        CHECK(f.confidence <= 0.5);

        const Forecast m = model.predict();
        if (i >= 3) {  // the window of 4 is full
            CHECK_FALSE(m.fallback);
            CHECK(m.bandwidth_mbps == 100.0);
            CHECK(m.latency_ms == 10.0);
        }
    }
    // A relative error needs a non-zero actual: with only zeros there is none, and the
    // accuracy says so rather than dividing by zero.
    const auto accuracy = fallback.stats().accuracy;
    CHECK(accuracy.relative_error_count == 0);
    CHECK(std::isfinite(accuracy.accuracy));
    CHECK(accuracy.fields[0].nonzero_count == 0);
}

TEST_CASE("a value beyond float32 once normalised falls back as invalid input, counted, the model resumes after",
          "[degenerate]") {
    // The constant model divides bandwidth by 1000: 1e300 / 1000 is no float.
    Link link(constant_model());
    for (int i = 0; i < 4; ++i) REQUIRE(link.observe(at(kT0 + i, 1e300, 20)).dropped_fields == 0);
    const Forecast f = link.predict();
    CHECK(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::invalid_input);
    CHECK(f.bandwidth_mbps == 1e300);  // the fallback rule over four equal values
    CHECK(f.latency_ms == 20.0);
    CHECK(link.stats().fallbacks_by_reason[static_cast<std::size_t>(FallbackReason::invalid_input)] == 1);

    for (int i = 4; i < 8; ++i) REQUIRE(link.observe(at(kT0 + i, 50, 20)).accepted());
    const Forecast m = link.predict();
    CHECK_FALSE(m.fallback);
    CHECK(m.bandwidth_mbps == 100.0);
}

TEST_CASE("a model output that overflows once de-normalised falls back as a model error, counted", "[degenerate]") {
    // Bandwidth out of a log output: exp(1000) is +inf.
    auto d = pba::test::constant_link_model("overflow", 4, 1000, 10);
    d.metadata.set("output.norm", std::vector<std::string>{"log", "none"});
    d.metadata.set("output.norm_a", std::vector<double>{0, 0});
    d.metadata.set("output.norm_b", std::vector<double>{1, 1});
    d.metadata.set("output.norm_c", std::vector<double>{1, 0});
    Link link(pba::format::write_model(d));
    for (int i = 0; i < 6; ++i) REQUIRE(link.observe(at(kT0 + i, 100 + 10 * i, 20)).accepted());
    const Forecast f = link.predict();
    CHECK(f.fallback_reason == FallbackReason::model_error);
    // The fallback rule over the newest 6: mean 125 + (150 - 100) / 10.
    CHECK(f.bandwidth_mbps == Approx(130.0));
    CHECK(link.stats().fallbacks_by_reason[static_cast<std::size_t>(FallbackReason::model_error)] == 1);
}

TEST_CASE("a model whose log feature is undefined at zero is refused before it can serve", "[degenerate]") {
    auto d = pba::test::constant_link_model("log", 4, 300, 30);
    d.metadata.set("input.norm", std::vector<std::string>{"log", "divide"});
    d.metadata.set("input.norm_a", std::vector<double>{0, 100});
    d.metadata.set("input.norm_b", std::vector<double>{1, 1});
    d.metadata.set("input.norm_c", std::vector<double>{0, 0});  // ln(0 + 0): an all-zero trace would be -inf
    const auto bytes = pba::format::write_model(d);
    CHECK_THROWS_MATCHES(Predictor(pba::Model::from_bytes(bytes)), pba::Error,
                         Catch::Predicate<pba::Error>([](const pba::Error& e) {
                             return e.code() == pba::Errc::malformed_model &&
                                    std::string(e.what()).find("log needs c > 0") != std::string::npos;
                         }));
    pba_model* model = nullptr;
    REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), nullptr, &model) == PBA_OK);
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model;
    pba_predictor* p = nullptr;
    CHECK(pba_predictor_create(&config, &p) == PBA_ERR_MALFORMED_MODEL);
    CHECK(p == nullptr);
    CHECK(std::string(pba_last_error()).find("log needs c > 0") != std::string::npos);
    pba_model_free(model);
}

TEST_CASE("a constant trace forecasts the constant, with a zero-width interval that stays finite", "[degenerate]") {
    Link link({});
    Forecast f;
    for (int i = 0; i < 60; ++i) {
        REQUIRE(link.observe(at(kT0 + i, 500, 40, 0.001, 3)).accepted());
        f = link.predict();
        CHECK(f.bandwidth_mbps == 500.0);
        CHECK(f.latency_ms == 40.0);
        CHECK(f.packet_loss == Approx(0.001).epsilon(1e-12));
        CHECK(f.jitter_ms == 3.0);
    }
    // Every forecast was exact: the residuals are all zero.
    CHECK(f.bandwidth_low_mbps == 500.0);
    CHECK(f.bandwidth_high_mbps == 500.0);
    const auto accuracy = link.stats().accuracy;
    CHECK(accuracy.matched > 0);
    CHECK(accuracy.fields[0].mae == 0.0);
    CHECK(accuracy.mean_relative_error == 0.0);
}

TEST_CASE("NaN is a missing value, infinite, negative and out-of-range values are dropped and counted",
          "[degenerate]") {
    Link link({});
    // Bandwidth: 100, missing, +inf (dropped), -5 (dropped), 1e-300 (valid), 120.
    CHECK(link.observe(at(kT0 + 0, 100, 20, 0.01, 2)).dropped_fields == 0);
    CHECK(link.observe(at(kT0 + 1, kNaN, kNaN, kNaN, kNaN)).dropped_fields == 0);
    const ObserveResult inf = link.observe(at(kT0 + 2, kInf, -kInf, 0.01, 2));
    CHECK(inf.accepted());
    CHECK(inf.dropped_fields == (field_bit(SampleField::bandwidth_mbps) | field_bit(SampleField::latency_ms)));
    const ObserveResult negative = link.observe(at(kT0 + 3, -5, 22, 1.5, -1));
    CHECK(negative.accepted());
    CHECK(negative.dropped_fields == (field_bit(SampleField::bandwidth_mbps) | field_bit(SampleField::packet_loss) |
                                      field_bit(SampleField::jitter_ms)));
    CHECK(link.observe(at(kT0 + 4, 1e-300, 24, 1.0, 2)).dropped_fields == 0);  // loss 1 is in [0, 1]
    CHECK(link.observe(at(kT0 + 5, 120, 24, 0.01, 2)).dropped_fields == 0);

    const SampleCounts c = link.counts();
    CHECK(c.accepted == 6);
    CHECK(c.dropped_values == 5);

    // Over the finite values kept: bandwidth 100, 1e-300, 120 -> 73.333... + (120 - 100) / 10;
    // latency 20, 22, 24, 24 -> 22.5 + 0.4; loss 0.01, 0.01, 1, 0.01 -> 0.2575 + 0;
    // jitter 2, 2, 2, 2 -> 2.
    const Forecast f = link.predict();
    CHECK(f.bandwidth_mbps == Approx((100 + 1e-300 + 120) / 3.0 + 2.0));
    CHECK(f.latency_ms == Approx(22.5 + 0.4));
    CHECK(f.packet_loss == Approx(0.2575));
    CHECK(f.jitter_ms == Approx(2.0));
}

TEST_CASE("samples whose every value is missing or invalid leave the fields unknown, reported as 0", "[degenerate]") {
    Link link({});
    REQUIRE(link.observe(at(kT0, kNaN, kNaN, kNaN, kNaN)).accepted());
    REQUIRE(link.observe(at(kT0 + 1, -1, kInf, 7, -kInf)).dropped_fields == kAllForecastFields);
    const Forecast f = link.predict();
    CHECK(f.unknown_fields == kAllForecastFields);
    CHECK(f.bandwidth_mbps == 0.0);
    CHECK(f.latency_ms == 0.0);
    CHECK(f.packet_loss == 0.0);
    CHECK(f.jitter_ms == 0.0);
}

TEST_CASE("values near DBL_MAX (finite, so in the domain) give finite forecasts, saturated", "[degenerate]") {
    Link link({});
    for (int i = 0; i < 10; ++i) REQUIRE(link.observe(at(kT0 + i, kMax, kMax, 1.0, kMax)).dropped_fields == 0);
    const Forecast f = link.predict();
    CHECK(f.bandwidth_mbps == kMax);  // the mean of ten DBL_MAX, not the +inf of their sum
    CHECK(f.latency_ms == kMax);
    CHECK(f.jitter_ms == kMax);
    CHECK(f.packet_loss == 1.0);

    // A rising trend on top of DBL_MAX saturates rather than overflowing.
    Link rising({});
    for (int i = 0; i < 10; ++i) REQUIRE(rising.observe(at(kT0 + i, i == 0 ? 0.0 : kMax)).accepted());
    CHECK(rising.predict().bandwidth_mbps == kMax);
    for (int i = 10; i < 40; ++i) {
        REQUIRE(rising.observe(at(kT0 + i, i % 2 ? kMax : 0.0)).accepted());
        const Forecast g = rising.predict();  // finite interval bounds from residuals near DBL_MAX
        CHECK(g.bandwidth_high_mbps <= kMax);
    }
}

TEST_CASE("repeated, backwards and invalid timestamps are refused and counted, changing nothing else",
          "[degenerate]") {
    Link link({});
    // Only refused samples so far: nothing to forecast from.
    CHECK(link.observe(at(kNaN, 100)).status == ObserveStatus::refused_invalid_timestamp);
    link.check_not_ready();

    CHECK(link.observe(at(kT0, 100, 20)).status == ObserveStatus::accepted);
    CHECK(link.observe(at(kT0 + 1, 110, 21)).status == ObserveStatus::accepted);
    CHECK(link.observe(at(kT0 + 1, 999, 99)).status == ObserveStatus::refused_repeated_timestamp);
    CHECK(link.observe(at(kT0 + 0.5, 999, 99)).status == ObserveStatus::refused_backwards_timestamp);
    CHECK(link.observe(at(kT0 - 1e6, 999, 99)).status == ObserveStatus::refused_backwards_timestamp);
    // Not Unix seconds: infinite, beyond +-1e11 (a millisecond timestamp by mistake), NaN.
    for (double t : {kInf, -kInf, 1.7e12, -1.1e11, kNaN})
        CHECK(link.observe(at(t, 999, 99)).status == ObserveStatus::refused_invalid_timestamp);
    CHECK(link.observe(at(kT0 + 2, 120, 22)).status == ObserveStatus::accepted);

    const SampleCounts c = link.counts();
    CHECK(c.accepted == 3);
    CHECK(c.refused_repeated_timestamp == 1);
    CHECK(c.refused_backwards_timestamp == 2);
    CHECK(c.refused_invalid_timestamp == 6);

    // The refused samples' 999 / 99 never entered: 110 + (120 - 100) / 10 and 21 + 0.2.
    const Forecast f = link.predict();
    CHECK(f.bandwidth_mbps == Approx(112.0));
    CHECK(f.latency_ms == Approx(21.2));
    CHECK(f.made_at_unix_s == kT0 + 2);
}

TEST_CASE("timestamps at the ends of the valid range are accepted and give finite calendar features",
          "[degenerate]") {
    // hour_of_day and day_of_week from timestamps 3000 years either side of 1970.
    pba::test::ModelBuilder b({2, 3});
    b.lstm(2, false).dense(1);
    b.meta("input.features", std::vector<std::string>{"bandwidth_mbps", "hour_of_day", "day_of_week"})
        .meta("input.norm", std::vector<std::string>{"divide", "divide", "divide"})
        .meta("input.norm_a", std::vector<double>{1000, 24, 7})
        .meta("output.targets", std::vector<std::string>{"bandwidth_mbps"})
        .meta("output.norm", std::vector<std::string>{"divide"})
        .meta("output.norm_a", std::vector<double>{1000});
    PredictorConfig config;
    config.utc_offset_s = -86400;
    Link link(pba::format::write_model(b.build()), config);
    for (double t : {-1e11, -1e11 + 1, -0.5, 0.0, 1e11 - 1, 1e11}) REQUIRE(link.observe(at(t, 100)).accepted());
    const Forecast f = link.predict();
    CHECK_FALSE(f.fallback);
    CHECK(f.made_at_unix_s == 1e11);
}

TEST_CASE("a huge gap restarts the window: accepted, counted, the fallback answers until it refills",
          "[degenerate]") {
    PredictorConfig config;
    config.sample_interval_s = 1.0;  // so the default max gap is 10 s
    Link link(constant_model(), config);
    for (int i = 0; i < 12; ++i) REQUIRE(link.observe(at(kT0 + i, 100 + i, 20)).status == ObserveStatus::accepted);
    CHECK_FALSE(link.predict().fallback);

    const double resumed = kT0 + 11 + 1e7;  // four months of silence
    CHECK(link.observe(at(resumed, 500, 50)).status == ObserveStatus::accepted_after_gap);
    CHECK(link.counts().window_resets == 1);
    // Only the sample after the gap describes the link now.
    Forecast f = link.predict();
    CHECK(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::window_filling);
    CHECK(f.bandwidth_mbps == 500.0);
    CHECK(f.latency_ms == 50.0);
    for (int i = 1; i < 4; ++i) REQUIRE(link.observe(at(resumed + i, 500, 50)).status == ObserveStatus::accepted);
    f = link.predict();
    CHECK_FALSE(f.fallback);
    CHECK(f.bandwidth_mbps == 100.0);

    // A gap of exactly max_gap_s is no gap; and with max_gap_s < 0 nothing ever is.
    CHECK(link.observe(at(resumed + 13, 500, 50)).status == ObserveStatus::accepted);
    PredictorConfig never = config;
    never.max_gap_s = -1;
    Link patient({}, never);
    REQUIRE(patient.observe(at(kT0, 100)).accepted());
    CHECK(patient.observe(at(kT0 + 1e10, 300)).status == ObserveStatus::accepted);
    CHECK(patient.counts().window_resets == 0);
    CHECK(patient.predict().bandwidth_mbps == Approx(200.0 + 20.0));
}
