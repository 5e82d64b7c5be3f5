// The Predictor serving the online aggregate (aggregation.hpp): when it is on, what a gap does
// to the smoothers, links sampled at another interval than the model's, and what stats and
// Prometheus report. The aggregator's own arithmetic is checked in aggregation_test.cpp.

#include <catch2/catch.hpp>
#include <string>

#include "pba/model/defaults.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/predict/prometheus.hpp"
#include "pba/predict/sample_spacing.hpp"
#include "support/samples.hpp"

using namespace pba::predict;
using pba::test::at;

namespace {

double served_from_weights(const Forecast& f, const PredictorStats& s) {
    double sum = 0.0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m)
        if (f.awake_members & (1u << m)) sum += s.aggregation.weights[m] * f.member_bandwidth_mbps[m];
    double mass = 0.0;
    for (std::size_t m = 0; m < kAggregationMemberCount; ++m)
        if (f.awake_members & (1u << m)) mass += s.aggregation.weights[m];
    return sum / mass;
}

}  // namespace

TEST_CASE("a gap restarts the smoothers: the first forecast after it is the new sample", "[predict][aggregation]") {
    PredictorConfig config;
    config.horizon_s = 60.0;  // no model: the smoothers' aggregate, on because a horizon is asked
    Predictor p(std::shared_ptr<const pba::Model>{}, config);
    for (int t = 0; t < 30; ++t) p.observe(at(1000.0 + t, 10.0));
    Forecast f = p.predict();
    CHECK(f.aggregated);
    CHECK(f.bandwidth_mbps == Approx(10.0).epsilon(1e-12));
    CHECK(f.horizon_s == 60.0);
    CHECK(f.target == ForecastTarget::mean_over);

    p.observe(at(2000.0, 100.0));  // 971 s later: longer than 10 x the 1-s interval
    f = p.predict();
    CHECK(p.stats().samples.window_resets == 1);
    // Had the EWMAs kept their 10 Mbps history, the slow ones would still sit near 10.
    CHECK(f.bandwidth_mbps == Approx(100.0).epsilon(1e-12));
    for (std::size_t m = 1; m < kAggregationMemberCount; ++m) CHECK(f.member_bandwidth_mbps[m] == Approx(100.0));
}

TEST_CASE("a horizon of many more steps than 32 bits hold is clamped, not converted out of range",
          "[predict][aggregation]") {
    // 1e6 s asked of a link sampled every microsecond: 1e12 steps (undefined as uint32 before).
    PredictorConfig config;
    config.horizon_s = 1e6;
    Predictor p(std::shared_ptr<const pba::Model>{}, config);
    for (int t = 0; t < 30; ++t) p.observe(at(1000.0 + t * 1e-6, 10.0));
    const Forecast f = p.predict();
    CHECK(f.aggregated);
    CHECK(f.horizon_s == 1e6);
    CHECK(f.horizon_steps == kMaxServedHorizonSteps);
    CHECK(f.bandwidth_mbps == Approx(10.0));
}

TEST_CASE("aggregation off without a model: the fallback rule, never an aggregate", "[predict][aggregation]") {
    Predictor p(std::shared_ptr<const pba::Model>{});
    for (int t = 0; t < 30; ++t) p.observe(at(1000.0 + t, 10.0 + t));
    const Forecast f = p.predict();
    CHECK_FALSE(f.aggregated);
    CHECK(f.fallback_reason == FallbackReason::no_model);
    CHECK_FALSE(p.stats().aggregating);

    PredictorConfig off;
    off.aggregation = AggregationPolicy::off;
    off.horizon_s = 900.0;
    CHECK_THROWS_WITH(Predictor(std::shared_ptr<const pba::Model>{}, off), Catch::Contains("horizon_s"));
}

TEST_CASE("a link sampled every 60 s meets the 1-s internet model: not applicable, served by the smoothers",
          "[predict][aggregation]") {
    const auto internet = pba::default_model("internet");
    Predictor p(internet);
    PredictorConfig off_config;
    off_config.aggregation = AggregationPolicy::off;
    Predictor off(internet, off_config);
    for (int i = 0; i < 20; ++i) {
        p.observe(at(1000.0 + 60.0 * i, 30.0));
        off.observe(at(1000.0 + 60.0 * i, 30.0));
    }
    CHECK(p.sample_interval_s() == 60.0);
    const Forecast f = p.predict();
    CHECK(f.fallback_reason == FallbackReason::not_applicable);
    CHECK(f.aggregated);
    CHECK(f.bandwidth_mbps == Approx(30.0).epsilon(1e-12));  // every smoother of a constant link
    CHECK(f.horizon_s == 60.0);                              // the model's horizon, one 60-s step
    CHECK(f.horizon_steps == 1);
    CHECK(f.network_bandwidth_mbps == 0.0);
    CHECK((f.awake_members & 1u) == 0);  // the network is asleep

    const Forecast g = off.predict();
    CHECK(g.fallback);
    CHECK(g.fallback_reason == FallbackReason::not_applicable);
    CHECK_FALSE(g.aggregated);
    CHECK(off.stats().fallbacks_by_reason[static_cast<std::size_t>(FallbackReason::not_applicable)] == 1);
}

TEST_CASE("a 1-s link on the internet model: the network answers and is one weighted member", "[predict][aggregation]") {
    Predictor p(pba::default_model("internet"));
    Forecast f;
    for (int i = 0; i < 400; ++i) {  // the weights learn from forecasts made, once they mature
        p.observe(at(1000.0 + i, 20.0 + 10.0 * (i % 7 == 0)));
        f = p.predict();
    }
    CHECK(f.fallback_reason == FallbackReason::none);
    CHECK(f.aggregated);
    CHECK(f.network_bandwidth_mbps > 0.0);
    CHECK(f.member_bandwidth_mbps[0] == f.network_bandwidth_mbps);
    CHECK(f.awake_members == (1u << kAggregationMemberCount) - 1);
    const PredictorStats s = p.stats();
    REQUIRE(s.aggregating);
    CHECK(s.aggregation.updates > 0);
    CHECK(f.bandwidth_mbps == Approx(served_from_weights(f, s)).epsilon(1e-12));

    const std::string text = prometheus_text(s, "peer-1");
    CHECK_THAT(text, Catch::Contains("# TYPE dwcp_pba_aggregation_weight_ratio gauge"));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_aggregation_weight_ratio{link=\"peer-1\",member=\"network\"} "));
    CHECK_THAT(text, Catch::Contains("dwcp_pba_aggregation_weight_ratio{link=\"peer-1\",member=\"ewma_0.001\"} "));
    CHECK_THAT(text, Catch::Contains(std::string("dwcp_pba_aggregation_leading_weight_ratio{link=\"peer-1\",member=\"") +
                                     to_string(s.aggregation.leading) + "\"} "));

    PredictorStats none;
    CHECK_THAT(prometheus_text(none, "peer-2"), !Catch::Contains("dwcp_pba_aggregation_weight_ratio{"));
}

TEST_CASE("the measured interval is the median of the last five spacings", "[predict][aggregation]") {
    SampleSpacing spacing;
    CHECK_FALSE(spacing.known());
    CHECK(spacing.median_s() == 0.0);
    spacing.record(60.0);
    CHECK(spacing.median_s() == 60.0);
    spacing.record(1.0);  // {60, 1}: the upper middle
    CHECK(spacing.median_s() == 60.0);
    for (double s : {1.0, 2.0, 3.0}) spacing.record(s);  // {60, 1, 1, 2, 3}
    CHECK(spacing.median_s() == 2.0);
    spacing.record(900.0);  // the 60 leaves: {900, 1, 1, 2, 3}
    CHECK(spacing.median_s() == 2.0);
    spacing.record(900.0);
    spacing.record(900.0);  // {900, 900, 900, 2, 3}
    CHECK(spacing.median_s() == 900.0);
    spacing.clear();
    CHECK_FALSE(spacing.known());
}
