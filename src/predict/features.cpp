#include "pba/predict/features.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "pba/error.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/predict/calendar.hpp"

namespace pba::predict {
namespace {

constexpr Feature kFeatures[] = {Feature::bandwidth_mbps, Feature::latency_ms,      Feature::packet_loss,
                                 Feature::jitter_ms,      Feature::throughput_mbps, Feature::reliability,
                                 Feature::hour_of_day,    Feature::day_of_week};

[[noreturn]] void defect(const std::string& message) { throw Error(Errc::malformed_model, message); }

std::string vocabulary() {
    std::string names;
    for (Feature f : kFeatures) names += (names.empty() ? "" : ", ") + std::string(to_string(f));
    return names;
}

// An f64 array of `count` entries, or `count` copies of `fallback` when the key is absent.
std::vector<double> numbers_of(const format::Metadata& m, const char* key, std::size_t count, double fallback) {
    if (!m.contains(key)) return std::vector<double>(count, fallback);
    auto values = m.numbers(key);
    if (values.size() != count)
        defect(fmt::format("metadata {} has {} entries; the model has {}", key, values.size(), count));
    return values;
}

std::vector<Normalisation> norms_of(const format::Metadata& m, const std::string& prefix, std::size_t count) {
    std::vector<std::string> kinds(count, "none");
    if (m.contains(prefix)) {
        kinds = m.strings(prefix);
        if (kinds.size() != count)
            defect(fmt::format("metadata {} has {} entries; the model has {}", prefix, kinds.size(), count));
    }
    const auto a = numbers_of(m, (prefix + "_a").c_str(), count, 0.0);
    const auto b = numbers_of(m, (prefix + "_b").c_str(), count, 0.0);
    const auto c = numbers_of(m, (prefix + "_c").c_str(), count, 0.0);
    std::vector<Normalisation> norms(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto kind = parse_norm_kind(kinds[i]);
        if (!kind)
            defect(fmt::format("metadata {}[{}] = '{}' is not a normalisation kind (none, divide, minmax, standard, "
                               "log, log_ratio)",
                               prefix, i, kinds[i]));
        norms[i] = {*kind, a[i], b[i], c[i]};
        if (const char* problem = check_parameters(norms[i]))
            defect(fmt::format("metadata {}[{}]: {} (a = {}, b = {}, c = {})", prefix, i, problem, a[i], b[i], c[i]));
    }
    return norms;
}

std::size_t column_of(Feature f) noexcept {
    switch (f) {
        case Feature::bandwidth_mbps: return column_of(SampleField::bandwidth_mbps);
        case Feature::latency_ms: return column_of(SampleField::latency_ms);
        case Feature::packet_loss: return column_of(SampleField::packet_loss);
        case Feature::jitter_ms: return column_of(SampleField::jitter_ms);
        case Feature::throughput_mbps: return column_of(SampleField::throughput_mbps);
        case Feature::reliability: return column_of(SampleField::reliability);
        case Feature::hour_of_day:
        case Feature::day_of_week: return timestamp_column();
    }
    return timestamp_column();
}

// ln of each of values[0..n), through the CPU's vector log where the kernels have one.
void log_in_place(double* values, std::size_t n) noexcept {
    if (const nn::kernels::Table* kernels = nn::kernels::active_table()) return kernels->log(values, n);
    for (std::size_t i = 0; i < n; ++i) values[i] = std::log(values[i]);
}

// std::max(x, 0.0) by value: std::max's reference result keeps the compiler from vectorising.
double at_least_zero(double x) noexcept { return x < 0.0 ? 0.0 : x; }

// Replaces each missing (NaN) value by the latest earlier one, `last` before the first, leaves
// `last` at the final value, and adds the filled values to `sum` in order.
void forward_fill(double* values, std::size_t count, double& last, double& sum) noexcept {
    for (std::size_t k = 0; k < count; ++k) {
        last = std::isnan(values[k]) ? last : values[k];
        values[k] = last;
        sum += last;
    }
}

// The feature's raw value from its column's value (a timestamp for the calendar features).
double raw_value(double column_value, Feature f, double utc_offset_s) noexcept {
    if (std::isnan(column_value)) return column_value;  // a row older than the window held: missing, filled
    switch (f) {
        case Feature::hour_of_day: return calendar_time(column_value, utc_offset_s).hour_of_day;
        case Feature::day_of_week: return calendar_time(column_value, utc_offset_s).day_of_week;
        default: return column_value;
    }
}

}  // namespace

const char* to_string(Feature feature) noexcept {
    switch (feature) {
        case Feature::bandwidth_mbps: return "bandwidth_mbps";
        case Feature::latency_ms: return "latency_ms";
        case Feature::packet_loss: return "packet_loss";
        case Feature::jitter_ms: return "jitter_ms";
        case Feature::throughput_mbps: return "throughput_mbps";
        case Feature::reliability: return "reliability";
        case Feature::hour_of_day: return "hour_of_day";
        case Feature::day_of_week: return "day_of_week";
    }
    return "unknown";
}

std::optional<Feature> parse_feature(std::string_view name) noexcept {
    for (Feature f : kFeatures)
        if (name == to_string(f)) return f;
    return std::nullopt;
}

FeaturePipeline::FeaturePipeline(const format::Metadata& m, std::size_t window_length, std::size_t feature_count,
                                 std::size_t output_size)
    : rows_(std::max<std::size_t>(window_length, 1)) {
    if (!m.contains("input.features"))
        defect(fmt::format("metadata input.features is missing: a predictor must know which sample field feeds each "
                           "of the model's {} inputs",
                           feature_count));
    const auto names = m.strings("input.features");
    if (names.size() != feature_count)
        defect(fmt::format("metadata input.features names {} features; the model's input has {}", names.size(),
                           feature_count));
    const auto norms = norms_of(m, "input.norm", feature_count);
    const auto missing = numbers_of(m, "input.missing", feature_count, 0.0);
    inputs_.resize(feature_count);
    for (std::size_t i = 0; i < feature_count; ++i) {
        const auto feature = parse_feature(names[i]);
        if (!feature)
            defect(fmt::format("metadata input.features[{}] = '{}' is not a feature ({})", i, names[i], vocabulary()));
        inputs_[i] = {*feature, norms[i], missing[i]};
    }

    if (!m.contains("output.targets"))
        defect(fmt::format("metadata output.targets is missing: a predictor must know what each of the model's {} "
                           "outputs forecasts",
                           output_size));
    const auto targets = m.strings("output.targets");
    if (targets.size() != output_size)
        defect(fmt::format("metadata output.targets names {} outputs; the model has {}", targets.size(), output_size));
    const auto out_norms = norms_of(m, "output.norm", output_size);
    std::vector<std::int64_t> refs(output_size, -1);
    if (m.contains("output.ref_feature")) {
        refs = m.integers("output.ref_feature");
        if (refs.size() != output_size)
            defect(fmt::format("metadata output.ref_feature has {} entries; the model has {} outputs", refs.size(),
                               output_size));
    }
    outputs_.resize(output_size);
    for (std::size_t i = 0; i < output_size; ++i) {
        const auto feature = parse_feature(targets[i]);
        if (!feature || static_cast<std::size_t>(*feature) >= kForecastFieldCount)
            defect(fmt::format("metadata output.targets[{}] = '{}' is not a forecast field (bandwidth_mbps, "
                               "latency_ms, packet_loss, jitter_ms)",
                               i, targets[i]));
        const auto field = static_cast<SampleField>(*feature);
        if (output_fields_ & field_bit(field))
            defect(fmt::format("metadata output.targets[{}] = '{}' appears twice", i, targets[i]));
        output_fields_ |= field_bit(field);
        int ref = -1;
        if (out_norms[i].kind == NormKind::log_ratio) {
            if (refs[i] < 0 || refs[i] >= static_cast<std::int64_t>(feature_count))
                defect(fmt::format("metadata output.ref_feature[{}] = {} must name one of the {} input features for a "
                                   "log_ratio output",
                                   i, refs[i], feature_count));
            ref = static_cast<int>(refs[i]);
        }
        outputs_[i] = {field, out_norms[i], ref};
    }
}

WindowLayout FeaturePipeline::window_layout() const noexcept {
    WindowLayout layout = WindowLayout::uniform(1);
    for (const InputFeature& in : inputs_) layout.depth[column_of(in.feature)] = static_cast<std::uint32_t>(rows_);
    return layout;
}

int FeaturePipeline::encode(const Window& window, double utc_offset_s, std::span<float> input,
                            std::span<double> means) const noexcept {
    const std::size_t T = rows_;
    const std::size_t F = inputs_.size();
    // Values are read a chunk at a time into plain arrays (the column is up to four runs of two
    // rings; a window of up to kChunk rows is read once for all three passes), and logs go
    // through the vector log: a forecast's own cost beyond its network.
    constexpr std::size_t kChunk = 256;
    double values[kChunk];
    double work[kChunk];
    float rounded[kChunk];
    for (std::size_t f = 0; f < F; ++f) {
        const InputFeature& in = inputs_[f];
        const WindowColumn column = window.newest(column_of(in.feature), T);
        const bool calendar = in.feature == Feature::hour_of_day || in.feature == Feature::day_of_week;
        std::size_t loaded = T;  // the first row held in `values`; T: none
        auto read = [&](std::size_t t0, std::size_t count) {
            if (t0 == loaded) return;
            column.copy(t0, count, values);
            if (calendar)
                for (std::size_t k = 0; k < count; ++k) values[k] = raw_value(values[k], in.feature, utc_offset_s);
            loaded = t0;
        };
        // Leading gaps are back-filled from the first value, later ones forward-filled.
        double first = kMissing;
        for (std::size_t t0 = 0; t0 < T && std::isnan(first); t0 += kChunk) {
            const std::size_t count = std::min(kChunk, T - t0);
            read(t0, count);
            for (std::size_t k = 0; k < count && std::isnan(first); ++k) first = values[k];
        }
        if (std::isnan(first)) first = in.missing;
        double last = first;
        double sum = 0.0;
        for (std::size_t t0 = 0; t0 < T; t0 += kChunk) {
            const std::size_t count = std::min(kChunk, T - t0);
            read(t0, count);
            forward_fill(values, count, last, sum);
        }
        const double mean = sum / static_cast<double>(T);
        means[f] = mean;
        last = first;
        const Normalisation& n = in.norm;
        const bool logs = n.kind == NormKind::log || n.kind == NormKind::log_ratio;
        for (std::size_t t0 = 0; t0 < T; t0 += kChunk) {
            const std::size_t count = std::min(kChunk, T - t0);
            if (t0 != loaded) {  // a window of more than one chunk is read and filled again
                read(t0, count);
                double unused_sum = 0.0;
                forward_fill(values, count, last, unused_sum);
            }
            // normalise(), in loops without a dependency between rows (the compiler vectorises
            // them); the log kinds' logs are taken below for the whole chunk at once.
            if (!logs) {
                for (std::size_t k = 0; k < count; ++k) work[k] = normalise(n, values[k], mean);
            } else {
                for (std::size_t k = 0; k < count; ++k) work[k] = at_least_zero(values[k]) + n.c;
                if (n.kind == NormKind::log_ratio) {
                    const double reference = mean + n.c;
                    for (std::size_t k = 0; k < count; ++k) work[k] /= reference;
                }
            }
            if (logs) {
                log_in_place(work, count);
                if (n.kind == NormKind::log)
                    for (std::size_t k = 0; k < count; ++k) work[k] = (work[k] - n.a) / n.b;
            }
            // Rounded to float and checked in vectorisable loops, then stored in the input's
            // layout (contiguous for a one-feature model).
            for (std::size_t k = 0; k < count; ++k) rounded[k] = static_cast<float>(work[k]);
            int finite = 1;
            for (std::size_t k = 0; k < count; ++k) finite &= std::abs(rounded[k]) <= std::numeric_limits<float>::max();
            if (!finite) return static_cast<int>(f);
            if (F == 1)
                std::copy_n(rounded, count, input.data() + t0);
            else
                for (std::size_t k = 0; k < count; ++k) input[(t0 + k) * F + f] = rounded[k];
        }
    }
    return -1;
}

bool FeaturePipeline::decode(std::span<const float> y, std::span<const double> means,
                             DecodedOutputs& out) const noexcept {
    out.fields = 0;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
        const OutputTarget& o = outputs_[i];
        const double reference = o.ref_feature >= 0 ? means[static_cast<std::size_t>(o.ref_feature)] : 0.0;
        double x = denormalise(o.norm, static_cast<double>(y[i]), reference);
        if (!std::isfinite(x)) return false;
        x = std::max(x, 0.0);
        if (o.field == SampleField::packet_loss) x = std::min(x, 1.0);
        out.values[static_cast<std::size_t>(o.field)] = x;
        out.fields |= field_bit(o.field);
    }
    return true;
}

}  // namespace pba::predict
