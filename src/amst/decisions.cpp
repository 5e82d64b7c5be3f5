#include "pba/amst/decisions.hpp"

#include <fmt/format.h>
#include <limits>

#include "pba/error.hpp"

namespace pba::amst {
namespace {

void require_confidence(double confidence) {
    if (!(confidence >= 0.0 && confidence <= 1.0))
        throw Error(Errc::invalid_argument, fmt::format("amst: confidence must be in [0, 1], got {}", confidence));
}

void require_streams(std::int64_t streams, std::string_view what) {
    if (streams < 0)
        throw Error(Errc::invalid_argument, fmt::format("amst: {} must be >= 0, got {}", what, streams));
}

// The transport compares diff > t || diff < -t; for a non-NaN diff that is |diff| > t.
bool exceeds(double change, double threshold) { return change > threshold || change < -threshold; }

}  // namespace

bool should_compute(double confidence, const Params& params) {
    validate(params);
    require_confidence(confidence);
    return confidence >= params.compute_confidence;
}

bool should_apply(double confidence, const Params& params) {
    validate(params);
    require_confidence(confidence);
    return confidence >= params.apply_confidence;
}

double stream_change(std::int64_t current_streams, std::int64_t proposed_streams) {
    require_streams(current_streams, "current_streams");
    require_streams(proposed_streams, "proposed_streams");
    if (current_streams == 0)
        return proposed_streams == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    return static_cast<double>(proposed_streams - current_streams) / static_cast<double>(current_streams);
}

bool should_adjust_streams(double confidence, std::int64_t current_streams, std::int64_t proposed_streams,
                           const Params& params) {
    validate(params);
    require_confidence(confidence);
    const double change = stream_change(current_streams, proposed_streams);
    return confidence >= params.adjust_confidence && exceeds(change, params.adjust_min_change);
}

bool should_preempt(double confidence, std::int64_t current_streams, std::int64_t proposed_streams,
                    const Params& params) {
    validate(params);
    require_confidence(confidence);
    const double change = stream_change(current_streams, proposed_streams);
    return confidence >= params.preempt_confidence && exceeds(change, params.preempt_min_change);
}

}  // namespace pba::amst
