#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

#include "args.hpp"
#include "commands.hpp"
#include "pba/error.hpp"
#include "pba/model/defaults.hpp"
#include "pba/model/model.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/predictor.hpp"
#include "pba/trace/replay.hpp"
#include "pba/trace/trace.hpp"
#include "replay_allocation.hpp"
#include "replay_output.hpp"

namespace pba::cli {
namespace {

using predict::FallbackReason;
using predict::Mode;
using trace::Method;

// Traces shorter than this replay in well under a second: no progress bar.
constexpr std::size_t kProgressMinRows = 20000;

std::string pct(double ratio) { return fmt::format("{:.1f}%", 100.0 * ratio); }
std::string seconds(double s) { return fmt::format("{:.6g} s", s); }

const char* method_label(Method m) {
    switch (m) {
        case Method::model: return "model";
        case Method::persistence: return "persistence";
        case Method::moving_average: return "moving average 10";
        case Method::ewma: return "EWMA α=0.3";
    }
    return "";
}

std::string target_text(const trace::ReplaySummary& s) {
    if (s.target == predict::ForecastTarget::mean_over)
        return fmt::format("mean bandwidth over the next {} samples ({} ahead)", s.horizon_steps, seconds(s.horizon_s));
    return fmt::format("bandwidth {} samples ahead ({})", s.horizon_steps, seconds(s.horizon_s));
}

void print_score(const std::string& label, const trace::MethodScore& s, const std::string& note = "") {
    fmt::print("  {:<20} {:>10.3f} {:>8} {:>12}{}\n", label, s.mae_mbps, s.mape_count ? pct(s.mape) : "n/a",
               pct(s.within_20pct), note);
}

void print_gain(const std::string& what, double mae, double best_mae, const std::string& best_label) {
    if (!(best_mae > 0.0)) return;
    const double gain = 1.0 - mae / best_mae;
    fmt::print("  {} MAE {} {} than the best baseline ({})\n", what, pct(std::abs(gain)), gain >= 0 ? "lower" : "higher",
               best_label);
}

// `aggregated`: the served forecasts were aggregates, so the network's own forecast (on the
// model's points), the aggregate and every member are shown side by side.
void print_comparison(const trace::Comparison& c, const std::string& title, bool model_points, bool aggregated) {
    fmt::print("\n{}\n", title);
    fmt::print("  {:<20} {:>10} {:>8} {:>12}\n", "method", "MAE Mbps", "MAPE*", "within ±20%");
    if (aggregated) print_score("served (aggregate)", c.served);
    if (!aggregated || model_points)
        print_score(aggregated ? "network alone" : method_label(Method::model), c.methods[0]);
    for (std::size_t m = 1; m < trace::kMethodCount; ++m)
        print_score(method_label(static_cast<Method>(m)), c.methods[m]);
    fmt::print("  * MAPE over the {} of them whose actual is at least {} Mbps\n", c.methods[0].mape_count,
               trace::kMapeMinActualMbps);
    std::size_t best = 1;
    for (std::size_t m = 2; m < trace::kMethodCount; ++m)
        if (c.methods[m].mae_mbps < c.methods[best].mae_mbps) best = m;
    const std::string best_label = method_label(static_cast<Method>(best));
    if (aggregated) print_gain("served", c.served.mae_mbps, c.methods[best].mae_mbps, best_label);
    if (!aggregated || model_points)
        print_gain(aggregated ? "network" : "model", c.methods[0].mae_mbps, c.methods[best].mae_mbps, best_label);
    if (!aggregated) return;
    fmt::print("  aggregation members, each where it answered:\n");
    for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m) {
        const trace::MethodScore& s = c.members[m];
        if (s.count == 0) continue;
        print_score(fmt::format("  {}", predict::to_string(static_cast<predict::AggregationMember>(m))), s,
                    s.count == c.points ? "" : fmt::format("  ({} points)", s.count));
    }
}

std::string fallback_reasons(const trace::ReplaySummary& s) {
    std::string out;
    for (std::size_t r = 1; r < predict::kFallbackReasonCount; ++r)
        if (s.fallbacks_by_reason[r])
            out += fmt::format("{}{} {}", out.empty() ? "" : ", ", s.fallbacks_by_reason[r],
                               predict::to_string(static_cast<FallbackReason>(r)));
    return out;
}

std::string amst_value(const trace::ReplayPoint& p, predict::SampleField field, double value, const char* unit) {
    if (p.unknown_fields & predict::field_bit(field)) return fmt::format("{} unknown (0 used)", predict::to_string(field));
    return fmt::format("{} {:.4g}{}", predict::to_string(field), value, unit);
}

void print_summary(const trace::Trace& tr, const trace::Replay& r, const amst::Params& params) {
    const trace::ReplaySummary& s = r.summary;
    const trace::TraceQuality& q = tr.quality;
    std::string columns;
    for (std::size_t c = 0; c < trace::kColumnCount; ++c)
        if (tr.columns & trace::column_bit(static_cast<trace::Column>(c)))
            columns += fmt::format("{}{}", columns.empty() ? "" : ",", trace::to_string(static_cast<trace::Column>(c)));
    fmt::print("trace:      {} rows over {}, median interval {} (longest {}); columns {}\n", s.rows, seconds(q.duration_s),
               seconds(q.median_interval_s), seconds(q.max_interval_s), columns);
    fmt::print("samples:    {} accepted; refused: {} invalid time, {} repeated time, {} time going backwards;\n"
               "            {} values treated as missing (infinite, negative, loss > 1); {} window restarts after a gap\n",
               s.samples.accepted, s.samples.refused_invalid_timestamp, s.samples.refused_repeated_timestamp,
               s.samples.refused_backwards_timestamp, s.samples.dropped_values, s.samples.window_resets);
    const std::string reasons = fallback_reasons(s);
    fmt::print("forecasts:  {} (one per accepted sample): {} by the model, {} by the fallback rule{}\n", s.forecasts,
               s.model_forecasts, s.fallback_forecasts, reasons.empty() ? "" : " (" + reasons + ")");
    if (s.forecasts == 0) {
        fmt::print("no sample was accepted: nothing to forecast or score\n");
        return;
    }
    fmt::print("target:     {}\n", target_text(s));
    fmt::print("scored:     {} forecasts whose target was measured ({} not: the trace ended, a gap, or no value)\n",
               s.scored, s.forecasts - s.scored);

    const bool aggregated = s.aggregated_forecasts > 0;
    if (aggregated) {
        std::string leading;
        for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m)
            if (s.leading_by_member[m])
                leading += fmt::format("{}{} {}", leading.empty() ? "" : ", ",
                                       predict::to_string(static_cast<predict::AggregationMember>(m)),
                                       pct(static_cast<double>(s.leading_by_member[m]) / s.aggregated_forecasts));
        fmt::print("aggregate:  {} forecasts served as the online aggregate of the network and smoothers; "
                   "weighted most: {}\n",
                   s.aggregated_forecasts, leading);
    }
    if (s.model.points > 0)
        print_comparison(s.model,
                         fmt::format("accuracy of the model's {} scored forecasts, every method on the same points:",
                                     s.model.points),
                         true, aggregated);
    else
        fmt::print("\nno forecast of the model could be scored\n");
    if (s.served.points > s.model.points)
        print_comparison(s.served,
                         fmt::format("accuracy of all {} scored forecasts served ({}):", s.served.points,
                                     aggregated ? "model answering or not" : "model and fallback rule"),
                         false, aggregated);
    fmt::print("\n");

    if (s.interval.checked > 0)
        fmt::print("interval:   stated coverage {}, measured {} ({} of {} scored forecasts that carried one)\n",
                   pct(s.interval.stated_coverage), pct(s.interval.measured_coverage), s.interval.covered,
                   s.interval.checked);
    else
        fmt::print("interval:   no scored forecast carried an interval (it is sized once enough forecasts are matched)\n");
    const double n = static_cast<double>(s.forecasts);
    fmt::print("confidence: mean {:.3f}; ≥ {} (AMST computes settings) at {} of forecasts, ≥ {} (applies them) at {}\n",
               s.mean_confidence, params.compute_confidence, pct(s.amst.computed / n), params.apply_confidence,
               pct(s.amst.applied / n));
    std::string modes;
    for (std::size_t m = 0; m < predict::kModeCount; ++m)
        if (s.forecasts_by_mode[m])
            modes += fmt::format("{}{} {}", modes.empty() ? "" : ", ", predict::to_string(static_cast<Mode>(m)),
                                 s.forecasts_by_mode[m]);
    fmt::print("modes:      {}; {} switches\n", modes, s.mode_switches);

    const trace::AmstReplay& a = s.amst;
    if (a.has_last) {
        const trace::ReplayPoint& p = r.points.back();
        fmt::print("AMST:       last forecast {:.4g} Mbps, {}, {}, {}, confidence {:.3f}\n", p.predicted_mbps,
                   amst_value(p, predict::SampleField::latency_ms, p.latency_ms, " ms"),
                   amst_value(p, predict::SampleField::packet_loss, p.packet_loss, ""),
                   amst_value(p, predict::SampleField::jitter_ms, p.jitter_ms, " ms"), p.confidence);
        const char* gate = p.confidence >= params.apply_confidence     ? "applied"
                           : p.confidence >= params.compute_confidence ? "computed, not applied"
                                                                       : "not computed: current settings kept";
        fmt::print("            -> streams {}, buffer {} B, chunk {} B, pacing {} B/s, window {} B ({})\n",
                   a.last_settings.streams, a.last_settings.buffer_bytes, a.last_settings.chunk_bytes,
                   a.last_settings.pacing_bytes_per_s, a.last_settings.window_bytes, gate);
    } else {
        fmt::print("AMST:       the last forecast is beyond the transport's integer arithmetic: no settings\n");
    }
    if (a.has_applied)
        fmt::print("            in force at the end (applied at t_s {}): streams {}, buffer {} B, chunk {} B, "
                   "pacing {} B/s, window {} B\n",
                   a.applied_t_s, a.applied_settings.streams, a.applied_settings.buffer_bytes,
                   a.applied_settings.chunk_bytes, a.applied_settings.pacing_bytes_per_s,
                   a.applied_settings.window_bytes);
    fmt::print("            applied at {} forecasts; streams, buffer or chunk changed {} time{}{}\n", a.applied, a.changes,
               a.changes == 1 ? "" : "s",
               a.not_computable ? fmt::format("; {} forecasts beyond its arithmetic", a.not_computable) : "");
    fmt::print("latency:    predict() p50 {:.2f} µs, p95 {:.2f} µs, p99 {:.2f} µs, max {:.2f} µs (mean {:.2f} µs, {} calls)\n",
               s.latency.p50_us, s.latency.p95_us, s.latency.p99_us, s.latency.max_us, s.latency.mean_us,
               s.latency.count);
}

// A file in the temporary directory, removed when this goes out of scope.
struct TemporaryFile {
    std::string path;
    explicit TemporaryFile(const std::string& pattern_with_suffix) {
        path = (std::filesystem::temp_directory_path() / pattern_with_suffix).string();
        const int suffix = static_cast<int>(pattern_with_suffix.size() - pattern_with_suffix.rfind('X') - 1);
        const int fd = mkstemps(path.data(), suffix);
        if (fd < 0) throw Error(Errc::io_error, fmt::format("cannot create a temporary file {}", path));
        close(fd);
    }
    ~TemporaryFile() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
};

// Notes on stderr about a trace that will not replay as it looks.
void warn_about(const trace::Trace& tr, double model_interval_s) {
    for (const auto& c : tr.ignored_columns)
        fmt::print(stderr, "pba replay: note: ignoring column '{}'\n", c.empty() ? "(unnamed)" : c);
    const auto& q = tr.quality;
    if (q.invalid_timestamps > 0)
        fmt::print(stderr,
                   "pba replay: note: {} rows with an empty, non-finite or out-of-range t_s (|t| > {:g}: milliseconds?) "
                   "will be refused\n",
                   q.invalid_timestamps, predict::kMaxTimestampUnixS);
    if (q.median_interval_s > 0.0 && std::abs(q.median_interval_s / model_interval_s - 1.0) > 0.5)
        fmt::print(stderr,
                   "pba replay: note: the trace's median interval {} is not the model's {}: the model does not "
                   "answer such a link (fallback reason not_applicable)\n",
                   seconds(q.median_interval_s), seconds(model_interval_s));
}

}  // namespace

int replay(const Argv& argv) {
    const Args args(argv, {"trace", "default", "model", "out", "plot", "mode", "confidence", "aggregation", "horizon"},
                    {"quiet"});
    std::string trace_path;
    if (auto t = args.get("trace")) {
        trace_path = *t;
        if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
    } else if (args.positional().size() == 1) {
        trace_path = args.positional()[0];
    } else {
        throw UsageError{"missing required option --trace"};
    }
    if (args.has("default") && args.has("model")) throw UsageError{"give either --default NAME or --model FILE, not both"};
    const std::string mode = args.get("mode").value_or("single");
    if (mode != "single" && mode != "auto" && mode != "hybrid")
        throw UsageError{"--mode must be single, auto or hybrid, got '" + mode + "'"};
    const std::string confidence = args.get("confidence").value_or("transport");
    if (confidence != "transport" && confidence != "calibrated")
        throw UsageError{"--confidence must be transport or calibrated, got '" + confidence + "'"};
    predict::PredictorConfig predictor_config;
    predictor_config.confidence_rule =
        confidence == "calibrated" ? predict::ConfidenceRule::calibrated : predict::ConfidenceRule::transport;

    const std::string aggregation = args.get("aggregation").value_or("auto");
    if (aggregation == "auto")
        predictor_config.aggregation = predict::AggregationPolicy::automatic;
    else if (aggregation == "on")
        predictor_config.aggregation = predict::AggregationPolicy::on;
    else if (aggregation == "off")
        predictor_config.aggregation = predict::AggregationPolicy::off;
    else
        throw UsageError{"--aggregation must be auto, on or off, got '" + aggregation + "'"};
    if (args.has("horizon")) {
        predictor_config.horizon_s = args.number("horizon");
        if (!(predictor_config.horizon_s > 0.0 && predictor_config.horizon_s <= 1e6))
            throw UsageError{"--horizon must be a number of seconds in (0, 1e6]"};
        if (aggregation == "off") throw UsageError{"--horizon needs aggregation: only the smoothers serve another horizon"};
    }

    std::shared_ptr<const Model> model;
    std::string model_text;
    if (auto file = args.get("model")) {
        model = Model::from_file(*file);
        model_text = fmt::format("{} (file {})", model->name(), *file);
    } else {
        const std::string name = args.get("default").value_or("internet");
        model = default_model(name);
        model_text = fmt::format("{} (embedded default '{}')", model->name(), name);
    }
    const trace::Trace tr = trace::read_trace(trace_path);

    std::unique_ptr<predict::LinkPredictor> predictor;
    double interval_s = 1.0;
    if (mode == "single") {
        try {
            predictor = std::make_unique<predict::Predictor>(model, predictor_config);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("model {} cannot drive a predictor: {}", model_text, e.what()));
        }
        interval_s = predictor->sample_interval_s();
    } else {
        predict::HybridConfig config;
        config.policy = mode == "auto" ? predict::ModePolicy::automatic : predict::ModePolicy::hybrid;
        config.predictor = predictor_config;
        const auto datacenter = default_model("datacenter");
        std::unique_ptr<predict::HybridPredictor> hybrid;
        try {
            hybrid = std::make_unique<predict::HybridPredictor>(datacenter, model, config);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("model {} cannot drive a predictor: {}", model_text, e.what()));
        }
        interval_s = hybrid->internet().sample_interval_s();  // the chosen model's
        predictor = std::move(hybrid);
        model_text += " with the embedded default 'datacenter', " + mode + " mode";
    }
    warn_about(tr, interval_s);

    trace::ReplayOptions options;
    ProgressBar bar;
    if (!args.has("quiet") && tr.samples.size() >= kProgressMinRows && isatty(STDERR_FILENO))
        options.progress = [&bar](std::size_t done, std::size_t total) { bar.update(done, total); };
    const trace::Replay r = trace::replay(tr, *predictor, options);
    bar.done();

    fmt::print("pba replay: {}\nmodel:      {}, version {}; {} confidence\n", trace_path, model_text,
               model->version(), confidence);
    print_summary(tr, r, options.amst);
    if (r.summary.forecasts > 0) print_allocation(r.summary.allocation);

    const std::string out = args.get("out").value_or("");
    if (!out.empty()) write_replay_csv(out, r);
    if (auto png = args.get("plot")) {
        std::string title = fmt::format("{}: {} {}", std::filesystem::path(trace_path).filename().string(),
                                        model->name(), model->version());
        if (const trace::Comparison& c = r.summary.model; c.points > 0) {
            const auto mae = [&](Method m) { return c.methods[static_cast<std::size_t>(m)].mae_mbps; };
            title += fmt::format(" — MAE {:.3g} Mbps (persistence {:.3g}, EWMA {:.3g}) over {} model forecasts",
                                 mae(Method::model), mae(Method::persistence), mae(Method::ewma), c.points);
        }
        if (!out.empty()) {
            plot_replay(out, *png, title);
        } else {
            TemporaryFile csv("pba-replay-XXXXXX.csv");
            write_replay_csv(csv.path, r);
            plot_replay(csv.path, *png, title);
        }
        fmt::print("plot:       {}\n", *png);
    }
    return 0;
}

}  // namespace pba::cli
