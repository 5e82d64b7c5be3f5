// ServedForecasts (the bookkeeping Predictor and HybridPredictor share) and the LinkPredictor
// interface both implement, against counts and errors worked out by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "pba/model/defaults.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/link_predictor.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/predict/served_forecasts.hpp"
#include "test_models.hpp"

using namespace pba::predict;

namespace {

// A one-step value_at forecast made at t (target t + 1).
Forecast one_step(double t, double bandwidth_mbps, double latency_ms) {
    Forecast f;
    f.made_at_unix_s = t;
    f.target_unix_s = t + 1.0;
    f.horizon_s = 1.0;
    f.horizon_steps = 1;
    f.target = ForecastTarget::value_at;
    f.bandwidth_mbps = bandwidth_mbps;
    f.latency_ms = latency_ms;
    f.packet_loss = 0.0;
    f.jitter_ms = 1.0;
    f.bandwidth_low_mbps = f.bandwidth_high_mbps = bandwidth_mbps;
    return f;
}

Sample measured(double t, double bandwidth_mbps, double latency_ms) {
    Sample s;
    s.timestamp_unix_s = t;
    s.bandwidth_mbps = bandwidth_mbps;
    s.latency_ms = latency_ms;
    return s;
}

std::shared_ptr<const pba::Model> model_every(double interval_s, const char* version) {
    auto m = pba::test::plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, version);
    m.set("input.sample_interval_s", interval_s);
    return pba::test::constant_model(2, m, {100.0f});
}

}  // namespace

TEST_CASE("served forecasts: samples counted by what observe did with them", "[predict][served]") {
    ServedForecasts served(100, 0.2, 5);
    served.count_sample({ObserveStatus::accepted, 0b101});  // two values dropped
    served.count_sample({ObserveStatus::accepted_after_gap, 0});
    served.count_sample({ObserveStatus::refused_invalid_timestamp, 0b1});  // refused: its values do not count
    served.count_sample({ObserveStatus::refused_repeated_timestamp, 0});
    served.count_sample({ObserveStatus::refused_backwards_timestamp, 0});
    served.count_sample({ObserveStatus::refused_backwards_timestamp, 0});
    PredictorStats s;
    served.write_stats(s);
    CHECK(s.samples.accepted == 2);
    CHECK(s.samples.window_resets == 1);
    CHECK(s.samples.dropped_values == 2);
    CHECK(s.samples.refused_invalid_timestamp == 1);
    CHECK(s.samples.refused_repeated_timestamp == 1);
    CHECK(s.samples.refused_backwards_timestamp == 2);
}

TEST_CASE("served forecasts: counted by source, mode and reason, scored when measured, expired when not",
          "[predict][served]") {
    ServedForecasts served(100, 0.2, 5);
    Forecast model = one_step(100.0, 50.0, 10.0);
    model.mode = Mode::internet;
    model.confidence = 0.7;
    served.serve(model);

    std::vector<ForecastSource> sources;
    std::vector<double> actual_bandwidths;
    auto note = [&](const PendingForecast&, const std::array<double, kForecastFieldCount>& actual, ForecastSource s) {
        sources.push_back(s);
        actual_bandwidths.push_back(actual[0]);
    };
    // 45 Mbps, 12 ms measured at the target: |50 - 45| = 5 <= 0.2 x 45, a hit.
    MatchCounts counts = served.settle(measured(101.0, 45.0, 12.0), 0.5, ServedForecasts::Calibration::every_forecast, {}, note);
    CHECK(counts.matched == 1);
    CHECK(counts.expired == 0);
    REQUIRE(sources.size() == 1);
    CHECK(sources[0] == ForecastSource::model);
    CHECK(actual_bandwidths[0] == 45.0);
    CHECK(served.calibrated_confidence(ForecastSource::model) == Approx((30 * 0.43 + 1) / (30 + 1)));
    CHECK(served.calibrated_confidence(ForecastSource::fallback) == Approx(0.43));

    Forecast fallback = one_step(101.0, 45.0, 12.0);
    fallback.mode = Mode::datacenter;
    fallback.fallback = true;
    fallback.fallback_reason = FallbackReason::window_filling;
    fallback.unknown_fields = field_bit(SampleField::jitter_ms);
    fallback.confidence = 0.3;
    served.serve(fallback);
    // Nothing measured within 0.5 s of its target (102): 103 is past it.
    counts = served.settle(measured(103.0, 40.0, 10.0), 0.5, ServedForecasts::Calibration::every_forecast, {}, note);
    CHECK(counts.matched == 0);
    CHECK(counts.expired == 1);
    CHECK(sources.size() == 1);

    PredictorStats s;
    served.write_stats(s);
    CHECK(s.predictions == 2);
    CHECK(s.model_predictions == 1);
    CHECK(s.fallback_predictions == 1);
    CHECK(s.predictions_by_mode[static_cast<std::size_t>(Mode::internet)] == 1);
    CHECK(s.predictions_by_mode[static_cast<std::size_t>(Mode::datacenter)] == 1);
    CHECK(s.predictions_by_mode[static_cast<std::size_t>(Mode::hybrid)] == 0);
    CHECK(s.fallbacks_by_reason[static_cast<std::size_t>(FallbackReason::window_filling)] == 1);
    CHECK(s.forecasts_matched == 1);
    CHECK(s.forecasts_expired == 1);
    CHECK(s.accuracy.matched == 1);
    CHECK(s.model_accuracy.fields[0].mae == Approx(5.0));
    CHECK(s.model_accuracy.fields[0].mape == Approx(5.0 / 45.0));
    CHECK(s.model_accuracy.fields[1].mae == Approx(2.0));
    CHECK(s.last_confidence == 0.3);
    CHECK(s.last_forecast[0] == 45.0);
    CHECK(s.last_forecast[1] == 12.0);
    CHECK(s.last_forecast[2] == 0.0);
    CHECK(std::isnan(s.last_forecast[3]));  // unknown to the forecast
    CHECK(served.forecasts() == 2);
    CHECK(served.forecasts(ForecastSource::fallback) == 1);
}

TEST_CASE("served forecasts: a hybrid's calibrated confidence learns from its combined forecasts only",
          "[predict][served]") {
    ServedForecasts served(100, 0.2, 5);
    auto ignore = [](const PendingForecast&, const std::array<double, kForecastFieldCount>&, ForecastSource) {};
    served.serve(one_step(100.0, 50.0, 10.0), false);  // one member's, served alone
    served.settle(measured(101.0, 45.0, 12.0), 0.5, ServedForecasts::Calibration::combined_only, {}, ignore);
    CHECK(served.calibrated_confidence(ForecastSource::model) == Approx(0.43));  // the prior still
    served.serve(one_step(101.0, 50.0, 10.0), true);  // the ensemble's
    served.settle(measured(102.0, 45.0, 12.0), 0.5, ServedForecasts::Calibration::combined_only, {}, ignore);
    CHECK(served.calibrated_confidence(ForecastSource::model) == Approx((30 * 0.43 + 1) / (30 + 1)));
    PredictorStats s;
    served.write_stats(s);
    CHECK(s.forecasts_matched == 2);  // both scored for accuracy
}

TEST_CASE("served forecasts: forgetting the model resets its confidence, not the fallback's or the counts",
          "[predict][served]") {
    ServedForecasts served(100, 0.2, 5);
    auto ignore = [](const PendingForecast&, const std::array<double, kForecastFieldCount>&, ForecastSource) {};
    Forecast fallback = one_step(99.0, 50.0, 10.0);
    fallback.fallback = true;
    served.serve(fallback);
    served.settle(measured(100.0, 45.0, 12.0), 0.5, ServedForecasts::Calibration::every_forecast, {}, ignore);
    served.serve(one_step(100.0, 50.0, 10.0));
    served.settle(measured(101.0, 45.0, 12.0), 0.5, ServedForecasts::Calibration::every_forecast, {}, ignore);
    const double hit = (30 * 0.43 + 1) / (30 + 1);
    CHECK(served.calibrated_confidence(ForecastSource::model) == Approx(hit));
    served.forget_model();
    CHECK(served.calibrated_confidence(ForecastSource::model) == Approx(0.43));
    CHECK(served.calibrated_confidence(ForecastSource::fallback) == Approx(hit));
    CHECK(served.forecasts() == 2);
}

TEST_CASE("link predictor: one interface, the members by role", "[predict][served]") {
    Predictor single(pba::default_model("internet"));
    LinkPredictor& link = single;
    CHECK(link.member(Role::main) == &single);
    CHECK(link.member(Role::datacenter) == nullptr);
    CHECK(link.member(Role::internet) == nullptr);
    CHECK(link.mode() == Mode::internet);
    Predictor empty(std::shared_ptr<const pba::Model>{});
    CHECK(empty.mode() == Mode::hybrid);

    HybridConfig config;
    config.policy = ModePolicy::datacenter;
    HybridPredictor hybrid(model_every(0.5, "dc"), model_every(2.0, "inet"), config);
    LinkPredictor& aware = hybrid;
    CHECK(aware.member(Role::main) == nullptr);
    CHECK(aware.member(Role::datacenter) == &hybrid.datacenter());
    CHECK(aware.member(Role::internet) == &hybrid.internet());
    CHECK(aware.mode() == Mode::datacenter);
    // Before any spacing is measured each member assumes its model's interval; the served
    // forecasts are matched at the shorter.
    CHECK(hybrid.datacenter().sample_interval_s() == 0.5);
    CHECK(hybrid.internet().sample_interval_s() == 2.0);
    CHECK(aware.sample_interval_s() == 0.5);
}
