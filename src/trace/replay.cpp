#include "pba/trace/replay.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "pba/amst/decisions.hpp"
#include "pba/error.hpp"
#include "pba/predict/link_predictor.hpp"
#include "pba/predict/running_mean.hpp"

namespace pba::trace {
namespace {

using predict::kMissing;

using Mean = predict::RunningMean;

// The bandwidths of the newest kBaselineSamples samples in the predictor's window.
class RecentBandwidth {
public:
    void clear() noexcept { size_ = 0; }
    void push(double mbps) noexcept {
        values_[(head_ + size_) % values_.size()] = mbps;
        if (size_ < values_.size())
            ++size_;
        else
            head_ = (head_ + 1) % values_.size();
    }
    // persistence, moving average, EWMA over the finite ones; NaN without any.
    std::array<double, kMethodCount> baselines() const noexcept {
        std::array<double, kMethodCount> out{kMissing, kMissing, kMissing, kMissing};
        Mean mean;  // the values are cleaned bandwidths: finite and >= 0
        double ewma = kMissing, newest = kMissing;
        for (std::size_t i = 0; i < size_; ++i) {
            const double v = values_[(head_ + i) % values_.size()];
            if (!std::isfinite(v)) continue;
            mean.add(v);
            ewma = mean.count() == 1 ? v : kEwmaAlpha * v + (1.0 - kEwmaAlpha) * ewma;
            newest = v;
        }
        if (mean.count() == 0) return out;
        out[static_cast<std::size_t>(Method::persistence)] = newest;
        out[static_cast<std::size_t>(Method::moving_average)] = mean.mean();
        out[static_cast<std::size_t>(Method::ewma)] = ewma;
        return out;
    }

private:
    std::array<double, kBaselineSamples> values_{};
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

// The accepted samples' times and (cleaned) bandwidths, for matching forecasts to actuals.
struct Accepted {
    std::vector<double> t_s;
    std::vector<double> mbps;
};

// See ReplayPoint::actual_mbps; `first` is the index of the first sample after the forecast.
double actual_of(const ReplayPoint& p, const Accepted& a, std::size_t first) {
    const std::uint32_t steps = std::max<std::uint32_t>(p.horizon_steps, 1);
    const double tolerance = 0.5 * p.horizon_s / steps;
    const auto begin = a.t_s.begin() + static_cast<std::ptrdiff_t>(first);
    const auto settle = std::lower_bound(begin, a.t_s.end(), p.target_t_s - tolerance);
    if (settle == a.t_s.end()) return kMissing;  // the trace ended first
    const auto j = static_cast<std::size_t>(settle - a.t_s.begin());
    const bool in_time = *settle <= p.target_t_s + tolerance;
    if (p.target == predict::ForecastTarget::value_at) return in_time ? a.mbps[j] : kMissing;
    const std::size_t end = in_time ? j + 1 : j;
    Mean mean;  // cleaned bandwidths: finite and >= 0
    for (std::size_t k = first; k < end; ++k)
        if (std::isfinite(a.mbps[k])) mean.add(a.mbps[k]);
    return mean.count() > 0 && mean.count() >= (steps + 1) / 2 ? mean.mean() : kMissing;
}

predict::SampleCounts operator-(const predict::SampleCounts& a, const predict::SampleCounts& b) {
    return {a.accepted - b.accepted,
            a.refused_invalid_timestamp - b.refused_invalid_timestamp,
            a.refused_repeated_timestamp - b.refused_repeated_timestamp,
            a.refused_backwards_timestamp - b.refused_backwards_timestamp,
            a.window_resets - b.window_resets,
            a.dropped_values - b.dropped_values};
}

// A point's error saturated at DBL_MAX, where it is too large for a double: |predicted -
// actual| of finite values of opposite signs, or |predicted - actual| / actual near DBL_MAX / 0.1.
double saturated(double error) noexcept { return std::min(error, std::numeric_limits<double>::max()); }

struct ScoreAccumulator {
    Mean abs_error;
    Mean pct_error;  // over actuals >= kMapeMinActualMbps
    std::uint64_t within = 0;

    void add(double predicted, double actual) noexcept {
        const double error = saturated(std::abs(predicted - actual));
        abs_error.add(error);
        if (actual >= kMapeMinActualMbps) pct_error.add(saturated(error / actual));
        if (error <= 0.2 * actual) ++within;
    }
    MethodScore score() const noexcept {
        MethodScore s;
        s.count = abs_error.count();
        s.mae_mbps = abs_error.mean();
        if (s.count > 0) s.within_20pct = static_cast<double>(within) / static_cast<double>(s.count);
        s.mape_count = pct_error.count();
        s.mape = pct_error.mean();
        return s;
    }
};

Comparison compare(const std::vector<ReplayPoint>& points, bool model_only) {
    std::array<ScoreAccumulator, kMethodCount> scores{};
    ScoreAccumulator served;
    std::array<ScoreAccumulator, predict::kAggregationMemberCount> members{};
    for (const ReplayPoint& p : points) {
        if (model_only && !p.bandwidth_from_model) continue;
        if (!std::isfinite(p.actual_mbps) || !std::isfinite(p.baseline_mbps[1])) continue;
        scores[0].add(model_only && p.aggregated ? p.network_mbps : p.predicted_mbps, p.actual_mbps);
        served.add(p.predicted_mbps, p.actual_mbps);
        for (std::size_t m = 1; m < kMethodCount; ++m) scores[m].add(p.baseline_mbps[m], p.actual_mbps);
        if (!p.aggregated) continue;
        for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m)
            if (std::isfinite(p.member_mbps[m])) members[m].add(p.member_mbps[m], p.actual_mbps);
    }
    Comparison c;
    c.points = scores[0].abs_error.count();
    for (std::size_t m = 0; m < kMethodCount; ++m) c.methods[m] = scores[m].score();
    c.served = served.score();
    for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m) c.members[m] = members[m].score();
    return c;
}

// Nearest rank: the smallest value with at least q of the values at or below it.
double percentile(const std::vector<double>& sorted, double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

AmstReplay amst_of(const std::vector<ReplayPoint>& points, const amst::Params& params) {
    AmstReplay a;
    for (const ReplayPoint& p : points) {
        const amst::Forecast f{p.predicted_mbps, p.latency_ms, p.packet_loss, p.jitter_ms};
        amst::Settings s;
        try {
            s = amst::settings(f, params);
        } catch (const Error&) {
            ++a.not_computable;
            a.has_last = false;
            continue;
        }
        a.has_last = true;
        a.last_forecast = f;
        a.last_settings = s;
        a.last_confidence = p.confidence;
        if (amst::should_compute(p.confidence, params)) ++a.computed;
        if (!amst::should_apply(p.confidence, params)) continue;
        ++a.applied;
        const amst::Settings& before = a.applied_settings;
        if (!a.has_applied || s.streams != before.streams || s.buffer_bytes != before.buffer_bytes ||
            s.chunk_bytes != before.chunk_bytes)
            ++a.changes;
        a.has_applied = true;
        a.applied_settings = s;
        a.applied_t_s = p.t_s;
    }
    return a;
}

}  // namespace

const char* to_string(Method method) noexcept {
    switch (method) {
        case Method::model: return "model";
        case Method::persistence: return "persistence";
        case Method::moving_average: return "moving_average";
        case Method::ewma: return "ewma";
    }
    return "unknown";
}

ReplaySummary summarise(const std::vector<ReplayPoint>& points, const amst::Params& params) {
    amst::validate(params);
    ReplaySummary s;
    double confidence_sum = 0.0, stated_sum = 0.0;
    const ReplayPoint* horizon_of = nullptr;
    std::vector<double> latencies;
    latencies.reserve(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
        const ReplayPoint& p = points[i];
        ++s.forecasts;
        if (p.fallback) {
            ++s.fallback_forecasts;
            ++s.fallbacks_by_reason[static_cast<std::size_t>(p.fallback_reason)];
        } else {
            ++s.model_forecasts;
        }
        ++s.forecasts_by_mode[static_cast<std::size_t>(p.mode)];
        if (i > 0 && p.mode != points[i - 1].mode) ++s.mode_switches;
        if (p.bandwidth_from_model || !horizon_of || !horizon_of->bandwidth_from_model) horizon_of = &p;
        confidence_sum += p.confidence;
        if (p.aggregated) {
            ++s.aggregated_forecasts;
            ++s.leading_by_member[static_cast<std::size_t>(p.leading_member)];
        }
        latencies.push_back(p.latency_us);
        if (!std::isfinite(p.actual_mbps)) continue;
        ++s.scored;
        if (p.interval_coverage > 0.0) {
            ++s.interval.checked;
            stated_sum += p.interval_coverage;
            if (p.low_mbps <= p.actual_mbps && p.actual_mbps <= p.high_mbps) ++s.interval.covered;
        }
    }
    if (horizon_of) {
        s.target = horizon_of->target;
        s.horizon_steps = horizon_of->horizon_steps;
        s.horizon_s = horizon_of->horizon_s;
    }
    if (s.forecasts > 0) s.mean_confidence = confidence_sum / static_cast<double>(s.forecasts);
    if (s.interval.checked > 0) {
        s.interval.stated_coverage = stated_sum / static_cast<double>(s.interval.checked);
        s.interval.measured_coverage =
            static_cast<double>(s.interval.covered) / static_cast<double>(s.interval.checked);
    }
    s.model = compare(points, true);
    s.served = compare(points, false);
    s.amst = amst_of(points, params);
    s.allocation = score_allocation(points, params);
    if (!latencies.empty()) {
        std::sort(latencies.begin(), latencies.end());
        s.latency.count = latencies.size();
        s.latency.p50_us = percentile(latencies, 0.50);
        s.latency.p95_us = percentile(latencies, 0.95);
        s.latency.p99_us = percentile(latencies, 0.99);
        s.latency.max_us = latencies.back();
        double sum = 0.0;
        for (double v : latencies) sum += v;
        s.latency.mean_us = sum / static_cast<double>(latencies.size());
    }
    return s;
}

Replay replay(const Trace& trace, predict::LinkPredictor& predictor, const ReplayOptions& options) {
    amst::validate(options.amst);
    const std::size_t rows = trace.samples.size();
    const std::size_t progress_step = std::max<std::size_t>(rows / 200, 1);
    const predict::SampleCounts before = predictor.stats().samples;

    Replay out;
    out.points.reserve(rows);
    std::vector<std::size_t> next_sample;  // per point: index in `accepted` of the sample after it
    next_sample.reserve(rows);
    Accepted accepted;
    accepted.t_s.reserve(rows);
    accepted.mbps.reserve(rows);
    RecentBandwidth recent;

    for (std::size_t row = 0; row < rows; ++row) {
        if (options.progress && row % progress_step == 0) options.progress(row, rows);
        const predict::Sample& sample = trace.samples[row];
        const predict::ObserveResult observed = predictor.observe(sample);
        if (!observed.accepted()) continue;
        const double mbps = predict::clean_sample(sample).sample.bandwidth_mbps;
        if (observed.status == predict::ObserveStatus::accepted_after_gap) recent.clear();
        recent.push(mbps);
        accepted.t_s.push_back(sample.timestamp_unix_s);
        accepted.mbps.push_back(mbps);

        const auto started = std::chrono::steady_clock::now();
        const predict::Forecast f = predictor.predict();
        const auto finished = std::chrono::steady_clock::now();

        ReplayPoint p;
        p.row = row;
        p.t_s = f.made_at_unix_s;
        p.target_t_s = f.target_unix_s;
        p.predicted_mbps = f.bandwidth_mbps;
        p.latency_ms = f.latency_ms;
        p.packet_loss = f.packet_loss;
        p.jitter_ms = f.jitter_ms;
        p.unknown_fields = f.unknown_fields;
        p.low_mbps = f.bandwidth_low_mbps;
        p.high_mbps = f.bandwidth_high_mbps;
        p.interval_coverage = f.interval_coverage;
        p.confidence = f.confidence;
        p.confidence_by_rule = f.confidence_by_rule;
        p.mode = f.mode;
        p.fallback = f.fallback;
        p.bandwidth_from_model = !(f.fallback_fields & predict::field_bit(predict::SampleField::bandwidth_mbps));
        p.fallback_reason = f.fallback_reason;
        p.target = f.target;
        p.horizon_steps = f.horizon_steps;
        p.horizon_s = f.horizon_s;
        p.baseline_mbps = recent.baselines();
        p.aggregated = f.aggregated;
        p.leading_member = f.leading_member;
        if (p.bandwidth_from_model) p.network_mbps = f.aggregated ? f.network_bandwidth_mbps : f.bandwidth_mbps;
        for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m)
            p.member_mbps[m] = (f.awake_members >> m) & 1u ? f.member_bandwidth_mbps[m] : predict::kMissing;
        p.latency_us = std::chrono::duration<double, std::micro>(finished - started).count();
        out.points.push_back(p);
        next_sample.push_back(accepted.t_s.size());
    }
    if (options.progress) options.progress(rows, rows);

    for (std::size_t i = 0; i < out.points.size(); ++i) {
        out.points[i].actual_mbps = actual_of(out.points[i], accepted, next_sample[i]);
        if (next_sample[i] < accepted.mbps.size()) out.points[i].next_mbps = accepted.mbps[next_sample[i]];
    }
    out.summary = summarise(out.points, options.amst);
    out.summary.rows = rows;
    out.summary.samples = predictor.stats().samples - before;
    return out;
}

}  // namespace pba::trace
