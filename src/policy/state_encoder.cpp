#include "pba/policy/state_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <string>

#include "pba/error.hpp"

namespace pba::policy {
namespace {

struct KindName {
    std::string_view name;
    StateEncoder::Norm norm;
    int parameters;  // how many of a, b, c the kind reads
};

constexpr KindName kKinds[] = {
    {"none", StateEncoder::Norm::none, 0},         {"divide", StateEncoder::Norm::divide, 1},
    {"minmax", StateEncoder::Norm::minmax, 2},     {"standard", StateEncoder::Norm::standard, 2},
    {"log", StateEncoder::Norm::log, 3},
};

std::vector<double> parameter_array(const format::Metadata& metadata, const char* key, std::size_t count) {
    std::vector<double> values = metadata.numbers(key);
    if (!values.empty() && values.size() != count)
        throw Error(Errc::malformed_model,
                    fmt::format("{} has {} entries, input.features {}", key, values.size(), count));
    return values;
}

// nullptr when the transform is finite for every finite x, else what is wrong.
const char* parameter_defect(const StateEncoder::Input& in) {
    switch (in.norm) {
        case StateEncoder::Norm::none: return nullptr;
        case StateEncoder::Norm::divide: return in.a == 0.0 ? "divide needs a != 0" : nullptr;
        case StateEncoder::Norm::minmax: return in.a == in.b ? "minmax needs a != b" : nullptr;
        case StateEncoder::Norm::standard: return in.b == 0.0 ? "standard needs b != 0" : nullptr;
        case StateEncoder::Norm::log:
            if (in.b == 0.0) return "log needs b != 0";
            return in.c > 0.0 ? nullptr : "log needs c > 0";
    }
    return nullptr;
}

}  // namespace

StateEncoder::StateEncoder(const format::Metadata& metadata, std::size_t feature_count) {
    std::vector<std::string> names = metadata.strings("input.features");
    if (names.empty()) {
        names.assign(kStateFeatures.begin(), kStateFeatures.end());
        if (feature_count != names.size())
            throw Error(Errc::shape_mismatch,
                        fmt::format("policy model takes {} inputs; without input.features it must take the {} state "
                                    "fields latency_ms, bandwidth_mbps, packet_loss, reliability",
                                    feature_count, names.size()));
    } else if (names.size() != feature_count) {
        throw Error(Errc::shape_mismatch, fmt::format("input.features lists {} features, the model takes {}",
                                                      names.size(), feature_count));
    }
    const std::size_t n = names.size();
    const std::vector<std::string> kinds = metadata.strings("input.norm");
    if (!kinds.empty() && kinds.size() != n)
        throw Error(Errc::malformed_model,
                    fmt::format("input.norm has {} entries, input.features {}", kinds.size(), n));
    const std::vector<double> a = parameter_array(metadata, "input.norm_a", n);
    const std::vector<double> b = parameter_array(metadata, "input.norm_b", n);
    const std::vector<double> c = parameter_array(metadata, "input.norm_c", n);

    inputs_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        Input in;
        const auto field = std::find(kStateFeatures.begin(), kStateFeatures.end(), names[i]);
        if (field == kStateFeatures.end())
            throw Error(Errc::unsupported,
                        fmt::format("input.features[{}] = '{}' is not a policy state field (latency_ms, "
                                    "bandwidth_mbps, packet_loss, reliability)",
                                    i, names[i]));
        in.field = static_cast<std::size_t>(field - kStateFeatures.begin());
        for (const Input& earlier : inputs_)
            if (earlier.field == in.field)
                throw Error(Errc::malformed_model, fmt::format("input.features[{}] = '{}' repeats", i, names[i]));

        const std::string kind = kinds.empty() ? "none" : kinds[i];
        if (kind == "log_ratio")
            throw Error(Errc::unsupported,
                        fmt::format("input.norm[{}] = log_ratio needs a window mean; a policy state is one sample", i));
        const auto known =
            std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindName& k) { return k.name == kind; });
        if (known == std::end(kKinds))
            throw Error(Errc::malformed_model,
                        fmt::format("input.norm[{}] = '{}' is not a normalisation kind", i, kind));
        in.norm = known->norm;
        const std::vector<double>* params[] = {&a, &b, &c};
        const char* keys[] = {"input.norm_a", "input.norm_b", "input.norm_c"};
        double* slots[] = {&in.a, &in.b, &in.c};
        for (int p = 0; p < known->parameters; ++p) {
            if (params[p]->empty())
                throw Error(Errc::malformed_model, fmt::format("input.norm[{}] = {} needs {}", i, kind, keys[p]));
            *slots[p] = (*params[p])[i];
        }
        if (const char* defect = parameter_defect(in))
            throw Error(Errc::malformed_model, fmt::format("input.norm[{}] ({}): {}", i, names[i], defect));
        inputs_.push_back(in);
    }
}

double StateEncoder::normalise(const Input& in, double x) noexcept {
    switch (in.norm) {
        case Norm::none: return x;
        case Norm::divide: return x / in.a;
        case Norm::minmax: return (x - in.a) / (in.b - in.a);
        case Norm::standard: return (x - in.a) / in.b;
        case Norm::log: return (std::log(std::max(x, 0.0) + in.c) - in.a) / in.b;
    }
    return x;
}

void StateEncoder::encode(const State& state, std::span<float> out) const {
    if (out.size() != inputs_.size())
        throw Error(Errc::shape_mismatch,
                    fmt::format("policy: {} input slots for a model of {} inputs", out.size(), inputs_.size()));
    const double fields[] = {state.latency_ms, state.bandwidth_mbps, state.packet_loss, state.reliability};
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
        const double x = fields[inputs_[i].field];
        const double y = normalise(inputs_[i], x);
        // Checked before the conversion: a double beyond float's range has no float value.
        if (!(std::abs(y) <= std::numeric_limits<float>::max()))
            throw Error(Errc::non_finite, fmt::format("policy: {} = {} normalises to {}, not a finite float",
                                                      kStateFeatures[inputs_[i].field], x, y));
        out[i] = static_cast<float>(y);
    }
}

}  // namespace pba::policy
