// Settings sized from the bandwidth interval, against values worked out by hand with the
// transport's formulas (parameters.hpp), one case per branch.
#include <catch2/catch.hpp>

#include <limits>

#include "pba/amst/interval_sizing.hpp"
#include "pba/error.hpp"
#include "support/expect.hpp"

using namespace pba;
using amst::BandwidthInterval;
using amst::Forecast;
using amst::Settings;

namespace {
using pba::test::require_invalid;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("amst interval: without an interval the settings are the transport's") {
    // 100 Mbps, 50 ms, no loss, 5 ms jitter: the first case.
    CHECK(amst::interval_settings({100, 50, 0, 5}, {100, 100}) == Settings{10, 687500, 68750, 11875000, 6875000});
    // A forecast of 0 Mbps: streams and buffer at their minimums, pacing 0, as the transport.
    CHECK(amst::interval_settings({0, 0, 0, 0}, {0, 0}) == Settings{2, 16384, 8192, 0, 32768});
}

TEST_CASE("amst interval: pacing from the low bound, buffer from the high bound, streams from the point") {
    // streams: trunc(100 / 10) = 10 at 50 ms (factor 1).
    // buffer at 120 Mbps: 15e6 B/s x 0.05 s = 750000, + 5 ms x 15e6 / 1000 = 75000 -> 825000.
    // chunk 825000 / 10 = 82500; pacing at 80 Mbps (above the floor 50): 80e6 x 0.95 / 8 = 9500000.
    CHECK(amst::interval_settings({100, 50, 0, 5}, {80, 120}) == Settings{10, 825000, 82500, 9500000, 8250000});
}

TEST_CASE("amst interval: the pacing floor, a low bound of 0, a buffer clamped at its maximum") {
    // low 10 < 0.5 x 100: pacing at 50 Mbps, 5937500. Buffer at 190 Mbps: 1187500 + 118750
    // clamps to 1048576; chunk 1048576 / 10 = 104857 (integer division).
    CHECK(amst::interval_settings({100, 50, 0, 5}, {10, 190}) == Settings{10, 1048576, 104857, 5937500, 10485760});
    // low 0: the floor again; buffer at 150 Mbps: 937500 + 93750 = 1031250, chunk 103125.
    CHECK(amst::interval_settings({100, 50, 0, 5}, {0, 150}) == Settings{10, 1031250, 103125, 5937500, 10312500});
    // Without a floor, low 0 paces at 0.
    CHECK(amst::interval_settings({100, 50, 0, 5}, {0, 150}, {}, {0.0}) ==
          Settings{10, 1031250, 103125, 0, 10312500});
    // A floor of the whole point forecast paces at it: 11875000.
    CHECK(amst::interval_settings({100, 50, 0, 5}, {0, 150}, {}, {1.0}).pacing_bytes_per_s == 11875000);
}

TEST_CASE("amst interval: loss cuts streams and chunk from the point forecast's loss") {
    // 3 % loss: streams 10 x 3 / 4 = 7; buffer at 110 Mbps: 687500 + 68750 = 756250;
    // chunk 756250 / 7 = 108035, halved (loss > 2 %) to 54017; pacing at 90 Mbps: 10687500.
    CHECK(amst::interval_settings({100, 50, 0.03, 5}, {90, 110}) == Settings{7, 756250, 54017, 10687500, 5293750});
}

TEST_CASE("amst interval: invalid intervals, sizing, forecasts and params are errors naming the field") {
    const Forecast ok{100, 50, 0, 5};
    for (double bad : {kNaN, kInf, -kInf, -1.0}) {
        require_invalid([&] { amst::interval_settings(ok, {bad, 120}); }, "bandwidth_low_mbps");
        require_invalid([&] { amst::interval_settings(ok, {80, bad}); }, "bandwidth_high_mbps");
        require_invalid([&] { amst::interval_settings(ok, {80, 120}, {}, {bad}); }, "pacing_floor_share");
    }
    require_invalid([&] { amst::interval_settings(ok, {80, 120}, {}, {1.5}); }, "pacing_floor_share");
    // The interval must hold the point forecast.
    require_invalid([&] { amst::interval_settings(ok, {101, 120}); }, "bandwidth_low_mbps");
    require_invalid([&] { amst::interval_settings(ok, {80, 99}); }, "bandwidth_high_mbps");
    require_invalid([&] { amst::interval_settings({100, -1, 0, 5}, {80, 120}); }, "latency_ms");
    amst::Params p;
    p.max_streams = 1;
    require_invalid([&] { amst::interval_settings(ok, {80, 120}, p); }, "max_streams");
    // A high bound past the transport's 64-bit arithmetic.
    require_invalid([&] { amst::interval_settings(ok, {80, 1e300}); }, "bandwidth-delay product");
}
