// Slots, predictors (single and mode-aware), statistics, Prometheus text, champion/challenger
// and the many-links calls.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "handles.hpp"
#include "pba/predict/challenger.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/link_predictor.hpp"
#include "pba/predict/links.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/predict/prometheus.hpp"

namespace predict = pba::predict;

struct pba_slot {
    explicit pba_slot(std::shared_ptr<predict::ModelSlot> s) : slot(std::move(s)) {}
    mutable pba::capi::Lifetime lifetime;
    std::shared_ptr<predict::ModelSlot> slot;
};

// A single-model Predictor or a mode-aware HybridPredictor.
struct pba_predictor {
    mutable pba::capi::Lifetime lifetime;
    std::unique_ptr<predict::LinkPredictor> link;
};

namespace pba::capi {
namespace {

static_assert(predict::kModelVersionCapacity <= PBA_MODEL_VERSION_CAPACITY);
static_assert(predict::kModeCount == 3 && predict::kFallbackReasonCount == 6 && predict::kForecastFieldCount == 4);
static_assert(PBA_FIELD_BANDWIDTH == predict::field_bit(predict::SampleField::bandwidth_mbps) &&
              PBA_FIELD_LATENCY == predict::field_bit(predict::SampleField::latency_ms) &&
              PBA_FIELD_PACKET_LOSS == predict::field_bit(predict::SampleField::packet_loss) &&
              PBA_FIELD_JITTER == predict::field_bit(predict::SampleField::jitter_ms) &&
              PBA_FIELD_THROUGHPUT == predict::field_bit(predict::SampleField::throughput_mbps) &&
              PBA_FIELD_RELIABILITY == predict::field_bit(predict::SampleField::reliability));
static_assert(PBA_OBSERVE_REFUSED_BACKWARDS_TIMESTAMP ==
              static_cast<int>(predict::ObserveStatus::refused_backwards_timestamp));
static_assert(PBA_FALLBACK_MODEL_ERROR == static_cast<int>(predict::FallbackReason::model_error) &&
              PBA_FALLBACK_NOT_APPLICABLE == static_cast<int>(predict::FallbackReason::not_applicable));
static_assert(PBA_AGGREGATION_MEMBER_COUNT == predict::kAggregationMemberCount &&
              PBA_AGGREGATION_AUTO == static_cast<int>(predict::AggregationPolicy::automatic) &&
              PBA_AGGREGATION_ON == static_cast<int>(predict::AggregationPolicy::on) &&
              PBA_AGGREGATION_OFF == static_cast<int>(predict::AggregationPolicy::off));
static_assert(PBA_CONFIDENCE_TRANSPORT == static_cast<int>(predict::ConfidenceRule::transport) &&
              PBA_CONFIDENCE_CALIBRATED == static_cast<int>(predict::ConfidenceRule::calibrated));
static_assert(PBA_ROLE_MAIN == static_cast<int>(predict::Role::main) &&
              PBA_ROLE_DATACENTER == static_cast<int>(predict::Role::datacenter) &&
              PBA_ROLE_INTERNET == static_cast<int>(predict::Role::internet));

// pba_mode counts from 1 (0 is AUTO); predict::Mode from 0.
std::uint32_t to_c(predict::Mode mode) noexcept { return static_cast<std::uint32_t>(mode) + 1; }

template <std::size_t N>
void copy_version(char (&out)[N], const std::array<char, predict::kModelVersionCapacity>& version) noexcept {
    static_assert(N >= predict::kModelVersionCapacity);
    std::memset(out, 0, N);
    std::memcpy(out, version.data(), version.size());
    out[N - 1] = '\0';
}

void to_c(const predict::Forecast& f, pba_forecast& out) noexcept {
    out.bandwidth_mbps = f.bandwidth_mbps;
    out.latency_ms = f.latency_ms;
    out.packet_loss = f.packet_loss;
    out.jitter_ms = f.jitter_ms;
    out.confidence = f.confidence;
    out.bandwidth_low_mbps = f.bandwidth_low_mbps;
    out.bandwidth_high_mbps = f.bandwidth_high_mbps;
    out.interval_coverage = f.interval_coverage;
    out.made_at_unix_s = f.made_at_unix_s;
    out.target_unix_s = f.target_unix_s;
    out.horizon_s = f.horizon_s;
    out.horizon_steps = f.horizon_steps;
    out.target = static_cast<std::uint32_t>(f.target);
    out.mode = to_c(f.mode);
    out.fallback = f.fallback ? 1 : 0;
    out.fallback_reason = static_cast<std::uint32_t>(f.fallback_reason);
    out.fallback_fields = f.fallback_fields;
    out.unknown_fields = f.unknown_fields;
    out.reserved = 0;
    out.model_generation = f.model_generation;
    copy_version(out.model_version, f.model_version);
    out.aggregated = f.aggregated ? 1 : 0;
    out.leading_member = static_cast<std::uint32_t>(f.leading_member);
    out.leading_weight = f.leading_weight;
    out.network_bandwidth_mbps = f.network_bandwidth_mbps;
}

void to_c(const predict::AccuracySummary& a, pba_accuracy& out) noexcept {
    out.matched = a.matched;
    for (std::size_t i = 0; i < 4; ++i) {
        out.fields[i].count = a.fields[i].count;
        out.fields[i].mae = a.fields[i].mae;
        out.fields[i].nonzero_count = a.fields[i].nonzero_count;
        out.fields[i].mape = a.fields[i].mape;
        out.fields[i].within_20pct = a.fields[i].within_20pct;
    }
    out.relative_error_count = a.relative_error_count;
    out.mean_relative_error = a.mean_relative_error;
    out.accuracy = a.accuracy;
}

void to_c(const predict::PredictorStats& s, pba_predictor_stats& out) noexcept {
    out.predictions = s.predictions;
    out.model_predictions = s.model_predictions;
    out.fallback_predictions = s.fallback_predictions;
    for (std::size_t i = 0; i < 3; ++i) out.predictions_by_mode[i] = s.predictions_by_mode[i];
    for (std::size_t i = 0; i < 5; ++i) out.fallbacks_by_reason[i] = s.fallbacks_by_reason[i];
    out.mode_switches = s.mode_switches;
    out.mode = to_c(s.mode);
    out.reserved = 0;
    out.samples_accepted = s.samples.accepted;
    out.samples_refused_invalid_timestamp = s.samples.refused_invalid_timestamp;
    out.samples_refused_repeated_timestamp = s.samples.refused_repeated_timestamp;
    out.samples_refused_backwards_timestamp = s.samples.refused_backwards_timestamp;
    out.window_resets = s.samples.window_resets;
    out.dropped_values = s.samples.dropped_values;
    out.forecasts_matched = s.forecasts_matched;
    out.forecasts_expired = s.forecasts_expired;
    out.latency_count = s.latency.count;
    out.latency_p50_us = s.latency.p50_us;
    out.latency_p95_us = s.latency.p95_us;
    out.latency_p99_us = s.latency.p99_us;
    out.latency_max_us = s.latency.max_us;
    out.latency_mean_us = s.latency.mean_us;
    to_c(s.accuracy, out.accuracy);
    to_c(s.model_accuracy, out.model_accuracy);
    out.model_confidence = s.model_confidence;
    out.last_confidence = s.last_confidence;
    out.interval_target_coverage = s.interval.target_coverage;
    out.interval_half_width_mbps = s.interval.half_width;
    out.interval_checked = s.interval.checked;
    out.interval_covered = s.interval.covered;
    out.interval_measured_coverage = s.interval.measured_coverage;
    out.model_generation = s.model_generation;
    out.reloads_succeeded = s.reloads_succeeded;
    out.reloads_refused = s.reloads_refused;
    copy_version(out.model_version, s.model_version);
    out.fallbacks_not_applicable = s.fallbacks_by_reason[static_cast<std::size_t>(predict::FallbackReason::not_applicable)];
    out.aggregating = s.aggregating ? 1 : 0;
    out.leading_member = s.aggregating ? static_cast<std::uint32_t>(s.aggregation.leading) : 0;
    out.leading_weight = s.aggregating ? s.aggregation.leading_weight : 0.0;
    for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m)
        out.member_weights[m] = s.aggregating ? s.aggregation.weights[m] : 0.0;
    out.aggregation_updates = s.aggregation.updates;
    out.state_bytes = s.state_bytes;
}

void to_c(const predict::ModelScore& s, pba_model_score& out) noexcept {
    copy_version(out.model_version, s.model_version);
    out.forecasts = s.forecasts;
    out.fallbacks = s.fallbacks;
    to_c(s.accuracy, out.accuracy);
    out.horizon_s = s.horizon_s;
    out.target = static_cast<std::uint32_t>(s.target);
    out.reserved = 0;
}

pba_status to_sample(const char* function, const pba_sample* in, predict::Sample& out) noexcept {
    if (in->struct_size != sizeof(pba_sample))
        return fail(PBA_ERR_STRUCT_SIZE, "{}: sample.struct_size is {}, this library ({}) knows only {}", function,
                    in->struct_size, PBA_VERSION_STRING, sizeof(pba_sample));
    out.timestamp_unix_s = in->timestamp_unix_s;
    out.bandwidth_mbps = in->bandwidth_mbps;
    out.latency_ms = in->latency_ms;
    out.packet_loss = in->packet_loss;
    out.jitter_ms = in->jitter_ms;
    out.throughput_mbps = in->throughput_mbps;
    out.reliability = in->reliability;
    return PBA_OK;
}

std::shared_ptr<predict::ModelSlot> slot_of(const pba_slot* handle) {
    Use use(handle);
    return handle->slot;
}

std::shared_ptr<const Model> model_of(const pba_model* handle) {
    Use use(handle);
    return handle->model;
}

pba_status observe_one(const char* function, pba_predictor* p, const pba_sample* sample,
                       pba_observe_result* result) noexcept {
    predict::Sample s;
    if (auto status = to_sample(function, sample, s)) return status;
    const predict::ObserveResult r = p->link->observe(s);
    if (result != nullptr) {
        result->status = static_cast<std::uint32_t>(r.status);
        result->dropped_fields = r.dropped_fields;
    }
    if (!r.accepted())
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: sample at timestamp {} refused: {}", function,
                    sample->timestamp_unix_s, predict::to_string(r.status));
    return ok();
}

// A forecast struct this library can fill: this header's, or a 1.0 caller's smaller one.
bool known_forecast_size(const pba_forecast* forecast) noexcept {
    return forecast->struct_size == sizeof(pba_forecast) || forecast->struct_size == PBA_FORECAST_SIZE_1_0;
}

// Writes the fields the caller's struct has room for (a 1.0 caller's gets those it knows).
void write_forecast(const predict::Forecast& f, pba_forecast* forecast) noexcept {
    const std::size_t size = forecast->struct_size;
    pba_forecast full{};
    to_c(f, full);
    full.struct_size = size;
    std::memcpy(forecast, &full, size);
}

pba_status predict_one(const char* function, pba_predictor* p, pba_forecast* forecast) noexcept {
    if (auto s = check_struct(function, "forecast", forecast, PBA_FORECAST_SIZE_1_0)) return s;
    return guarded(function, [&] {
        write_forecast(p->link->predict(), forecast);
        return ok();
    });
}

// The member predictor behind `role` (a pba_role as c_enum_value reads it), or nullptr after
// recording why there is none.
predict::Predictor* member(const char* function, const pba_predictor* p, int role) noexcept {
    if (role < PBA_ROLE_MAIN || role > PBA_ROLE_INTERNET) {
        fail(PBA_ERR_INVALID_ARGUMENT, "{}: role {} is not a pba_role (0..2)", function, role);
        return nullptr;
    }
    if (predict::Predictor* m = p->link->member(static_cast<predict::Role>(role))) return m;
    // Named as the header spells it: a Go or C caller sees the constant, not the number.
    static constexpr const char* kRoleNames[] = {"PBA_ROLE_MAIN", "PBA_ROLE_DATACENTER", "PBA_ROLE_INTERNET"};
    // Only a single-model predictor has the main role.
    if (p->link->member(predict::Role::main) != nullptr)
        fail(PBA_ERR_INVALID_ARGUMENT,
             "{}: role {} ({}) given to a single-model predictor, which has only PBA_ROLE_MAIN", function, role,
             kRoleNames[role]);
    else
        fail(PBA_ERR_INVALID_ARGUMENT,
             "{}: role {} ({}) given to a mode-aware predictor, which has PBA_ROLE_DATACENTER and PBA_ROLE_INTERNET",
             function, role, kRoleNames[role]);
    return nullptr;
}

predict::KindChange kind_change(const pba_load_options* options) noexcept {
    const bool allow = options != nullptr && (options->reload_flags & PBA_RELOAD_ALLOW_KIND_CHANGE) != 0;
    return allow ? predict::KindChange::allow : predict::KindChange::refuse;
}

pba_status reload(const char* function, pba_predictor* predictor, int role, const pba_load_options* options,
                  uint64_t* out_generation, auto&& load) {
    PBA_CHECK_NOT_NULL(function, predictor);
    Use use(predictor);
    return guarded(function, [&] {
        LoadOptions opts;
        if (auto s = load_options(function, options, opts)) return s;
        predict::Predictor* m = member(function, predictor, role);
        if (m == nullptr) return static_cast<pba_status>(PBA_ERR_INVALID_ARGUMENT);
        const std::uint64_t generation = load(m->slot(), opts, kind_change(options));
        if (out_generation != nullptr) *out_generation = generation;
        return ok();
    });
}

pba_status slot_reload(const char* function, pba_slot* slot, const pba_load_options* options,
                       uint64_t* out_generation, auto&& load) {
    PBA_CHECK_NOT_NULL(function, slot);
    Use use(slot);
    return guarded(function, [&] {
        LoadOptions opts;
        if (auto s = load_options(function, options, opts)) return s;
        const std::uint64_t generation = load(*slot->slot, opts, kind_change(options));
        if (out_generation != nullptr) *out_generation = generation;
        return ok();
    });
}

pba_status check_config(const char* fn, const pba_predictor_config* c) noexcept {
    if (auto s = check_struct(fn, "config", c)) return s;
    if (auto s = check_reserved(fn, "config", c->reserved)) return s;
    const bool single = c->model != nullptr || c->slot != nullptr;
    const bool aware = c->datacenter_model != nullptr || c->datacenter_slot != nullptr ||
                       c->internet_model != nullptr || c->internet_slot != nullptr;
    if (c->model != nullptr && c->slot != nullptr)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config sets both model and slot; set one", fn);
    if (c->datacenter_model != nullptr && c->datacenter_slot != nullptr)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config sets both datacenter_model and datacenter_slot; set one",
                    fn);
    if (c->internet_model != nullptr && c->internet_slot != nullptr)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config sets both internet_model and internet_slot; set one", fn);
    if (single && aware)
        return fail(PBA_ERR_INVALID_ARGUMENT,
                    "{}: config sets a single model and datacenter/internet models; a predictor is one kind", fn);
    if (c->mode < PBA_MODE_AUTO || c->mode > PBA_MODE_HYBRID)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config.mode {} is not a pba_mode (0..3)", fn, c->mode);
    if (c->confidence_rule > PBA_CONFIDENCE_CALIBRATED)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config.confidence_rule {} is not a pba_confidence_rule (0..1)", fn,
                    c->confidence_rule);
    if (c->aggregation > PBA_AGGREGATION_OFF)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config.aggregation {} is not a pba_aggregation (0..2)", fn,
                    c->aggregation);
    if (!(c->horizon_s >= 0.0 && c->horizon_s <= 1e6))
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: config.horizon_s {} must lie in [0, 1e6] (0: the model's)", fn,
                    c->horizon_s);
    if (c->horizon_s > 0.0 && c->aggregation == PBA_AGGREGATION_OFF)
        return fail(PBA_ERR_INVALID_ARGUMENT,
                    "{}: config.horizon_s {} is served by the aggregate, but config.aggregation is "
                    "PBA_AGGREGATION_OFF",
                    fn, c->horizon_s);
    if (!(c->confidence_tolerance >= 0.0 && c->confidence_tolerance <= 1.0))
        return fail(PBA_ERR_INVALID_ARGUMENT,
                    "{}: config.confidence_tolerance {} must lie in (0, 1] (0: the default 0.2)", fn,
                    c->confidence_tolerance);
    if (single && c->mode != PBA_MODE_AUTO)
        return fail(PBA_ERR_INVALID_ARGUMENT,
                    "{}: config.mode {} needs a mode-aware predictor; a single model serves every link (use "
                    "PBA_MODE_AUTO)",
                    fn, c->mode);
    return PBA_OK;
}

predict::PredictorConfig predictor_config(const pba_predictor_config& c) {
    predict::PredictorConfig p;
    p.utc_offset_s = c.utc_offset_s;
    p.sample_interval_s = c.sample_interval_s;
    p.max_gap_s = c.max_gap_s;
    p.accuracy_window = c.accuracy_window;
    p.interval_window = c.interval_window;
    p.interval_coverage = c.interval_coverage;
    p.match_observed_samples = c.match_observed_samples != 0;
    p.confidence_rule = static_cast<predict::ConfidenceRule>(c.confidence_rule);
    if (c.confidence_tolerance != 0.0) p.confidence_tolerance = c.confidence_tolerance;
    p.aggregation = static_cast<predict::AggregationPolicy>(c.aggregation);
    p.horizon_s = c.horizon_s;
    return p;
}

predict::HybridConfig hybrid_config(const pba_predictor_config& c) {
    predict::HybridConfig h;
    h.policy = static_cast<predict::ModePolicy>(c.mode);  // same numbering: AUTO 0 .. HYBRID 3
    h.detector.average_samples = c.average_samples;
    h.detector.dwell_samples = c.dwell_samples;
    h.detector.hysteresis = c.hysteresis;
    h.detector.thresholds.datacenter_max_latency_ms = c.datacenter_max_latency_ms;
    h.detector.thresholds.datacenter_min_bandwidth_mbps = c.datacenter_min_bandwidth_mbps;
    h.detector.thresholds.datacenter_max_packet_loss = c.datacenter_max_packet_loss;
    h.detector.thresholds.internet_min_latency_ms = c.internet_min_latency_ms;
    h.detector.thresholds.internet_max_bandwidth_mbps = c.internet_max_bandwidth_mbps;
    h.detector.thresholds.internet_min_packet_loss = c.internet_min_packet_loss;
    h.predictor = predictor_config(c);
    return h;
}
static_assert(static_cast<int>(predict::ModePolicy::hybrid) == PBA_MODE_HYBRID &&
              static_cast<int>(predict::ModePolicy::datacenter) == PBA_MODE_DATACENTER);

std::shared_ptr<predict::ModelSlot> member_slot(const pba_model* model, const pba_slot* slot) {
    if (slot != nullptr) return slot_of(slot);
    if (model != nullptr) return std::make_shared<predict::ModelSlot>(model_of(model));
    return nullptr;
}

// Runs `one(i)` for every link; the call's message is the first failure's, with its index.
template <typename One>
pba_status for_links(size_t count, pba_status* statuses, One&& one) noexcept {
    size_t failures = 0;
    size_t first = 0;
    pba_status first_status = PBA_OK;
    std::string first_message;
    for (size_t i = 0; i < count; ++i) {
        const pba_status s = one(i);
        if (statuses != nullptr) statuses[i] = s;
        if (s != PBA_OK && failures++ == 0) {
            first = i;
            first_status = s;
            try {
                first_message = pba_last_error();
            } catch (...) {
            }
        }
    }
    if (failures == 0) return ok();
    return fail(first_status, "{} (link {}; {} of {} links failed)", first_message, first, failures, count);
}

// A links call whose arrays are missing still writes every status.
pba_status fail_links(const char* fn, const char* missing, size_t count, pba_status* statuses) noexcept {
    if (statuses != nullptr) std::fill_n(statuses, count, PBA_ERR_NULL_POINTER);
    return fail(PBA_ERR_NULL_POINTER, "{}: {} is NULL", fn, missing);
}

// pba_predict_links' batching: the links among each kLinksChunk are forecast together through
// predict::predict_links (one forward pass per model and kLinksBatch windows, a mode-aware
// link's members in their models' batches); NULL ones and those with a bad struct_size are
// answered one by one.
// answer(i), called for i = 0, 1, ... in order, runs each chunk when it reaches its first link.
class LinksChunks {
public:
    static constexpr std::size_t kLinksChunk = 256;

    // forecasts: the caller's array, whose structs are `stride` bytes apart.
    LinksChunks(pba_predictor* const* predictors, pba_forecast* forecasts, std::size_t stride) noexcept
        : predictors_(predictors), forecasts_(reinterpret_cast<unsigned char*>(forecasts)), stride_(stride) {}
    LinksChunks(const LinksChunks&) = delete;
    LinksChunks& operator=(const LinksChunks&) = delete;

    pba_status answer(const char* fn, std::size_t i, std::size_t count) noexcept {
        if (i % kLinksChunk == 0) run_chunk(i, std::min(count, i + kLinksChunk));
        const std::size_t k = i % kLinksChunk;
        Chunk& c = chunk();
        if (!c.uses[k]) {
            Use use(predictors_[i]);
            return predict_one(fn, predictors_[i], forecast(i));
        }
        const pba_status s = guarded(fn, [&] {
            if (c.results[k].error) std::rethrow_exception(c.results[k].error);
            write_forecast(c.results[k].forecast, forecast(i));
            return ok();
        });
        c.results[k].error = nullptr;
        c.uses[k].reset();
        return s;
    }

private:
    struct Chunk {
        std::array<predict::LinkPredictor*, kLinksChunk> links{};
        std::array<predict::LinkForecast, kLinksChunk> results{};
        std::array<std::optional<Use<pba_predictor>>, kLinksChunk> uses{};  // held while batched
    };
    // This thread's, so a call allocates nothing for it (~70 KB) after the first.
    static Chunk& chunk() {
        thread_local Chunk c;
        return c;
    }

    void run_chunk(std::size_t begin, std::size_t end) noexcept {
        Chunk& c = chunk();
        const std::size_t n = end - begin;
        for (std::size_t k = 0; k < n; ++k) {
            pba_predictor* p = predictors_[begin + k];
            c.links[k] = nullptr;
            if (p == nullptr || !known_forecast_size(forecast(begin + k))) continue;
            c.uses[k].emplace(p);
            c.links[k] = p->link.get();
        }
        try {
            predict::predict_links(std::span(c.links.data(), n), std::span(c.results.data(), n));
        } catch (...) {
            for (std::size_t k = 0; k < n; ++k) {  // answered one by one instead
                c.results[k].error = nullptr;
                c.uses[k].reset();
            }
        }
    }

    pba_forecast* forecast(std::size_t i) const noexcept {
        return reinterpret_cast<pba_forecast*>(forecasts_ + i * stride_);
    }

    pba_predictor* const* predictors_;
    unsigned char* forecasts_;
    std::size_t stride_;
};

}  // namespace
}  // namespace pba::capi

using namespace pba::capi;

extern "C" {

pba_status pba_slot_create(const pba_model* model, pba_slot** out_slot) {
    constexpr const char* fn = "pba_slot_create";
    PBA_CHECK_NOT_NULL(fn, out_slot);
    *out_slot = nullptr;
    return guarded(fn, [&] {
        auto slot = model != nullptr ? std::make_shared<predict::ModelSlot>(model_of(model))
                                     : std::make_shared<predict::ModelSlot>();
        *out_slot = new pba_slot(std::move(slot));
        return ok();
    });
}

void pba_slot_free(pba_slot* slot) { release(slot); }

pba_status pba_slot_reload_file(pba_slot* slot, const char* path, const pba_load_options* options,
                                uint64_t* out_generation) {
    constexpr const char* fn = "pba_slot_reload_file";
    PBA_CHECK_NOT_NULL(fn, path);
    return slot_reload(fn, slot, options, out_generation,
                       [&](predict::ModelSlot& s, const pba::LoadOptions& o, predict::KindChange k) {
                      return s.reload_file(path, o, k);
                  });
}

pba_status pba_slot_reload_memory(pba_slot* slot, const void* data, size_t size, const pba_load_options* options,
                                  uint64_t* out_generation) {
    constexpr const char* fn = "pba_slot_reload_memory";
    if (data == nullptr && size != 0) return fail(PBA_ERR_NULL_POINTER, "{}: data is NULL with size {}", fn, size);
    return slot_reload(fn, slot, options, out_generation,
                       [&](predict::ModelSlot& s, const pba::LoadOptions& o, predict::KindChange k) {
                           return s.reload_bytes(std::span(static_cast<const std::byte*>(data), size), o, k);
                       });
}

pba_status pba_slot_replace(pba_slot* slot, const pba_model* model, uint64_t* out_generation) {
    constexpr const char* fn = "pba_slot_replace";
    PBA_CHECK_NOT_NULL(fn, model);
    return slot_reload(fn, slot, nullptr, out_generation,
                       [&](predict::ModelSlot& s, const pba::LoadOptions&, predict::KindChange) {
                           return s.replace(model_of(model));
                       });
}

uint64_t pba_slot_generation(const pba_slot* slot) {
    if (slot == nullptr) return 0;
    Use use(slot);
    return slot->slot->generation();
}

pba_status pba_predictor_create(const pba_predictor_config* config, pba_predictor** out_predictor) {
    constexpr const char* fn = "pba_predictor_create";
    PBA_CHECK_NOT_NULL(fn, out_predictor);
    *out_predictor = nullptr;
    PBA_CHECK_NOT_NULL(fn, config);
    if (auto s = check_config(fn, config)) return s;
    return guarded(fn, [&] {
        auto p = std::make_unique<pba_predictor>();
        if (config->model != nullptr || config->slot != nullptr) {
            p->link = std::make_unique<predict::Predictor>(member_slot(config->model, config->slot),
                                                           predictor_config(*config));
        } else {
            p->link = std::make_unique<predict::HybridPredictor>(
                member_slot(config->datacenter_model, config->datacenter_slot),
                member_slot(config->internet_model, config->internet_slot), hybrid_config(*config));
        }
        *out_predictor = p.release();
        return ok();
    });
}

void pba_predictor_free(pba_predictor* predictor) { release(predictor); }

pba_status pba_predictor_observe(pba_predictor* predictor, const pba_sample* sample, pba_observe_result* result) {
    constexpr const char* fn = "pba_predictor_observe";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, sample);
    if (result != nullptr)
        if (auto s = check_struct(fn, "result", result)) return s;
    Use use(predictor);
    return observe_one(fn, predictor, sample, result);
}

pba_status pba_predictor_observe_many(pba_predictor* predictor, const pba_sample* samples, size_t count,
                                      size_t* accepted) {
    constexpr const char* fn = "pba_predictor_observe_many";
    if (accepted != nullptr) *accepted = 0;
    PBA_CHECK_NOT_NULL(fn, predictor);
    if (samples == nullptr && count != 0)
        return fail(PBA_ERR_NULL_POINTER, "{}: samples is NULL with count {}", fn, count);
    for (size_t i = 0; i < count; ++i)
        if (samples[i].struct_size != sizeof(pba_sample))
            return fail(PBA_ERR_STRUCT_SIZE, "{}: samples[{}].struct_size is {}, this library ({}) knows only {}", fn, i,
                        samples[i].struct_size, PBA_VERSION_STRING, sizeof(pba_sample));
    Use use(predictor);
    size_t n = 0;
    size_t refused = 0;
    size_t first_refused = 0;
    predict::ObserveStatus first_status = predict::ObserveStatus::accepted;
    for (size_t i = 0; i < count; ++i) {
        predict::Sample s;
        to_sample(fn, &samples[i], s);
        const auto r = predictor->link->observe(s);
        if (r.accepted()) {
            ++n;
        } else if (refused++ == 0) {
            first_refused = i;
            first_status = r.status;
        }
    }
    if (accepted != nullptr) *accepted = n;
    if (refused != 0)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: {} of {} samples refused; the first, samples[{}] at timestamp {}: {}",
                    fn, refused, count, first_refused, samples[first_refused].timestamp_unix_s,
                    predict::to_string(first_status));
    return ok();
}

pba_status pba_predictor_predict(pba_predictor* predictor, pba_forecast* forecast) {
    constexpr const char* fn = "pba_predictor_predict";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, forecast);
    Use use(predictor);
    return predict_one(fn, predictor, forecast);
}

pba_status pba_predictor_record_actual(pba_predictor* predictor, const pba_sample* actual, uint32_t* matched,
                                       uint32_t* expired) {
    constexpr const char* fn = "pba_predictor_record_actual";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, actual);
    predict::Sample s;
    if (auto status = to_sample(fn, actual, s)) return status;
    Use use(predictor);
    return guarded(fn, [&] {
        const predict::MatchCounts counts = predictor->link->record_actual(s);
        if (matched != nullptr) *matched = counts.matched;
        if (expired != nullptr) *expired = counts.expired;
        return ok();
    });
}

pba_status pba_predictor_reset(pba_predictor* predictor) {
    PBA_CHECK_NOT_NULL("pba_predictor_reset", predictor);
    Use use(predictor);
    predictor->link->reset();
    return ok();
}

pba_status pba_predictor_mode(const pba_predictor* predictor, pba_mode* mode) {
    constexpr const char* fn = "pba_predictor_mode";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, mode);
    Use use(predictor);
    return guarded(fn, [&] {
        *mode = static_cast<pba_mode>(to_c(predictor->link->mode()));
        return ok();
    });
}

pba_status pba_predictor_reload_file(pba_predictor* predictor, pba_role role, const char* path,
                                     const pba_load_options* options, uint64_t* out_generation) {
    constexpr const char* fn = "pba_predictor_reload_file";
    PBA_CHECK_NOT_NULL(fn, path);
    return reload(fn, predictor, c_enum_value(role), options, out_generation,
                  [&](predict::ModelSlot& s, const pba::LoadOptions& o, predict::KindChange k) {
                      return s.reload_file(path, o, k);
                  });
}

pba_status pba_predictor_reload_memory(pba_predictor* predictor, pba_role role, const void* data, size_t size,
                                       const pba_load_options* options, uint64_t* out_generation) {
    constexpr const char* fn = "pba_predictor_reload_memory";
    if (data == nullptr && size != 0) return fail(PBA_ERR_NULL_POINTER, "{}: data is NULL with size {}", fn, size);
    return reload(fn, predictor, c_enum_value(role), options, out_generation,
                  [&](predict::ModelSlot& s, const pba::LoadOptions& o, predict::KindChange k) {
                      return s.reload_bytes(std::span(static_cast<const std::byte*>(data), size), o, k);
                  });
}

pba_status pba_predictor_slot(const pba_predictor* predictor, pba_role role, pba_slot** out_slot) {
    constexpr const char* fn = "pba_predictor_slot";
    PBA_CHECK_NOT_NULL(fn, out_slot);
    *out_slot = nullptr;
    PBA_CHECK_NOT_NULL(fn, predictor);
    Use use(predictor);
    return guarded(fn, [&] {
        predict::Predictor* m = member(fn, predictor, c_enum_value(role));
        if (m == nullptr) return static_cast<pba_status>(PBA_ERR_INVALID_ARGUMENT);
        *out_slot = new pba_slot(m->shared_slot());
        return ok();
    });
}

pba_status pba_predictor_get_stats(const pba_predictor* predictor, pba_predictor_stats* stats) {
    constexpr const char* fn = "pba_predictor_get_stats";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, stats);
    // A 1.0 caller's smaller struct gets the fields it knows.
    const std::size_t size = stats->struct_size;
    if (auto s = check_struct(fn, "stats", stats, PBA_PREDICTOR_STATS_SIZE_1_0)) return s;
    Use use(predictor);
    return guarded(fn, [&] {
        pba_predictor_stats full{};
        to_c(predictor->link->stats(), full);
        full.struct_size = size;
        std::memcpy(stats, &full, size);
        return ok();
    });
}

pba_status pba_prometheus_text(const pba_predictor* const* predictors, const char* const* links, size_t count,
                               char* buffer, size_t capacity, size_t* required) {
    constexpr const char* fn = "pba_prometheus_text";
    if (count != 0) {
        PBA_CHECK_NOT_NULL(fn, predictors);
        PBA_CHECK_NOT_NULL(fn, links);
    }
    for (size_t i = 0; i < count; ++i) {
        if (predictors[i] == nullptr) return fail(PBA_ERR_NULL_POINTER, "{}: predictors[{}] is NULL", fn, i);
        if (links[i] == nullptr) return fail(PBA_ERR_NULL_POINTER, "{}: links[{}] is NULL", fn, i);
    }
    return guarded(fn, [&] {
        std::vector<predict::PredictorStats> stats(count);
        std::vector<predict::LinkStats> entries(count);
        for (size_t i = 0; i < count; ++i) {
            Use use(predictors[i]);
            stats[i] = predictors[i]->link->stats();
            entries[i] = {links[i], &stats[i]};
        }
        std::string text;
        predict::write_prometheus(text, entries);
        return write_text(fn, text, buffer, capacity, required);
    });
}

pba_status pba_predictor_set_challenger(pba_predictor* predictor, pba_role role, const pba_model* challenger,
                                        uint64_t min_matched) {
    constexpr const char* fn = "pba_predictor_set_challenger";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, challenger);
    Use use(predictor);
    return guarded(fn, [&] {
        predict::Predictor* m = member(fn, predictor, c_enum_value(role));
        if (m == nullptr) return static_cast<pba_status>(PBA_ERR_INVALID_ARGUMENT);
        m->set_challenger(model_of(challenger), min_matched);
        return ok();
    });
}

pba_status pba_predictor_clear_challenger(pba_predictor* predictor, pba_role role) {
    constexpr const char* fn = "pba_predictor_clear_challenger";
    PBA_CHECK_NOT_NULL(fn, predictor);
    Use use(predictor);
    predict::Predictor* m = member(fn, predictor, c_enum_value(role));
    if (m == nullptr) return PBA_ERR_INVALID_ARGUMENT;
    m->clear_challenger();
    return ok();
}

pba_status pba_predictor_challenger_report(const pba_predictor* predictor, pba_role role,
                                           pba_challenger_report* report) {
    constexpr const char* fn = "pba_predictor_challenger_report";
    PBA_CHECK_NOT_NULL(fn, predictor);
    PBA_CHECK_NOT_NULL(fn, report);
    if (auto s = check_struct(fn, "report", report)) return s;
    Use use(predictor);
    return guarded(fn, [&] {
        predict::Predictor* m = member(fn, predictor, c_enum_value(role));
        if (m == nullptr) return static_cast<pba_status>(PBA_ERR_INVALID_ARGUMENT);
        const predict::ChallengerReport r = m->challenger_report();
        to_c(r.champion, report->champion);
        to_c(r.challenger, report->challenger);
        report->better = static_cast<std::uint32_t>(r.better);
        report->comparable = r.comparable ? 1 : 0;
        report->min_matched = r.min_matched;
        return ok();
    });
}

pba_status pba_predictor_challenger_text(const pba_predictor* predictor, pba_role role, char* buffer,
                                         size_t capacity, size_t* required) {
    constexpr const char* fn = "pba_predictor_challenger_text";
    PBA_CHECK_NOT_NULL(fn, predictor);
    Use use(predictor);
    return guarded(fn, [&] {
        predict::Predictor* m = member(fn, predictor, c_enum_value(role));
        if (m == nullptr) return static_cast<pba_status>(PBA_ERR_INVALID_ARGUMENT);
        return write_text(fn, predict::format_report(m->challenger_report()), buffer, capacity, required);
    });
}

pba_status pba_predictor_promote_challenger(pba_predictor* predictor, pba_role role, uint64_t* out_generation) {
    constexpr const char* fn = "pba_predictor_promote_challenger";
    PBA_CHECK_NOT_NULL(fn, predictor);
    Use use(predictor);
    return guarded(fn, [&] {
        predict::Predictor* m = member(fn, predictor, c_enum_value(role));
        if (m == nullptr) return static_cast<pba_status>(PBA_ERR_INVALID_ARGUMENT);
        const std::uint64_t generation = m->promote_challenger();
        if (out_generation != nullptr) *out_generation = generation;
        return ok();
    });
}

pba_status pba_observe_links(pba_predictor* const* predictors, const pba_sample* samples, size_t count,
                             pba_status* statuses) {
    constexpr const char* fn = "pba_observe_links";
    if (count != 0 && predictors == nullptr) return fail_links(fn, "predictors", count, statuses);
    if (count != 0 && samples == nullptr) return fail_links(fn, "samples", count, statuses);
    return for_links(count, statuses, [&](size_t i) {
        if (predictors[i] == nullptr) return fail(PBA_ERR_NULL_POINTER, "{}: predictors[{}] is NULL", fn, i);
        Use use(predictors[i]);
        return observe_one(fn, predictors[i], &samples[i], nullptr);
    });
}

const char* pba_aggregation_member_name(uint32_t member) {
    if (member >= predict::kAggregationMemberCount) return nullptr;
    return predict::to_string(static_cast<predict::AggregationMember>(member));
}

pba_status pba_predict_links(pba_predictor* const* predictors, size_t count, pba_forecast* forecasts,
                             pba_status* statuses) {
    constexpr const char* fn = "pba_predict_links";
    if (count != 0 && predictors == nullptr) return fail_links(fn, "predictors", count, statuses);
    if (count != 0 && forecasts == nullptr) return fail_links(fn, "forecasts", count, statuses);
    // A 1.0 caller's array steps by its smaller struct: forecasts[0].struct_size says which.
    const std::size_t stride =
        count != 0 && forecasts[0].struct_size == PBA_FORECAST_SIZE_1_0 ? PBA_FORECAST_SIZE_1_0 : sizeof(pba_forecast);
    LinksChunks chunks(predictors, forecasts, stride);
    return for_links(count, statuses, [&](size_t i) {
        if (predictors[i] == nullptr) return fail(PBA_ERR_NULL_POINTER, "{}: predictors[{}] is NULL", fn, i);
        return chunks.answer(fn, i, count);
    });
}

}  // extern "C"
