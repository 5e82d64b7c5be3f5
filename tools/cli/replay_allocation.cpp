#include "replay_allocation.hpp"

#include <cmath>
#include <iterator>
#include <fmt/format.h>

namespace pba::cli {
namespace {

std::string label(const trace::AllocationPolicy& p) {
    using trace::Sizing;
    switch (p.sizing) {
        case Sizing::point:
        case Sizing::interval: {
            const char* base = p.sizing == Sizing::point ? "pba" : "pba interval-sized";
            return p.gated ? fmt::format("{}, gates, {} rule", base, predict::to_string(p.rule))
                           : fmt::format("{}, every forecast", base);
        }
        case Sizing::ewma: return "EWMA α=0.3, every sample";
        case Sizing::fixed: return "fixed";
        case Sizing::oracle: return "oracle (hindsight)";
    }
    return "";
}

std::string cell(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

}  // namespace

void print_allocation(const trace::AllocationReport& a) {
    if (!a.scored) {
        fmt::print("allocation: not scored: {}\n",
                   a.steps == 0 ? "no forecast was followed by a measured sample"
                                : "the fixed settings are beyond the transport's integer arithmetic");
        return;
    }
    const amst::Forecast& f = a.fixed_forecast;
    const amst::Settings& s = a.fixed_settings;
    fmt::print("allocation: the settings each policy holds, over {} steps against the throughput then delivered\n",
               a.steps);
    fmt::print("            (fixed, and every policy's start: {:.4g} Mbps (the median delivered), {:.4g} ms, "
               "loss {:.4g}, jitter {:.4g} ms -> streams {}, buffer {} B, chunk {} B, pacing {} B/s)\n",
               f.bandwidth_mbps, f.latency_ms, f.packet_loss, f.jitter_ms, s.streams, s.buffer_bytes, s.chunk_bytes,
               s.pacing_bytes_per_s);
    fmt::print("  {:<42} {:>9} {:>10} {:>8} {:>8} {:>8} {:>7} {:>6}\n", "policy", "overshoot", "undershoot", "applied",
               "changes", "streams", "buffer", "chunk");
    for (const trace::AllocationScore& p : a.policies)
        fmt::print("  {:<42} {:>8.1f}% {:>9.1f}% {:>8} {:>8} {:>8} {:>7} {:>6}\n", label(p.policy),
                   100.0 * p.overshoot, 100.0 * p.undershoot, p.applications, p.changes, p.streams_changes,
                   p.buffer_changes, p.chunk_changes);
    fmt::print("  overshoot: share of steps paced above the delivered throughput (queueing, loss); undershoot: mean\n"
               "  share of the delivered throughput left unused; changes: forecasts after which streams, buffer or\n"
               "  chunk changed\n");
}

AllocationColumns::AllocationColumns(const trace::AllocationReport& report)
    : report_(report), policies_(trace::allocation_policies()) {
    for (const trace::AllocationPolicy& p : policies_)
        runs_.emplace_back(p, report.fixed_settings, report.params, report.sizing);
}

std::string AllocationColumns::header() const {
    std::string out = ",next_mbps";
    for (std::size_t r = 0; r < predict::kConfidenceRuleCount; ++r)
        out += fmt::format(",confidence_{}", predict::to_string(static_cast<predict::ConfidenceRule>(r)));
    for (const trace::AllocationPolicy& p : policies_) {
        const std::string k = trace::key(p);
        out += fmt::format(",{0}_pacing_bytes_per_s,{0}_streams,{0}_buffer_bytes,{0}_chunk_bytes,{0}_overshoot,"
                           "{0}_undershoot",
                           k);
    }
    return out;
}

std::string AllocationColumns::row(const trace::ReplayPoint& point) {
    std::string out = fmt::format(",{}", cell(point.next_mbps));
    for (double c : point.confidence_by_rule) fmt::format_to(std::back_inserter(out), ",{}", cell(c));
    for (trace::PolicyRun& run : runs_) {
        if (!report_.scored) {
            out += ",,,,,,";
            continue;
        }
        const amst::Settings& s = run.act(point);
        out += fmt::format(",{},{},{},{}", s.pacing_bytes_per_s, s.streams, s.buffer_bytes, s.chunk_bytes);
        if (std::isfinite(point.next_mbps)) {
            const trace::StepScore step = trace::score_step(s.pacing_bytes_per_s, point.next_mbps);
            out += fmt::format(",{},{}", step.overshoot ? 1 : 0, step.unused_share);
        } else {
            out += ",,";
        }
    }
    return out;
}

}  // namespace pba::cli
