// The feature pipeline from metadata: the transport's two layouts reproduced exactly, the fill
// rule, log_ratio, de-normalisation and clamping, and clear errors for unusable metadata.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "pba/error.hpp"
#include "pba/predict/features.hpp"
#include "pba/predict/forecast_model.hpp"
#include "test_models.hpp"
#include "support/samples.hpp"

using namespace pba::predict;
using pba::format::Metadata;

namespace {
using pba::test::at;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 2025-11-26 11:55:00 UTC, a Wednesday (Go weekday 3).
constexpr double kWednesday1155 = 1764158100;

Metadata v1_metadata() {
    Metadata m;
    m.set("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms",
                                                     "hour_of_day", "day_of_week"});
    m.set("input.norm", std::vector<std::string>{"divide", "divide", "none", "divide", "divide", "divide"});
    m.set("input.norm_a", std::vector<double>{1000, 100, 0, 50, 24, 7});
    m.set("output.targets", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"});
    m.set("output.norm", std::vector<std::string>{"divide", "divide", "none", "divide"});
    m.set("output.norm_a", std::vector<double>{1000, 100, 0, 50});
    return m;
}

Metadata v3_internet_metadata() {
    Metadata m;
    m.set("input.features",
          std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms", "hour_of_day"});
    m.set("input.norm", std::vector<std::string>{"divide", "divide", "divide", "divide", "divide"});
    m.set("input.norm_a", std::vector<double>{1000, 500, 0.05, 100, 24});
    m.set("output.targets", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"});
    m.set("output.norm", std::vector<std::string>{"divide", "divide", "divide", "divide"});
    m.set("output.norm_a", std::vector<double>{1000, 500, 0.05, 100});
    return m;
}

void check_error(const Metadata& m, std::size_t window, std::size_t features, std::size_t outputs,
                 const std::string& needle) {
    try {
        FeaturePipeline p(m, window, features, outputs);
        FAIL("expected an Error mentioning " << needle);
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::malformed_model);
        CHECK_THAT(e.what(), Catch::Contains(needle));
    }
}
}  // namespace

TEST_CASE("v1 layout: [bw/1000, lat/100, loss, jitter/50, hour/24, weekday/7], window 10", "[predict][features]") {
    const FeaturePipeline p(v1_metadata(), 10, 6, 4);
    Window w(10);
    // One sample a minute from 11:55: rows 0-4 in hour 11, rows 5-9 in hour 12.
    for (int i = 0; i < 10; ++i) w.push(at(kWednesday1155 + 60 * i, 100 + 10 * i, 20 + i, 0.01, 2));
    std::vector<float> input(60);
    std::vector<double> means(6);
    REQUIRE(p.encode(w, 0.0, input, means) == -1);
    // Row i by hand: (100+10i)/1000, (20+i)/100, 0.01, 2/50, hour/24, 3/7.
    const float expected_bw[] = {0.10f, 0.11f, 0.12f, 0.13f, 0.14f, 0.15f, 0.16f, 0.17f, 0.18f, 0.19f};
    const float expected_lat[] = {0.20f, 0.21f, 0.22f, 0.23f, 0.24f, 0.25f, 0.26f, 0.27f, 0.28f, 0.29f};
    for (int i = 0; i < 10; ++i) {
        INFO("row " << i);
        CHECK(input[i * 6 + 0] == Approx(expected_bw[i]).epsilon(1e-7));
        CHECK(input[i * 6 + 1] == Approx(expected_lat[i]).epsilon(1e-7));
        CHECK(input[i * 6 + 2] == Approx(0.01f).epsilon(1e-7));
        CHECK(input[i * 6 + 3] == Approx(0.04f).epsilon(1e-7));
        CHECK(input[i * 6 + 4] == Approx(i < 5 ? 0.4583333f : 0.5f).epsilon(1e-7));  // 11/24, 12/24
        CHECK(input[i * 6 + 5] == Approx(0.4285714f).epsilon(1e-7));                  // 3/7
    }
    // Outputs [bw x 1000, lat x 100, loss, jitter x 50].
    DecodedOutputs out;
    const float y[] = {0.5f, 0.3f, 0.02f, 0.1f};
    REQUIRE(p.decode(y, means, out));
    CHECK(out.values[0] == Approx(500.0).epsilon(1e-6));
    CHECK(out.values[1] == Approx(30.0).epsilon(1e-6));
    CHECK(out.values[2] == Approx(0.02).epsilon(1e-6));
    CHECK(out.values[3] == Approx(5.0).epsilon(1e-6));
    CHECK(out.fields == 0xF);
    // A UTC offset moves the hour: UTC+2 makes rows 0-4 hour 13.
    REQUIRE(p.encode(w, 7200.0, input, means) == -1);
    CHECK(input[4] == Approx(13.0f / 24).epsilon(1e-7));
}

TEST_CASE("v3 internet layout: [bw/1000, lat/500, loss/0.05, jitter/100, hour/24], window 60, with gaps",
          "[predict][features]") {
    const FeaturePipeline p(v3_internet_metadata(), 60, 5, 4);
    Window w(60);
    for (int i = 0; i < 60; ++i) {
        // Latency missing in rows 0-2 (back-filled from row 3) and row 30 (forward-filled from 29).
        const double lat = (i < 3 || i == 30) ? kNaN : 100 + i;
        w.push(at(kWednesday1155 + i, 400 + i, lat, 0.002, 10));
    }
    std::vector<float> input(300);
    std::vector<double> means(5);
    REQUIRE(p.encode(w, 0.0, input, means) == -1);
    auto x = [&](int row, int feature) { return input[row * 5 + feature]; };
    CHECK(x(0, 0) == Approx(0.4f).epsilon(1e-7));     // 400 / 1000
    CHECK(x(59, 0) == Approx(0.459f).epsilon(1e-7));  // 459 / 1000
    CHECK(x(0, 1) == Approx(0.206f).epsilon(1e-7));   // row 3's 103 / 500
    CHECK(x(2, 1) == Approx(0.206f).epsilon(1e-7));
    CHECK(x(3, 1) == Approx(0.206f).epsilon(1e-7));
    CHECK(x(30, 1) == Approx(0.258f).epsilon(1e-7));  // row 29's 129 / 500
    CHECK(x(31, 1) == Approx(0.262f).epsilon(1e-7));  // 131 / 500
    CHECK(x(10, 2) == Approx(0.04f).epsilon(1e-6));   // 0.002 / 0.05
    CHECK(x(10, 3) == Approx(0.1f).epsilon(1e-7));    // 10 / 100
    CHECK(x(0, 4) == Approx(11.0f / 24).epsilon(1e-7));
    CHECK(x(59, 4) == Approx(11.0f / 24).epsilon(1e-7));  // 11:55:59
    // Outputs [bw x 1000, lat x 500, loss x 0.05, jitter x 100].
    DecodedOutputs out;
    const float y[] = {0.4f, 0.2f, 0.5f, 0.05f};
    REQUIRE(p.decode(y, means, out));
    CHECK(out.values[0] == Approx(400.0).epsilon(1e-6));
    CHECK(out.values[1] == Approx(100.0).epsilon(1e-6));
    CHECK(out.values[2] == Approx(0.025).epsilon(1e-6));
    CHECK(out.values[3] == Approx(5.0).epsilon(1e-6));
}

TEST_CASE("features: a feature missing from the whole window takes input.missing", "[predict][features]") {
    Metadata m = v1_metadata();
    m.set("input.missing", std::vector<double>{0, 35, 0.001, 0, 0, 0});
    const FeaturePipeline p(m, 10, 6, 4);
    Window w(10);
    for (int i = 0; i < 10; ++i) w.push(at(kWednesday1155 + i, 500, kNaN, kNaN, 1));
    std::vector<float> input(60);
    std::vector<double> means(6);
    REQUIRE(p.encode(w, 0.0, input, means) == -1);
    CHECK(input[1] == Approx(0.35f).epsilon(1e-7));   // 35 / 100
    CHECK(input[2] == Approx(0.001f).epsilon(1e-7));  // loss is `none`
    CHECK(input[9 * 6 + 1] == Approx(0.35f).epsilon(1e-7));
    CHECK(means[1] == Approx(35.0));
}

TEST_CASE("features: log_ratio to the filled window mean, and its inverse with ref_feature", "[predict][features]") {
    Metadata m;
    m.set("input.features", std::vector<std::string>{"bandwidth_mbps"});
    m.set("input.norm", std::vector<std::string>{"log_ratio"});
    m.set("input.norm_c", std::vector<double>{0.1});
    m.set("output.targets", std::vector<std::string>{"bandwidth_mbps"});
    m.set("output.norm", std::vector<std::string>{"log_ratio"});
    m.set("output.norm_c", std::vector<double>{0.1});
    m.set("output.ref_feature", std::vector<std::int64_t>{0});
    const FeaturePipeline p(m, 4, 1, 1);
    Window w(4);
    const double bw[] = {1, 2, 3, kNaN};
    for (int i = 0; i < 4; ++i) w.push(at(i, bw[i], kNaN, kNaN, kNaN));
    std::vector<float> input(4);
    std::vector<double> means(1);
    REQUIRE(p.encode(w, 0.0, input, means) == -1);
    // Filled [1, 2, 3, 3], m = 2.25: ln((x + 0.1) / 2.35).
    CHECK(means[0] == Approx(2.25));
    CHECK(input[0] == Approx(-0.7591051f).epsilon(1e-6));
    CHECK(input[1] == Approx(-0.1124780f).epsilon(1e-6));
    CHECK(input[2] == Approx(0.2769868f).epsilon(1e-6));
    CHECK(input[3] == Approx(0.2769868f).epsilon(1e-6));
    // y = ln(2) doubles (m + c): 2 x 2.35 - 0.1 = 4.6.
    DecodedOutputs out;
    const float y[] = {static_cast<float>(std::log(2.0))};
    REQUIRE(p.decode(y, means, out));
    CHECK(out.values[0] == Approx(4.6).epsilon(1e-6));
}

TEST_CASE("features: standard and minmax inputs, outputs clamped, non-finite refused", "[predict][features]") {
    Metadata m;
    m.set("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms"});
    m.set("input.norm", std::vector<std::string>{"standard", "minmax"});
    m.set("input.norm_a", std::vector<double>{300, 0});
    m.set("input.norm_b", std::vector<double>{50, 200});
    m.set("output.targets", std::vector<std::string>{"bandwidth_mbps", "packet_loss", "latency_ms"});
    m.set("output.norm", std::vector<std::string>{"standard", "none", "log"});
    m.set("output.norm_a", std::vector<double>{300, 0, 0});
    m.set("output.norm_b", std::vector<double>{50, 0, 1});
    m.set("output.norm_c", std::vector<double>{0, 0, 1});
    const FeaturePipeline p(m, 0, 2, 3);  // no time axis: the newest sample only
    CHECK(p.rows() == 1);
    Window w(10);
    w.push(at(0, 999, 999, 0, 0));
    w.push(at(1, 400, 50, 0, 0));
    std::vector<float> input(2);
    std::vector<double> means(2);
    REQUIRE(p.encode(w, 0.0, input, means) == -1);
    CHECK(input[0] == Approx(2.0f));   // (400 - 300) / 50
    CHECK(input[1] == Approx(0.25f));  // (50 - 0) / (200 - 0)

    DecodedOutputs out;
    const float y[] = {-7.0f, 1.7f, 0.0f};
    REQUIRE(p.decode(y, means, out));
    CHECK(out.values[0] == 0.0);                // -7 x 50 + 300 < 0: clamped to 0
    CHECK(out.values[1] == Approx(0.0));        // latency: exp(0) - 1
    CHECK(out.values[2] == 1.0);                // loss 1.7 clamped to 1
    CHECK(out.fields == 0x7);
    const float huge[] = {0.0f, 0.0f, 1000.0f};  // exp(1000) overflows
    CHECK_FALSE(p.decode(huge, means, out));
}

TEST_CASE("features: unusable metadata is refused naming the key", "[predict][features]") {
    Metadata m = v1_metadata();
    check_error(Metadata{}, 10, 6, 4, "input.features is missing");
    check_error(m, 10, 5, 4, "input.features names 6 features; the model's input has 5");
    check_error(m, 10, 6, 3, "output.targets names 4 outputs; the model has 3");

    Metadata bad_kind = v1_metadata();
    bad_kind.set("input.norm", std::vector<std::string>{"divide", "zscore", "none", "divide", "divide", "divide"});
    check_error(bad_kind, 10, 6, 4, "input.norm[1] = 'zscore'");

    Metadata zero = v1_metadata();
    zero.set("input.norm_a", std::vector<double>{1000, 0, 0, 50, 24, 7});
    check_error(zero, 10, 6, 4, "input.norm[1]: divide needs a != 0");

    Metadata short_a = v1_metadata();
    short_a.set("input.norm_a", std::vector<double>{1000});
    check_error(short_a, 10, 6, 4, "input.norm_a has 1 entries");

    Metadata unknown = v1_metadata();
    unknown.set("input.features", std::vector<std::string>{"bandwidth_mbps", "rtt", "packet_loss", "jitter_ms",
                                                           "hour_of_day", "day_of_week"});
    check_error(unknown, 10, 6, 4, "input.features[1] = 'rtt' is not a feature");

    Metadata hour_target = v1_metadata();
    hour_target.set("output.targets",
                    std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "hour_of_day"});
    check_error(hour_target, 10, 6, 4, "output.targets[3] = 'hour_of_day' is not a forecast field");

    Metadata twice = v1_metadata();
    twice.set("output.targets", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "latency_ms"});
    check_error(twice, 10, 6, 4, "appears twice");

    Metadata ratio = v1_metadata();
    ratio.set("output.norm", std::vector<std::string>{"log_ratio", "divide", "none", "divide"});
    ratio.set("output.norm_c", std::vector<double>{0.1, 0, 0, 0});
    ratio.set("output.ref_feature", std::vector<std::int64_t>{6, -1, -1, -1});
    check_error(ratio, 10, 6, 4, "output.ref_feature[0] = 6");

    Metadata wrong_type = v1_metadata();
    wrong_type.set("input.features", std::string("bandwidth_mbps"));
    CHECK_THROWS_AS(FeaturePipeline(wrong_type, 10, 6, 4), pba::Error);
}

TEST_CASE("forecast model: horizon, target, mode and version from metadata", "[predict][features]") {
    Metadata m = pba::test::plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, "2026.11.26-1");
    m.set("model.mode", std::string("internet"));
    m.set("forecast.target", std::string("mean_over"));
    m.set("forecast.horizon_steps", std::int64_t{10});
    m.set("input.sample_interval_s", 1.0);
    const auto fm = ForecastModel::create(pba::test::constant_model(5, m, {1.0f}));
    CHECK(fm->target() == ForecastTarget::mean_over);
    CHECK(fm->horizon_steps() == 10);
    CHECK(fm->horizon_s() == 10.0);  // steps x interval when horizon_s is not stated
    CHECK(fm->mode() == Mode::internet);
    CHECK(std::string(fm->version()) == "2026.11.26-1");
    CHECK(fm->pipeline().rows() == 5);

    auto refused = [](Metadata meta, const std::string& needle) {
        try {
            ForecastModel::create(pba::test::constant_model(5, meta, {1.0f}));
            FAIL("expected refusal: " << needle);
        } catch (const pba::Error& e) {
            CHECK(e.code() == pba::Errc::malformed_model);
            CHECK_THAT(e.what(), Catch::Contains(needle));
        }
    };
    Metadata target = m;
    target.set("forecast.target", std::string("median"));
    refused(target, "forecast.target = 'median'");
    Metadata steps = m;
    steps.set("forecast.horizon_steps", std::int64_t{0});
    refused(steps, "forecast.horizon_steps = 0");
    Metadata version = m;
    version.set("model.version", std::string(48, 'v'));
    refused(version, "model.version is 48 bytes");
    CHECK_THROWS_AS(ForecastModel::create(nullptr), pba::Error);
}

TEST_CASE("features: a window longer than one read chunk, log and log_ratio, gaps across chunk edges",
          "[predict][features]") {
    // 600 rows: encode reads its window 256 rows at a time; the reference is the plain formula.
    Metadata m;
    m.set("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms"});
    m.set("input.norm", std::vector<std::string>{"log_ratio", "log"});
    m.set("input.norm_a", std::vector<double>{0.0, 1.5});
    m.set("input.norm_b", std::vector<double>{0.0, 2.0});
    m.set("input.norm_c", std::vector<double>{0.1, 1.0});
    m.set("output.targets", std::vector<std::string>{"bandwidth_mbps"});
    const std::size_t T = 600;
    const FeaturePipeline p(m, T, 2, 1);
    Window w(p.window_layout());
    std::vector<double> bw(T), lat(T);
    for (std::size_t i = 0; i < T; ++i) {
        // Gaps at the start (back-filled), across 255/256 and 511/512 (forward-filled).
        const bool gap = i < 3 || (i >= 254 && i <= 258) || (i >= 510 && i <= 513);
        bw[i] = gap ? kNaN : 10.0 + std::sin(0.05 * static_cast<double>(i)) * 7.0;
        lat[i] = gap ? kNaN : 20.0 + static_cast<double>(i % 13);
        w.push(at(static_cast<double>(i), bw[i], lat[i], kNaN, kNaN));
    }
    std::vector<float> input(T * 2);
    std::vector<double> means(2);
    REQUIRE(p.encode(w, 0.0, input, means) == -1);
    // The window keeps its newest 10 values exact and older ones as float (window.hpp).
    auto held = [&](const std::vector<double>& x, std::size_t i) {
        return i + kExactWindowDepth >= T ? x[i] : static_cast<double>(static_cast<float>(x[i]));
    };
    auto filled = [&](const std::vector<double>& x) {
        std::vector<double> out(T);
        double last = kNaN;
        for (std::size_t i = 0; i < T && std::isnan(last); ++i) last = held(x, i);
        for (std::size_t i = 0; i < T; ++i) out[i] = last = std::isnan(x[i]) ? last : held(x, i);
        return out;
    };
    const auto fb = filled(bw), fl = filled(lat);
    double sb = 0.0, sl = 0.0;
    for (std::size_t i = 0; i < T; ++i) {
        sb += fb[i];
        sl += fl[i];
    }
    CHECK(means[0] == sb / T);
    CHECK(means[1] == sl / T);
    std::size_t off = 0;
    for (std::size_t i = 0; i < T; ++i) {
        // float-rounded, within one float step (the vector log is within 1 ulp of std::log)
        const auto b = static_cast<float>(std::log((fb[i] + 0.1) / (sb / T + 0.1)));
        const auto l = static_cast<float>((std::log(fl[i] + 1.0) - 1.5) / 2.0);
        off += std::abs(input[i * 2] - b) > std::abs(std::nextafter(b, 2 * b) - b);
        off += std::abs(input[i * 2 + 1] - l) > std::abs(std::nextafter(l, 2 * l) - l);
    }
    CHECK(off == 0);
}
