#include "pba/predict/hybrid.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fmt/format.h>

#include "pba/error.hpp"
#include "predict/actual.hpp"

namespace pba::predict {
namespace {

std::shared_ptr<ModelSlot> or_empty(std::shared_ptr<ModelSlot> slot) {
    return slot ? std::move(slot) : std::make_shared<ModelSlot>();
}

const HybridConfig& checked(const HybridConfig& c) {
    if (static_cast<unsigned>(c.policy) > static_cast<unsigned>(ModePolicy::hybrid))
        throw Error(Errc::invalid_argument,
                    fmt::format("mode policy {} is not automatic, datacenter, internet or hybrid", unsigned(c.policy)));
    return c;
}

std::size_t members_pending_capacity(const Predictor& a, const Predictor& b) {
    std::uint32_t steps = 1;
    for (const Predictor* p : {&a, &b})
        if (auto m = p->slot().model()) steps = std::max(steps, m->horizon_steps());
    return pending_capacity(steps);
}

}  // namespace

const char* to_string(ModePolicy policy) noexcept {
    switch (policy) {
        case ModePolicy::automatic: return "automatic";
        case ModePolicy::datacenter: return "datacenter";
        case ModePolicy::internet: return "internet";
        case ModePolicy::hybrid: return "hybrid";
    }
    return "unknown";
}

Forecast combine(const Forecast& dc, const Forecast& inet) noexcept {
    const double total = dc.confidence + inet.confidence;
    const double w_dc = total > 0.0 ? dc.confidence / total : 0.5;
    const double w_inet = total > 0.0 ? inet.confidence / total : 0.5;

    Forecast f;
    for (std::size_t i = 0; i < kForecastFieldCount; ++i) {
        const auto field = static_cast<SampleField>(i);
        const std::uint32_t bit = field_bit(field);
        // A member that has no data for a field must not pull the other's value towards 0.
        double value;
        if ((dc.unknown_fields & bit) && !(inet.unknown_fields & bit))
            value = inet.value(field);
        else if ((inet.unknown_fields & bit) && !(dc.unknown_fields & bit))
            value = dc.value(field);
        else
            value = w_dc * dc.value(field) + w_inet * inet.value(field);
        switch (field) {
            case SampleField::bandwidth_mbps: f.bandwidth_mbps = value; break;
            case SampleField::latency_ms: f.latency_ms = value; break;
            case SampleField::packet_loss: f.packet_loss = value; break;
            default: f.jitter_ms = value; break;
        }
    }
    f.unknown_fields = dc.unknown_fields & inet.unknown_fields;
    f.fallback_fields = dc.fallback_fields | inet.fallback_fields;
    f.confidence = std::max(dc.confidence, inet.confidence);
    for (std::size_t r = 0; r < kConfidenceRuleCount; ++r)
        f.confidence_by_rule[r] = std::max(dc.confidence_by_rule[r], inet.confidence_by_rule[r]);

    if (dc.interval_coverage > 0.0 && inet.interval_coverage > 0.0) {
        f.bandwidth_low_mbps = w_dc * dc.bandwidth_low_mbps + w_inet * inet.bandwidth_low_mbps;
        f.bandwidth_high_mbps = w_dc * dc.bandwidth_high_mbps + w_inet * inet.bandwidth_high_mbps;
        f.interval_coverage = std::min(dc.interval_coverage, inet.interval_coverage);
    } else {
        f.bandwidth_low_mbps = f.bandwidth_high_mbps = f.bandwidth_mbps;
        f.interval_coverage = 0.0;
    }

    // The aggregation's report is the more trusted member's; the networks' forecasts combine as
    // the served values do, when both answered.
    const Forecast& heavier = w_inet >= w_dc ? inet : dc;
    f.aggregated = dc.aggregated || inet.aggregated;
    f.leading_member = heavier.leading_member;
    f.leading_weight = heavier.leading_weight;
    f.member_bandwidth_mbps = heavier.member_bandwidth_mbps;
    f.awake_members = heavier.awake_members;
    if (dc.network_bandwidth_mbps > 0.0 && inet.network_bandwidth_mbps > 0.0)
        f.network_bandwidth_mbps = w_dc * dc.network_bandwidth_mbps + w_inet * inet.network_bandwidth_mbps;

    const Forecast& longer = dc.horizon_s >= inet.horizon_s ? dc : inet;
    f.made_at_unix_s = std::max(dc.made_at_unix_s, inet.made_at_unix_s);
    f.horizon_s = longer.horizon_s;
    f.horizon_steps = longer.horizon_steps;
    f.target = longer.target;
    f.target_unix_s = f.made_at_unix_s + f.horizon_s;
    f.mode = Mode::hybrid;
    f.fallback = dc.fallback && inet.fallback;
    f.fallback_reason = f.fallback ? dc.fallback_reason : FallbackReason::none;
    // The models that answered, so that a reload of either slot shows in the forecasts.
    if (!dc.fallback && !inet.fallback) {
        f.model_generation = inet.model_generation;
        const std::size_t dc_len = ::strnlen(dc.model_version.data(), kMaxModelVersionLength);
        const std::size_t inet_len = ::strnlen(inet.model_version.data(), kMaxModelVersionLength);
        std::memcpy(f.model_version.data(), dc.model_version.data(), dc_len);
        f.model_version[dc_len] = '+';
        std::memcpy(f.model_version.data() + dc_len + 1, inet.model_version.data(), inet_len);
        f.model_version[dc_len + 1 + inet_len] = '\0';
    } else if (!dc.fallback || !inet.fallback) {
        const Forecast& answered = dc.fallback ? inet : dc;
        f.model_generation = answered.model_generation;
        f.model_version = answered.model_version;
    }
    return f;
}

HybridPredictor::HybridPredictor(std::shared_ptr<ModelSlot> datacenter, std::shared_ptr<ModelSlot> internet,
                                 const HybridConfig& config)
    : config_(checked(config)),
      datacenter_(or_empty(std::move(datacenter)), config.predictor),
      internet_(or_empty(std::move(internet)), config.predictor),
      detector_(config.detector),
      served_(config.predictor.accuracy_window, config.predictor.confidence_tolerance,
              members_pending_capacity(datacenter_, internet_)),
      coverage_(config.predictor.interval_coverage, config.predictor.interval_window) {}

HybridPredictor::HybridPredictor(std::shared_ptr<const Model> datacenter, std::shared_ptr<const Model> internet,
                                 const HybridConfig& config)
    : HybridPredictor(std::make_shared<ModelSlot>(std::move(datacenter)),
                      std::make_shared<ModelSlot>(std::move(internet)), config) {}

Mode HybridPredictor::mode_locked() const noexcept {
    switch (config_.policy) {
        case ModePolicy::automatic: return detector_.mode();
        case ModePolicy::datacenter: return Mode::datacenter;
        case ModePolicy::internet: return Mode::internet;
        case ModePolicy::hybrid: return Mode::hybrid;
    }
    return Mode::hybrid;
}

Mode HybridPredictor::mode() const {
    std::lock_guard lock(mutex_);
    return mode_locked();
}

double HybridPredictor::sample_interval_s() const {
    return std::min(datacenter_.sample_interval_s(), internet_.sample_interval_s());
}

Predictor* HybridPredictor::member(Role role) noexcept {
    switch (role) {
        case Role::datacenter: return &datacenter_;
        case Role::internet: return &internet_;
        case Role::main: break;
    }
    return nullptr;
}

ObserveResult HybridPredictor::observe(const Sample& sample) noexcept {
    std::lock_guard lock(mutex_);
    ObserveResult result = datacenter_.observe(sample);
    const ObserveResult other = internet_.observe(sample);
    if (result.accepted() && other.status == ObserveStatus::accepted_after_gap)
        result.status = ObserveStatus::accepted_after_gap;
    served_.count_sample(result);
    ++changes_;
    if (!result.accepted()) return result;
    const Sample cleaned = clean_sample(sample).sample;
    if (result.status == ObserveStatus::accepted_after_gap) detector_.reset();
    detector_.observe(cleaned);
    if (config_.predictor.match_observed_samples) settle(cleaned);
    return result;
}

MatchCounts HybridPredictor::settle(const Sample& cleaned) {
    return served_.settle(cleaned, 0.5 * sample_interval_s(), ServedForecasts::Calibration::combined_only,
                          {},  // the ensemble's outcomes are this link's alone: no fleet
                          [&](const PendingForecast& p, const std::array<double, kForecastFieldCount>& actual,
                              ForecastSource) {
                              coverage_.record(p.predicted[0], actual[0], p.band(coverage_.target_coverage()),
                                               p.made_at_unix_s,
                                               p.target_unix_s - p.made_at_unix_s);
                          });
}

MatchCounts HybridPredictor::record_actual(const Sample& actual) {
    const Sample cleaned = cleaned_actual(actual);
    std::lock_guard lock(mutex_);
    datacenter_.record_actual(actual);
    internet_.record_actual(actual);
    ++changes_;
    return settle(cleaned);
}

Forecast HybridPredictor::predict() {
    std::lock_guard lock(mutex_);
    return predict_locked();
}

Forecast HybridPredictor::predict_locked() {
    const auto started = std::chrono::steady_clock::now();
    const Mode mode = mode_locked();
    Forecast dc;
    Forecast inet;
    if (mode != Mode::internet) dc = datacenter_.predict();
    if (mode != Mode::datacenter) inet = internet_.predict();
    const Forecast f = serve_locked(mode, dc, inet);
    served_.record_latency(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
    return f;
}

Forecast HybridPredictor::serve_locked(Mode mode, const Forecast& dc, const Forecast& inet) {
    Forecast f;
    bool combined = false;
    switch (mode) {
        case Mode::datacenter: f = dc; break;
        case Mode::internet: f = inet; break;
        case Mode::hybrid:
            if (dc.fallback && !inet.fallback)
                f = inet;
            else if (inet.fallback && !dc.fallback)
                f = dc;
            else {
                f = combine(dc, inet);
                combined = true;
            }
            break;
    }
    f.mode = mode;

    if (combined) {
        const ForecastSource source = f.fallback ? ForecastSource::fallback : ForecastSource::model;
        f.confidence_by_rule[static_cast<std::size_t>(ConfidenceRule::calibrated)] = served_.calibrated_confidence(source);
        f.confidence = f.confidence_by_rule[static_cast<std::size_t>(config_.predictor.confidence_rule)];
    }
    // A member's model reloaded with a longer horizon: room for its pending forecasts.
    served_.reserve_pending(pending_capacity(f.horizon_steps));
    served_.serve(f, combined);
    ++changes_;
    return f;
}

PredictorStats HybridPredictor::stats() const {
    std::lock_guard lock(mutex_);
    const Mode mode = mode_locked();
    const Predictor& member = mode == Mode::datacenter ? datacenter_ : internet_;
    PredictorStats s = member.stats();
    served_.write_stats(s);  // last_measured: the member's, which saw the same samples
    s.mode_switches = detector_.switches();
    s.mode = mode;
    s.interval = coverage_.summary();
    // The members are inside this object: count their heap and shadows, not their size twice.
    const Predictor& other = mode == Mode::datacenter ? internet_ : datacenter_;
    s.state_bytes = sizeof(*this) - 2 * sizeof(Predictor) + s.state_bytes + other.stats().state_bytes +
                    served_.heap_bytes() + coverage_.heap_bytes() + detector_.heap_bytes();
    return s;
}

void HybridPredictor::reset() noexcept {
    std::lock_guard lock(mutex_);
    datacenter_.reset();
    internet_.reset();
    detector_.reset();
    served_.clear_pending();
    ++changes_;
}

}  // namespace pba::predict
