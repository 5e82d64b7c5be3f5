#pragma once

#include <cstdint>

#include "pba/amst/parameters.hpp"

namespace pba::amst {

// When the transport acts on a forecast, gated by the forecast's confidence (0..1), as its
// optimiser decides. Each throws Error(invalid_argument) for a confidence that is NaN or
// outside [0, 1], a negative stream count, or invalid params.

// confidence ≥ 0.6: compute settings at all; below, keep the current ones.
bool should_compute(double confidence, const Params& params = {});

// confidence ≥ 0.8: apply the computed settings.
bool should_apply(double confidence, const Params& params = {});

// The relative change of the stream count, as the transport computes it:
// float64(proposed − current) / float64(current). From 0 streams any increase is +∞ and no
// change is 0 (the transport's IEEE division yields NaN there, which compares false).
double stream_change(std::int64_t current_streams, std::int64_t proposed_streams);

// confidence ≥ 0.7 and |stream_change| > 20 %: move to the proposed stream count.
bool should_adjust_streams(double confidence, std::int64_t current_streams, std::int64_t proposed_streams,
                           const Params& params = {});

// confidence ≥ 0.85 and |stream_change| > 15 %: the forecast differs enough from the
// current conditions to optimise pre-emptively, before the link changes.
bool should_preempt(double confidence, std::int64_t current_streams, std::int64_t proposed_streams,
                    const Params& params = {});

}  // namespace pba::amst
