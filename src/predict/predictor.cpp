#include "pba/predict/predictor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <limits>

#include "pba/error.hpp"
#include "pba/nn/network.hpp"
#include "predict/actual.hpp"

namespace pba::predict {
namespace {

constexpr std::size_t kMaxRollingWindow = 100000;
constexpr double kMaxHorizonS = 1e6;
// A link whose sample spacing is off the model's interval by more than this share is not one
// the model can answer: its window would span another stretch of time than it was trained on.
constexpr double kIntervalTolerance = 0.5;

const PredictorConfig& checked(const PredictorConfig& c) {
    auto fail = [](const std::string& m) { throw Error(Errc::invalid_argument, m); };
    if (!(std::abs(c.utc_offset_s) <= 86400.0))
        fail(fmt::format("predictor utc_offset_s {} must lie in [-86400, 86400]", c.utc_offset_s));
    if (!(std::isfinite(c.sample_interval_s) && c.sample_interval_s >= 0.0))
        fail(fmt::format("predictor sample_interval_s {} must be finite and >= 0", c.sample_interval_s));
    if (std::isnan(c.max_gap_s)) fail("predictor max_gap_s must not be NaN");
    if (c.accuracy_window < 1 || c.accuracy_window > kMaxRollingWindow)
        fail(fmt::format("predictor accuracy_window {} must lie in 1..{}", c.accuracy_window, kMaxRollingWindow));
    if (c.interval_window < 1 || c.interval_window > kMaxRollingWindow)
        fail(fmt::format("predictor interval_window {} must lie in 1..{}", c.interval_window, kMaxRollingWindow));
    if (!(c.interval_coverage > 0.0 && c.interval_coverage < 1.0))
        fail(fmt::format("predictor interval_coverage {} must lie in (0, 1)", c.interval_coverage));
    if (static_cast<std::size_t>(c.confidence_rule) >= kConfidenceRuleCount)
        fail(fmt::format("predictor confidence_rule {} is not transport (0) or calibrated (1)",
                         static_cast<unsigned>(c.confidence_rule)));
    if (!(c.confidence_tolerance > 0.0 && c.confidence_tolerance <= 1.0))
        fail(fmt::format("predictor confidence_tolerance {} must lie in (0, 1]", c.confidence_tolerance));
    if (c.aggregation != AggregationPolicy::automatic && c.aggregation != AggregationPolicy::on &&
        c.aggregation != AggregationPolicy::off)
        fail(fmt::format("predictor aggregation {} is not a policy (automatic 0, on 1, off 2)",
                         static_cast<int>(c.aggregation)));
    if (!(std::isfinite(c.horizon_s) && c.horizon_s >= 0.0 && c.horizon_s <= kMaxHorizonS))
        fail(fmt::format("predictor horizon_s {} must lie in [0, {}] (0: the model's)", c.horizon_s, kMaxHorizonS));
    if (c.horizon_s > 0.0 && c.aggregation == AggregationPolicy::off)
        fail(fmt::format("predictor horizon_s {} needs aggregation: only the aggregation of smoothers serves a horizon "
                         "other than the model's",
                         c.horizon_s));
    return c;
}

void copy_version(std::array<char, kModelVersionCapacity>& out, const char* version) noexcept {
    out.fill('\0');
    std::strncpy(out.data(), version, out.size() - 1);
}

constexpr std::size_t index(ForecastSource s) noexcept { return static_cast<std::size_t>(s); }

// Room for the pending forecasts of a model's horizon; a horizon_s of the config's own is
// served in more than one step.
std::size_t pending_room(const PredictorConfig& c, std::uint32_t model_steps) noexcept {
    return pending_capacity(c.horizon_s > 0.0 ? std::max<std::uint32_t>(model_steps, 2) : model_steps);
}

// The fleet a link's calibrated confidence pools its outcomes in: its model's (none without one).
FleetHitRate* fleet_of(const std::shared_ptr<const ForecastModel>& model, ForecastSource source) noexcept {
    return model ? &model->fleet(source) : nullptr;
}

}  // namespace

const char* to_string(AggregationPolicy policy) noexcept {
    switch (policy) {
        case AggregationPolicy::automatic: return "automatic";
        case AggregationPolicy::on: return "on";
        case AggregationPolicy::off: return "off";
    }
    return "unknown";
}

// A challenger in shadow, and where the champion's counters stood when it began.
struct Predictor::Comparison {
    std::unique_ptr<Predictor> shadow;
    AccuracyTotals champion_start;
    std::uint64_t champion_predictions_start = 0;
    std::uint64_t champion_fallbacks_start = 0;
    std::uint64_t min_matched = 0;
};

Predictor::Predictor(std::shared_ptr<ModelSlot> slot, const PredictorConfig& config)
    : config_(checked(config)),
      slot_(std::move(slot)),
      window_(window_layout_for(nullptr)),
      served_(config.accuracy_window, config.confidence_tolerance, pending_room(config, 1)),
      intervals_{{ConformalInterval(config.interval_coverage, config.interval_window),
                  ConformalInterval(config.interval_coverage, config.interval_window)}} {
    if (!slot_) throw Error(Errc::invalid_argument, "predictor needs a model slot (null given)");
    refresh_model();
}

Predictor::Predictor(std::shared_ptr<const Model> model, const PredictorConfig& config)
    : Predictor(std::make_shared<ModelSlot>(std::move(model)), config) {}

Predictor::~Predictor() = default;

void Predictor::refresh_model() {
    if (synced_ && slot_->generation() == generation_) return;
    ModelSlot::Snapshot snap = slot_->snapshot();
    synced_ = true;
    if (snap.model == model_) {
        generation_ = snap.generation;
        return;
    }
    const bool same_weights = model_ && snap.model &&
                              (model_->shared_model() == snap.model->shared_model() ||
                               (model_->model().checksum() != 0 &&
                                model_->model().checksum() == snap.model->model().checksum()));
    if (snap.model) {
        // Grow first (may throw, and only grows, so the old model still fits); then adopt the
        // new model with nothing left that can fail.
        window_.grow(window_layout_for(snap.model.get()));
        served_.reserve_pending(pending_room(config_, snap.model->horizon_steps()));
    }
    if (!same_weights) {
        // Past errors describe the previous model, not this one.
        served_.forget_model();
        intervals_[index(ForecastSource::model)].reset();
        if (aggregator_) aggregator_->reset_member(AggregationMember::network);
    }
    served_.leave_fleets();  // the new model's fleet has none of its outcomes
    model_ = std::move(snap.model);
    generation_ = snap.generation;
    ++changes_;
    refresh_aggregator();
}

WindowLayout Predictor::window_layout_for(const ForecastModel* model) const noexcept {
    // The fallback rule reads the newest kFallbackSamples of the forecast fields.
    WindowLayout layout = WindowLayout::uniform(1);
    for (std::size_t f = 0; f < kForecastFieldCount; ++f)
        layout.depth[column_of(static_cast<SampleField>(f))] = kFallbackSamples;
    if (model) layout = layout.merged(model->pipeline().window_layout());
    // A rebuilt aggregator starts from every bandwidth the window holds (refresh_aggregator).
    layout.depth[column_of(SampleField::bandwidth_mbps)] = static_cast<std::uint32_t>(layout.rows());
    return layout;
}

double Predictor::horizon_locked() const noexcept {
    if (config_.horizon_s > 0.0) return config_.horizon_s;
    if (model_) return model_->horizon_s() > 0.0 ? model_->horizon_s() : model_->horizon_steps() * sample_interval_locked();
    return sample_interval_locked();
}

bool Predictor::network_applies() const noexcept {
    if (!model_) return false;
    if (config_.horizon_s > 0.0 && model_->horizon_s() > 0.0 && config_.horizon_s != model_->horizon_s()) return false;
    const double expected = model_->sample_interval_s();
    if (expected <= 0.0) return true;
    return std::abs(sample_interval_locked() / expected - 1.0) <= kIntervalTolerance;
}

// (Re)builds the aggregator when aggregation turns on or what it forecasts changes: the
// horizon, the target, or the link's interval (known only after a few samples). Rebuilding
// forgets the weights, which happens when a link starts or its model's horizon changes.
void Predictor::refresh_aggregator() {
    const bool applies = network_applies();
    bool on = config_.aggregation == AggregationPolicy::on;
    if (config_.aggregation == AggregationPolicy::automatic)
        on = config_.horizon_s > 0.0 ||
             (model_ && (!applies ||
                         (model_->mode() == Mode::internet && model_->target() == ForecastTarget::mean_over)));
    if (!on) {
        aggregator_.reset();
        return;
    }
    const double interval_s = sample_interval_locked();
    AggregationConfig wanted;
    wanted.horizon_s = horizon_locked();
    wanted.sample_interval_s = interval_s;
    const bool model_horizon = model_ && applies;
    wanted.target = model_horizon ? model_->target() : ForecastTarget::mean_over;
    wanted.horizon_steps = model_horizon ? model_->horizon_steps()
                                         : static_cast<std::uint32_t>(std::clamp(std::round(wanted.horizon_s / interval_s),
                                                                                 1.0, double(kMaxServedHorizonSteps)));
    if (aggregator_) {
        const AggregationConfig& built = aggregator_->config();
        if (built.horizon_s == wanted.horizon_s && built.target == wanted.target &&
            built.horizon_steps == wanted.horizon_steps &&
            std::abs(built.sample_interval_s / interval_s - 1.0) <= kIntervalTolerance)
            return;
    }
    aggregator_.emplace(wanted);
    // The smoothers start from the samples the window holds, so a rebuild loses no history.
    const std::size_t bandwidth = column_of(SampleField::bandwidth_mbps);
    for (std::size_t i = 0; i < window_.size(); ++i) aggregator_->observe_held(window_.value(bandwidth, i));
}

double Predictor::sample_interval_locked() const noexcept {
    if (config_.sample_interval_s > 0.0) return config_.sample_interval_s;
    if (spacing_.known()) return spacing_.median_s();
    if (model_ && model_->sample_interval_s() > 0.0) return model_->sample_interval_s();
    return 1.0;
}

double Predictor::sample_interval_s() const {
    std::lock_guard lock(mutex_);
    return sample_interval_locked();
}

Mode Predictor::mode() const {
    const std::shared_ptr<const ForecastModel> model = slot_->model();
    return model ? model->mode() : Mode::hybrid;
}

double Predictor::max_gap_locked() const noexcept {
    constexpr double never = std::numeric_limits<double>::infinity();
    if (config_.max_gap_s > 0.0) return config_.max_gap_s;
    if (config_.max_gap_s < 0.0) return never;
    if (config_.sample_interval_s > 0.0) return 10.0 * config_.sample_interval_s;
    if (spacing_.known() || (model_ && model_->sample_interval_s() > 0.0)) return 10.0 * sample_interval_locked();
    return never;
}

ObserveResult Predictor::observe(const Sample& sample) noexcept {
    std::lock_guard lock(mutex_);
    ObserveResult result;
    const double t = sample.timestamp_unix_s;
    if (!is_valid_timestamp(t))
        result.status = ObserveStatus::refused_invalid_timestamp;
    else if (has_sample_ && t == last_timestamp_)
        result.status = ObserveStatus::refused_repeated_timestamp;
    else if (has_sample_ && t < last_timestamp_)
        result.status = ObserveStatus::refused_backwards_timestamp;
    if (!result.accepted()) {
        served_.count_sample(result);
        return result;
    }
    const CleanedSample cleaned = clean_sample(sample);
    result.dropped_fields = cleaned.dropped_fields;
    bool gap = false;
    if (has_sample_) {
        gap = t - last_timestamp_ > max_gap_locked();
        // Every spacing counts, gaps too: a link sampled every 60 s by a 1 s model's predictor
        // sees one "gap", then its own interval.
        spacing_.record(t - last_timestamp_);
    }
    if (gap) {
        window_.clear();
        if (aggregator_) aggregator_->restart();
        result.status = ObserveStatus::accepted_after_gap;
    }
    window_.push(cleaned.sample);
    ++changes_;
    for (std::size_t f = 0; f < kForecastFieldCount; ++f)
        if (const double v = field_value(cleaned.sample, static_cast<SampleField>(f)); std::isfinite(v))
            last_measured_[f] = v;
    if (aggregator_) aggregator_->observe(t, cleaned.sample.bandwidth_mbps);
    last_timestamp_ = t;
    has_sample_ = true;
    served_.count_sample(result);
    if (config_.match_observed_samples) settle(cleaned.sample);
    if (challenger_) challenger_->shadow->observe(sample);
    return result;
}

MatchCounts Predictor::settle(const Sample& cleaned) {
    const double tolerance = 0.5 * sample_interval_locked();
    const MatchCounts counts = served_.settle(
        cleaned, tolerance, ServedForecasts::Calibration::every_forecast,
        {fleet_of(model_, ForecastSource::model), fleet_of(model_, ForecastSource::fallback)},
        [&](const PendingForecast& p, const std::array<double, kForecastFieldCount>& actual, ForecastSource source) {
            ConformalInterval& interval = intervals_[index(source)];
            interval.record(p.predicted[0], actual[0], p.band(interval.target_coverage()), p.made_at_unix_s,
                            p.target_unix_s - p.made_at_unix_s);
        });
    ++changes_;
    return counts;
}

MatchCounts Predictor::record_actual(const Sample& actual) {
    const Sample cleaned = cleaned_actual(actual);
    std::lock_guard lock(mutex_);
    const MatchCounts counts = settle(cleaned);
    if (challenger_) challenger_->shadow->record_actual(actual);
    return counts;
}

Forecast Predictor::predict() {
    std::lock_guard lock(mutex_);
    return predict_locked();
}

Forecast Predictor::predict_locked() {
    const auto started = std::chrono::steady_clock::now();
    refresh_model();
    if (window_.empty())
        throw Error(Errc::not_ready, "no sample observed yet: predict() needs at least one accepted sample");
    refresh_aggregator();
    Forecast forecast;
    if (model_) {
        const BufferPool::Lease buffers = model_->buffers().lend();
        const FallbackReason reason = encode_locked(buffers->input, buffers->means);
        if (reason == FallbackReason::none)
            model_->model().network().forward(buffers->input.data(), 1, buffers->output.data(), buffers->workspace);
        forecast = finish_locked(reason, buffers->output, buffers->means);
    } else {
        forecast = finish_locked(FallbackReason::no_model, {}, {});
    }
    if (challenger_) {
        try {
            challenger_->shadow->predict();
        } catch (...) {
            // The shadow shares this predictor's samples, so it cannot lack one; whatever else
            // goes wrong there must not cost the served forecast.
        }
    }
    served_.record_latency(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
    return forecast;
}

FallbackReason Predictor::encode_locked(std::span<float> input, std::span<double> means) const noexcept {
    if (!model_) return FallbackReason::no_model;
    if (!network_applies()) return FallbackReason::not_applicable;
    if (window_.size() < model_->pipeline().rows()) return FallbackReason::window_filling;
    if (model_->pipeline().encode(window_, config_.utc_offset_s, input, means) >= 0)
        return FallbackReason::invalid_input;
    return FallbackReason::none;
}

Forecast Predictor::finish_locked(FallbackReason reason, std::span<const float> output,
                                  std::span<const double> means) {
    Forecast fc;
    fc.made_at_unix_s = window_.newest_timestamp_unix_s();
    const FallbackValues fallback = fallback_forecast(window_);

    DecodedOutputs decoded;
    if (reason == FallbackReason::none) {
        const std::span<const float> y = output.first(model_->model().output_size());
        const bool finite = std::all_of(y.begin(), y.end(), [](float v) { return std::isfinite(v); });
        if (!finite || !model_->pipeline().decode(y, means, decoded)) reason = FallbackReason::model_error;
    }
    const bool from_model = reason == FallbackReason::none;
    const ForecastSource source = from_model ? ForecastSource::model : ForecastSource::fallback;

    std::array<double, kForecastFieldCount> values{};
    for (std::size_t f = 0; f < kForecastFieldCount; ++f) {
        const std::uint32_t bit = field_bit(static_cast<SampleField>(f));
        if (from_model && (decoded.fields & bit)) {
            values[f] = decoded.values[f];
        } else {
            values[f] = fallback.values[f];
            fc.fallback_fields |= bit;
            fc.unknown_fields |= fallback.unknown_fields & bit;
        }
    }
    const bool network_answered = !(fc.fallback_fields & field_bit(SampleField::bandwidth_mbps));
    if (network_answered) fc.network_bandwidth_mbps = values[0];
    if (aggregator_) {
        const ForecastAggregator::Result mix =
            aggregator_->forecast(fc.made_at_unix_s, network_answered ? values[0] : kMissing);
        if (mix.ready) {
            values[0] = mix.bandwidth_mbps;
            fc.aggregated = true;
            fc.leading_member = mix.leading;
            fc.leading_weight = mix.leading_weight;
            for (std::size_t m = 0; m < kAggregationMemberCount; ++m) {
                if (std::isnan(mix.members[m])) continue;
                fc.member_bandwidth_mbps[m] = mix.members[m];
                fc.awake_members |= 1u << m;
            }
        }
    }
    fc.bandwidth_mbps = values[0];
    fc.latency_ms = values[1];
    fc.packet_loss = values[2];
    fc.jitter_ms = values[3];

    // The fallback cap is the transport rule's; the calibrated rule measures the fallback's
    // own hit rate, so it states that as it is.
    double transport = served_.transport_confidence(source);
    if (!from_model) transport = std::min(transport, kFallbackMaxConfidence);
    fc.confidence_by_rule[static_cast<std::size_t>(ConfidenceRule::transport)] = transport;
    fc.confidence_by_rule[static_cast<std::size_t>(ConfidenceRule::calibrated)] = served_.calibrated_confidence(source, fleet_of(model_, source));
    fc.confidence = fc.confidence_by_rule[static_cast<std::size_t>(config_.confidence_rule)];
    const ConformalInterval::Band band = intervals_[index(source)].band(fc.bandwidth_mbps);
    fc.bandwidth_low_mbps = band.low;
    fc.bandwidth_high_mbps = band.high;
    fc.interval_coverage = band.coverage;

    if (aggregator_) {
        const AggregationConfig& built = aggregator_->config();
        fc.horizon_steps = built.horizon_steps;
        fc.horizon_s = built.horizon_s;
        fc.target = built.target;
    } else if (model_) {
        fc.horizon_steps = model_->horizon_steps();
        fc.horizon_s = model_->horizon_s() > 0.0 ? model_->horizon_s() : fc.horizon_steps * sample_interval_locked();
        fc.target = model_->target();
    } else {
        fc.horizon_steps = 1;
        fc.horizon_s = sample_interval_locked();
        fc.target = ForecastTarget::value_at;
    }
    fc.mode = model_ ? model_->mode() : Mode::hybrid;
    fc.target_unix_s = fc.made_at_unix_s + fc.horizon_s;
    fc.fallback = !from_model;
    fc.fallback_reason = reason;
    if (from_model) {
        fc.model_generation = generation_;
        copy_version(fc.model_version, model_->version());
    }

    served_.serve(fc);
    ++changes_;
    last_mode_ = fc.mode;
    return fc;
}

PredictorStats Predictor::stats() const {
    std::lock_guard lock(mutex_);
    return stats_locked();
}

PredictorStats Predictor::stats_locked() const {
    PredictorStats s;
    served_.write_stats(s);
    s.mode = model_ ? model_->mode() : last_mode_;
    s.model_confidence = config_.confidence_rule == ConfidenceRule::calibrated
                             ? served_.calibrated_confidence(ForecastSource::model, fleet_of(model_, ForecastSource::model))
                             : served_.transport_confidence(ForecastSource::model);
    s.interval = intervals_[index(ForecastSource::model)].summary();
    s.last_measured = last_measured_;
    if (aggregator_) {
        s.aggregating = true;
        s.aggregation = aggregator_->summary();
    }
    const ModelSlot::Snapshot snap = slot_->snapshot();
    s.model_generation = snap.generation;
    s.reloads_succeeded = slot_->reloads_succeeded();
    s.reloads_refused = slot_->reloads_refused();
    if (snap.model) copy_version(s.model_version, snap.model->version());
    s.state_bytes = state_bytes_locked();
    return s;
}

std::size_t Predictor::state_bytes_locked() const noexcept {
    std::size_t bytes = sizeof(*this) + window_.heap_bytes() + served_.heap_bytes();
    for (const ConformalInterval& interval : intervals_) bytes += interval.heap_bytes();
    if (challenger_) {
        const Predictor& shadow = *challenger_->shadow;
        std::lock_guard shadow_lock(shadow.mutex_);
        bytes += sizeof(Comparison) + shadow.state_bytes_locked();
    }
    return bytes;
}

void Predictor::reset() noexcept {
    std::lock_guard lock(mutex_);
    window_.clear();
    served_.clear_pending();
    if (aggregator_) aggregator_->restart();
    has_sample_ = false;
    spacing_.clear();
    ++changes_;
    if (challenger_) challenger_->shadow->reset();
}

void Predictor::set_challenger(std::shared_ptr<const Model> model, std::uint64_t min_matched) {
    auto slot = std::make_shared<ModelSlot>(ForecastModel::create(std::move(model)));
    auto comparison = std::make_unique<Comparison>();
    comparison->shadow = std::make_unique<Predictor>(std::move(slot), config_);
    comparison->min_matched = min_matched;
    std::lock_guard lock(mutex_);
    Predictor& shadow = *comparison->shadow;
    // The shadow starts from this link's samples, so it forecasts from the first predict().
    // Values this link did not keep (older than its model reads a column) are missing there.
    shadow.window_.grow(window_.layout());
    for (std::size_t i = 0; i < window_.size(); ++i) shadow.window_.push(window_[i]);
    ++changes_;
    shadow.has_sample_ = has_sample_;
    shadow.last_timestamp_ = last_timestamp_;
    shadow.spacing_ = spacing_;
    shadow.aggregator_.reset();
    shadow.refresh_aggregator();
    comparison->champion_start = served_.accuracy().totals();
    comparison->champion_predictions_start = served_.forecasts();
    comparison->champion_fallbacks_start = served_.forecasts(ForecastSource::fallback);
    challenger_ = std::move(comparison);
}

void Predictor::clear_challenger() noexcept {
    std::unique_ptr<Comparison> old;
    std::lock_guard lock(mutex_);
    old = std::move(challenger_);
}

bool Predictor::has_challenger() const {
    std::lock_guard lock(mutex_);
    return challenger_ != nullptr;
}

ChallengerReport Predictor::challenger_report() const {
    std::lock_guard lock(mutex_);
    if (!challenger_) throw Error(Errc::not_ready, "no challenger is set: set_challenger() first");
    ChallengerReport r;
    r.min_matched = challenger_->min_matched;

    ModelScore& champion = r.champion;
    if (model_) {
        copy_version(champion.model_version, model_->version());
        champion.target = model_->target();
        champion.horizon_s = model_->horizon_s();
    }
    champion.forecasts = served_.forecasts() - challenger_->champion_predictions_start;
    champion.fallbacks = served_.forecasts(ForecastSource::fallback) - challenger_->champion_fallbacks_start;
    champion.accuracy = accuracy_between(challenger_->champion_start, served_.accuracy().totals());

    const Predictor& shadow = *challenger_->shadow;
    ModelScore& challenger = r.challenger;
    {
        std::lock_guard shadow_lock(shadow.mutex_);
        if (shadow.model_) {
            copy_version(challenger.model_version, shadow.model_->version());
            challenger.target = shadow.model_->target();
            challenger.horizon_s = shadow.model_->horizon_s();
        }
        challenger.forecasts = shadow.served_.forecasts();
        challenger.fallbacks = shadow.served_.forecasts(ForecastSource::fallback);
        challenger.accuracy = accuracy_between(AccuracyTotals{}, shadow.served_.accuracy().totals());
    }
    r.comparable = champion.target == challenger.target && champion.horizon_s == challenger.horizon_s;
    r.better = judge(champion, challenger, r.min_matched);
    return r;
}

std::uint64_t Predictor::promote_challenger() {
    std::lock_guard lock(mutex_);
    if (!challenger_) throw Error(Errc::not_ready, "no challenger to promote: set_challenger() first");
    const std::uint64_t generation = slot_->replace(challenger_->shadow->slot().model());
    challenger_.reset();
    return generation;
}

}  // namespace pba::predict
