// The allocation score: each policy's held settings, overshoot, undershoot and changes on a
// five-forecast trace worked out by hand, with the transport's formulas at 50 ms latency, no
// loss or jitter: settings(b) = streams max(2, trunc(b / 10)), buffer b x 6250 B, chunk
// buffer / streams, pacing b x 0.95 Mbps; e.g. 20 Mbps -> 2, 125000, 62500, 19 Mbps.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "pba/error.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/trace/allocation_score.hpp"
#include "pba/trace/replay.hpp"
#include "pba/trace/trace.hpp"
#include "predict/test_models.hpp"
#include "support/expect.hpp"

using namespace pba::trace;
using pba::amst::Settings;
using pba::predict::ConfidenceRule;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kTransport = static_cast<std::size_t>(ConfidenceRule::transport);
constexpr std::size_t kCalibrated = static_cast<std::size_t>(ConfidenceRule::calibrated);

// Forecasts 20, 30, 40, 40, 20 Mbps with intervals ±10; transport confidence 0.9, 0.5, 0.85,
// 0.7, 0.95 (applied at 0, 2, 4); calibrated confidence 0 (never applied); EWMA unknown, 20,
// 25, 40, unknown; the link then delivers 18, 30, 45, 10 and nothing after the last.
std::vector<ReplayPoint> hand_points() {
    const double predicted[] = {20, 30, 40, 40, 20};
    const double transport[] = {0.9, 0.5, 0.85, 0.7, 0.95};
    const double ewma[] = {kNaN, 20, 25, 40, kNaN};
    const double next[] = {18, 30, 45, 10, kNaN};
    std::vector<ReplayPoint> points(5);
    for (std::size_t i = 0; i < points.size(); ++i) {
        ReplayPoint& p = points[i];
        p.t_s = static_cast<double>(i);
        p.predicted_mbps = predicted[i];
        p.low_mbps = predicted[i] - 10;
        p.high_mbps = predicted[i] + 10;
        p.latency_ms = 50;
        p.confidence = transport[i];
        p.confidence_by_rule[kTransport] = transport[i];
        p.confidence_by_rule[kCalibrated] = 0.0;
        p.baseline_mbps[static_cast<std::size_t>(Method::ewma)] = ewma[i];
        p.next_mbps = next[i];
    }
    return points;
}

const AllocationScore& score_of(const AllocationReport& r, const std::string& name) {
    for (const AllocationScore& s : r.policies)
        if (key(s.policy) == name) return s;
    FAIL("no policy " << name);
    return r.policies.front();
}

struct Expected {
    std::string policy;
    std::uint64_t overshoot_steps;
    double undershoot;
    std::uint64_t applications, changes, streams, buffer, chunk;
};

}  // namespace

TEST_CASE("allocation: the policies, their keys, in order", "[trace][allocation]") {
    std::vector<std::string> keys;
    for (const AllocationPolicy& p : allocation_policies()) keys.push_back(key(p));
    CHECK(keys == std::vector<std::string>{"pba_gated_transport", "pba_gated_calibrated", "pba_every",
                                           "interval_gated_transport", "interval_gated_calibrated", "interval_every",
                                           "ewma", "fixed", "oracle"});
}

TEST_CASE("allocation: one step's overshoot and unused share", "[trace][allocation]") {
    // 1250000 B/s is 10 Mbps.
    CHECK_FALSE(score_step(1250000, 10).overshoot);  // strict
    CHECK(score_step(1250000, 10).unused_share == 0.0);
    CHECK(score_step(1250000, 9.99).overshoot);
    CHECK(score_step(1250000, 9.99).unused_share == 0.0);
    CHECK_FALSE(score_step(1250000, 20).overshoot);
    CHECK(score_step(1250000, 20).unused_share == Approx(0.5));
    CHECK_FALSE(score_step(0, 0).overshoot);  // nothing paced, nothing delivered
    CHECK(score_step(0, 0).unused_share == 0.0);
    CHECK(score_step(1, 0).overshoot);
    CHECK(score_step(0, 4).unused_share == 1.0);
}

TEST_CASE("allocation: every policy on a trace worked out by hand", "[trace][allocation]") {
    const AllocationReport r = score_allocation(hand_points());
    REQUIRE(r.scored);
    CHECK(r.steps == 4);
    // Fixed: the nearest-rank median of 18, 30, 45, 10 is 18 Mbps (rank 2 of 10, 18, 30, 45),
    // latency median 50: streams 2, buffer 112500, chunk 56250, pacing 17.1 Mbps.
    CHECK(r.fixed_forecast.bandwidth_mbps == 18);
    CHECK(r.fixed_forecast.latency_ms == 50);
    CHECK(r.fixed_settings == Settings{2, 112500, 56250, 2137500, 225000});

    // Steps scored against 18, 30, 45, 10 Mbps; the unused shares per step in the comments.
    const std::vector<Expected> expected = {
        // Applies 20 (0), holds, 40 (2), holds, 20 (4): pacing 19, 19, 38, 38 -> over at 18
        // and 10; unused 0, 11/30, 7/45, 0. Changes: buffer+chunk, streams+buffer, streams+buffer.
        {"pba_gated_transport", 2, (11.0 / 30 + 7.0 / 45) / 4, 3, 3, 2, 3, 1},
        // Never applied: the fixed settings throughout (pacing 17.1).
        {"pba_gated_calibrated", 1, (0.9 / 18 + 12.9 / 30 + 27.9 / 45) / 4, 0, 0, 0, 0, 0},
        // 20, 30, 40, 40, 20: pacing 19, 28.5, 38, 38; unused 0, 1.5/30, 7/45, 0. Streams
        // 2, 3, 4, 4, 2; buffer changes every time the forecast does; chunk 62500 from 0 on.
        {"pba_every", 2, (1.5 / 30 + 7.0 / 45) / 4, 5, 4, 3, 4, 1},
        // Interval (20; 10..30): streams 2, buffer at 30: 187500, chunk 93750, pacing at
        // max(10, 0.5 x 20) = 10 -> 9.5 Mbps; (40; 30..50): 4, 312500, 78125, 28.5 Mbps.
        // Pacing 9.5, 9.5, 28.5, 28.5: unused 8.5/18, 20.5/30, 16.5/45; over at 10.
        {"interval_gated_transport", 1, (8.5 / 18 + 20.5 / 30 + 16.5 / 45) / 4, 3, 3, 2, 3, 3},
        {"interval_gated_calibrated", 1, (0.9 / 18 + 12.9 / 30 + 27.9 / 45) / 4, 0, 0, 0, 0, 0},
        // (30; 20..40): streams 3, buffer at 40: 250000, chunk 83333, pacing at 20 -> 19 Mbps.
        {"interval_every", 1, (8.5 / 18 + 11.0 / 30 + 16.5 / 45) / 4, 5, 4, 3, 4, 4},
        // EWMA unknown (fixed kept), 20, 25 (2, 156250, 78125, 23.75 Mbps), 40, unknown:
        // pacing 17.1, 19, 23.75, 38: unused 0.9/18, 11/30, 21.25/45; over at 10.
        {"ewma", 1, (0.9 / 18 + 11.0 / 30 + 21.25 / 45) / 4, 3, 3, 1, 3, 3},
        {"fixed", 1, (0.9 / 18 + 12.9 / 30 + 27.9 / 45) / 4, 0, 0, 0, 0, 0},
        // Settings of 18 (= fixed), 30, 45, 10; nothing after the last: pacing always 95 % of
        // what is delivered, every setting changes at 1, 2 and 3.
        {"oracle", 0, 0.05, 4, 3, 3, 3, 3},
    };
    REQUIRE(r.policies.size() == expected.size());
    for (const Expected& e : expected) {
        INFO(e.policy);
        const AllocationScore& s = score_of(r, e.policy);
        CHECK(s.steps == 4);
        CHECK(s.overshoot_steps == e.overshoot_steps);
        CHECK(s.overshoot == Approx(e.overshoot_steps / 4.0));
        CHECK(s.undershoot == Approx(e.undershoot).epsilon(1e-9));
        CHECK(s.applications == e.applications);
        CHECK(s.changes == e.changes);
        CHECK(s.streams_changes == e.streams);
        CHECK(s.buffer_changes == e.buffer);
        CHECK(s.chunk_changes == e.chunk);
        CHECK(s.not_computable == 0);
    }
}

TEST_CASE("allocation: a policy's run holds what it applied", "[trace][allocation]") {
    const auto points = hand_points();
    const Settings fixed{2, 112500, 56250, 2137500, 225000};
    PolicyRun gated({Sizing::point, true, ConfidenceRule::transport}, fixed);
    CHECK(gated.act(points[0]) == Settings{2, 125000, 62500, 2375000, 250000});
    CHECK(gated.act(points[1]) == Settings{2, 125000, 62500, 2375000, 250000});  // 0.5: kept
    CHECK(gated.act(points[2]) == Settings{4, 250000, 62500, 4750000, 1000000});
    CHECK(gated.applications() == 2);
    PolicyRun interval({Sizing::interval, false}, fixed);
    CHECK(interval.act(points[1]) == Settings{3, 250000, 83333, 2375000, 750000});
    PolicyRun oracle({Sizing::oracle, false}, fixed);
    CHECK(oracle.act(points[4]) == fixed);  // no next sample: kept
    CHECK(oracle.applications() == 0);
}

TEST_CASE("allocation: nothing to score, settings beyond the arithmetic, invalid confidence",
          "[trace][allocation][degenerate]") {
    auto points = hand_points();
    for (ReplayPoint& p : points) p.next_mbps = kNaN;
    AllocationReport r = score_allocation(points);
    CHECK_FALSE(r.scored);
    CHECK(r.steps == 0);
    CHECK(r.policies.empty());

    // A median delivered throughput past the transport's 64-bit integers: no fixed settings.
    points = hand_points();
    for (std::size_t i = 0; i < 4; ++i) points[i].next_mbps = 1e300;
    r = score_allocation(points);
    CHECK_FALSE(r.scored);
    CHECK(r.steps == 4);

    // One forecast past them: the policies acting on it keep their settings and count it.
    points = hand_points();
    points[1].predicted_mbps = 1e300;
    points[1].high_mbps = 1e300;
    r = score_allocation(points);
    REQUIRE(r.scored);
    CHECK(score_of(r, "pba_every").not_computable == 1);
    CHECK(score_of(r, "pba_every").applications == 4);
    CHECK(score_of(r, "interval_every").not_computable == 1);
    CHECK(score_of(r, "pba_gated_transport").not_computable == 0);  // 0.5: not acted on

    points = hand_points();
    points[2].confidence_by_rule[kCalibrated] = kNaN;
    pba::test::require_invalid([&] { score_allocation(points); }, "confidence");
}

TEST_CASE("allocation: a replay carries each point's next sample and confidence by rule", "[trace][allocation]") {
    auto meta = pba::test::plain_metadata({"bandwidth_mbps"}, {"bandwidth_mbps"}, "const");
    meta.set("input.sample_interval_s", 1.0);
    meta.set("model.mode", std::string("internet"));
    pba::predict::Predictor predictor(pba::test::constant_model(2, meta, {10.0f}));
    const Replay r = replay(parse_trace("t_s,throughput_mbps\n0,10\n1,20\n2,\n3,30\n4,20\n"), predictor);
    REQUIRE(r.points.size() == 5);
    const double want[] = {20, kNaN, 30, 20, kNaN};  // t = 2 is missing, t = 4 is the last
    for (std::size_t i = 0; i < 5; ++i) {
        INFO("point " << i);
        if (std::isnan(want[i]))
            CHECK(std::isnan(r.points[i].next_mbps));
        else
            CHECK(r.points[i].next_mbps == want[i]);
        CHECK(r.points[i].confidence_by_rule[kTransport] == r.points[i].confidence);
    }
    CHECK(r.summary.allocation.scored);
    CHECK(r.summary.allocation.steps == 3);
    CHECK(r.summary.allocation.policies.size() == allocation_policies().size());
}
