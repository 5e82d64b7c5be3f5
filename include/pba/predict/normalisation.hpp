#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pba::predict {

// The normalisation kinds of docs/model-format.md (`input.norm`, `output.norm`).
enum class NormKind : std::uint8_t { none, divide, minmax, standard, log, log_ratio };

const char* to_string(NormKind kind) noexcept;
std::optional<NormKind> parse_norm_kind(std::string_view name) noexcept;

struct Normalisation {
    NormKind kind = NormKind::none;
    double a = 0.0;
    double b = 0.0;
    double c = 0.0;
};

// nullptr when the parameters make the transform finite and invertible for every value in
// the feature's domain, else what is wrong ("a must not be 0"): divide needs a != 0, minmax
// b != a, standard b != 0, log b != 0 and c > 0, log_ratio c > 0.
const char* check_parameters(const Normalisation& n) noexcept;

// y = f(x) in double precision; `window_mean` is m, the mean of this feature's filled window
// (used by log_ratio only). The caller rounds to float32 and checks finiteness.
inline double normalise(const Normalisation& n, double x, double window_mean) noexcept {
    switch (n.kind) {
        case NormKind::none: return x;
        case NormKind::divide: return x / n.a;
        case NormKind::minmax: return (x - n.a) / (n.b - n.a);
        case NormKind::standard: return (x - n.a) / n.b;
        case NormKind::log: return (std::log(std::max(x, 0.0) + n.c) - n.a) / n.b;
        case NormKind::log_ratio: return std::log((std::max(x, 0.0) + n.c) / (window_mean + n.c));
    }
    return x;
}

// x = g(y); `reference_mean` is m of the input feature named by `output.ref_feature`
// (log_ratio only).
inline double denormalise(const Normalisation& n, double y, double reference_mean) noexcept {
    switch (n.kind) {
        case NormKind::none: return y;
        case NormKind::divide: return y * n.a;
        case NormKind::minmax: return y * (n.b - n.a) + n.a;
        case NormKind::standard: return y * n.b + n.a;
        case NormKind::log: return std::exp(y * n.b + n.a) - n.c;
        case NormKind::log_ratio: return (reference_mean + n.c) * std::exp(y) - n.c;
    }
    return y;
}

}  // namespace pba::predict
