#pragma once

#include <span>
#include <string>
#include <string_view>

#include "pba/predict/stats.hpp"

namespace pba::predict {

struct LinkStats {
    std::string_view link;  // the `link` label
    const PredictorStats* stats = nullptr;
};

// Appends the Prometheus text exposition (format 0.0.4) of the links' stats to `out`: each
// metric family once, with HELP and TYPE, one series per link. Names follow the transport's
// (dwcp_pba_predictions_total, dwcp_pba_prediction_latency_ms, dwcp_pba_prediction_accuracy,
// dwcp_pba_confidence, dwcp_pba_model_version, ...); units are in the names (latency in
// milliseconds, ratios 0..1) and the latency is a true histogram (_bucket{le=...}, _sum,
// _count). Label values are escaped. Null stats pointers are skipped.
void write_prometheus(std::string& out, std::span<const LinkStats> links);
std::string prometheus_text(const PredictorStats& stats, std::string_view link);

}  // namespace pba::predict
