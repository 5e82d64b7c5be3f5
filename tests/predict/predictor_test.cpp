// One link's predictor end to end: fallbacks, model answers, matching and accuracy,
// confidence, degenerate samples, hot reload, champion/challenger, hybrid, Prometheus.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <string>

#include "pba/error.hpp"
#include "pba/format/model_file.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/predict/prometheus.hpp"
#include "test_models.hpp"
#include "support/samples.hpp"

using namespace pba::predict;
using pba::test::constant_description;
using pba::test::constant_model;
using pba::test::plain_metadata;

namespace {
using pba::test::at;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

pba::format::Metadata bandwidth_only(const std::string& version) {
    auto m = plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, version);
    m.set("input.sample_interval_s", 1.0);
    return m;
}

std::shared_ptr<const pba::Model> bandwidth_model(float value, const std::string& version, std::size_t window = 5) {
    return constant_model(window, bandwidth_only(version), {value});
}

std::string version(const Forecast& f) { return f.model_version.data(); }

bool all_finite(const Forecast& f) {
    for (double v : {f.bandwidth_mbps, f.latency_ms, f.packet_loss, f.jitter_ms, f.confidence, f.bandwidth_low_mbps,
                     f.bandwidth_high_mbps, f.interval_coverage, f.made_at_unix_s, f.target_unix_s, f.horizon_s})
        if (!std::isfinite(v)) return false;
    return true;
}

std::vector<std::byte> bytes_of(const pba::format::ModelDescription& d) { return pba::format::write_model(d); }
}  // namespace

TEST_CASE("predictor without a model answers with the transport's fallback", "[predict][predictor]") {
    Predictor p(std::shared_ptr<const pba::Model>{});
    for (int i = 0; i < 10; ++i) REQUIRE(p.observe(at(i, 100 + 10 * i, 20 + i, 0.01, 2)).accepted());
    const Forecast f = p.predict();
    CHECK(f.bandwidth_mbps == Approx(154.0));
    CHECK(f.latency_ms == Approx(25.4));
    CHECK(f.packet_loss == Approx(0.01));
    CHECK(f.jitter_ms == Approx(2.0));
    CHECK(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::no_model);
    CHECK(f.confidence <= 0.5);
    CHECK(f.fallback_fields == 0xF);
    CHECK(version(f).empty());
    CHECK(f.made_at_unix_s == 9.0);
    CHECK(f.horizon_s == 1.0);  // one sample interval, 1 s when nobody states it
    CHECK(f.target_unix_s == 10.0);
    const PredictorStats s = p.stats();
    CHECK(s.predictions == 1);
    CHECK(s.fallback_predictions == 1);
    CHECK(s.fallbacks_by_reason[static_cast<int>(FallbackReason::no_model)] == 1);
    CHECK(s.latency.count == 1);
}

TEST_CASE("predict before any sample is refused as not ready", "[predict][predictor]") {
    Predictor p(bandwidth_model(1, "a"));
    try {
        p.predict();
        FAIL("expected not_ready");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::not_ready);
    }
    p.observe(at(0, kNaN));  // timestamps alone make a sample
    CHECK_NOTHROW(p.predict());
}

TEST_CASE("the model answers once its window is full, outputs it lacks come from the fallback",
          "[predict][predictor]") {
    Predictor p(bandwidth_model(777, "bw-1"));
    for (int i = 0; i < 4; ++i) p.observe(at(i, 100, 20 + i, 0.01, 2));
    Forecast f = p.predict();
    CHECK(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::window_filling);
    CHECK(f.confidence <= 0.5);

    p.observe(at(4, 100, 24, 0.01, 2));
    f = p.predict();
    CHECK_FALSE(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::none);
    CHECK(f.bandwidth_mbps == Approx(777));
    // Latency from the fallback rule: mean(20..24) + (24 - 20)/10.
    CHECK(f.latency_ms == Approx(22.4));
    CHECK(f.fallback_fields == (field_bit(SampleField::latency_ms) | field_bit(SampleField::packet_loss) |
                                field_bit(SampleField::jitter_ms)));
    CHECK(version(f) == "bw-1");
    CHECK(f.model_generation == 1);
    CHECK(f.confidence == 0.5);  // fewer than 10 forecasts
    CHECK(p.stats().fallbacks_by_reason[static_cast<int>(FallbackReason::window_filling)] == 1);
}

TEST_CASE("the v1 layout end to end: de-normalised outputs", "[predict][predictor]") {
    pba::format::Metadata m;
    m.set("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms",
                                                     "hour_of_day", "day_of_week"});
    m.set("input.norm", std::vector<std::string>{"divide", "divide", "none", "divide", "divide", "divide"});
    m.set("input.norm_a", std::vector<double>{1000, 100, 0, 50, 24, 7});
    m.set("output.targets", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"});
    m.set("output.norm", std::vector<std::string>{"divide", "divide", "none", "divide"});
    m.set("output.norm_a", std::vector<double>{1000, 100, 0, 50});
    m.set("model.version", std::string("v1"));
    Predictor p(constant_model(10, m, {0.5f, 0.3f, 0.02f, 0.1f}));
    for (int i = 0; i < 10; ++i) p.observe(at(1764158100 + 60 * i, 100, 20, 0.01, 2));
    const Forecast f = p.predict();
    REQUIRE_FALSE(f.fallback);
    CHECK(f.bandwidth_mbps == Approx(500).epsilon(1e-6));
    CHECK(f.latency_ms == Approx(30).epsilon(1e-6));
    CHECK(f.packet_loss == Approx(0.02).epsilon(1e-6));
    CHECK(f.jitter_ms == Approx(5).epsilon(1e-6));
    CHECK(f.fallback_fields == 0);
}

TEST_CASE("a non-finite model output or input falls back and is counted, never a number", "[predict][predictor]") {
    auto m = bandwidth_only("overflow");
    m.set("output.norm", std::vector<std::string>{"log"});
    m.set("output.norm_a", std::vector<double>{1000});  // exp(y + 1000) = kInf
    m.set("output.norm_b", std::vector<double>{1});
    m.set("output.norm_c", std::vector<double>{1});
    Predictor p(constant_model(5, m, {0.0f}));
    for (int i = 0; i < 5; ++i) p.observe(at(i, 100));
    Forecast f = p.predict();
    CHECK(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::model_error);
    CHECK(f.bandwidth_mbps == Approx(100));
    CHECK(all_finite(f));
    CHECK(version(f).empty());
    CHECK(p.stats().fallbacks_by_reason[static_cast<int>(FallbackReason::model_error)] == 1);

    auto tiny = bandwidth_only("tiny-scale");
    tiny.set("input.norm", std::vector<std::string>{"standard"});
    tiny.set("input.norm_b", std::vector<double>{1e-300});  // (x - 0) / 1e-300 overflows float
    Predictor q(constant_model(5, tiny, {1.0f}));
    for (int i = 0; i < 5; ++i) q.observe(at(i, 100));
    f = q.predict();
    CHECK(f.fallback_reason == FallbackReason::invalid_input);
    CHECK(all_finite(f));
}

TEST_CASE("degenerate samples: refused or repaired, each counted, forecasts stay finite", "[predict][predictor]") {
    PredictorConfig config;
    config.sample_interval_s = 1.0;  // stated: gaps over 10 s restart the window
    Predictor p(std::shared_ptr<const pba::Model>{}, config);
    CHECK(p.observe(at(100, 50, 10)).status == ObserveStatus::accepted);
    CHECK(p.observe(at(kNaN, 50)).status == ObserveStatus::refused_invalid_timestamp);
    CHECK(p.observe(at(kInf, 50)).status == ObserveStatus::refused_invalid_timestamp);
    CHECK(p.observe(at(1.7e12, 50)).status == ObserveStatus::refused_invalid_timestamp);
    CHECK(p.observe(at(100, 50)).status == ObserveStatus::refused_repeated_timestamp);
    CHECK(p.observe(at(99, 50)).status == ObserveStatus::refused_backwards_timestamp);
    const ObserveResult repaired = p.observe(at(101, kInf, -3, 2.0, 1));
    CHECK(repaired.status == ObserveStatus::accepted);
    CHECK(repaired.dropped_fields == (field_bit(SampleField::bandwidth_mbps) | field_bit(SampleField::latency_ms) |
                                      field_bit(SampleField::packet_loss)));
    CHECK(p.observe(at(102, kNaN)).status == ObserveStatus::accepted);  // nothing measured: still a time step
    Forecast f = p.predict();
    CHECK(all_finite(f));
    CHECK(f.bandwidth_mbps == Approx(50));  // only the valid 50 counts
    CHECK(f.latency_ms == Approx(10));
    CHECK(p.observe(at(200, 60)).status == ObserveStatus::accepted_after_gap);
    f = p.predict();
    CHECK(f.bandwidth_mbps == Approx(60));  // the window restarted
    CHECK(f.unknown_fields & field_bit(SampleField::latency_ms));
    CHECK(f.latency_ms == 0.0);

    const SampleCounts s = p.stats().samples;
    CHECK(s.accepted == 4);
    CHECK(s.refused_invalid_timestamp == 3);
    CHECK(s.refused_repeated_timestamp == 1);
    CHECK(s.refused_backwards_timestamp == 1);
    CHECK(s.window_resets == 1);
    CHECK(s.dropped_values == 3);

    // Without a stated interval there is no gap rule.
    Predictor q(std::shared_ptr<const pba::Model>{});
    q.observe(at(0, 1));
    CHECK(q.observe(at(1e6, 1)).status == ObserveStatus::accepted);
    // All-zero and constant links forecast zero and the constant.
    Predictor z(std::shared_ptr<const pba::Model>{});
    for (int i = 0; i < 20; ++i) z.observe(at(i, 0, 0, 0, 0));
    f = z.predict();
    CHECK(all_finite(f));
    CHECK(f.bandwidth_mbps == 0.0);
}

TEST_CASE("matching: a value_at forecast meets the sample at its target time", "[predict][accuracy]") {
    Predictor p(std::shared_ptr<const pba::Model>{});
    for (int i = 0; i < 10; ++i) p.observe(at(i, 100, 20));
    const Forecast f = p.predict();  // 100 Mbps, 20 ms, for t = 10
    CHECK(f.target_unix_s == 10.0);
    p.observe(at(10, 110, 25));
    PredictorStats s = p.stats();
    CHECK(s.forecasts_matched == 1);
    CHECK(s.accuracy.fields[0].mae == Approx(10));
    CHECK(s.accuracy.fields[1].mae == Approx(5));
    CHECK(s.accuracy.fields[0].mape == Approx(10.0 / 110));
    CHECK(s.accuracy.mean_relative_error == Approx((10.0 / 110 + 5.0 / 25) / 2));

    p.predict();                // for t = 11
    p.observe(at(13, 100, 20));  // the sample at 11 never came
    s = p.stats();
    CHECK(s.forecasts_expired == 1);
    CHECK(s.forecasts_matched == 1);
}

TEST_CASE("matching: a mean_over forecast meets the mean of the next horizon_steps samples", "[predict][accuracy]") {
    auto m = bandwidth_only("mean");
    m.set("forecast.target", std::string("mean_over"));
    m.set("forecast.horizon_steps", std::int64_t{4});
    Predictor p(constant_model(5, m, {100.0f}));
    for (int i = 0; i < 5; ++i) p.observe(at(i, 100));
    const Forecast f = p.predict();
    REQUIRE_FALSE(f.fallback);
    CHECK(f.target == ForecastTarget::mean_over);
    CHECK(f.horizon_steps == 4);
    CHECK(f.target_unix_s == 8.0);
    p.observe(at(5, 10));
    p.observe(at(6, 20));
    p.observe(at(7, 30));
    CHECK(p.stats().forecasts_matched == 0);
    p.observe(at(8, 40));
    const PredictorStats s = p.stats();
    CHECK(s.forecasts_matched == 1);
    CHECK(s.accuracy.fields[0].mae == Approx(75));  // |100 - mean(10, 20, 30, 40)|
}

TEST_CASE("confidence follows the model's tracked accuracy, the interval is conformal", "[predict][accuracy]") {
    Predictor p(bandwidth_model(100, "m"));
    Forecast f;
    for (int t = 0; t < 30; ++t) {
        p.observe(at(t, 110));
        if (t >= 4) {
            f = p.predict();
            if (t < 14) CHECK(f.confidence == 0.5);  // fewer than 10 model forecasts before this one
        }
    }
    // Every error is |100 - 110| / 110 (bandwidth alone: latency is never measured).
    CHECK(f.confidence == Approx(1 - (10.0 / 110) / 0.2));
    // All residuals are 10: the 90% interval is 100 ± 10, and 110 fell inside it.
    CHECK(f.interval_coverage == 0.9);
    CHECK(f.bandwidth_low_mbps == Approx(90));
    CHECK(f.bandwidth_high_mbps == Approx(110));
    const PredictorStats s = p.stats();
    CHECK(s.interval.checked > 0);
    CHECK(s.interval.measured_coverage == 1.0);
    CHECK(s.model_confidence == Approx(f.confidence));
    CHECK(s.model_accuracy.matched == s.accuracy.matched);
}

TEST_CASE("record_actual matches explicitly reported measurements", "[predict][accuracy]") {
    PredictorConfig config;
    config.match_observed_samples = false;
    Predictor p(std::shared_ptr<const pba::Model>{}, config);
    for (int i = 0; i < 10; ++i) p.observe(at(i, 100));
    p.predict();
    p.observe(at(10, 500));  // not matched: the caller reports actuals itself
    CHECK(p.stats().forecasts_matched == 0);
    const MatchCounts c = p.record_actual(at(10, 150));
    CHECK(c.matched == 1);
    CHECK(p.stats().accuracy.fields[0].mae == Approx(50));
    CHECK_THROWS_AS(p.record_actual(at(kNaN, 1)), pba::Error);
}

TEST_CASE("hot reload: a failed load keeps the old model and says why", "[predict][reload]") {
    const auto a = constant_description(5, bandwidth_only("A"), {100});
    const auto b = constant_description(5, bandwidth_only("B"), {200});
    auto slot = std::make_shared<ModelSlot>(pba::Model::from_description(a));
    Predictor p(slot);
    for (int i = 0; i < 5; ++i) p.observe(at(i, 1));
    CHECK(version(p.predict()) == "A");

    auto corrupt = bytes_of(b);
    corrupt[corrupt.size() / 2] ^= std::byte{0x40};
    try {
        slot->reload_bytes(corrupt);
        FAIL("corrupt bytes accepted");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::checksum_mismatch);
        CHECK_THAT(e.what(), Catch::Contains("previous model kept"));
    }
    CHECK_THROWS_AS(slot->reload_file("/nonexistent/model.pba"), pba::Error);
    // Well-formed, but no metadata a predictor could use.
    auto bare = b;
    bare.metadata = pba::format::Metadata{};
    bare.metadata.set("input.shape", std::vector<std::int64_t>{5, 1});
    try {
        slot->reload_bytes(bytes_of(bare));
        FAIL("model without input.features accepted");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::malformed_model);
        CHECK_THAT(e.what(), Catch::Contains("input.features is missing"));
    }
    CHECK_THAT(slot->last_error(), Catch::Contains("input.features"));
    Forecast f = p.predict();
    CHECK(version(f) == "A");
    CHECK(f.bandwidth_mbps == Approx(100));

    CHECK(slot->reload_bytes(bytes_of(b)) == 2);
    f = p.predict();
    CHECK(version(f) == "B");
    CHECK(f.bandwidth_mbps == Approx(200));
    CHECK(f.model_generation == 2);
    const PredictorStats s = p.stats();
    CHECK(s.reloads_succeeded == 1);
    CHECK(s.reloads_refused == 3);
    CHECK(s.model_generation == 2);
    CHECK(std::string(s.model_version.data()) == "B");
}

TEST_CASE("hot reload refuses another kind of model, naming what differs, unless allowed", "[predict][reload]") {
    const auto serving = constant_description(5, bandwidth_only("A"), {100});
    auto with = [](pba::format::Metadata m, const char* key, auto value) {
        m.set(key, value);
        return m;
    };
    auto two_features = plain_metadata({"bandwidth_mbps", "latency_ms"}, {"bandwidth_mbps"}, "F");
    const std::pair<pba::format::ModelDescription, std::string> cases[] = {
        {constant_description(10, bandwidth_only("W"), {1}), "window 5 samples (serving) vs 10 samples (new)"},
        {constant_description(5, two_features, {1}),
         "input features bandwidth_mbps (serving) vs bandwidth_mbps,latency_ms (new)"},
        {constant_description(5, with(bandwidth_only("T"), "forecast.target", std::string("mean_over")), {1}),
         "target value_at 1 steps (serving) vs mean_over 1 steps (new)"},
        {constant_description(5, with(bandwidth_only("H"), "forecast.horizon_steps", std::int64_t{5}), {1}),
         "target value_at 1 steps (serving) vs value_at 5 steps (new)"},
        {constant_description(10, with(two_features, "forecast.target", std::string("mean_over")), {1}),
         "input features bandwidth_mbps (serving) vs bandwidth_mbps,latency_ms (new); window 5 samples (serving) vs "
         "10 samples (new); target value_at 1 steps (serving) vs mean_over 1 steps (new)"},
    };
    for (const auto& [candidate, difference] : cases) {
        INFO(difference);
        auto slot = std::make_shared<ModelSlot>(pba::Model::from_description(serving));
        Predictor p(slot);
        for (int i = 0; i < 12; ++i) p.observe(at(i, 1));
        try {
            slot->reload_bytes(bytes_of(candidate));
            FAIL("another kind of model accepted");
        } catch (const pba::Error& e) {
            CHECK(e.code() == pba::Errc::invalid_argument);
            CHECK_THAT(e.what(), Catch::Contains("reload from memory refused, previous model kept: another kind of "
                                                 "model: " + difference + " (allow it explicitly"));
        }
        CHECK_THAT(slot->last_error(), Catch::Contains(difference));
        CHECK(slot->reloads_refused() == 1);
        CHECK(slot->generation() == 1);
        CHECK(version(p.predict()) == "A");

        CHECK(slot->reload_bytes(bytes_of(candidate), {}, pba::predict::KindChange::allow) == 2);
        CHECK(std::string(slot->model()->version()) == candidate.metadata.string_or("model.version", ""));
        CHECK(slot->reloads_succeeded() == 1);
    }
    // The same kind with other weights, and anything into an empty slot, need no permission.
    auto slot = std::make_shared<ModelSlot>(pba::Model::from_description(serving));
    CHECK(slot->reload_bytes(bytes_of(constant_description(5, bandwidth_only("A2"), {7}))) == 2);
    ModelSlot empty;
    CHECK(empty.reload_bytes(bytes_of(cases[4].first)) == 1);
}

TEST_CASE("hot reload to a model with a longer window keeps the samples held and waits for more",
          "[predict][reload]") {
    auto slot = std::make_shared<ModelSlot>(bandwidth_model(100, "short", 5));
    Predictor p(slot);
    for (int i = 0; i < 12; ++i) p.observe(at(i, 1));
    CHECK_FALSE(p.predict().fallback);
    slot->replace(bandwidth_model(300, "long", 15));
    Forecast f = p.predict();
    CHECK(f.fallback);
    CHECK(f.fallback_reason == FallbackReason::window_filling);
    // The window held the newest 10 samples (the fallback rule's); 5 more make 15.
    for (int i = 12; i < 16; ++i) p.observe(at(i, 1));
    CHECK(p.predict().fallback);
    p.observe(at(16, 1));
    f = p.predict();
    CHECK_FALSE(f.fallback);
    CHECK(version(f) == "long");
    slot->clear();
    CHECK(p.predict().fallback_reason == FallbackReason::no_model);
}

TEST_CASE("champion/challenger: shadow scoring, a report with the numbers, explicit promotion",
          "[predict][challenger]") {
    auto slot = std::make_shared<ModelSlot>(bandwidth_model(100, "champ"));
    Predictor p(slot);
    CHECK_THROWS_AS(p.challenger_report(), pba::Error);
    for (int t = 0; t < 5; ++t) p.observe(at(t, 110));
    p.set_challenger(bandwidth_model(110, "chall"), 20);
    for (int t = 5; t < 50; ++t) {
        p.predict();
        p.observe(at(t, 110));
    }
    const ChallengerReport r = p.challenger_report();
    CHECK(std::string(r.champion.model_version.data()) == "champ");
    CHECK(std::string(r.challenger.model_version.data()) == "chall");
    CHECK(r.champion.forecasts == 45);
    CHECK(r.challenger.forecasts == 45);
    CHECK(r.challenger.fallbacks == 0);  // it started from the champion's samples
    CHECK(r.champion.accuracy.fields[0].count == 45);
    CHECK(r.champion.accuracy.fields[0].mae == Approx(10));
    CHECK(r.challenger.accuracy.fields[0].mae == Approx(0));
    CHECK(r.comparable);
    CHECK(r.better == ChallengeWinner::challenger);
    const std::string text = format_report(r);
    CHECK_THAT(text, Catch::Contains("better: challenger"));
    CHECK_THAT(text, Catch::Contains("chall"));
    // Served forecasts were the champion's throughout.
    CHECK(version(p.predict()) == "champ");

    CHECK(p.promote_challenger() == 2);
    CHECK_FALSE(p.has_challenger());
    CHECK(version(p.predict()) == "chall");
    CHECK(std::string(slot->model()->version()) == "chall");

    // Different horizons are not comparable.
    auto longer = bandwidth_only("later");
    longer.set("forecast.horizon_steps", std::int64_t{5});
    p.set_challenger(constant_model(5, longer, {110}), 1);
    for (int t = 50; t < 70; ++t) {
        p.predict();
        p.observe(at(t, 110));
    }
    const ChallengerReport r2 = p.challenger_report();
    CHECK_FALSE(r2.comparable);
    CHECK(r2.better == ChallengeWinner::undecided);
    p.clear_challenger();
    CHECK_FALSE(p.has_challenger());
}

TEST_CASE("confidence rules: the transport's by default, the calibrated one when chosen", "[predict][confidence]") {
    constexpr auto transport = static_cast<std::size_t>(ConfidenceRule::transport);
    constexpr auto calibrated = static_cast<std::size_t>(ConfidenceRule::calibrated);
    const double lambda = 44.0 / 45.0;
    // (30 x 0.43 + hits) / (30 + outcomes) after n one-step hits: hits = outcomes = 45 (1 - λ^n).
    // Each predictor here is alone on its model: its fleet holds only its own outcomes, which it
    // leaves out, so its prior mean is 0.43.
    auto after_hits = [&](int n) {
        const double s = 45 * (1 - std::pow(lambda, n));
        return (12.9 + s) / (30 + s);
    };

    // The model forecasts 100 one step ahead, the link measures 110: every forecast is a hit
    // (|110 - 100| <= 22), so the calibrated rule climbs from the prior; the transport rule says
    // 0.5 until 10 forecasts were made, then 1 - (10/110) / 0.2.
    for (ConfidenceRule rule : {ConfidenceRule::transport, ConfidenceRule::calibrated}) {
        INFO(to_string(rule));
        PredictorConfig config;
        config.confidence_rule = rule;
        Predictor p(bandwidth_model(100, "m"), config);
        for (int t = 0; t < 30; ++t) {
            p.observe(at(t, 110));
            const Forecast f = p.predict();
            CHECK(f.confidence == f.confidence_by_rule[static_cast<std::size_t>(rule)]);
            if (t < 4) {
                // The fallback rule while the window fills: the transport's cap, the fallback's own
                // hit rate (its forecasts of 110 meet 110) for the calibrated rule.
                CHECK(f.confidence_by_rule[transport] == 0.5);
                CHECK(f.confidence_by_rule[calibrated] == Approx(after_hits(t)));
            } else {
                if (t < 14)
                    CHECK(f.confidence_by_rule[transport] == 0.5);
                else
                    CHECK(f.confidence_by_rule[transport] == Approx(1 - (10.0 / 110) / 0.2));
                CHECK(f.confidence_by_rule[calibrated] == Approx(after_hits(t - 4)));
            }
        }
        // The model's forecasts at t 4..28 have matured.
        const double model_confidence = rule == ConfidenceRule::calibrated ? after_hits(25) : 1 - (10.0 / 110) / 0.2;
        CHECK(p.stats().model_confidence == Approx(model_confidence));
    }

    // Without a model every forecast is a fallback: the transport rule is capped at 0.5, the
    // calibrated one states the fallback's measured hit rate, above 0.5 here (0.755).
    PredictorConfig config;
    config.confidence_rule = ConfidenceRule::calibrated;
    Predictor fallback(std::shared_ptr<const pba::Model>{}, config);
    Forecast f;
    for (int t = 0; t < 100; ++t) {
        fallback.observe(at(t, 50));
        f = fallback.predict();
    }
    CHECK(f.fallback);
    CHECK(f.confidence_by_rule[transport] == 0.5);
    CHECK(f.confidence == Approx(after_hits(99)));
    CHECK(f.confidence > 0.75);

    // A tolerance of 5 %: 100 against 110 misses every time.
    config.confidence_tolerance = 0.05;
    Predictor narrow(bandwidth_model(100, "m"), config);
    for (int t = 0; t < 7; ++t) {
        narrow.observe(at(t, 110));
        f = narrow.predict();
    }
    const double outcomes = 45 * (1 - std::pow(lambda, 2));  // the model's forecasts at t 4 and 5
    CHECK(f.confidence == Approx(12.9 / (30 + outcomes)));
}

TEST_CASE("hybrid: a combined forecast's calibrated confidence is the combined forecasts' own", "[predict][confidence]") {
    auto meta = [](const std::string& v) {
        auto m = plain_metadata({"bandwidth_mbps", "latency_ms"}, {"bandwidth_mbps", "latency_ms"}, v);
        m.set("input.sample_interval_s", 1.0);
        return m;
    };
    HybridConfig config;
    config.policy = ModePolicy::hybrid;
    config.predictor.confidence_rule = ConfidenceRule::calibrated;
    HybridPredictor h(constant_model(5, meta("dc"), {8000, 5}), constant_model(5, meta("inet"), {400, 100}), config);
    Forecast f;
    for (int t = 0; t < 9; ++t) {
        h.observe(at(t, 2000, 5, 0));
        if (t >= 4) f = h.predict();
        // Both members miss alike, so their weights stay equal: 4200 Mbps, a miss against 2000.
        if (t == 4) CHECK(f.confidence == Approx(0.43));
    }
    CHECK(f.bandwidth_mbps == Approx(4200));
    // Four combined forecasts (t 4..7) matured, all misses.
    const double outcomes = 45 * (1 - std::pow(44.0 / 45.0, 4));
    CHECK(f.confidence == Approx(12.9 / (30 + outcomes)));
    CHECK(f.confidence_by_rule[static_cast<std::size_t>(ConfidenceRule::calibrated)] == f.confidence);
    // The transport rule's value is still the larger member's: 0.5 (fewer than 10 forecasts).
    CHECK(f.confidence_by_rule[static_cast<std::size_t>(ConfidenceRule::transport)] == 0.5);

    HybridConfig bad;
    bad.predictor.confidence_tolerance = 2;
    CHECK_THROWS_WITH((HybridPredictor(std::shared_ptr<ModelSlot>{}, std::shared_ptr<ModelSlot>{}, bad)),
                      Catch::Contains("confidence_tolerance"));
}

TEST_CASE("config out of range is refused", "[predict][predictor]") {
    auto make = [](PredictorConfig c) { Predictor p(std::shared_ptr<const pba::Model>{}, c); };
    PredictorConfig c;
    c.interval_coverage = 1.0;
    CHECK_THROWS_AS(make(c), pba::Error);
    c = {};
    c.accuracy_window = 0;
    CHECK_THROWS_AS(make(c), pba::Error);
    c = {};
    c.utc_offset_s = kNaN;
    CHECK_THROWS_AS(make(c), pba::Error);
    c = {};
    c.sample_interval_s = -1;
    CHECK_THROWS_AS(make(c), pba::Error);
    c = {};
    c.confidence_rule = static_cast<ConfidenceRule>(2);
    CHECK_THROWS_WITH(make(c), Catch::Contains("confidence_rule 2"));
    for (double bad : {0.0, -0.2, 1.01, kNaN, kInf}) {
        c = {};
        c.confidence_tolerance = bad;
        CHECK_THROWS_WITH(make(c), Catch::Contains("confidence_tolerance"));
    }
    CHECK_THROWS_AS(Predictor(std::shared_ptr<ModelSlot>{}), pba::Error);
}

TEST_CASE("hybrid: ensemble in hybrid mode, the detector's choice in automatic mode", "[predict][hybrid]") {
    auto meta = [](const std::string& v) {
        auto m = plain_metadata({"bandwidth_mbps", "latency_ms"}, {"bandwidth_mbps", "latency_ms"}, v);
        m.set("input.sample_interval_s", 1.0);
        return m;
    };
    auto dc = constant_model(5, meta("dc"), {8000, 5});
    auto inet = constant_model(5, meta("inet"), {400, 100});

    HybridConfig both;
    both.policy = ModePolicy::hybrid;
    HybridPredictor h(dc, inet, both);
    for (int t = 0; t < 5; ++t) h.observe(at(t, 2000, 5, 0));
    Forecast f = h.predict();
    // Both at confidence 0.5 (new): equal weights.
    CHECK(f.bandwidth_mbps == Approx(4200));
    CHECK(f.latency_ms == Approx(52.5));
    CHECK(f.mode == Mode::hybrid);
    CHECK(version(f) == "dc+inet");
    CHECK_FALSE(f.fallback);

    HybridPredictor a(dc, inet);  // automatic
    for (int t = 0; t < 10; ++t) a.observe(at(t, 2000, 5, 0));
    CHECK(a.mode() == Mode::datacenter);
    f = a.predict();
    CHECK(f.mode == Mode::datacenter);
    CHECK(f.bandwidth_mbps == Approx(8000));
    for (int t = 10; t < 30; ++t) a.observe(at(t, 2000, 80, 0));
    CHECK(a.mode() == Mode::internet);
    f = a.predict();
    CHECK(f.mode == Mode::internet);
    CHECK(f.bandwidth_mbps == Approx(400));
    const PredictorStats s = a.stats();
    CHECK(s.mode_switches >= 1);
    CHECK(s.predictions == 2);
    CHECK(s.predictions_by_mode[static_cast<int>(Mode::datacenter)] == 1);
    CHECK(s.predictions_by_mode[static_cast<int>(Mode::internet)] == 1);
    CHECK(s.samples.accepted == 30);
    CHECK(s.mode == Mode::internet);

    // A member without a model falls back; in hybrid mode the other answers alone.
    HybridPredictor one(std::shared_ptr<const pba::Model>{}, inet, both);
    for (int t = 0; t < 5; ++t) one.observe(at(t, 2000, 5, 0));
    f = one.predict();
    CHECK(f.bandwidth_mbps == Approx(400));
    CHECK(version(f) == "inet");
    CHECK(f.mode == Mode::hybrid);
}

TEST_CASE("Prometheus text: transport metric names, HELP/TYPE, valid series, true histogram", "[predict][prometheus]") {
    auto slot = std::make_shared<ModelSlot>(bandwidth_model(100, "2026.11.26"));
    Predictor p(slot);
    for (int t = 0; t < 30; ++t) {
        p.observe(at(t, 110));
        p.predict();
    }
    const PredictorStats s = p.stats();
    const std::string link = "eu-1 \"a\"\\b\n";
    const std::string text = prometheus_text(s, link);
    for (const char* name : {"dwcp_pba_prediction_accuracy", "dwcp_pba_prediction_latency_ms", "dwcp_pba_confidence",
                             "dwcp_pba_predictions_total", "dwcp_pba_model_version"}) {
        CHECK_THAT(text, Catch::Contains(std::string("# HELP ") + name + " "));
        CHECK_THAT(text, Catch::Contains(std::string("# TYPE ") + name + " "));
    }
    CHECK_THAT(text, Catch::Contains("# TYPE dwcp_pba_prediction_latency_ms histogram"));
    CHECK_THAT(text, Catch::Contains("# TYPE dwcp_pba_predictions_total counter"));
    const std::string escaped = "link=\"eu-1 \\\"a\\\"\\\\b\\n\"";
    CHECK_THAT(text, Catch::Contains("dwcp_pba_model_version{" + escaped + ",version=\"2026.11.26\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_predictions_total{" + escaped + ",mode=\"hybrid\"} 30\n"));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_prediction_latency_ms_count{" + escaped + "} 30\n"));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_prediction_latency_ms_bucket{" + escaped + ",le=\"+Inf\"} 30\n"));

    // Every line is a comment or `name{labels} value`; buckets are cumulative.
    const std::regex series(R"re(^([a-z_0-9]+)\{link="(?:[^"\\]|\\.)*"(?:,[a-z_]+="(?:[^"\\]|\\.)*")*\} (\S+)$)re");
    const std::regex comment(R"(^# (HELP|TYPE) [a-z_0-9]+ .+$)");
    std::istringstream lines(text);
    std::string line;
    double previous_bucket = -1;
    int series_lines = 0;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (std::regex_match(line, comment)) continue;
        REQUIRE(std::regex_match(line, m, series));
        ++series_lines;
        const double value = std::stod(m[2].str());
        CHECK(std::isfinite(value));
        if (m[1].str() == "dwcp_pba_prediction_latency_ms_bucket") {
            CHECK(value >= previous_bucket);
            previous_bucket = value;
        }
    }
    CHECK(series_lines > 30);
    CHECK(previous_bucket == 30);

    // Several links: each family once.
    const LinkStats links[] = {{"a", &s}, {"b", &s}, {"skipped", nullptr}};
    std::string many;
    write_prometheus(many, links);
    std::size_t helps = 0;
    for (std::size_t pos = 0; (pos = many.find("# HELP dwcp_pba_confidence ", pos)) != std::string::npos; ++pos) ++helps;
    CHECK(helps == 1);
    CHECK_THAT(many, Catch::Contains("dwcp_pba_confidence{link=\"b\"}"));
    CHECK_THAT(many, !Catch::Contains("skipped"));
}

TEST_CASE("Prometheus text: latest forecast and measured values, none for a field never measured",
          "[predict][prometheus]") {
    Predictor p(bandwidth_model(100, "m"));
    const std::string before = prometheus_text(p.stats(), "l");
    CHECK_THAT(before, Catch::Contains("# TYPE dwcp_pba_predicted_bandwidth_mbps gauge\n"));
    CHECK_THAT(before, !Catch::Contains("dwcp_pba_predicted_bandwidth_mbps{"));
    CHECK_THAT(before, !Catch::Contains("dwcp_pba_current_bandwidth_mbps{"));

    // Bandwidth 110 throughout; latency measured once (20 ms), then missing; loss and jitter never.
    for (int t = 0; t < 6; ++t) {
        p.observe(at(t, 110, t == 2 ? 20.0 : kNaN));
        p.predict();
    }
    const PredictorStats s = p.stats();
    const std::string text = prometheus_text(s, "l");
    CHECK_THAT(text, Catch::Contains("dwcp_pba_predicted_bandwidth_mbps{link=\"l\"} 100\n"));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_current_bandwidth_mbps{link=\"l\"} 110\n"));
    // The latest measured latency stays 20; the forecast's comes from the fallback rule over the
    // newest samples: mean 20, no trend.
    CHECK_THAT(text, Catch::Contains("dwcp_pba_current_latency_ms{link=\"l\"} 20\n"));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_predicted_latency_ms{link=\"l\"} 20\n"));
    for (const char* family : {"packet_loss", "jitter_ms"}) {
        for (const char* kind : {"predicted", "current"}) {
            const std::string name = std::string("dwcp_pba_") + kind + "_" + family;
            CHECK_THAT(text, Catch::Contains("# HELP " + name + " "));
            CHECK_THAT(text, Catch::Contains("# TYPE " + name + " gauge\n"));
            CHECK_THAT(text, !Catch::Contains(name + "{"));
        }
    }
    // Existing names are untouched: the fallback's four exact forecasts and the model's one 10 off.
    CHECK_THAT(text, Catch::Contains("dwcp_pba_bandwidth_mae_mbps{link=\"l\"} 2\n"));

    // A hybrid reports what it served, and the same measurements.
    HybridConfig internet;
    internet.policy = ModePolicy::internet;
    HybridPredictor h(std::shared_ptr<const pba::Model>{}, bandwidth_model(300, "inet"), internet);
    for (int t = 0; t < 6; ++t) h.observe(at(t, 250, 40, 0.01, 3));
    h.predict();
    const std::string hybrid = prometheus_text(h.stats(), "h");
    CHECK_THAT(hybrid, Catch::Contains("dwcp_pba_predicted_bandwidth_mbps{link=\"h\"} 300\n"));
    CHECK_THAT(hybrid, Catch::Contains("dwcp_pba_current_bandwidth_mbps{link=\"h\"} 250\n"));
    CHECK_THAT(hybrid, Catch::Contains("dwcp_pba_current_packet_loss{link=\"h\"} 0.01\n"));
    CHECK_THAT(hybrid, Catch::Contains("dwcp_pba_predicted_jitter_ms{link=\"h\"} 3\n"));
}
