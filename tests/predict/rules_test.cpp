// The predictors' pure rules, each against values computed by hand from the transport's
// definitions (issue 3).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "pba/error.hpp"
#include "pba/predict/accuracy.hpp"
#include "pba/predict/calendar.hpp"
#include "pba/predict/fallback.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/interval.hpp"
#include "pba/predict/latency_histogram.hpp"
#include "pba/predict/matching.hpp"
#include "pba/predict/mode.hpp"
#include "pba/predict/normalisation.hpp"
#include "pba/predict/sample.hpp"
#include "pba/predict/window.hpp"
#include "support/samples.hpp"

using namespace pba::predict;

namespace {
using pba::test::at;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("calendar: hour of day and Go weekday from a Unix time and UTC offset", "[predict][calendar]") {
    // 2025-11-26 11:55:00 UTC was a Wednesday (Go weekday 3).
    const double t = 1764158100;
    CHECK(calendar_time(t).hour_of_day == 11);
    CHECK(calendar_time(t).day_of_week == 3);
    CHECK(calendar_time(t + 300).hour_of_day == 12);
    // UTC-12: 23:55 on Tuesday.
    CHECK(calendar_time(t, -12 * 3600.0).hour_of_day == 23);
    CHECK(calendar_time(t, -12 * 3600.0).day_of_week == 2);
    // The epoch was a Thursday at midnight; one second before it, Wednesday 23:00.
    CHECK(calendar_time(0).day_of_week == 4);
    CHECK(calendar_time(0).hour_of_day == 0);
    CHECK(calendar_time(-1).day_of_week == 3);
    CHECK(calendar_time(-1).hour_of_day == 23);
    // 2026-03-01 00:30 UTC, a Sunday.
    CHECK(calendar_time(1772325000).day_of_week == 0);
}

TEST_CASE("calendar: a non-finite or enormous time stays in range (no undefined conversion)", "[predict][calendar]") {
    // Found by fuzz_capi_sequence under UBSan: NaN reached static_cast<int>.
    for (const double t : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()}) {
        CHECK(calendar_time(t).hour_of_day == 0);
        CHECK(calendar_time(t).day_of_week == 0);
    }
    for (const double t : {1e300, -1e300, std::numeric_limits<double>::max(), 1e20}) {
        const CalendarTime c = calendar_time(t, 3600.0);
        CHECK(c.hour_of_day >= 0);
        CHECK(c.hour_of_day <= 23);
        CHECK(c.day_of_week >= 0);
        CHECK(c.day_of_week <= 6);
    }
}

TEST_CASE("normalisation kinds: forward and inverse by the format's table", "[predict][features]") {
    CHECK(normalise({NormKind::none}, 7.5, 0) == 7.5);
    CHECK(normalise({NormKind::divide, 1000}, 250, 0) == Approx(0.25));
    CHECK(denormalise({NormKind::divide, 1000}, 0.25, 0) == Approx(250));
    CHECK(normalise({NormKind::minmax, 10, 30}, 15, 0) == Approx(0.25));
    CHECK(denormalise({NormKind::minmax, 10, 30}, 0.25, 0) == Approx(15));
    CHECK(normalise({NormKind::standard, 100, 20}, 130, 0) == Approx(1.5));
    CHECK(denormalise({NormKind::standard, 100, 20}, 1.5, 0) == Approx(130));
    // log: (ln(max(x,0)+c) - a) / b with a = 1, b = 2, c = 1: x = e^3 - 1 gives (3 - 1) / 2 = 1.
    CHECK(normalise({NormKind::log, 1, 2, 1}, std::exp(3.0) - 1, 0) == Approx(1.0));
    CHECK(normalise({NormKind::log, 1, 2, 1}, -5, 0) == Approx(-0.5));  // max(x,0): ln(1) = 0
    CHECK(denormalise({NormKind::log, 1, 2, 1}, 1.0, 0) == Approx(std::exp(3.0) - 1));
    // log_ratio: ln((x + c) / (m + c)) with c = 0.1, m = 2.25: x = 1 gives ln(1.1/2.35) = -0.759105...
    CHECK(normalise({NormKind::log_ratio, 0, 0, 0.1}, 1, 2.25) == Approx(-0.7591051483517427));
    CHECK(denormalise({NormKind::log_ratio, 0, 0, 0.1}, -0.7591051483517427, 2.25) == Approx(1.0));

    CHECK(check_parameters({NormKind::divide, 0}) != nullptr);
    CHECK(check_parameters({NormKind::minmax, 3, 3}) != nullptr);
    CHECK(check_parameters({NormKind::standard, 0, 0}) != nullptr);
    CHECK(check_parameters({NormKind::log, 0, 1, 0}) != nullptr);
    CHECK(check_parameters({NormKind::log_ratio, 0, 0, 0}) != nullptr);
    CHECK(check_parameters({NormKind::log_ratio, 0, 0, 0.1}) == nullptr);
    CHECK(parse_norm_kind("log_ratio") == NormKind::log_ratio);
    CHECK_FALSE(parse_norm_kind("zscore").has_value());
}

TEST_CASE("fallback: the transport's case gives 154 / 25.4 / 0.01 / 2", "[predict][fallback]") {
    Window w(60);
    for (int i = 0; i < 10; ++i) w.push(at(i, 100 + 10 * i, 20 + i, 0.01, 2));
    const FallbackValues f = fallback_forecast(w);
    // bw: mean 145 + (190 - 100)/10 = 154; lat: 24.5 + 9/10 = 25.4.
    CHECK(f.values[0] == Approx(154.0));
    CHECK(f.values[1] == Approx(25.4));
    CHECK(f.values[2] == Approx(0.01));
    CHECK(f.values[3] == Approx(2.0));
    CHECK(f.unknown_fields == 0);
}

TEST_CASE("fallback: only the newest 10 samples count, the trend divides by 10, values clamp", "[predict][fallback]") {
    Window w(60);
    for (int i = 0; i < 5; ++i) w.push(at(i, 1e6, 1e6));  // older than the newest 10: ignored
    for (int i = 0; i < 10; ++i) w.push(at(10 + i, 100 + 10 * i, 20 + i, 0.01, 2));
    CHECK(fallback_forecast(w).values[0] == Approx(154.0));

    Window few(10);
    few.push(at(0, 100));
    few.push(at(1, 110));
    few.push(at(2, 130));
    // mean 113.333 + (130 - 100) / 10 = 116.333; latency never measured: 0 and unknown.
    const FallbackValues f = fallback_forecast(few);
    CHECK(f.values[0] == Approx(340.0 / 3 + 3.0));
    CHECK(f.values[1] == 0.0);
    CHECK(f.unknown_fields == (field_bit(SampleField::latency_ms) | field_bit(SampleField::packet_loss) |
                               field_bit(SampleField::jitter_ms)));

    Window falling(10);
    falling.push(at(0, 100, kNaN, 0.9));
    falling.push(at(1, 0, kNaN, 1.0));
    falling.push(at(2, 0, kNaN, 1.0));
    // bw: 33.33 + (0 - 100)/10 = 23.33.
    CHECK(fallback_forecast(falling).values[0] == Approx(100.0 / 3 - 10));
    Window collapse(10);
    collapse.push(at(0, 1000));
    for (int i = 1; i < 10; ++i) collapse.push(at(i, 0));
    // 100 - 100 = 0: clamped at 0, never negative.
    CHECK(fallback_forecast(collapse).values[0] == 0.0);
}

TEST_CASE("fallback: missing values are skipped per field", "[predict][fallback]") {
    Window w(10);
    w.push(at(0, 100, 10));
    w.push(at(1, kNaN, 20));
    w.push(at(2, 200, kNaN));
    // bw over {100, 200}: 150 + 100/10 = 160; lat over {10, 20}: 15 + 10/10 = 16.
    const FallbackValues f = fallback_forecast(w);
    CHECK(f.values[0] == Approx(160.0));
    CHECK(f.values[1] == Approx(16.0));
}

TEST_CASE("relative error and the transport's confidence rule", "[predict][accuracy]") {
    // (|110-100|/100 + |25-20|/20) / 2 = (0.1 + 0.25) / 2.
    CHECK(relative_error(110, 25, 100, 20) == Approx(0.175));
    // A zero or missing actual term is skipped; both skipped: not counted.
    CHECK(relative_error(110, 25, 100, 0) == Approx(0.1));
    CHECK(relative_error(110, 25, 100, kNaN) == Approx(0.1));
    CHECK(std::isnan(relative_error(110, 25, 0, 0)));
    CHECK(std::isnan(relative_error(110, 25, kInf, kNaN)));

    const double errors[] = {0.05, 0.05};
    CHECK(confidence_from_errors(9, errors) == 0.5);  // fewer than 10 forecasts
    CHECK(confidence_from_errors(10, errors) == Approx(0.75));  // 1 - 0.05/0.2
    const double bad[] = {0.3};
    CHECK(confidence_from_errors(50, bad) == 0.0);  // clamped
    CHECK(confidence_from_errors(50, {}) == 0.5);   // none matched
    const double mixed[] = {kNaN, 0.1};
    CHECK(confidence_from_errors(50, mixed) == Approx(0.5));  // non-finite skipped: 1 - 0.1/0.2
}

TEST_CASE("accuracy tracker: rolling MAE, MAPE, ±20% and confidence over the last 20", "[predict][accuracy]") {
    AccuracyTracker t(100);
    const auto M = ForecastSource::model;
    for (int i = 0; i < 9; ++i) t.note_forecast(M);
    t.record(M, {110, 20, 0, 0}, {100, 20, kNaN, kNaN});
    CHECK(t.confidence(M) == 0.5);  // 9 forecasts made
    t.note_forecast(M);
    // rel error (0.1 + 0) / 2 = 0.05: confidence 1 - 0.05/0.2 = 0.75.
    CHECK(t.confidence(M) == Approx(0.75));
    t.record(M, {75, 20, 0, 0}, {100, 20, kNaN, kNaN});
    t.record(M, {100, 20, 0, 0}, {100, 20, kNaN, kNaN});
    const AccuracySummary s = t.summary();
    CHECK(s.matched == 3);
    // bw errors 10, 25, 0: MAE 11.667, MAPE (0.1 + 0.25 + 0) / 3, within ±20%: 2 of 3.
    CHECK(s.fields[0].mae == Approx(35.0 / 3));
    CHECK(s.fields[0].mape == Approx(0.35 / 3));
    CHECK(s.fields[0].within_20pct == Approx(2.0 / 3));
    CHECK(s.fields[1].mae == 0.0);
    CHECK(s.fields[2].count == 0);  // loss never measured
    // transport errors 0.05, 0.125, 0: mean 0.058333, accuracy 1 - that.
    CHECK(s.mean_relative_error == Approx(0.175 / 3));
    CHECK(s.accuracy == Approx(1 - 0.175 / 3));

    // Only the last 20 errors decide: 5 terrible ones pushed out by 20 good ones.
    AccuracyTracker u(100);
    for (int i = 0; i < 25; ++i) u.note_forecast(M);
    for (int i = 0; i < 5; ++i) u.record(M, {200, 20, 0, 0}, {100, 20, kNaN, kNaN});
    for (int i = 0; i < 20; ++i) u.record(M, {110, 20, 0, 0}, {100, 20, kNaN, kNaN});
    CHECK(u.confidence(M) == Approx(0.75));
    // Sources are separate.
    CHECK(u.confidence(ForecastSource::fallback) == 0.5);
    CHECK(u.summary(ForecastSource::fallback).matched == 0);
    u.reset_confidence(M);
    CHECK(u.confidence(M) == 0.5);
    CHECK(u.summary().matched == 25);  // rolling accuracy kept
}

TEST_CASE("accuracy tracker: the rolling window is whole blocks of ceil(window / 4) and the one filling",
          "[predict][accuracy]") {
    const auto M = ForecastSource::model;
    const auto F = ForecastSource::fallback;
    // Window 8: blocks of 2, four whole ones kept. Forecast k (1..) misses 100 by k Mbps.
    AccuracyTracker t(8);
    CHECK(t.block_size() == 2);
    auto record = [&](int k, ForecastSource source) {
        t.record(source, {100.0 + k, kNaN, 0, 0}, {100, kNaN, kNaN, kNaN});
    };
    for (int k = 1; k <= 12; ++k) record(k, M);
    // Six whole blocks made, the newest four kept: forecasts 5..12, MAE mean(5..12) = 8.5.
    AccuracySummary s = t.summary();
    CHECK(s.matched == 8);
    CHECK(s.fields[0].mae == 8.5);
    CHECK(s.fields[0].mape == Approx(0.085));
    CHECK(s.fields[0].within_20pct == 1.0);  // all within 20 %
    CHECK(s.mean_relative_error == Approx(0.085));  // bandwidth term only (latency unknown)
    // A 13th fills the next block: 5..13, up to a block more than the window.
    record(13, M);
    s = t.summary();
    CHECK(s.matched == 9);
    CHECK(s.fields[0].mae == 9.0);
    // The 14th completes it and the block of 5 and 6 leaves: 7..14.
    record(14, M);
    CHECK(t.summary().matched == 8);
    CHECK(t.summary().fields[0].mae == 10.5);
    // Sources share the blocks and are summed apart: a fallback miss of 30 (not within 20 %).
    record(30, F);
    CHECK(t.summary().matched == 9);
    CHECK(t.summary().fields[0].mae == Approx((7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 30) / 9.0));
    CHECK(t.summary(M).matched == 8);
    CHECK(t.summary(M).fields[0].mae == 10.5);
    CHECK(t.summary(F).matched == 1);
    CHECK(t.summary(F).fields[0].mae == 30.0);
    CHECK(t.summary(F).fields[0].within_20pct == 0.0);
    CHECK(t.summary().fields[0].within_20pct == Approx(8.0 / 9));

    // A window of at most 4 is exactly the last forecasts (blocks of one).
    AccuracyTracker three(3);
    for (int k = 1; k <= 5; ++k) three.record(M, {100.0 + k, kNaN, 0, 0}, {100, kNaN, kNaN, kNaN});
    CHECK(three.summary().matched == 3);
    CHECK(three.summary().fields[0].mae == 4.0);  // mean(3, 4, 5)
    // The default 100 keeps blocks of 25: 100 to 124 forecasts.
    CHECK(AccuracyTracker(100).block_size() == 25);
    CHECK_THROWS_AS(AccuracyTracker(0), pba::Error);
    CHECK_THROWS_AS(AccuracyTracker(kMaxAccuracyWindow + 1), pba::Error);
}

TEST_CASE("accuracy between snapshots", "[predict][accuracy]") {
    AccuracyTracker t(10);
    const auto M = ForecastSource::model;
    t.record(M, {200, 0, 0, 0}, {100, kNaN, kNaN, kNaN});
    const AccuracyTotals before = t.totals();
    t.record(M, {110, 0, 0, 0}, {100, kNaN, kNaN, kNaN});
    t.record(M, {130, 0, 0, 0}, {100, kNaN, kNaN, kNaN});
    const AccuracySummary s = accuracy_between(before, t.totals());
    CHECK(s.matched == 2);
    CHECK(s.fields[0].mae == Approx(20.0));
    CHECK(s.fields[0].within_20pct == Approx(0.5));
}

TEST_CASE("split-conformal interval: rank ceil((n+1)c), measured coverage", "[predict][interval]") {
    ConformalInterval ci(0.9, 100);
    for (int r = 1; r <= 8; ++r) ci.record(100, 100 + r, ci.band(100));
    // n = 8: rank ceil(9 * 0.9) = 9 > 8: no interval yet.
    CHECK(ci.band(100).coverage == 0.0);
    CHECK(ci.band(100).low == 100.0);
    CHECK(ci.band(100).high == 100.0);
    ci.record(100, 91, ci.band(100));  // residual 9
    // n = 9: rank 9: the largest residual, 9.
    const auto band = ci.band(50);
    CHECK(band.coverage == 0.9);
    CHECK(band.low == Approx(41));
    CHECK(band.high == Approx(59));
    CHECK(ci.band(5).low == 0.0);  // never below 0

    ci.record(50, 55, band);  // inside
    ci.record(50, 70, band);  // outside
    const IntervalSummary s = ci.summary();
    CHECK(s.checked == 2);
    CHECK(s.covered == 1);
    CHECK(s.measured_coverage == Approx(0.5));
    CHECK(s.residuals == 11);
    // n = 11, rank ceil(10.8) = 11: the largest of {1..9, 5, 20} = 20.
    CHECK(s.half_width == Approx(20));
    CHECK_THROWS_AS(ConformalInterval(1.0, 10), pba::Error);
    CHECK_THROWS_AS(ConformalInterval(0.9, 0), pba::Error);
}

TEST_CASE("split-conformal interval: the half-width is the rank-th smallest of the window, as sorting gives",
          "[predict][interval]") {
    // The interval keeps no sorted copy; a sort of the same residuals is the reference. Small
    // integers give many ties, a window of 37 many evictions, and coverages the ranks' ends.
    for (const double coverage : {0.05, 0.5, 0.9, 0.99}) {
        ConformalInterval ci(coverage, 37);
        std::vector<float> held;
        std::uint32_t state = 12345;
        for (int i = 0; i < 2000; ++i) {
            state = state * 1664525u + 1013904223u;
            const double residual = (i % 500 < 250) ? static_cast<double>(state >> 28) : (state >> 8) * 1e-3;
            ci.record(0, residual, ci.band(0));
            held.push_back(static_cast<float>(residual));
            if (held.size() > 37) held.erase(held.begin());
            std::vector<float> sorted = held;
            std::sort(sorted.begin(), sorted.end());
            const auto rank = static_cast<std::size_t>(std::ceil((sorted.size() + 1.0) * coverage - 1e-9));
            const IntervalSummary s = ci.summary();
            if (rank < 1 || rank > sorted.size()) {
                CHECK(s.half_width == 0.0);
                continue;
            }
            if (s.half_width != static_cast<double>(sorted[rank - 1])) {
                FAIL_CHECK("coverage " << coverage << ", residual " << i << ": half-width " << s.half_width
                                       << ", sorted " << sorted[rank - 1]);
                break;
            }
        }
    }
}

TEST_CASE("split-conformal interval: forecasts less than half a horizon apart add one residual, all are checked",
          "[predict][interval]") {
    // Forecasts made at t = 0..9 s, residuals 10, 9, ..., 1.
    ConformalInterval one_step(0.5, 100), ten_s(0.5, 100);
    for (int t = 0; t < 10; ++t) {
        one_step.record(0, 10 - t, one_step.band(0), t, 1.0);
        ten_s.record(0, 10 - t, ten_s.band(0), t, 10.0);
    }
    // One-step forecasts a second apart all join: n = 10, rank ceil(11 * 0.5) = 6: the 6th
    // smallest of 1..10.
    CHECK(one_step.summary().residuals == 10);
    CHECK(one_step.summary().half_width == 6.0);
    // With a 10 s horizon only t = 0 and t = 5 join (5 s = half a horizon after the last one):
    // n = 2, rank ceil(3 * 0.5) = 2: the larger of {10, 5}.
    CHECK(ten_s.summary().residuals == 2);
    CHECK(ten_s.summary().half_width == 10.0);
    // Every forecast that carried a band is still checked: from t = 1 on (n = 1 gives rank 1).
    CHECK(ten_s.summary().checked == 9);
    CHECK(ten_s.summary().covered == 9);  // band 0 +- 10 holds every actual of 1..9
    // After reset (a new model) the next residual joins whenever it was made.
    ten_s.reset();
    ten_s.record(0, 3, ten_s.band(0), 6, 10.0);
    CHECK(ten_s.summary().residuals == 1);
}

TEST_CASE("mode: the transport's cases", "[predict][mode]") {
    CHECK(classify({2000, 5, kNaN}) == Mode::datacenter);
    CHECK(classify({2000, 5, 0.0}) == Mode::datacenter);
    CHECK(classify({2000, 75, 0.0}) == Mode::internet);
    CHECK(classify({100, 5, 0.0}) == Mode::internet);
    CHECK(classify({2000, 5, 0.02}) == Mode::internet);
    CHECK(classify({kNaN, kNaN, kNaN}) == Mode::hybrid);
    // Between the thresholds: hybrid.
    CHECK(classify({2000, 30, 0.0}) == Mode::hybrid);
    CHECK(classify({2000, 5, 0.005}) == Mode::hybrid);
    // Boundaries: latency < 10 and bandwidth >= 1000 for datacenter; > 50 for internet.
    CHECK(classify({1000, 9.999, 0.001}) == Mode::datacenter);
    CHECK(classify({1000, 10, 0}) == Mode::hybrid);
    CHECK(classify({999.9, 5, 0}) == Mode::internet);
    CHECK(classify({2000, 50, 0}) == Mode::hybrid);
    CHECK(classify({2000, 50.01, 0}) == Mode::internet);
    CHECK(classify({2000, 30, 0.0101}) == Mode::internet);

    ModeDetector fresh;
    CHECK(fresh.mode() == Mode::hybrid);  // no data
    CHECK(fresh.observe(at(0, kNaN)) == Mode::hybrid);
    CHECK(fresh.observe(at(1, 2000, 5)) == Mode::datacenter);  // first data: no hysteresis
    CHECK(fresh.switches() == 0);
}

TEST_CASE("mode detector: 10-sample moving average", "[predict][mode]") {
    ModeDetector d(ModeDetectorConfig{10, 0.0, 1, {}});
    for (int i = 0; i < 10; ++i) d.observe(at(i, 2000, 5, 0));
    CHECK(d.mode() == Mode::datacenter);
    d.observe(at(10, 2000, 100, 0));
    // (9 x 5 + 100) / 10 = 14.5 ms: hybrid by the transport's rule.
    CHECK(d.averages().latency_ms == Approx(14.5));
    CHECK(d.mode() == Mode::hybrid);
    CHECK(d.switches() == 1);
    for (int i = 11; i < 20; ++i) d.observe(at(i, 2000, 100, 0));
    CHECK(d.mode() == Mode::internet);
}

TEST_CASE("mode detector: hysteresis stops flapping at a threshold, and counts switches", "[predict][mode]") {
    const double latencies[] = {5, 9.5, 10.5, 9.5, 10.5, 10.8, 11.5, 11.5, 11.5};
    ModeDetector plain(ModeDetectorConfig{1, 0.0, 1, {}});
    ModeDetector damped(ModeDetectorConfig{1, 0.1, 3, {}});
    std::vector<Mode> damped_modes;
    for (int i = 0; i < 9; ++i) {
        plain.observe(at(i, 2000, latencies[i], 0));
        damped_modes.push_back(damped.observe(at(i, 2000, latencies[i], 0)));
    }
    // The transport's rule flips at 10.5 / 9.5 / 10.5.
    CHECK(plain.switches() == 3);
    // Hybrid needs latency >= 11 (10 x 1.1) for 3 samples in a row: only the last 11.5 switches.
    CHECK(damped.switches() == 1);
    for (int i = 0; i < 8; ++i) CHECK(damped_modes[i] == Mode::datacenter);
    CHECK(damped_modes[8] == Mode::hybrid);

    CHECK_THROWS_AS(ModeDetector(ModeDetectorConfig{0, 0.1, 3, {}}), pba::Error);
    CHECK_THROWS_AS(ModeDetector(ModeDetectorConfig{10, 1.5, 3, {}}), pba::Error);
    CHECK_THROWS_AS(ModeDetector(ModeDetectorConfig{10, 0.1, 0, {}}), pba::Error);
}

TEST_CASE("hybrid ensemble: the transport's case gives 4675 Mbps, 46.5625 ms, conf 0.9", "[predict][hybrid]") {
    Forecast dc, inet;
    dc.bandwidth_mbps = 8000;
    dc.latency_ms = 5;
    dc.confidence = 0.9;
    inet.bandwidth_mbps = 400;
    inet.latency_ms = 100;
    inet.confidence = 0.7;
    const Forecast f = combine(dc, inet);
    // weights 0.9/1.6 = 0.5625 and 0.4375.
    CHECK(f.bandwidth_mbps == Approx(4675.0));
    CHECK(f.latency_ms == Approx(46.5625));
    CHECK(f.confidence == Approx(0.9));
    CHECK(f.mode == Mode::hybrid);

    dc.confidence = inet.confidence = 0.0;  // equal weights
    CHECK(combine(dc, inet).bandwidth_mbps == Approx(4200.0));
    CHECK(combine(dc, inet).confidence == 0.0);

    // A field one member has no data for is taken from the other alone.
    dc.confidence = inet.confidence = 0.5;
    inet.unknown_fields = field_bit(SampleField::latency_ms);
    inet.latency_ms = 0;
    CHECK(combine(dc, inet).latency_ms == Approx(5.0));
    std::snprintf(dc.model_version.data(), dc.model_version.size(), "dc-1");
    std::snprintf(inet.model_version.data(), inet.model_version.size(), "inet-2");
    CHECK(std::string(combine(dc, inet).model_version.data()) == "dc-1+inet-2");
}

TEST_CASE("hybrid ensemble: the version and generation of the models that answered", "[predict][hybrid]") {
    Forecast dc, inet;
    dc.confidence = inet.confidence = 0.5;
    std::snprintf(dc.model_version.data(), dc.model_version.size(), "dc-1");
    std::snprintf(inet.model_version.data(), inet.model_version.size(), "inet-2");
    dc.model_generation = 7;
    inet.model_generation = 3;
    // Both answered: both versions, the internet member's generation.
    CHECK(std::string(combine(dc, inet).model_version.data()) == "dc-1+inet-2");
    CHECK(combine(dc, inet).model_generation == 3);

    // One fell back (its forecast has no model): the other's alone.
    Forecast dc_fell_back;
    dc_fell_back.fallback = true;
    CHECK(std::string(combine(dc_fell_back, inet).model_version.data()) == "inet-2");
    CHECK(combine(dc_fell_back, inet).model_generation == 3);
    Forecast inet_fell_back;
    inet_fell_back.fallback = true;
    CHECK(std::string(combine(dc, inet_fell_back).model_version.data()) == "dc-1");
    CHECK(combine(dc, inet_fell_back).model_generation == 7);

    // Neither: no model.
    const Forecast none = combine(dc_fell_back, inet_fell_back);
    CHECK(none.fallback);
    CHECK(std::string(none.model_version.data()).empty());
    CHECK(none.model_generation == 0);
}

TEST_CASE("sample cleaning: Inf, negative and out-of-range values become missing", "[predict][sample]") {
    Sample s = at(10, kInf, -1, 1.5, 3);
    s.reliability = 0.5;
    s.throughput_mbps = -0.0;  // zero is a valid value
    const CleanedSample c = clean_sample(s);
    CHECK(std::isnan(c.sample.bandwidth_mbps));
    CHECK(std::isnan(c.sample.latency_ms));
    CHECK(std::isnan(c.sample.packet_loss));
    CHECK(c.sample.jitter_ms == 3);
    CHECK(c.sample.reliability == 0.5);
    CHECK(c.dropped_fields == (field_bit(SampleField::bandwidth_mbps) | field_bit(SampleField::latency_ms) |
                               field_bit(SampleField::packet_loss)));
    CHECK(is_valid_timestamp(1764158100));
    CHECK_FALSE(is_valid_timestamp(1764158100000.0));  // milliseconds by mistake
    CHECK_FALSE(is_valid_timestamp(kNaN));
    CHECK_FALSE(is_valid_timestamp(-kInf));
}

TEST_CASE("latency histogram: quantiles within 5%, exact max, Prometheus buckets", "[predict][stats]") {
    LatencyHistogram h;
    for (int us = 1; us <= 100; ++us) h.record(us);
    const LatencySummary s = h.summary();
    CHECK(s.count == 100);
    CHECK(s.max_us == 100.0);
    CHECK(s.mean_us == Approx(50.5));
    CHECK(s.p50_us == Approx(50).epsilon(0.05));
    CHECK(s.p95_us == Approx(95).epsilon(0.05));
    CHECK(s.p99_us == Approx(99).epsilon(0.05));
    CHECK(s.sum_ms == Approx(5.05));
    // Buckets (ms): <= 0.005 holds 1..5 µs, <= 0.01 holds 6..10, <= 0.025 11..25, <= 0.05 26..50, <= 0.1 51..100.
    CHECK(s.bucket_counts[0] == 5);
    CHECK(s.bucket_counts[1] == 5);
    CHECK(s.bucket_counts[2] == 15);
    CHECK(s.bucket_counts[3] == 25);
    CHECK(s.bucket_counts[4] == 50);
    CHECK(LatencyHistogram().summary().p99_us == 0.0);
}

TEST_CASE("latency histogram: a full bin halves them all, so quantiles follow recent calls", "[predict][latency]") {
    LatencyHistogram h;
    // 65,536 calls of 1 us: the last finds its bin at 65,535 and halves it to 32,767 first.
    for (int i = 0; i < 65536; ++i) h.record(1.0);
    // Then 40,000 of 100 us: 32,768 against 40,000 in the bins, though 65,536 against 40,000
    // were made, so the median is 100 us's bin (bin 73, middle 0.1 x 1.1^72.5 = 100.2 us, capped
    // at the exact maximum). Counted exactly, the median would be 1 us's bin.
    for (int i = 0; i < 40000; ++i) h.record(100.0);
    const LatencySummary s = h.summary();
    CHECK(s.count == 105536);  // exact
    CHECK(s.mean_us == Approx((65536.0 + 4e6) / 105536));
    CHECK(s.max_us == 100.0);
    CHECK(s.p50_us == 100.0);
    CHECK(s.p95_us == 100.0);
    CHECK(s.bucket_counts[0] == 65536);  // <= 5 us, exact
}

TEST_CASE("a mean_over forecast is scored against the mean of its measurements, finite near DBL_MAX",
          "[predict][matching]") {
    constexpr double kMax = std::numeric_limits<double>::max();
    struct Case {
        double bandwidth[3];
        double expected;
    };
    // By hand: (1 + 2 + 6) / 3 = 3; (DBL_MAX + DBL_MAX + DBL_MAX / 2) / 3 = DBL_MAX * 5 / 6,
    // where a plain sum would be +inf and leave the forecast unscored.
    for (const Case& c : {Case{{1, 2, 6}, 3.0}, Case{{kMax, kMax, kMax / 2}, kMax / 6 * 5}}) {
        PendingForecasts pending(4);
        PendingForecast f;
        f.made_at_unix_s = 100;
        f.target_unix_s = 103;
        f.target = ForecastTarget::mean_over;
        f.horizon_steps = 3;
        pending.add(f);
        int matches = 0;
        double actual_mbps = 0;
        MatchCounts total;
        for (int i = 0; i < 3; ++i) {
            const MatchCounts counts = pending.offer(at(101 + i, c.bandwidth[i]), 0.5,
                                                     [&](const PendingForecast&, const std::array<double, 4>& actual) {
                                                         ++matches;
                                                         actual_mbps = actual[0];
                                                     });
            total.matched += counts.matched;
            total.expired += counts.expired;
        }
        CHECK(matches == 1);
        CHECK(total.matched == 1);
        CHECK(total.expired == 0);
        CHECK(std::isfinite(actual_mbps));
        CHECK(actual_mbps == Approx(c.expected).epsilon(1e-15));
    }
}

TEST_CASE("pending forecasts: a long horizon's joined forecasts all fit, none is dropped for room", "[predict][matching]") {
    // Samples every 0.25 s, a 60 s horizon (240 steps): a forecast joins every 60 / 16 = 3.75 s
    // and is settled by the sample at its target, so after each sample those made at t - 56.25,
    // ..., t wait: 16 at most, in room for 17.
    const std::uint32_t steps = 240;
    PendingForecasts pending(pending_capacity(steps));
    CHECK(pending.capacity() == 17);
    std::uint32_t dropped = 0, matched = 0;
    std::size_t most = 0;
    for (int i = 0; i < 4 * 600; ++i) {
        const double t = 1000.0 + 0.25 * i;
        matched += pending.offer(at(t, 50.0), 0.125, [](const PendingForecast&, const std::array<double, 4>&) {}).matched;
        PendingForecast f;
        f.made_at_unix_s = t;
        f.target_unix_s = t + 60.0;
        f.horizon_steps = steps;
        dropped += pending.add(f, pending_spacing_s(steps, 60.0));
        most = std::max(most, pending.size());
    }
    CHECK(most == 16);
    CHECK(dropped == 0);
    CHECK(matched == 160 - 16);  // joined at 0, 3.75, ..., 596.25 s; those up to 540 s have matured
}

TEST_CASE("pending forecasts: values and interval bounds are held as float, saturated, NaN kept", "[predict][matching]") {
    CHECK(saturated_float(0.1) == 0.1f);
    CHECK(saturated_float(1e300) == std::numeric_limits<float>::max());
    CHECK(saturated_float(-1e300) == -std::numeric_limits<float>::max());
    CHECK(std::isnan(saturated_float(kNaN)));
    PendingForecast f;
    f.band_low_mbps = 40.0f;
    f.band_high_mbps = 60.0f;
    CHECK(f.band(0.9).coverage == 0.0);  // not banded: served without an interval
    f.banded = true;
    CHECK(f.band(0.9).coverage == 0.9);
    CHECK(f.band(0.9).low == 40.0);
    CHECK(f.band(0.9).high == 60.0);
}

TEST_CASE("window: a deep column keeps its newest 10 values exact and older ones as float, timestamps exact",
          "[predict][window]") {
    WindowLayout layout = WindowLayout::uniform(1);
    layout.depth[timestamp_column()] = 30;
    layout.depth[column_of(SampleField::bandwidth_mbps)] = 30;
    layout.depth[column_of(SampleField::latency_ms)] = 5;
    Window w(layout);
    CHECK(w.heap_bytes() == (30 + 10 + 5 + 4 * 1) * sizeof(double) + 20 * sizeof(float));
    const double t0 = 1764158100.123;  // float would round it to 128 s
    auto bandwidth = [](int i) { return 100.0 + i / 3.0; };  // no value is a float
    for (int i = 0; i < 75; ++i) {
        Sample s = at(t0 + i, bandwidth(i));
        s.latency_ms = i;
        s.bandwidth_mbps = i == 50 ? 1e300 : bandwidth(i);
        w.push(s);
    }
    // Held: samples 45..74, index 0 the oldest.
    REQUIRE(w.size() == 30);
    const WindowColumn bw = w.newest(column_of(SampleField::bandwidth_mbps), 30);
    for (std::size_t i = 0; i < 30; ++i) {
        const int k = 45 + static_cast<int>(i);
        CHECK(w.value(timestamp_column(), i) == t0 + k);
        const double pushed = k == 50 ? 1e300 : bandwidth(k);
        const double expected = i >= 20 ? pushed : static_cast<double>(saturated_float(pushed));
        CHECK(w.value(column_of(SampleField::bandwidth_mbps), i) == expected);
        CHECK(bw[i] == expected);
        CHECK(std::isnan(w.value(column_of(SampleField::latency_ms), i)) == (i < 25));
    }
    CHECK(w[5].bandwidth_mbps == std::numeric_limits<float>::max());  // 1e300 saturated, finite
    CHECK(w.newest().latency_ms == 74.0);

    // Growing the latency column keeps every value where it was and reads the unknown ones as missing.
    layout.depth[column_of(SampleField::latency_ms)] = 30;
    w.grow(layout);
    CHECK(w.heap_bytes() == (30 + 10 + 10 + 4 * 1) * sizeof(double) + 40 * sizeof(float));
    for (std::size_t i = 0; i < 30; ++i) {
        const int k = 45 + static_cast<int>(i);
        const double pushed = k == 50 ? 1e300 : bandwidth(k);
        CHECK(w.value(column_of(SampleField::bandwidth_mbps), i) ==
              (i >= 20 ? pushed : static_cast<double>(saturated_float(pushed))));
        CHECK(w.value(timestamp_column(), i) == t0 + k);
        CHECK(std::isnan(w.value(column_of(SampleField::latency_ms), i)) == (i < 25));
    }
    w.push(at(t0 + 75, 1.0));
    CHECK(w.value(column_of(SampleField::bandwidth_mbps), 19) == static_cast<double>(saturated_float(bandwidth(65))));
    CHECK(w.value(column_of(SampleField::bandwidth_mbps), 20) == bandwidth(66));
}
