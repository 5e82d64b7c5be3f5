// AMST transport settings and confidence gates.

#include "internal.hpp"
#include "pba/amst/decisions.hpp"
#include "pba/amst/parameters.hpp"

namespace pba::capi {
namespace {

pba_status to_params(const char* fn, const pba_amst_params* in, amst::Params& out) noexcept {
    if (in == nullptr) return PBA_OK;
    if (auto s = check_struct(fn, "params", in)) return s;
    if (auto s = check_reserved(fn, "params", in->reserved)) return s;
    out.bandwidth_per_stream_mbps = in->bandwidth_per_stream_mbps;
    out.high_latency_ms = in->high_latency_ms;
    out.high_latency_factor = in->high_latency_factor;
    out.low_latency_ms = in->low_latency_ms;
    out.low_latency_factor = in->low_latency_factor;
    out.stream_cut_loss = in->stream_cut_loss;
    out.stream_cut_numerator = in->stream_cut_numerator;
    out.stream_cut_denominator = in->stream_cut_denominator;
    out.min_streams = in->min_streams;
    out.max_streams = in->max_streams;
    out.min_buffer_bytes = in->min_buffer_bytes;
    out.max_buffer_bytes = in->max_buffer_bytes;
    out.chunk_cut_loss = in->chunk_cut_loss;
    out.chunk_cut_divisor = in->chunk_cut_divisor;
    out.min_chunk_bytes = in->min_chunk_bytes;
    out.max_chunk_bytes = in->max_chunk_bytes;
    out.pacing_fraction = in->pacing_fraction;
    out.compute_confidence = in->compute_confidence;
    out.apply_confidence = in->apply_confidence;
    out.adjust_confidence = in->adjust_confidence;
    out.adjust_min_change = in->adjust_min_change;
    out.preempt_confidence = in->preempt_confidence;
    out.preempt_min_change = in->preempt_min_change;
    return PBA_OK;
}

}  // namespace
}  // namespace pba::capi

using namespace pba::capi;

extern "C" {

pba_status pba_amst_settings_for(const pba_amst_params* params, double bandwidth_mbps, double latency_ms,
                                 double packet_loss, double jitter_ms, pba_amst_settings* settings) {
    constexpr const char* fn = "pba_amst_settings_for";
    PBA_CHECK_NOT_NULL(fn, settings);
    if (auto s = check_struct(fn, "settings", settings)) return s;
    pba::amst::Params p;
    if (auto s = to_params(fn, params, p)) return s;
    return guarded(fn, [&] {
        const pba::amst::Settings r = pba::amst::settings({bandwidth_mbps, latency_ms, packet_loss, jitter_ms}, p);
        settings->streams = r.streams;
        settings->buffer_bytes = r.buffer_bytes;
        settings->chunk_bytes = r.chunk_bytes;
        settings->pacing_bytes_per_s = r.pacing_bytes_per_s;
        settings->window_bytes = r.window_bytes;
        return ok();
    });
}

pba_status pba_amst_decide(const pba_amst_params* params, double confidence, int64_t current_streams,
                           int64_t proposed_streams, pba_amst_decision* decision) {
    constexpr const char* fn = "pba_amst_decide";
    PBA_CHECK_NOT_NULL(fn, decision);
    if (auto s = check_struct(fn, "decision", decision)) return s;
    pba::amst::Params p;
    if (auto s = to_params(fn, params, p)) return s;
    return guarded(fn, [&] {
        namespace amst = pba::amst;
        const bool compute = amst::should_compute(confidence, p);
        const bool apply = amst::should_apply(confidence, p);
        const bool adjust = amst::should_adjust_streams(confidence, current_streams, proposed_streams, p);
        const bool preempt = amst::should_preempt(confidence, current_streams, proposed_streams, p);
        decision->compute = compute;
        decision->apply = apply;
        decision->adjust_streams = adjust;
        decision->preempt = preempt;
        decision->stream_change = amst::stream_change(current_streams, proposed_streams);
        return ok();
    });
}

}  // extern "C"
