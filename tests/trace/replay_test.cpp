// Replaying traces through predictors: the summary's numbers against values worked out by
// hand, the matching of forecasts to actuals, and degenerate traces end to end.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "pba/amst/parameters.hpp"
#include "pba/error.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/trace/replay.hpp"
#include "pba/trace/trace.hpp"
#include "predict/test_models.hpp"

using namespace pba::trace;
using pba::predict::FallbackReason;
using pba::predict::ForecastTarget;
using pba::predict::Mode;
using pba::predict::Predictor;

namespace {

std::size_t m(Method method) { return static_cast<std::size_t>(method); }

// A bandwidth model whose forecast is always `mbps` (inputs and outputs un-normalised),
// over windows of `window` samples of 1 s, for `target` over `steps` samples.
std::shared_ptr<const pba::Model> constant_bandwidth(float mbps, std::size_t window, const std::string& target = "value_at",
                                                     std::int64_t steps = 1, const std::string& mode = "internet") {
    auto meta = pba::test::plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, "const");
    meta.set("input.sample_interval_s", 1.0);
    meta.set("forecast.target", target);
    meta.set("forecast.horizon_steps", steps);
    meta.set("model.mode", mode);
    return pba::test::constant_model(window, meta, {mbps});
}

std::string rows(std::initializer_list<double> mbps) {
    std::string text = "t_s,throughput_mbps\n";
    int t = 0;
    for (double v : mbps) text += std::to_string(t++) + "," + std::to_string(v) + "\n";
    return text;
}

bool finite_everywhere(const Replay& r) {
    for (const ReplayPoint& p : r.points)
        for (double v : {p.predicted_mbps, p.low_mbps, p.high_mbps, p.confidence, p.latency_ms, p.packet_loss,
                         p.jitter_ms, p.interval_coverage, p.t_s, p.target_t_s, p.latency_us})
            if (!std::isfinite(v)) return false;
    const ReplaySummary& s = r.summary;
    for (const Comparison* c : {&s.model, &s.served})
        for (const MethodScore& ms : c->methods)
            if (!std::isfinite(ms.mae_mbps) || !std::isfinite(ms.mape) || !std::isfinite(ms.within_20pct)) return false;
    return std::isfinite(s.mean_confidence) && std::isfinite(s.interval.measured_coverage) &&
           std::isfinite(s.latency.p99_us);
}

}  // namespace

TEST_CASE("replay: model, persistence, moving average and EWMA errors as worked out by hand", "[trace][replay]") {
    // bandwidth 10, 20, 10, 30, 20 at t = 0..4; a model of window 2 always forecasting 10 Mbps
    // for the next sample (value_at, 1 step).
    const Trace trace = parse_trace(rows({10, 20, 10, 30, 20}));
    Predictor predictor(constant_bandwidth(10, 2));
    const Replay r = replay(trace, predictor);
    const ReplaySummary& s = r.summary;

    REQUIRE(r.points.size() == 5);
    CHECK(s.rows == 5);
    CHECK(s.samples.accepted == 5);
    CHECK(s.forecasts == 5);
    CHECK(s.model_forecasts == 4);  // t = 0: window filling
    CHECK(s.fallback_forecasts == 1);
    CHECK(s.fallbacks_by_reason[static_cast<std::size_t>(FallbackReason::window_filling)] == 1);
    CHECK(s.forecasts_by_mode[static_cast<std::size_t>(Mode::internet)] == 5);
    CHECK(s.mode_switches == 0);
    CHECK(s.target == ForecastTarget::value_at);
    CHECK(s.horizon_steps == 1);
    CHECK(s.horizon_s == 1);

    // Actuals: the next sample's bandwidth; none after the last sample.
    CHECK(r.points[0].actual_mbps == 20);
    CHECK(r.points[1].actual_mbps == 10);
    CHECK(r.points[2].actual_mbps == 30);
    CHECK(r.points[3].actual_mbps == 20);
    CHECK(std::isnan(r.points[4].actual_mbps));
    CHECK(s.scored == 4);
    CHECK(r.points[3].t_s == 3);
    CHECK(r.points[3].target_t_s == 4);

    // Model points t = 1, 2, 3 (actuals 10, 30, 20).
    const Comparison& c = s.model;
    CHECK(c.points == 3);
    // model 10: errors 0, 20, 10.
    CHECK(c.methods[m(Method::model)].mae_mbps == Approx(10.0));
    CHECK(c.methods[m(Method::model)].mape == Approx((0.0 + 20.0 / 30 + 10.0 / 20) / 3));
    CHECK(c.methods[m(Method::model)].within_20pct == Approx(1.0 / 3));
    CHECK(c.methods[m(Method::model)].mape_count == 3);
    // persistence 20, 10, 30: errors 10, 20, 10; none within 20%.
    CHECK(c.methods[m(Method::persistence)].mae_mbps == Approx(40.0 / 3));
    CHECK(c.methods[m(Method::persistence)].mape == Approx((10.0 / 10 + 20.0 / 30 + 10.0 / 20) / 3));
    CHECK(c.methods[m(Method::persistence)].within_20pct == 0.0);
    // moving average 15, 13.33, 17.5: errors 5, 16.67, 2.5; only the last within 20% of 20.
    CHECK(c.methods[m(Method::moving_average)].mae_mbps == Approx((5.0 + (30.0 - 40.0 / 3) + 2.5) / 3));
    CHECK(c.methods[m(Method::moving_average)].within_20pct == Approx(1.0 / 3));
    // EWMA seeded with 10: 0.3*20 + 0.7*10 = 13; 0.3*10 + 0.7*13 = 12.1; 0.3*30 + 0.7*12.1 = 17.47.
    CHECK(r.points[3].baseline_mbps[m(Method::ewma)] == Approx(17.47));
    CHECK(c.methods[m(Method::ewma)].mae_mbps == Approx((3.0 + 17.9 + 2.53) / 3));
    CHECK(c.methods[m(Method::ewma)].within_20pct == Approx(1.0 / 3));  // only 2.53 <= 0.2 * 20

    // Served points add t = 0, the fallback rule's 10 + (10 - 10) / 10 = 10 against 20.
    CHECK(s.served.points == 4);
    CHECK(s.served.methods[m(Method::model)].mae_mbps == Approx((10.0 + 0 + 20 + 10) / 4));
    CHECK(s.served.methods[m(Method::persistence)].mae_mbps == Approx((10.0 + 10 + 20 + 10) / 4));
    CHECK(s.latency.count == 5);
    CHECK(finite_everywhere(r));
}

TEST_CASE("replay: mean_over actuals follow the predictor's matching across a gap and the trace's end",
          "[trace][replay]") {
    // 1 s samples t = 0..3, a 17 s gap (over the 10 x 1 s that restarts the window), t = 20..24.
    const Trace trace = parse_trace(
        "t_s,throughput_mbps\n0,1\n1,2\n2,3\n3,4\n20,10\n21,11\n22,12\n23,13\n24,14\n");
    Predictor predictor(constant_bandwidth(25, 2, "mean_over", 3));
    const Replay r = replay(trace, predictor);
    REQUIRE(r.points.size() == 9);
    const auto actual = [&](std::size_t i) { return r.points[i].actual_mbps; };
    CHECK(actual(0) == Approx(3.0));   // t = 1, 2, 3
    CHECK(actual(1) == Approx(3.5));   // t = 2, 3: the gap leaves 2 of 3, enough (ceil(3 / 2))
    CHECK(std::isnan(actual(2)));      // t = 3 only
    CHECK(std::isnan(actual(3)));      // nothing before the gap ends it
    CHECK(actual(4) == Approx(12.0));  // t = 21, 22, 23
    CHECK(actual(5) == Approx(13.0));
    for (std::size_t i = 6; i < 9; ++i) CHECK(std::isnan(actual(i)));  // the trace ends first

    const ReplaySummary& s = r.summary;
    CHECK(s.samples.window_resets == 1);
    CHECK(s.target == ForecastTarget::mean_over);
    CHECK(s.horizon_steps == 3);
    CHECK(s.scored == 4);
    // The predictor's own matching settles and expires the same forecasts.
    const auto stats = predictor.stats();
    CHECK(stats.forecasts_matched == 4);
    CHECK(stats.forecasts_expired == 2);

    // After the gap the window restarts: the baselines forget the samples before it, and the
    // model waits for its window again.
    CHECK(r.points[4].baseline_mbps[m(Method::moving_average)] == 10);
    CHECK(r.points[4].fallback_reason == FallbackReason::window_filling);
    CHECK(r.points[5].baseline_mbps[m(Method::moving_average)] == Approx(10.5));
    CHECK(r.points[5].fallback_reason == FallbackReason::none);
    CHECK(finite_everywhere(r));
}

TEST_CASE("replay: refused and repaired rows are counted as the trace reader predicted", "[trace][replay][degenerate]") {
    const Trace trace = parse_trace(
        "t_s,throughput_mbps,rtt_ms,loss,jitter_ms\n"
        "0,10,20,0,1\n"
        "1,inf,20,0,1\n"     // Inf bandwidth: missing
        "2,-5,-1,2,1\n"      // negative bandwidth and rtt, loss > 1: missing
        "2,10,20,0,1\n"      // repeated time: refused
        "1.5,10,20,0,1\n"    // backwards: refused
        "nan,10,20,0,1\n"    // invalid time: refused
        "3,nan,,,\n"         // all values missing
        "4,12,20,0,1\n"
        "1e12,10,20,0,1\n"   // a millisecond timestamp: refused
        "5,12,20,0.5,1\n");
    Predictor predictor(constant_bandwidth(10, 3));
    const Replay r = replay(trace, predictor);
    const ReplaySummary& s = r.summary;
    const TraceQuality& q = trace.quality;
    CHECK(s.rows == 10);
    CHECK(s.samples.accepted == q.usable_rows);
    CHECK(s.samples.accepted == 6);
    CHECK(s.samples.refused_invalid_timestamp == q.invalid_timestamps);
    CHECK(s.samples.refused_invalid_timestamp == 2);
    CHECK(s.samples.refused_repeated_timestamp == q.repeated_timestamps);
    CHECK(s.samples.refused_repeated_timestamp == 1);
    CHECK(s.samples.refused_backwards_timestamp == q.backwards_timestamps);
    CHECK(s.samples.refused_backwards_timestamp == 1);
    std::uint64_t invalid = 0;
    for (auto n : q.invalid_values) invalid += n;
    CHECK(s.samples.dropped_values == invalid);
    CHECK(s.samples.dropped_values == 4);
    // One forecast per accepted sample, at its time.
    REQUIRE(s.forecasts == 6);
    const std::vector<double> made = {0, 1, 2, 3, 4, 5};
    for (std::size_t i = 0; i < made.size(); ++i) CHECK(r.points[i].t_s == made[i]);
    // Actuals: a value treated as missing is not scored.
    CHECK(std::isnan(r.points[0].actual_mbps));  // t = 1: Inf
    CHECK(std::isnan(r.points[1].actual_mbps));  // t = 2: -5
    CHECK(std::isnan(r.points[2].actual_mbps));  // t = 3: missing
    CHECK(r.points[3].actual_mbps == 12);
    CHECK(r.points[4].actual_mbps == 12);
    CHECK(s.scored == 2);
    // The baselines skip the missing values: at t = 3 the window's only finite bandwidth is 10.
    CHECK(r.points[3].baseline_mbps[m(Method::persistence)] == 10);
    CHECK(r.points[3].baseline_mbps[m(Method::moving_average)] == 10);
    CHECK(finite_everywhere(r));
}

TEST_CASE("replay: an all-zero trace is scored without dividing by zero", "[trace][replay][degenerate]") {
    const Trace trace = parse_trace(rows({0, 0, 0, 0, 0, 0}));
    Predictor predictor(constant_bandwidth(10, 3));
    const Replay r = replay(trace, predictor);
    const ReplaySummary& s = r.summary;
    CHECK(s.forecasts == 6);
    CHECK(s.model.points == 3);  // t = 2, 3, 4
    CHECK(s.model.methods[m(Method::model)].mae_mbps == Approx(10));
    CHECK(s.model.methods[m(Method::model)].within_20pct == 0);
    CHECK(s.model.methods[m(Method::persistence)].mae_mbps == 0);
    CHECK(s.model.methods[m(Method::persistence)].within_20pct == 1);  // exact
    for (const MethodScore& ms : s.model.methods) {
        CHECK(ms.mape_count == 0);  // no actual >= 0.1 Mbps
        CHECK(ms.mape == 0);
    }
    // The fallback rule forecasts 0 for a link measuring 0.
    CHECK(r.points[0].predicted_mbps == 0);
    CHECK(finite_everywhere(r));
}

TEST_CASE("replay: a constant trace: every baseline exact", "[trace][replay][degenerate]") {
    const Trace trace = parse_trace(rows({7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}));
    Predictor predictor(constant_bandwidth(10, 4));
    const Replay r = replay(trace, predictor);
    const Comparison& c = r.summary.model;
    CHECK(c.points == 8);  // t = 3..10
    CHECK(c.methods[m(Method::model)].mae_mbps == Approx(3));
    CHECK(c.methods[m(Method::model)].mape == Approx(3.0 / 7));
    for (Method b : {Method::persistence, Method::moving_average, Method::ewma}) {
        CHECK(c.methods[m(b)].mae_mbps == Approx(0).margin(1e-12));
        CHECK(c.methods[m(b)].within_20pct == 1);
    }
    CHECK(finite_everywhere(r));
}

TEST_CASE("replay: bandwidths near DBL_MAX give finite baselines, actuals and errors", "[trace][replay][degenerate]") {
    // Any two of these sum past DBL_MAX (1.797e308): every mean must be formed without a sum.
    const Trace trace = parse_trace("t_s,throughput_mbps\n0,1.5e308\n1,1.7e308\n2,1.0e308\n3,1.6e308\n4,1.2e308\n");
    Predictor predictor(constant_bandwidth(10, 2, "mean_over", 2));
    const Replay r = replay(trace, predictor);
    const ReplaySummary& s = r.summary;
    CHECK(finite_everywhere(r));

    // Actuals: the mean of the next two samples, for t = 0, 1, 2.
    REQUIRE(r.points.size() == 5);
    CHECK(r.points[0].actual_mbps == Approx(1.35e308));
    CHECK(r.points[1].actual_mbps == Approx(1.3e308));
    CHECK(r.points[2].actual_mbps == Approx(1.4e308));
    CHECK(r.points[1].baseline_mbps[m(Method::moving_average)] == Approx(1.6e308));
    CHECK(s.scored == 3);

    const Comparison& c = s.served;
    REQUIRE(c.points == 3);
    CHECK(c.methods[m(Method::persistence)].mae_mbps == Approx((0.15e308 + 0.4e308 + 0.4e308) / 3));
    CHECK(c.methods[m(Method::moving_average)].mae_mbps == Approx((0.15e308 + 0.3e308 + 0.0) / 3));
    CHECK(c.methods[m(Method::ewma)].mae_mbps == Approx((0.15e308 + 0.26e308 + 0.008e308) / 3));
    CHECK(c.methods[m(Method::persistence)].mape == Approx((0.15 / 1.35 + 0.4 / 1.3 + 0.4 / 1.4) / 3));
}

TEST_CASE("replay summary: a point's error beyond a double saturates at DBL_MAX", "[trace][replay][degenerate]") {
    constexpr double kMax = std::numeric_limits<double>::max();
    const auto point = [](double predicted, double actual) {
        ReplayPoint p;
        p.predicted_mbps = predicted;
        p.actual_mbps = actual;
        p.bandwidth_from_model = true;
        p.baseline_mbps = {pba::predict::kMissing, actual, actual, actual};
        return p;
    };
    // |-1.7e308 - 1.7e308| and 1.7e308 / 0.1 are beyond DBL_MAX: the mean of such points is DBL_MAX.
    const ReplaySummary wide = summarise({point(-1.7e308, 1.7e308), point(-1.7e308, 1.7e308)});
    CHECK(wide.model.methods[m(Method::model)].mae_mbps == kMax);
    CHECK(wide.model.methods[m(Method::persistence)].mae_mbps == 0);
    const ReplaySummary relative = summarise({point(1.7e308, 0.1), point(1.7e308, 0.1)});
    CHECK(relative.model.methods[m(Method::model)].mae_mbps == Approx(1.7e308));
    CHECK(relative.model.methods[m(Method::model)].mape == kMax);
    CHECK(relative.model.methods[m(Method::model)].mape_count == 2);
}

TEST_CASE("replay: traces the predictor refuses entirely, or without bandwidth", "[trace][replay][degenerate]") {
    const Trace refused = parse_trace("t_s,throughput_mbps\n,1\nnan,2\ninf,3\n");
    Predictor p1(constant_bandwidth(10, 2));
    const Replay r1 = replay(refused, p1);
    CHECK(r1.points.empty());
    CHECK(r1.summary.forecasts == 0);
    CHECK(r1.summary.samples.refused_invalid_timestamp == 3);
    CHECK(r1.summary.latency.count == 0);
    CHECK(r1.summary.mean_confidence == 0);
    CHECK_FALSE(r1.summary.amst.has_last);

    const Trace blank = parse_trace("t_s,throughput_mbps\n0,\n1,\n2,\n3,\n");
    Predictor p2(constant_bandwidth(10, 2));
    const Replay r2 = replay(blank, p2);
    CHECK(r2.summary.forecasts == 4);
    CHECK(r2.summary.scored == 0);
    CHECK(r2.summary.model.points == 0);
    CHECK(r2.points[0].predicted_mbps == 0);  // the fallback rule knows nothing: 0, flagged unknown
    CHECK(r2.points[0].unknown_fields & pba::predict::field_bit(pba::predict::SampleField::bandwidth_mbps));
    CHECK(std::isnan(r2.points[3].baseline_mbps[m(Method::persistence)]));
    CHECK(finite_everywhere(r2));
}

TEST_CASE("replay summary: interval coverage, latency percentiles, AMST gates by hand", "[trace][replay]") {
    std::vector<ReplayPoint> points(100);
    for (std::size_t i = 0; i < points.size(); ++i) {
        ReplayPoint& p = points[i];
        p.t_s = static_cast<double>(i);
        p.latency_us = static_cast<double>(100 - i);  // 100 .. 1, out of order
        p.predicted_mbps = 100;
        p.confidence = 0.5;
    }
    // Intervals [90, 110] stated at 90% on 10 scored points, 7 of which hold the actual.
    for (std::size_t i = 0; i < 10; ++i) {
        points[i].interval_coverage = 0.9;
        points[i].low_mbps = 90;
        points[i].high_mbps = 110;
        points[i].actual_mbps = i < 7 ? 95.0 + i : 120.0;
    }
    points[10].actual_mbps = 100;  // scored, but no interval: not checked
    // Confidence gates: 0.9 applies, 0.7 computes only; the applied settings change with the
    // bandwidth: 100 (first), 100 (same), 300 (13 -> 39 streams). A change of pacing alone
    // (101 Mbps: still 13 streams, same buffer and chunk) is not a change.
    points[97].confidence = 0.9;
    points[98].confidence = 0.7;
    points[98].predicted_mbps = 200;
    points[99].confidence = 0.9;
    points[99].predicted_mbps = 300;
    points[96].confidence = 0.95;
    points[95].confidence = 0.95;
    points[95].predicted_mbps = 101;

    const ReplaySummary s = summarise(points);
    CHECK(s.forecasts == 100);
    CHECK(s.scored == 11);
    CHECK(s.interval.checked == 10);
    CHECK(s.interval.covered == 7);
    CHECK(s.interval.stated_coverage == Approx(0.9));
    CHECK(s.interval.measured_coverage == Approx(0.7));
    CHECK(s.latency.count == 100);
    CHECK(s.latency.p50_us == 50);
    CHECK(s.latency.p95_us == 95);
    CHECK(s.latency.p99_us == 99);
    CHECK(s.latency.max_us == 100);
    CHECK(s.latency.mean_us == Approx(50.5));
    CHECK(s.mean_confidence == Approx((95 * 0.5 + 0.95 + 0.95 + 0.9 + 0.7 + 0.9) / 100));
    CHECK(s.amst.computed == 5);
    CHECK(s.amst.applied == 4);
    CHECK(s.amst.changes == 2);
    REQUIRE(s.amst.has_last);
    // 300 Mbps, latency 0 (< 20 ms: x 1.3): trunc(trunc(300 / 10) * 1.3) = 39 streams;
    // buffer: bandwidth-delay product 0, clamped up to 16384; chunk 16384 / 39 = 420 -> 8192;
    // pacing trunc(300e6 * 0.95 / 8) = 35625000; window 16384 * 39 = 638976.
    CHECK(s.amst.last_settings.streams == 39);
    CHECK(s.amst.last_settings.buffer_bytes == 16384);
    CHECK(s.amst.last_settings.chunk_bytes == 8192);
    CHECK(s.amst.last_settings.pacing_bytes_per_s == 35625000);
    CHECK(s.amst.last_settings.window_bytes == 638976);
    CHECK(s.amst.last_confidence == 0.9);
    REQUIRE(s.amst.has_applied);
    CHECK(s.amst.applied_settings == s.amst.last_settings);  // the last forecast was applied
    CHECK(s.amst.applied_t_s == points[99].t_s);

    // A forecast beyond the transport's integer arithmetic is counted, not thrown.
    points.back().predicted_mbps = 1e300;
    const ReplaySummary t = summarise(points);
    CHECK(t.amst.not_computable == 1);
    CHECK_FALSE(t.amst.has_last);
    // In force at the end: those of points[97], the last applied before (100 Mbps, 13 streams).
    REQUIRE(t.amst.has_applied);
    CHECK(t.amst.applied_settings.streams == 13);
    CHECK(t.amst.applied_t_s == 97);
}

TEST_CASE("replay: a hybrid predictor's mode switches", "[trace][replay]") {
    auto meta = [](const std::string& version) {
        auto md = pba::test::plain_metadata({"bandwidth_mbps", "latency_ms"}, {"bandwidth_mbps", "latency_ms"}, version);
        md.set("input.sample_interval_s", 1.0);
        return md;
    };
    auto dc = pba::test::constant_model(5, meta("dc"), {8000, 5});
    auto inet = pba::test::constant_model(5, meta("inet"), {400, 100});
    std::string text = "t_s,throughput_mbps,rtt_ms,loss\n";
    for (int t = 0; t < 20; ++t) text += std::to_string(t) + ",5000,2,0\n";
    for (int t = 20; t < 50; ++t) text += std::to_string(t) + ",300,90,0\n";
    const Trace trace = parse_trace(text);
    pba::predict::HybridPredictor h(dc, inet);
    const Replay r = replay(trace, h);
    const ReplaySummary& s = r.summary;
    CHECK(s.forecasts == 50);
    CHECK(r.points.front().mode == Mode::datacenter);
    CHECK(r.points.back().mode == Mode::internet);
    CHECK(s.mode_switches >= 1);
    CHECK(s.mode_switches == h.stats().mode_switches);
    CHECK(s.forecasts_by_mode[static_cast<std::size_t>(Mode::datacenter)] +
              s.forecasts_by_mode[static_cast<std::size_t>(Mode::internet)] +
              s.forecasts_by_mode[static_cast<std::size_t>(Mode::hybrid)] ==
          50);
    CHECK(r.points.back().predicted_mbps == Approx(400));
    CHECK(finite_everywhere(r));
}

TEST_CASE("replay: progress reaches the end, invalid AMST parameters are refused", "[trace][replay]") {
    const Trace trace = parse_trace(rows({1, 2, 3, 4, 5}));
    Predictor predictor(constant_bandwidth(10, 2));
    ReplayOptions options;
    std::size_t calls = 0, last_done = 0, last_total = 0;
    options.progress = [&](std::size_t done, std::size_t total) {
        CHECK(done >= last_done);
        ++calls;
        last_done = done;
        last_total = total;
    };
    replay(trace, predictor, options);
    CHECK(calls >= 2);
    CHECK(last_done == 5);
    CHECK(last_total == 5);

    options.amst.min_streams = 0;
    CHECK_THROWS_AS(replay(trace, predictor, options), pba::Error);
}
