// Fuzzes the trace CSV reader and what a trace drives: pba::trace::parse_trace on arbitrary
// text, then pba::trace::replay of the rows it accepted through a predictor (with a small
// model, or none: the fallback rule), as `pba replay` does with a file. Properties:
// - parse_trace refuses only with pba::Error(invalid_argument) and a message; anything else
//   escapes and is reported as a crash;
// - a parsed trace is consistent: one line number per row, the required columns present,
//   every row counted once in its quality (usable, or refused for its timestamp);
// - the predictor agrees with the trace's quality counts, which promise the same rules;
// - every forecast of the replay is finite (never a NaN forecast); its summary is never NaN.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "fuzz_check.hpp"
#include "pba/error.hpp"
#include "pba/model/model.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/trace/replay.hpp"
#include "pba/trace/trace.hpp"
#include "support/model_builder.hpp"

namespace {

using pba::trace::Column;

// Bandwidth and latency from a window of 4, with a log output whose exp() can overflow, so a
// model error has to be turned into a fallback rather than a NaN.
std::shared_ptr<const pba::Model> model() {
    static const auto m = [] {
        const std::vector<std::string> features{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms",
                                                "hour_of_day"};
        pba::test::ModelBuilder b({4, static_cast<std::int64_t>(features.size())}, 11);
        b.lstm(3, false).dense(2);
        b.meta("input.features", features)
            .meta("input.norm", std::vector<std::string>{"log", "divide", "none", "divide", "divide"})
            .meta("input.norm_a", std::vector<double>{0, 100, 0, 50, 24})
            .meta("input.norm_b", std::vector<double>{1, 0, 0, 0, 0})
            .meta("input.norm_c", std::vector<double>{1, 0, 0, 0, 0})
            .meta("output.targets", std::vector<std::string>{"bandwidth_mbps", "latency_ms"})
            .meta("output.norm", std::vector<std::string>{"log", "divide"})
            .meta("output.norm_a", std::vector<double>{0, 100})
            .meta("output.norm_b", std::vector<double>{40, 0})
            .meta("output.norm_c", std::vector<double>{1, 0})
            .meta("input.sample_interval_s", 1.0)
            .meta("model.version", std::string("trace-fuzz"));
        return pba::Model::from_description(b.build());
    }();
    return m;
}

bool finite(double v) { return std::isfinite(v); }

void check_trace(const pba::trace::Trace& trace) {
    PBA_FUZZ_CHECK(!trace.samples.empty());
    PBA_FUZZ_CHECK(trace.lines.size() == trace.samples.size());
    for (std::size_t i = 1; i < trace.lines.size(); ++i) PBA_FUZZ_CHECK(trace.lines[i] > trace.lines[i - 1]);
    PBA_FUZZ_CHECK(trace.columns & pba::trace::column_bit(Column::t_s));
    PBA_FUZZ_CHECK(trace.columns & pba::trace::column_bit(Column::throughput_mbps));
    const auto& q = trace.quality;
    PBA_FUZZ_CHECK(q.invalid_timestamps + q.repeated_timestamps + q.backwards_timestamps + q.usable_rows ==
                   trace.samples.size());
    for (double v : {q.median_interval_s, q.max_interval_s, q.duration_s}) PBA_FUZZ_CHECK(finite(v) && v >= 0);
    PBA_FUZZ_CHECK(q.median_interval_s <= q.max_interval_s);
}

void check_replay(const pba::trace::Trace& trace, pba::predict::Predictor& predictor) {
    const auto replayed = pba::trace::replay(trace, predictor);
    const auto& q = trace.quality;
    const auto counts = predictor.stats().samples;
    PBA_FUZZ_CHECK(counts.accepted == q.usable_rows);
    PBA_FUZZ_CHECK(counts.refused_invalid_timestamp == q.invalid_timestamps);
    PBA_FUZZ_CHECK(counts.refused_repeated_timestamp == q.repeated_timestamps);
    PBA_FUZZ_CHECK(counts.refused_backwards_timestamp == q.backwards_timestamps);
    std::uint64_t invalid_values = 0;
    for (auto n : q.invalid_values) invalid_values += n;
    PBA_FUZZ_CHECK(counts.dropped_values == invalid_values);

    PBA_FUZZ_CHECK(replayed.points.size() == q.usable_rows);  // one forecast per accepted sample
    for (const auto& p : replayed.points) {
        for (double v : {p.t_s, p.target_t_s, p.predicted_mbps, p.latency_ms, p.packet_loss, p.jitter_ms, p.low_mbps,
                         p.high_mbps, p.confidence, p.horizon_s, p.latency_us})
            PBA_FUZZ_CHECK(finite(v));
        PBA_FUZZ_CHECK(p.predicted_mbps >= 0 && p.latency_ms >= 0 && p.jitter_ms >= 0);
        PBA_FUZZ_CHECK(p.packet_loss >= 0 && p.packet_loss <= 1);
        PBA_FUZZ_CHECK(p.confidence >= 0 && p.confidence <= 1);
        PBA_FUZZ_CHECK(p.low_mbps <= p.predicted_mbps && p.predicted_mbps <= p.high_mbps);
    }
    const auto& s = replayed.summary;
    PBA_FUZZ_CHECK(s.forecasts == replayed.points.size());
    PBA_FUZZ_CHECK(s.model_forecasts + s.fallback_forecasts == s.forecasts);
    // Scores are means over the points: with bandwidths near DBL_MAX (in the domain: finite,
    // >= 0) a sum may overflow to +inf, but a score is never NaN nor negative.
    for (const auto* c : {&s.model, &s.served})
        for (const auto& m : c->methods)
            for (double v : {m.mae_mbps, m.mape, m.within_20pct}) PBA_FUZZ_CHECK(!std::isnan(v) && v >= 0);
    PBA_FUZZ_CHECK(finite(s.mean_confidence) && finite(s.interval.measured_coverage));
    for (double v : {s.latency.p50_us, s.latency.p95_us, s.latency.p99_us, s.latency.max_us, s.latency.mean_us})
        PBA_FUZZ_CHECK(finite(v));
    // The allocation score: shares in [0, 1], every policy scored on the same steps.
    for (const auto& a : s.allocation.policies) {
        PBA_FUZZ_CHECK(a.steps == s.allocation.steps && a.overshoot_steps <= a.steps);
        PBA_FUZZ_CHECK(a.overshoot >= 0 && a.overshoot <= 1 && a.undershoot >= 0 && a.undershoot <= 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    pba::trace::Trace trace;
    try {
        trace = pba::trace::parse_trace(text, "fuzz.csv");
    } catch (const pba::Error& e) {
        PBA_FUZZ_CHECK(e.code() == pba::Errc::invalid_argument);
        PBA_FUZZ_CHECK(std::strstr(e.what(), "fuzz.csv") != nullptr);  // names the source
        return 0;
    }
    check_trace(trace);
    // The model predictor, or the fallback rule alone, chosen by a bit of the input's size.
    pba::predict::Predictor predictor(size % 2 == 0 ? model() : nullptr);
    check_replay(trace, predictor);
    return 0;
}
