#include "pba/trace/trace.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <system_error>

#include "pba/error.hpp"

namespace pba::trace {
namespace {

constexpr std::array<std::string_view, kColumnCount> kNames = {"t_s", "throughput_mbps", "rtt_ms", "loss",
                                                               "jitter_ms"};

// Header names read as each column (trace.hpp). Times in milliseconds are read as such only
// under a name that says so: a number's size is not trusted to tell.
struct Alias {
    std::string_view name;
    Column column;
    double divisor;  // to the column's unit
};
constexpr Alias kAliases[] = {
    {"t_s", Column::t_s, 1.0},
    {"timestamp", Column::t_s, 1.0},
    {"time", Column::t_s, 1.0},
    {"ts", Column::t_s, 1.0},
    {"time_s", Column::t_s, 1.0},
    {"timestamp_s", Column::t_s, 1.0},
    {"unix_s", Column::t_s, 1.0},
    {"t_ms", Column::t_s, 1000.0},
    {"time_ms", Column::t_s, 1000.0},
    {"timestamp_ms", Column::t_s, 1000.0},
    {"unix_ms", Column::t_s, 1000.0},
    {"throughput_mbps", Column::throughput_mbps, 1.0},
    {"bandwidth_mbps", Column::throughput_mbps, 1.0},
    {"rtt_ms", Column::rtt_ms, 1.0},
    {"latency_ms", Column::rtt_ms, 1.0},
    {"loss", Column::loss, 1.0},
    {"packet_loss", Column::loss, 1.0},
    {"loss_ratio", Column::loss, 1.0},
    {"jitter_ms", Column::jitter_ms, 1.0},
};

const Alias* find_alias(std::string_view name) {
    for (const Alias& a : kAliases)
        if (a.name == name) return &a;
    return nullptr;
}
constexpr std::array<predict::SampleField, kColumnCount> kFields = {
    predict::SampleField::bandwidth_mbps,  // unused for t_s
    predict::SampleField::bandwidth_mbps, predict::SampleField::latency_ms, predict::SampleField::packet_loss,
    predict::SampleField::jitter_ms};

[[noreturn]] void fail(std::string_view source, std::size_t line, const std::string& what) {
    throw Error(Errc::invalid_argument, fmt::format("{} line {}: {}", source, line, what));
}

// A cell as it may be quoted in a message: at most 40 bytes, non-printable bytes as '?'.
std::string quoted(std::string_view cell) {
    std::string out;
    for (char c : cell.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (cell.size() > 40) out += "...";
    return "'" + out + "'";
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    s = s.substr(first, s.find_last_not_of(" \t") - first + 1);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

// Splits `line` at commas into `cells` (trimmed); false when there are more than kMaxColumns.
bool split(std::string_view line, std::vector<std::string_view>& cells) {
    cells.clear();
    for (;;) {
        if (cells.size() == kMaxColumns) return false;
        const auto comma = line.find(',');
        cells.push_back(trim(line.substr(0, comma)));
        if (comma == std::string_view::npos) return true;
        line.remove_prefix(comma + 1);
    }
}

enum class Parsed { number, missing, not_a_number, out_of_range, bad_time };

Parsed parse_cell(std::string_view cell, double& value) {
    if (cell.empty()) return Parsed::missing;
    const char* first = cell.data();
    const char* last = cell.data() + cell.size();
    if (*first == '+') ++first;
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec == std::errc::result_out_of_range) return Parsed::out_of_range;
    if (ec != std::errc() || end != last || first == last) return Parsed::not_a_number;
    return std::isnan(value) ? Parsed::missing : Parsed::number;
}

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (H. Hinnant's days_from_civil).
long long days_from_civil(long long y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

// `count` digits at `pos` of `s` as a number; false if they are not all digits.
bool digits(std::string_view s, std::size_t pos, std::size_t count, unsigned& out) {
    if (pos + count > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

// An ISO 8601 date-time with its UTC offset, YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM|+HHMM|+HH]
// ('T' or a space between date and time), as Unix seconds. Without an offset the instant is
// unknown (local time of where?), so it is refused; so is a field out of range.
Parsed parse_iso8601(std::string_view cell, double& unix_s) {
    unsigned year, month, day, hour, minute, second;
    if (!digits(cell, 0, 4, year) || cell.size() < 19 || cell[4] != '-' || !digits(cell, 5, 2, month) ||
        cell[7] != '-' || !digits(cell, 8, 2, day) || (cell[10] != 'T' && cell[10] != 't' && cell[10] != ' ') ||
        !digits(cell, 11, 2, hour) || cell[13] != ':' || !digits(cell, 14, 2, minute) || cell[16] != ':' ||
        !digits(cell, 17, 2, second))
        return Parsed::not_a_number;
    static constexpr unsigned kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > kMonthDays[month - 1] || (month == 2 && day == 29 && !leap) ||
        hour > 23 || minute > 59 || second > 59)
        return Parsed::bad_time;
    std::size_t pos = 19;
    double fraction = 0.0;
    if (pos < cell.size() && cell[pos] == '.') {
        // Up to nanoseconds; further digits are below a double's resolution at Unix times.
        std::uint64_t numerator = 0, denominator = 1;
        const std::size_t first = ++pos;
        for (; pos < cell.size() && cell[pos] >= '0' && cell[pos] <= '9'; ++pos) {
            if (pos - first >= 9) continue;
            numerator = numerator * 10 + static_cast<std::uint64_t>(cell[pos] - '0');
            denominator *= 10;
        }
        if (pos == first) return Parsed::bad_time;
        fraction = static_cast<double>(numerator) / static_cast<double>(denominator);
    }
    long long offset_s = 0;
    if (pos == cell.size()) return Parsed::bad_time;  // no offset
    if (cell[pos] == 'Z' || cell[pos] == 'z') {
        ++pos;
    } else if (cell[pos] == '+' || cell[pos] == '-') {
        const int sign = cell[pos] == '-' ? -1 : 1;
        unsigned oh, om = 0;
        if (!digits(cell, pos + 1, 2, oh)) return Parsed::bad_time;
        pos += 3;
        if (pos < cell.size()) {
            if (cell[pos] == ':') ++pos;
            if (!digits(cell, pos, 2, om)) return Parsed::bad_time;
            pos += 2;
        }
        if (oh > 23 || om > 59) return Parsed::bad_time;
        offset_s = sign * static_cast<long long>(oh * 3600 + om * 60);
    } else {
        return Parsed::bad_time;
    }
    if (pos != cell.size()) return Parsed::bad_time;
    const long long whole = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
    unix_s = static_cast<double>(whole) + fraction;
    return Parsed::number;
}

// Lines of a text, ending at LF, CRLF or CR; 1-based numbers.
class Lines {
public:
    explicit Lines(std::string_view text) : text_(text) {}
    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        const auto end = text_.find_first_of("\r\n", pos_);
        const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
        line = text_.substr(pos_, stop - pos_);
        pos_ = stop;
        if (pos_ < text_.size()) pos_ += (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ? 2 : 1;
        ++number_;
        return true;
    }
    std::size_t number() const noexcept { return number_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t number_ = 0;
};

bool skipped(std::string_view line) {
    const auto first = line.find_first_not_of(" \t");
    return first == std::string_view::npos || line[first] == '#';
}

double& slot(predict::Sample& s, Column c) {
    switch (c) {
        case Column::t_s: break;
        case Column::throughput_mbps: return s.bandwidth_mbps;
        case Column::rtt_ms: return s.latency_ms;
        case Column::loss: return s.packet_loss;
        case Column::jitter_ms: return s.jitter_ms;
    }
    return s.timestamp_unix_s;
}
double value(predict::Sample s, Column c) { return slot(s, c); }

void assess(Trace& trace) {
    TraceQuality& q = trace.quality;
    std::vector<double> intervals;
    std::optional<double> first, last;
    for (const predict::Sample& s : trace.samples) {
        const double t = s.timestamp_unix_s;
        if (!predict::is_valid_timestamp(t)) {
            ++q.invalid_timestamps;
            continue;
        }
        if (last && t == *last) {
            ++q.repeated_timestamps;
            continue;
        }
        if (last && t < *last) {
            ++q.backwards_timestamps;
            continue;
        }
        ++q.usable_rows;
        if (last) intervals.push_back(t - *last);
        if (!first) first = t;
        last = t;
        for (std::size_t c = 1; c < kColumnCount; ++c) {
            const double v = value(s, static_cast<Column>(c));
            if (std::isnan(v))
                ++q.missing_values[c];
            else if (!predict::is_valid_value(kFields[c], v))
                ++q.invalid_values[c];
        }
    }
    if (first) q.duration_s = *last - *first;
    if (!intervals.empty()) {
        q.max_interval_s = *std::max_element(intervals.begin(), intervals.end());
        auto mid = intervals.begin() + static_cast<std::ptrdiff_t>(intervals.size() / 2);
        std::nth_element(intervals.begin(), mid, intervals.end());
        q.median_interval_s = *mid;
    }
}

}  // namespace

const char* to_string(Column column) noexcept {
    const auto i = static_cast<std::size_t>(column);
    return i < kColumnCount ? kNames[i].data() : "unknown";
}

Trace parse_trace(std::string_view text, std::string_view source) {
    if (text.size() > kMaxTraceBytes)
        throw Error(Errc::invalid_argument, fmt::format("{}: {} bytes, more than the {} a trace may have", source,
                                                        text.size(), kMaxTraceBytes));
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

    Trace trace;
    trace.source = std::string(source);
    Lines lines(text);
    std::string_view line;
    std::vector<std::string_view> cells;
    auto read_line = [&]() {
        while (lines.next(line)) {
            if (line.size() > kMaxLineBytes)
                fail(source, lines.number(), fmt::format("{} bytes, longer than the {} a line may have", line.size(),
                                                         kMaxLineBytes));
            if (line.find('\0') != std::string_view::npos)
                fail(source, lines.number(), "NUL byte: not a text file");
            if (!skipped(line)) return true;
        }
        return false;
    };

    // Header: where each known column is.
    if (!read_line())
        throw Error(Errc::invalid_argument,
                    fmt::format("{}: empty: expected a header line t_s,throughput_mbps[,rtt_ms,loss,jitter_ms]", source));
    const std::size_t header_line = lines.number();
    if (!split(line, cells))
        fail(source, header_line, fmt::format("more than {} columns in the header", kMaxColumns));
    const std::size_t width = cells.size();
    std::array<int, kColumnCount> position;
    position.fill(-1);
    std::array<const Alias*, kColumnCount> named{};  // the header name each column was found by
    for (std::size_t i = 0; i < width; ++i) {
        const Alias* alias = find_alias(cells[i]);
        if (alias == nullptr) {
            trace.ignored_columns.emplace_back(cells[i]);
            continue;
        }
        const auto c = static_cast<std::size_t>(alias->column);
        if (position[c] >= 0 && named[c] == alias)
            fail(source, header_line,
                 fmt::format("column '{}' appears twice (columns {} and {})", alias->name, position[c] + 1, i + 1));
        if (position[c] >= 0)
            fail(source, header_line,
                 fmt::format("columns '{}' (column {}) and '{}' (column {}) both give {}: keep one", named[c]->name,
                             position[c] + 1, alias->name, i + 1, kNames[c]));
        position[c] = static_cast<int>(i);
        named[c] = alias;
        trace.columns |= column_bit(static_cast<Column>(c));
    }
    for (Column required : {Column::t_s, Column::throughput_mbps}) {
        if (position[static_cast<std::size_t>(required)] >= 0) continue;
        double ignored;
        const bool numeric = std::all_of(cells.begin(), cells.end(), [&](std::string_view c) {
            return parse_cell(c, ignored) != Parsed::not_a_number;
        });
        if (numeric)
            fail(source, header_line,
                 fmt::format("expected a header naming the columns (t_s,throughput_mbps[,rtt_ms,loss,jitter_ms]), "
                             "found data {}",
                             quoted(line)));
        std::string names;
        for (const Alias& a : kAliases)
            if (a.column == required) names += fmt::format("{}{}", names.empty() ? "" : ", ", a.name);
        fail(source, header_line,
             fmt::format("no '{}' column ({}): the header {} needs a time and a throughput column", to_string(required),
                         names, quoted(line)));
    }

    // Rows: counted first, so that too many are refused before memory is taken for them.
    std::size_t rows = 0;
    for (Lines ahead = lines; ahead.next(line);) rows += skipped(line) ? 0 : 1;
    if (rows > kMaxTraceRows)
        throw Error(Errc::invalid_argument,
                    fmt::format("{}: {} rows, more than the {} a trace may have", source, rows, kMaxTraceRows));
    trace.samples.reserve(rows);
    trace.lines.reserve(rows);
    while (read_line()) {
        const std::size_t n = lines.number();
        if (!split(line, cells)) fail(source, n, fmt::format("more than {} cells, the header has {}", kMaxColumns, width));
        if (cells.size() != width)
            fail(source, n, fmt::format("{} cell{}, the header has {}", cells.size(), cells.size() == 1 ? "" : "s", width));
        predict::Sample sample;
        for (std::size_t c = 0; c < kColumnCount; ++c) {
            if (position[c] < 0) continue;
            const std::string_view cell = cells[static_cast<std::size_t>(position[c])];
            double& value = slot(sample, static_cast<Column>(c));
            Parsed parsed = parse_cell(cell, value);
            if (parsed == Parsed::number) value /= named[c]->divisor;
            const bool is_time = c == static_cast<std::size_t>(Column::t_s);
            if (parsed == Parsed::not_a_number && is_time) parsed = parse_iso8601(cell, value);
            switch (parsed) {
                case Parsed::number: break;
                case Parsed::missing: value = predict::kMissing; break;
                case Parsed::not_a_number:
                    fail(source, n, fmt::format("column {} ({}): {} is not a number{}", position[c] + 1,
                                                named[c]->name, quoted(cell),
                                                is_time ? " nor an ISO 8601 time (2026-12-05T08:00:00Z)" : ""));
                case Parsed::out_of_range:
                    fail(source, n, fmt::format("column {} ({}): {} is beyond the range of a double", position[c] + 1,
                                                named[c]->name, quoted(cell)));
                case Parsed::bad_time:
                    fail(source, n, fmt::format("column {} ({}): {} is not a valid ISO 8601 time with its UTC offset "
                                                "(Z or +HH:MM), as 2026-12-05T08:00:00Z",
                                                position[c] + 1, named[c]->name, quoted(cell)));
            }
        }
        trace.samples.push_back(sample);
        trace.lines.push_back(static_cast<std::uint32_t>(n));
    }
    if (trace.samples.empty())
        throw Error(Errc::invalid_argument,
                    fmt::format("{}: no data rows after the header on line {}", source, header_line));
    assess(trace);
    return trace;
}

Trace read_trace(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(Errc::io_error,
                    fmt::format("cannot open trace '{}': {}", path, std::generic_category().message(errno)));
    std::string text;
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        if (text.size() + static_cast<std::size_t>(in.gcount()) > kMaxTraceBytes)
            throw Error(Errc::invalid_argument,
                        fmt::format("{}: more than the {} bytes a trace may have", path, kMaxTraceBytes));
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw Error(Errc::io_error, fmt::format("cannot read trace '{}'", path));
    return parse_trace(text, path);
}

}  // namespace pba::trace
