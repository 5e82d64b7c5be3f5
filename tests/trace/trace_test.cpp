// The trace CSV reader: accepted syntax, every refusal with its message, and what it reports
// about degenerate traces (kept as written, counted by the predictor's rules).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>
#include <sys/mman.h>

#include "pba/error.hpp"
#include "pba/trace/trace.hpp"

using pba::trace::Column;
using pba::trace::parse_trace;
using pba::trace::Trace;

namespace {

std::size_t col(Column c) { return static_cast<std::size_t>(c); }

// The message of the pba::Error parse_trace throws for `text` (fails the test if none).
std::string refusal(std::string_view text) {
    try {
        parse_trace(text, "t.csv");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::invalid_argument);
        return e.what();
    }
    FAIL("parse_trace accepted " << text);
    return {};
}

}  // namespace

TEST_CASE("trace: columns by name, optional ones mapped to the sample's fields", "[trace]") {
    const Trace t = parse_trace("jitter_ms,throughput_mbps,loss,t_s,rtt_ms\n2,100,0.01,5,40\n3,90,0.02,6,41\n");
    REQUIRE(t.samples.size() == 2);
    CHECK(t.samples[0].timestamp_unix_s == 5);
    CHECK(t.samples[0].bandwidth_mbps == 100);
    CHECK(t.samples[0].latency_ms == 40);
    CHECK(t.samples[0].packet_loss == 0.01);
    CHECK(t.samples[0].jitter_ms == 2);
    CHECK(std::isnan(t.samples[0].throughput_mbps));  // throughput maps to bandwidth only
    CHECK(t.samples[1].jitter_ms == 3);
    CHECK(t.lines == std::vector<std::uint32_t>{2, 3});
    CHECK(t.columns == 0x1f);
    CHECK(t.ignored_columns.empty());
    CHECK(t.source == "trace");
}

TEST_CASE("trace: the collector's column names are read as the canonical columns", "[trace]") {
    const Trace t = parse_trace("timestamp,bandwidth_mbps,latency_ms,packet_loss,jitter_ms,streams\n"
                                "1796457600,12.5,40,0.01,2,4\n");
    REQUIRE(t.samples.size() == 1);
    CHECK(t.samples[0].timestamp_unix_s == 1796457600);
    CHECK(t.samples[0].bandwidth_mbps == 12.5);
    CHECK(t.samples[0].latency_ms == 40);
    CHECK(t.samples[0].packet_loss == 0.01);
    CHECK(t.samples[0].jitter_ms == 2);
    CHECK(t.columns == 0x1f);
    CHECK(t.ignored_columns == std::vector<std::string>{"streams"});
    for (const char* name : {"t_s", "time", "ts", "time_s", "timestamp_s", "unix_s"})
        CHECK(parse_trace(std::string(name) + ",throughput_mbps\n7.5,1\n").samples[0].timestamp_unix_s == 7.5);
    for (const char* name : {"t_ms", "time_ms", "timestamp_ms", "unix_ms"})
        CHECK(parse_trace(std::string(name) + ",throughput_mbps\n1796457600250,1\n").samples[0].timestamp_unix_s ==
              1796457600.25);
    CHECK(parse_trace("t_s,throughput_mbps,loss_ratio\n0,1,0.5\n").samples[0].packet_loss == 0.5);
}

TEST_CASE("trace: ISO 8601 times with their UTC offset, as Unix seconds", "[trace]") {
    // Expected values from Python's datetime.fromisoformat(...).timestamp().
    const std::pair<const char*, double> cases[] = {
        {"2026-12-05T08:00:00Z", 1796457600.0},
        {"2026-12-05 08:00:00z", 1796457600.0},
        {"2000-02-29T23:59:59.5+05:30", 951848999.5},
        {"2000-02-29T23:59:59.500+0530", 951848999.5},
        {"2000-02-29T23:59:59.5+05", 951848999.5 + 30 * 60},
        {"1969-12-31T23:59:59Z", -1.0},
        {"2024-02-29T00:00:00-0800", 1709193600.0},
        {"\"2026-12-05T08:00:00.000000001Z\"", 1796457600.000000001},
    };
    for (const auto& [text, want] : cases) {
        INFO(text);
        CHECK(parse_trace(std::string("timestamp,bandwidth_mbps\n") + text + ",1\n").samples[0].timestamp_unix_s ==
              want);
    }
}

TEST_CASE("trace: a column under two names, and bad ISO 8601 times, are refused naming them", "[trace]") {
    CHECK_THAT(refusal("t_s,throughput_mbps,timestamp\n0,1,0\n"),
               Catch::Contains("line 1: columns 't_s' (column 1) and 'timestamp' (column 3) both give t_s"));
    CHECK_THAT(refusal("bandwidth_mbps,t_s,throughput_mbps\n1,0,1\n"),
               Catch::Contains("columns 'bandwidth_mbps' (column 1) and 'throughput_mbps' (column 3) both give "
                               "throughput_mbps"));
    CHECK_THAT(refusal("t_s,throughput_mbps,rtt_ms,latency_ms\n0,1,2,3\n"), Catch::Contains("both give rtt_ms"));
    CHECK_THAT(refusal("t_s,timestamp_ms,throughput_mbps\n0,1,2\n"), Catch::Contains("both give t_s"));
    CHECK_THAT(refusal("timestamp,timestamp,throughput_mbps\n0,1,2\n"),
               Catch::Contains("column 'timestamp' appears twice (columns 1 and 2)"));
    for (const char* bad : {"2026-12-05T08:00:00", "2026-13-05T08:00:00Z", "2026-02-29T08:00:00Z", "2026-12-05T24:00:00Z",
                            "2026-12-05T08:60:00Z", "2026-12-05T08:00:60Z", "2026-12-05T08:00:00.Z",
                            "2026-12-05T08:00:00+1", "2026-12-05T08:00:00+24:00", "2026-12-05T08:00:00Zjunk",
                            "2026-12-05T08:00:00 UTC"}) {
        INFO(bad);
        CHECK_THAT(refusal(std::string("timestamp,bandwidth_mbps\n") + bad + ",1\n"),
                   Catch::Contains("line 2: column 1 (timestamp): '") &&
                       Catch::Contains("is not a valid ISO 8601 time with its UTC offset"));
    }
    CHECK_THAT(refusal("timestamp,bandwidth_mbps\n2026-12-05,1\n"),
               Catch::Contains("'2026-12-05' is not a number nor an ISO 8601 time"));
    CHECK_THAT(refusal("t_s,throughput_mbps\n0,2026-12-05T08:00:00Z\n"),
               Catch::Contains("column 2 (throughput_mbps): '2026-12-05T08:00:00Z' is not a number") &&
                   !Catch::Contains("ISO"));
    CHECK_THAT(refusal("when,bandwidth_mbps\n0,1\n"),
               Catch::Contains("no 't_s' column (t_s, timestamp, time, ts, time_s, timestamp_s, unix_s, t_ms"));
}

TEST_CASE("trace: only the required columns, absent optional fields missing", "[trace]") {
    const Trace t = parse_trace("t_s,throughput_mbps\n0,12.5\n1,13\n");
    REQUIRE(t.samples.size() == 2);
    CHECK(t.samples[1].bandwidth_mbps == 13);
    CHECK(std::isnan(t.samples[1].latency_ms));
    CHECK(std::isnan(t.samples[1].packet_loss));
    CHECK(std::isnan(t.samples[1].jitter_ms));
    CHECK(t.columns == (pba::trace::column_bit(Column::t_s) | pba::trace::column_bit(Column::throughput_mbps)));
}

TEST_CASE("trace: line endings, BOM, comments, blank lines, spaces, quotes, signs", "[trace]") {
    const std::string text =
        "\xEF\xBB\xBF# measured on a train\r\n"
        "\r\n"
        " \"t_s\" , throughput_mbps ,note\r\n"
        "0, +1.5e1 ,a\r"
        "# a comment between rows\n"
        "   \n"
        "\"1\",\"16\",b";  // no final newline
    const Trace t = parse_trace(text);
    REQUIRE(t.samples.size() == 2);
    CHECK(t.samples[0].timestamp_unix_s == 0);
    CHECK(t.samples[0].bandwidth_mbps == 15);
    CHECK(t.samples[1].timestamp_unix_s == 1);
    CHECK(t.samples[1].bandwidth_mbps == 16);
    CHECK(t.lines == std::vector<std::uint32_t>{4, 7});
    CHECK(t.ignored_columns == std::vector<std::string>{"note"});
}

TEST_CASE("trace: empty cells and 'nan' are missing values", "[trace]") {
    const Trace t = parse_trace("t_s,throughput_mbps,rtt_ms\n0,,\n1,nan,NaN\n2,5,\n");
    REQUIRE(t.samples.size() == 3);
    CHECK(std::isnan(t.samples[0].bandwidth_mbps));
    CHECK(std::isnan(t.samples[1].bandwidth_mbps));
    CHECK(std::isnan(t.samples[1].latency_ms));
    CHECK(t.samples[2].bandwidth_mbps == 5);
    CHECK(t.quality.missing_values[col(Column::throughput_mbps)] == 2);
    CHECK(t.quality.missing_values[col(Column::rtt_ms)] == 3);
    CHECK(t.quality.missing_values[col(Column::loss)] == 3);  // absent column: missing everywhere
    CHECK(t.quality.usable_rows == 3);
}

TEST_CASE("trace: each defect is refused naming the source, line and column", "[trace]") {
    CHECK(refusal("") == "t.csv: empty: expected a header line t_s,throughput_mbps[,rtt_ms,loss,jitter_ms]");
    CHECK(refusal("# only a comment\n\n") ==
          "t.csv: empty: expected a header line t_s,throughput_mbps[,rtt_ms,loss,jitter_ms]");
    CHECK(refusal("0,1.5\n1,2\n") ==
          "t.csv line 1: expected a header naming the columns (t_s,throughput_mbps[,rtt_ms,loss,jitter_ms]), "
          "found data '0,1.5'");
    CHECK(refusal("t_s,bandwidth\n0,1\n") ==
          "t.csv line 1: no 'throughput_mbps' column (throughput_mbps, bandwidth_mbps): the header 't_s,bandwidth' "
          "needs a time and a throughput column");
    CHECK(refusal("when,throughput_mbps\n0,1\n") ==
          "t.csv line 1: no 't_s' column (t_s, timestamp, time, ts, time_s, timestamp_s, unix_s, t_ms, time_ms, "
          "timestamp_ms, unix_ms): the header 'when,throughput_mbps' needs a time and a throughput column");
    CHECK(refusal("t_s,throughput_mbps,t_s\n0,1,0\n") == "t.csv line 1: column 't_s' appears twice (columns 1 and 3)");
    CHECK(refusal("t_s,throughput_mbps\n") == "t.csv: no data rows after the header on line 1");
    CHECK(refusal("t_s,throughput_mbps\n# nothing\n\n") == "t.csv: no data rows after the header on line 1");
    CHECK(refusal("t_s,throughput_mbps\n0,1\n1,2,3\n") == "t.csv line 3: 3 cells, the header has 2");
    CHECK(refusal("t_s,throughput_mbps\n0,1\n1\n") == "t.csv line 3: 1 cell, the header has 2");
    CHECK(refusal("t_s,throughput_mbps\n0,1\n1,abc\n") ==
          "t.csv line 3: column 2 (throughput_mbps): 'abc' is not a number");
    CHECK(refusal("throughput_mbps,t_s\n1,0x10\n") ==
          "t.csv line 2: column 2 (t_s): '0x10' is not a number nor an ISO 8601 time (2026-12-05T08:00:00Z)");
    CHECK(refusal("t_s,throughput_mbps\n0,1.5.2\n") ==
          "t.csv line 2: column 2 (throughput_mbps): '1.5.2' is not a number");
    CHECK(refusal("t_s,throughput_mbps\n0,12 Mbps\n") ==
          "t.csv line 2: column 2 (throughput_mbps): '12 Mbps' is not a number");
    CHECK(refusal("t_s,throughput_mbps\n0,+\n") == "t.csv line 2: column 2 (throughput_mbps): '+' is not a number");
    CHECK(refusal("t_s,throughput_mbps\n0,1e400\n") ==
          "t.csv line 2: column 2 (throughput_mbps): '1e400' is beyond the range of a double");
    CHECK(refusal(std::string_view("t_s,throughput_mbps\n0,1\0\n", 25)) == "t.csv line 2: NUL byte: not a text file");
    CHECK(refusal("t_s,throughput_mbps\n0,\x80\x81\n") ==
          "t.csv line 2: column 2 (throughput_mbps): '?""?' is not a number");
    CHECK(refusal("t_s,throughput_mbps,rtt_ms\n0,1,\"5\n") ==
          "t.csv line 2: column 3 (rtt_ms): '\"5' is not a number");
}

TEST_CASE("trace: absurd sizes are refused before they cost memory or time", "[trace]") {
    const std::string long_line = "t_s,throughput_mbps\n0," + std::string(5000, '1') + "\n";
    CHECK(refusal(long_line) == "t.csv line 2: 5002 bytes, longer than the 4096 a line may have");

    std::string wide = "t_s,throughput_mbps";
    for (int i = 0; i < 63; ++i) wide += ",x" + std::to_string(i);
    CHECK(refusal(wide + "\n0,1\n") == "t.csv line 1: more than 64 columns in the header");
    std::string row = "0,1";
    for (int i = 0; i < 70; ++i) row += ",1";
    CHECK(refusal("t_s,throughput_mbps\n" + row + "\n") == "t.csv line 2: more than 64 cells, the header has 2");

    // Rows beyond kMaxTraceRows: "0,0\n" rows are 4 bytes, so 10 million fit in 40 MB.
    std::string many = "t_s,throughput_mbps\n";
    many.reserve(many.size() + 4 * (pba::trace::kMaxTraceRows + 1));
    for (std::size_t i = 0; i <= pba::trace::kMaxTraceRows; ++i) many += "0,0\n";
    CHECK(refusal(many) == "t.csv: 10000001 rows, more than the 10000000 a trace may have");

    // A text of kMaxTraceBytes + 1 is refused by its size alone: map it without committing memory.
    const std::size_t size = pba::trace::kMaxTraceBytes + 1;
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(p != MAP_FAILED);
    CHECK(refusal(std::string_view(static_cast<const char*>(p), size)) ==
          "t.csv: 1073741825 bytes, more than the 1073741824 a trace may have");
    munmap(p, size);
}

TEST_CASE("trace: files: read, missing, a directory", "[trace]") {
    const auto dir = std::filesystem::temp_directory_path() / "pba_trace_test";
    std::filesystem::create_directories(dir);
    const auto path = (dir / "ok.csv").string();
    std::ofstream(path) << "t_s,throughput_mbps\r\n0,1\r\n1,2\r\n";
    const Trace t = pba::trace::read_trace(path);
    CHECK(t.samples.size() == 2);
    CHECK(t.source == path);

    std::ofstream(dir / "bad.csv") << "t_s,throughput_mbps\n0,x\n";
    CHECK_THROWS_WITH(pba::trace::read_trace((dir / "bad.csv").string()),
                      (dir / "bad.csv").string() + " line 2: column 2 (throughput_mbps): 'x' is not a number");
    try {
        pba::trace::read_trace((dir / "missing.csv").string());
        FAIL("a missing file was read");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::io_error);
        CHECK(std::string(e.what()) == "cannot open trace '" + (dir / "missing.csv").string() + "': No such file or directory");
    }
    try {
        pba::trace::read_trace(dir.string());
        FAIL("a directory was read");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::io_error);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("trace: degenerate values are kept as written and counted by the predictor's rules", "[trace][degenerate]") {
    const Trace t = parse_trace(
        "t_s,throughput_mbps,rtt_ms,loss,jitter_ms\n"
        "0,inf,-1,1.5,-inf\n"   // every value invalid
        "1,-3,20,0,0\n"         // negative bandwidth
        "2,0,0,1,0\n"           // zeros and loss = 1 are valid
        "3,-0,nan,,1e308\n");  // -0 is not negative; 1e308 is finite
    REQUIRE(t.samples.size() == 4);
    CHECK(std::isinf(t.samples[0].bandwidth_mbps));
    CHECK(t.samples[0].latency_ms == -1);
    CHECK(t.samples[0].packet_loss == 1.5);
    CHECK(t.samples[1].bandwidth_mbps == -3);
    const auto& q = t.quality;
    CHECK(q.usable_rows == 4);
    CHECK(q.invalid_values[col(Column::throughput_mbps)] == 2);
    CHECK(q.invalid_values[col(Column::rtt_ms)] == 1);
    CHECK(q.invalid_values[col(Column::loss)] == 1);
    CHECK(q.invalid_values[col(Column::jitter_ms)] == 1);
    CHECK(q.missing_values[col(Column::rtt_ms)] == 1);
    CHECK(q.missing_values[col(Column::loss)] == 1);
    CHECK(q.invalid_values[col(Column::t_s)] == 0);
    CHECK(q.missing_values[col(Column::t_s)] == 0);
}

TEST_CASE("trace: timestamps refused as the predictor refuses them", "[trace][degenerate]") {
    const Trace t = parse_trace(
        "t_s,throughput_mbps\n"
        "10,1\n"
        ",1\n"         // missing: invalid
        "nan,1\n"      // invalid
        "inf,1\n"      // invalid
        "1.7e12,1\n"   // milliseconds: beyond kMaxTimestampUnixS
        "11,1\n"
        "11,2\n"       // repeated
        "5,1\n"        // backwards
        "11,1\n"       // still repeated: compared with the latest usable row (11), not with 5
        "12,1\n"
        "1012,1\n");   // a 1000 s gap: usable
    const auto& q = t.quality;
    CHECK(t.samples.size() == 11);
    CHECK(std::isnan(t.samples[1].timestamp_unix_s));
    CHECK(q.invalid_timestamps == 4);
    CHECK(q.repeated_timestamps == 2);
    CHECK(q.backwards_timestamps == 1);
    CHECK(q.usable_rows == 4);
    CHECK(q.duration_s == 1002);
    CHECK(q.max_interval_s == 1000);
    CHECK(q.median_interval_s == 1);  // intervals 1, 1, 1000
}

TEST_CASE("trace: all-zero and constant traces are ordinary traces", "[trace][degenerate]") {
    const Trace zeros = parse_trace("t_s,throughput_mbps\n0,0\n1,0\n2,0\n");
    CHECK(zeros.quality.usable_rows == 3);
    CHECK(zeros.quality.invalid_values[col(Column::throughput_mbps)] == 0);
    CHECK(zeros.quality.missing_values[col(Column::throughput_mbps)] == 0);
    const Trace one = parse_trace("t_s,throughput_mbps\n7,5\n");
    CHECK(one.quality.usable_rows == 1);
    CHECK(one.quality.median_interval_s == 0);
    CHECK(one.quality.duration_s == 0);
}
