#include "pba/trace/allocation_score.hpp"

#include <algorithm>
#include <cmath>

#include "pba/amst/decisions.hpp"
#include "pba/error.hpp"
#include "pba/trace/replay.hpp"

namespace pba::trace {
namespace {

using predict::ConfidenceRule;
using predict::kConfidenceRuleCount;

// Nearest rank: the smallest value with at least half of the values at or below it; 0 for none.
double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    const std::size_t rank = (values.size() + 1) / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank - 1), values.end());
    return values[rank - 1];
}

amst::Forecast forecast_of(const ReplayPoint& p, double bandwidth_mbps) {
    return {bandwidth_mbps, p.latency_ms, p.packet_loss, p.jitter_ms};
}

}  // namespace

const char* to_string(Sizing sizing) noexcept {
    switch (sizing) {
        case Sizing::point: return "point";
        case Sizing::interval: return "interval";
        case Sizing::ewma: return "ewma";
        case Sizing::fixed: return "fixed";
        case Sizing::oracle: return "oracle";
    }
    return "unknown";
}

std::vector<AllocationPolicy> allocation_policies() {
    std::vector<AllocationPolicy> out;
    for (Sizing sizing : {Sizing::point, Sizing::interval}) {
        for (std::size_t r = 0; r < kConfidenceRuleCount; ++r)
            out.push_back({sizing, true, static_cast<ConfidenceRule>(r)});
        out.push_back({sizing, false, ConfidenceRule::transport});
    }
    for (Sizing sizing : {Sizing::ewma, Sizing::fixed, Sizing::oracle})
        out.push_back({sizing, false, ConfidenceRule::transport});
    return out;
}

std::string key(const AllocationPolicy& policy) {
    if (policy.sizing != Sizing::point && policy.sizing != Sizing::interval) return to_string(policy.sizing);
    const std::string base = policy.sizing == Sizing::point ? "pba" : "interval";
    return policy.gated ? base + "_gated_" + predict::to_string(policy.rule) : base + "_every";
}

StepScore score_step(std::int64_t pacing_bytes_per_s, double delivered_mbps) noexcept {
    const double pacing_mbps = static_cast<double>(pacing_bytes_per_s) * 8.0 / 1e6;
    StepScore s;
    s.overshoot = pacing_mbps > delivered_mbps;
    if (delivered_mbps > 0.0) s.unused_share = std::max(0.0, delivered_mbps - pacing_mbps) / delivered_mbps;
    return s;
}

PolicyRun::PolicyRun(const AllocationPolicy& policy, const amst::Settings& initial, const amst::Params& params,
                     const amst::IntervalSizing& sizing)
    : policy_(policy), params_(params), sizing_(sizing), held_(initial) {
    amst::validate(params_);
    amst::validate(sizing_);
}

const amst::Settings& PolicyRun::act(const ReplayPoint& p) {
    if (policy_.gated && !amst::should_apply(p.confidence_by_rule[static_cast<std::size_t>(policy_.rule)], params_))
        return held_;
    try {
        switch (policy_.sizing) {
            case Sizing::point: held_ = amst::settings(forecast_of(p, p.predicted_mbps), params_); break;
            case Sizing::interval:
                held_ = amst::interval_settings(forecast_of(p, p.predicted_mbps), {p.low_mbps, p.high_mbps}, params_,
                                                sizing_);
                break;
            case Sizing::ewma: {
                const double ewma = p.baseline_mbps[static_cast<std::size_t>(Method::ewma)];
                if (!std::isfinite(ewma)) return held_;
                held_ = amst::settings(forecast_of(p, ewma), params_);
                break;
            }
            case Sizing::fixed: return held_;
            case Sizing::oracle:
                if (!std::isfinite(p.next_mbps)) return held_;
                held_ = amst::settings(forecast_of(p, p.next_mbps), params_);
                break;
        }
    } catch (const Error&) {
        ++not_computable_;
        return held_;
    }
    ++applications_;
    return held_;
}

AllocationReport score_allocation(const std::vector<ReplayPoint>& points, const amst::Params& params,
                                  const amst::IntervalSizing& sizing) {
    amst::validate(params);
    amst::validate(sizing);
    AllocationReport report;
    report.params = params;
    report.sizing = sizing;
    std::vector<double> delivered, latency, loss, jitter;
    for (const ReplayPoint& p : points) {
        if (std::isfinite(p.next_mbps)) delivered.push_back(p.next_mbps);
        latency.push_back(p.latency_ms);
        loss.push_back(p.packet_loss);
        jitter.push_back(p.jitter_ms);
    }
    report.steps = delivered.size();
    report.fixed_forecast = {median(delivered), median(latency), median(loss), median(jitter)};
    if (report.steps == 0) return report;
    try {
        report.fixed_settings = amst::settings(report.fixed_forecast, params);
    } catch (const Error&) {
        return report;
    }
    report.scored = true;
    for (const AllocationPolicy& policy : allocation_policies()) {
        PolicyRun run(policy, report.fixed_settings, params, sizing);
        AllocationScore score;
        score.policy = policy;
        double unused_sum = 0.0;
        for (const ReplayPoint& p : points) {
            const amst::Settings before = run.held();
            const amst::Settings& after = run.act(p);
            const bool streams = after.streams != before.streams, buffer = after.buffer_bytes != before.buffer_bytes,
                       chunk = after.chunk_bytes != before.chunk_bytes;
            score.streams_changes += streams;
            score.buffer_changes += buffer;
            score.chunk_changes += chunk;
            score.changes += streams || buffer || chunk;
            if (!std::isfinite(p.next_mbps)) continue;
            const StepScore step = score_step(after.pacing_bytes_per_s, p.next_mbps);
            ++score.steps;
            score.overshoot_steps += step.overshoot;
            unused_sum += step.unused_share;
        }
        score.overshoot = static_cast<double>(score.overshoot_steps) / static_cast<double>(score.steps);
        score.undershoot = unused_sum / static_cast<double>(score.steps);
        score.applications = run.applications();
        score.not_computable = run.not_computable();
        report.policies.push_back(score);
    }
    return report;
}

}  // namespace pba::trace
