#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "pba/amst/parameters.hpp"
#include "pba/error.hpp"
#include "support/csv.hpp"
#include "support/expect.hpp"

using namespace pba;
using amst::Forecast;
using amst::Settings;

namespace {

using pba::test::below;
using pba::test::above;
using pba::test::require_invalid;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("amst: the issue's three cases") {
    CHECK(amst::settings({100, 50, 0, 5}) == Settings{10, 687500, 68750, 11875000, 6875000});
    CHECK(amst::settings({1000, 10, 0.005, 1}) == Settings{130, 1048576, 8192, 118750000, 136314880});
    CHECK(amst::settings({50, 150, 0.03, 10}) == Settings{2, 1000000, 131072, 5937500, 2000000});
}

// Every row was computed by the transport's formula in Go (tests/amst/go_reference), so it
// checks Go's float64 order and int() truncation, including forecasts chosen because any
// other evaluation order gives another integer.
TEST_CASE("amst: settings equal Go's on the reference forecasts") {
    std::ifstream in(test::data_dir() / "amst_go_reference.csv");
    REQUIRE(in);
    std::string line;
    int rows = 0;
    while (std::getline(in, line)) {
        std::stringstream cells(line);
        std::string cell;
        double f[4];
        long long s[5];
        for (double& v : f) {
            std::getline(cells, cell, ',');
            v = std::strtod(cell.c_str(), nullptr);
        }
        for (long long& v : s) {
            std::getline(cells, cell, ',');
            v = std::strtoll(cell.c_str(), nullptr, 10);
        }
        INFO("row " << rows + 1 << ": " << line);
        CHECK(amst::settings({f[0], f[1], f[2], f[3]}) == Settings{s[0], s[1], s[2], s[3], s[4]});
        ++rows;
    }
    CHECK(rows >= 500);
}

TEST_CASE("amst: latency thresholds are strict (> 100 ms, < 20 ms)") {
    // 1000 Mbps: base 100 streams, so the factor shows as 70 / 100 / 130.
    auto streams = [](double latency_ms) { return amst::stream_count({1000, latency_ms, 0, 0}); };
    CHECK(streams(below(100)) == 100);
    CHECK(streams(100) == 100);
    CHECK(streams(above(100)) == 70);
    CHECK(streams(below(20)) == 130);
    CHECK(streams(20) == 100);
    CHECK(streams(above(20)) == 100);
    CHECK(streams(0) == 130);
}

TEST_CASE("amst: the stream cut is strict at 1 % loss, integer 3/4 truncated") {
    auto streams = [](double loss) { return amst::stream_count({100, 50, loss, 5}); };
    CHECK(streams(below(0.01)) == 10);
    CHECK(streams(0.01) == 10);
    CHECK(streams(above(0.01)) == 7);  // 10 * 3 / 4 = 7.5, truncated
    CHECK(streams(0.015) == 7);        // 1 %, not the design document's 2 %
    CHECK(streams(1.0) == 7);
}

TEST_CASE("amst: chunk halving is strict at 2 % loss") {
    // 100 Mbps, 50 ms, 5 ms jitter: buffer 687500; with loss > 1 % there are 7 streams.
    auto chunk = [](double loss) { return amst::settings({100, 50, loss, 5}).chunk_bytes; };
    CHECK(chunk(below(0.02)) == 98214);  // 687500 / 7 = 98214.28…
    CHECK(chunk(0.02) == 98214);
    CHECK(chunk(above(0.02)) == 49107);
    CHECK(amst::chunk_bytes(99999, 3, 0.5) == 16666);  // 33333 / 2, truncated
}

TEST_CASE("amst: streams truncate bandwidth / 10 and clamp to [2, 256]") {
    auto streams = [](double bw) { return amst::stream_count({bw, 50, 0, 0}); };
    CHECK(streams(0) == 2);
    CHECK(streams(19.99) == 2);  // base 1
    CHECK(streams(below(30)) == 2);
    CHECK(streams(30) == 3);
    CHECK(streams(above(30)) == 3);
    CHECK(streams(below(2560)) == 255);
    CHECK(streams(2560) == 256);
    CHECK(streams(2570) == 256);  // 257, clamped
    CHECK(streams(1e6) == 256);
    // The floor applies after the loss cut: 3 * 3 / 4 = 2, 2 * 3 / 4 = 1 → 2.
    CHECK(amst::stream_count({30, 50, 0.05, 0}) == 2);
    CHECK(amst::stream_count({20, 50, 0.05, 0}) == 2);
}

TEST_CASE("amst: the buffer is the bandwidth-delay product plus jitter, clamped to [16384, 1048576]") {
    // 1000 ms makes latency / 1000 exactly 1, so the buffer is trunc(bw * 1e6 / 8): a
    // bandwidth worth x.5 bytes per second lands on x whatever the rounding of bw.
    auto buffer = [](double bytes_per_s) { return amst::buffer_bytes({bytes_per_s * 8 / 1e6, 1000, 0, 0}); };
    CHECK(buffer(16383.5) == 16384);
    CHECK(buffer(16384.5) == 16384);
    CHECK(buffer(16385.5) == 16385);
    CHECK(buffer(1048575.5) == 1048575);
    CHECK(buffer(1048576.5) == 1048576);
    CHECK(buffer(1048577.5) == 1048576);
    CHECK(amst::buffer_bytes({0, 0, 0, 0}) == 16384);
    // Each term is truncated on its own: 8 Mbps = 1e6 B/s; 20.0005 ms → 20000.5 → 20000,
    // jitter 0.0007 ms → 0.7 → 0.
    CHECK(amst::buffer_bytes({8, 20.0005, 0, 0.0007}) == 20000);
    CHECK(amst::buffer_bytes({8, 20, 0, 3}) == 23000);
}

TEST_CASE("amst: chunks clamp to [8192, 131072]") {
    CHECK(amst::chunk_bytes(81919, 10, 0) == 8192);
    CHECK(amst::chunk_bytes(81920, 10, 0) == 8192);
    CHECK(amst::chunk_bytes(81930, 10, 0) == 8193);
    CHECK(amst::chunk_bytes(1310710, 10, 0) == 131071);
    CHECK(amst::chunk_bytes(1310720, 10, 0) == 131072);
    CHECK(amst::chunk_bytes(1310730, 10, 0) == 131072);
    CHECK(amst::chunk_bytes(163840, 10, 0.03) == 8192);
    CHECK(amst::chunk_bytes(163820, 10, 0.03) == 8192);  // 8191 → 8192
}

TEST_CASE("amst: pacing is 95 % of the bandwidth in bytes, window is buffer × streams") {
    CHECK(amst::pacing_bytes_per_s(100) == 11875000);
    CHECK(amst::pacing_bytes_per_s(0) == 0);
    CHECK(amst::pacing_bytes_per_s(1) == 118750);
    CHECK(amst::window_bytes(1048576, 256) == 268435456);
    CHECK(amst::window_bytes(0, 7) == 0);
}

TEST_CASE("amst: every threshold and bound comes from Params") {
    amst::Params design;  // the original design document's 2 % stream cut
    design.stream_cut_loss = 0.02;
    CHECK(amst::stream_count({100, 50, 0.015, 5}, design) == 10);
    CHECK(amst::stream_count({100, 50, 0.015, 5}) == 7);

    amst::Params p;
    p.bandwidth_per_stream_mbps = 5;
    p.high_latency_ms = 40;
    p.high_latency_factor = 0.5;
    p.stream_cut_loss = 0.1;
    p.stream_cut_numerator = 1;
    p.stream_cut_denominator = 2;
    p.min_streams = 1;
    p.max_streams = 8;
    p.min_buffer_bytes = 0;
    p.max_buffer_bytes = 1000000;
    p.chunk_cut_loss = 0.1;
    p.chunk_cut_divisor = 4;
    p.min_chunk_bytes = 1;
    p.max_chunk_bytes = 1000000;
    p.pacing_fraction = 0.5;
    // 20 ms: base 100 / 5 = 20, no latency factor, loss 0.2 → 20 * 1 / 2 = 10, clamped to 8;
    // buffer 250000 + 12500; chunk 262500 / 8 = 32812, / 4 = 8203; pacing 100e6 * 0.5 / 8.
    CHECK(amst::settings({100, 20, 0.2, 1}, p) == Settings{8, 262500, 8203, 6250000, 2100000});
    // 50 ms > 40: 20 * 0.5 = 10, loss → 5; buffer 625000 + 12500; chunk 637500 / 5 / 4.
    CHECK(amst::settings({100, 50, 0.2, 1}, p) == Settings{5, 637500, 31875, 6250000, 3187500});
}

TEST_CASE("amst: NaN, infinite, negative inputs and loss outside [0, 1] are errors naming the field") {
    const Forecast ok{100, 50, 0, 5};
    for (double bad : {kNaN, kInf, -kInf, -1.0, -1e-300}) {
        Forecast f = ok;
        f.bandwidth_mbps = bad;
        require_invalid([&] { amst::settings(f); }, "bandwidth_mbps");
        f = ok;
        f.latency_ms = bad;
        require_invalid([&] { amst::settings(f); }, "latency_ms");
        f = ok;
        f.packet_loss = bad;
        require_invalid([&] { amst::settings(f); }, "packet_loss");
        f = ok;
        f.jitter_ms = bad;
        require_invalid([&] { amst::settings(f); }, "jitter_ms");
        require_invalid([&] { amst::pacing_bytes_per_s(bad); }, "bandwidth_mbps");
    }
    for (double bad : {above(1.0), 2.0}) {
        require_invalid([&] { amst::settings({100, 50, bad, 5}); }, "packet_loss");
        require_invalid([&] { amst::chunk_bytes(100000, 4, bad); }, "packet_loss");
    }
    CHECK_NOTHROW(amst::settings({100, 50, 1.0, 5}));
    CHECK_NOTHROW(amst::settings({0, 0, 0, 0}));
    require_invalid([] { amst::chunk_bytes(100000, 0, 0); }, "streams");
    require_invalid([] { amst::chunk_bytes(-1, 4, 0); }, "buffer_bytes");
    require_invalid([] { amst::window_bytes(100, -1); }, "streams");
}

TEST_CASE("amst: forecasts past the transport's 64-bit arithmetic are errors, not wrapped numbers") {
    require_invalid([] { amst::settings({1e300, 50, 0, 5}); }, "bandwidth_mbps");
    require_invalid([] { amst::settings({100, 1e300, 0, 5}); }, "latency_ms");
    require_invalid([] { amst::settings({100, 50, 0, 1e300}); }, "jitter_ms");
    require_invalid([] { amst::pacing_bytes_per_s(8e13); }, "pacing");
    // Both terms fit, their sum does not: 7.5e18 + 7.5e18 > 2^63.
    require_invalid([] { amst::buffer_bytes({1e12, 60000, 0, 60000}); }, "jitter buffer");
    require_invalid([] { amst::window_bytes(std::numeric_limits<std::int64_t>::max() / 2, 3); },
                    "buffer_bytes x streams");
    // Just inside: pacing of 7e13 Mbps is 8.3e18 bytes per second, still an int64.
    CHECK(amst::pacing_bytes_per_s(7e13) == 8312500000000000000);
}

TEST_CASE("amst: invalid Params are errors naming the field") {
    auto check = [](auto mutate, const std::string& field) {
        amst::Params p;
        mutate(p);
        require_invalid([&] { amst::settings({100, 50, 0, 5}, p); }, field);
    };
    check([](amst::Params& p) { p.bandwidth_per_stream_mbps = 0; }, "bandwidth_per_stream_mbps");
    check([](amst::Params& p) { p.high_latency_ms = kNaN; }, "high_latency_ms");
    check([](amst::Params& p) { p.low_latency_factor = -1; }, "low_latency_factor");
    check([](amst::Params& p) { p.stream_cut_denominator = 0; }, "stream_cut_denominator");
    check([](amst::Params& p) { p.min_streams = 0; }, "min_streams");
    check([](amst::Params& p) { p.max_streams = 1; }, "max_streams");
    check([](amst::Params& p) { p.max_buffer_bytes = 100; }, "max_buffer_bytes");
    check([](amst::Params& p) { p.chunk_cut_divisor = 0; }, "chunk_cut_divisor");
    check([](amst::Params& p) { p.min_chunk_bytes = 200000; }, "max_chunk_bytes");
    check([](amst::Params& p) { p.pacing_fraction = kInf; }, "pacing_fraction");
    check([](amst::Params& p) { p.apply_confidence = 1.5; }, "apply_confidence");
}
