#include "pba/predict/normalisation.hpp"

namespace pba::predict {

const char* to_string(NormKind kind) noexcept {
    switch (kind) {
        case NormKind::none: return "none";
        case NormKind::divide: return "divide";
        case NormKind::minmax: return "minmax";
        case NormKind::standard: return "standard";
        case NormKind::log: return "log";
        case NormKind::log_ratio: return "log_ratio";
    }
    return "unknown";
}

std::optional<NormKind> parse_norm_kind(std::string_view name) noexcept {
    for (NormKind k : {NormKind::none, NormKind::divide, NormKind::minmax, NormKind::standard, NormKind::log,
                       NormKind::log_ratio})
        if (name == to_string(k)) return k;
    return std::nullopt;
}

const char* check_parameters(const Normalisation& n) noexcept {
    switch (n.kind) {
        case NormKind::none: return nullptr;
        case NormKind::divide: return n.a == 0.0 ? "divide needs a != 0" : nullptr;
        case NormKind::minmax: return n.b == n.a ? "minmax needs b != a" : nullptr;
        case NormKind::standard: return n.b == 0.0 ? "standard needs b != 0" : nullptr;
        case NormKind::log:
            if (n.b == 0.0) return "log needs b != 0";
            return n.c > 0.0 ? nullptr : "log needs c > 0 (ln(max(x, 0) + c) must be finite at x = 0)";
        case NormKind::log_ratio:
            return n.c > 0.0 ? nullptr : "log_ratio needs c > 0 (ln((max(x, 0) + c) / (m + c)) must be finite at 0)";
    }
    return "unknown normalisation kind";
}

}  // namespace pba::predict
