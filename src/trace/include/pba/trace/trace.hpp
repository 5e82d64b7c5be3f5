#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pba/predict/sample.hpp"

namespace pba::trace {

// A measurement trace of one link, as CSV:
//
//   t_s,throughput_mbps[,rtt_ms,loss,jitter_ms]
//
// - The first line that is neither blank nor a '#' comment is the header; columns are found
//   by name, in any order. t_s and throughput_mbps are required; rtt_ms, loss (a ratio 0..1,
//   not a percentage) and jitter_ms are optional; other columns are ignored (and listed).
// - Each later non-blank, non-comment line is one row with exactly the header's cell count.
//   An empty cell (or "nan") is a missing value. Cells may be surrounded by spaces or by one
//   pair of double quotes. Lines may end in LF, CRLF or CR; a leading UTF-8 BOM is skipped.
// - Rows map to predict::Sample: t_s -> timestamp_unix_s (any origin: seconds since the
//   trace's start work as well as Unix time), throughput_mbps -> bandwidth_mbps,
//   rtt_ms -> latency_ms, loss -> packet_loss, jitter_ms -> jitter_ms.
// - Other names a collector writes are read as those columns (docs/replay.md):
//   t_s: timestamp, time, ts, time_s, timestamp_s, unix_s (seconds), t_ms, time_ms,
//   timestamp_ms, unix_ms (milliseconds); throughput_mbps: bandwidth_mbps; rtt_ms: latency_ms;
//   loss: packet_loss, loss_ratio (ratios). Two columns read as one is an error naming both.
// - A time is a number (in the column's unit) or an ISO 8601 date-time with its UTC offset,
//   2026-12-05T08:00:00Z, 2026-12-05 09:00:00.250+01:00 (no offset: refused, the instant is
//   unknown). Milliseconds are never guessed from a number's size: a millisecond count in a
//   seconds column is a time beyond predict::kMaxTimestampUnixS, which a predictor refuses.
//
// Syntax is checked here; meaning is left to the predictor. A row whose values a predictor
// would refuse or repair (missing, NaN or infinite timestamps, timestamps repeating or going
// backwards, Inf/negative values, loss above 1, long gaps) is kept exactly as written, so a
// replay shows what a transport feeding those samples would get: Predictor::observe refuses
// the row (ObserveStatus) or treats the value as missing, and counts it. TraceQuality counts
// the same cases with the same rules before any predictor sees them.

enum class Column : std::uint8_t { t_s = 0, throughput_mbps = 1, rtt_ms = 2, loss = 3, jitter_ms = 4 };
inline constexpr std::size_t kColumnCount = 5;
constexpr std::uint32_t column_bit(Column c) noexcept { return 1u << static_cast<unsigned>(c); }
const char* to_string(Column column) noexcept;

// Limits beyond which input is refused rather than read: a trace is at most 1 GiB and 10
// million rows (116 days at 1 s; a replay holds ~320 bytes per row), a line at most 4096
// bytes, a header 64 columns.
inline constexpr std::size_t kMaxTraceBytes = std::size_t{1} << 30;
inline constexpr std::size_t kMaxTraceRows = 10'000'000;
inline constexpr std::size_t kMaxLineBytes = 4096;
inline constexpr std::size_t kMaxColumns = 64;

// What a trace holds that a predictor will refuse or repair, by Predictor::observe's rules.
struct TraceQuality {
    // Rows a predictor refuses. Repeated and backwards compare with the latest row that was
    // not refused, as the predictor compares with its latest accepted sample.
    std::uint64_t invalid_timestamps = 0;    // empty, NaN, infinite, |t| > kMaxTimestampUnixS
    std::uint64_t repeated_timestamps = 0;
    std::uint64_t backwards_timestamps = 0;
    std::uint64_t usable_rows = 0;  // the others: a predictor accepts them
    // Per measured column (indexed by Column; the t_s entries stay 0), among usable rows: empty
    // or NaN cells, and values a predictor treats as missing (infinite, negative, loss above 1).
    std::array<std::uint64_t, kColumnCount> missing_values{};
    std::array<std::uint64_t, kColumnCount> invalid_values{};
    // Time between consecutive usable rows; 0 with fewer than two.
    double median_interval_s = 0.0;
    double max_interval_s = 0.0;
    double duration_s = 0.0;  // last usable row's t_s minus the first's
};

struct Trace {
    std::string source;                    // the name errors and reports use (file path)
    std::vector<predict::Sample> samples;  // one per row, in file order, values as written
    std::vector<std::uint32_t> lines;      // the 1-based line number of each row
    std::uint32_t columns = 0;             // column_bit mask of the columns present
    std::vector<std::string> ignored_columns;
    TraceQuality quality;
};

// Parses a trace held in memory; `source` names it in error messages. Throws
// Error(invalid_argument) naming the source, line and column of the first defect: no header,
// a required column missing, a column named twice (or under two names), a row with the wrong
// number of cells, a cell that is not a number (nor, for the time, an ISO 8601 time with its
// offset), a number beyond double's range, a NUL byte, no data row, or a size beyond the
// limits above.
Trace parse_trace(std::string_view text, std::string_view source = "trace");

// Reads and parses a trace file. Throws Error(io_error) when it cannot be read, else as
// parse_trace.
Trace read_trace(const std::string& path);

}  // namespace pba::trace
