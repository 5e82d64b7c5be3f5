#include "pba/predict/prometheus.hpp"

#include <cmath>
#include <fmt/format.h>

namespace pba::predict {
namespace {

void append_escaped(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
}

// One metric family: HELP and TYPE once, then a series per link.
class Family {
public:
    Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) : out_(out), name_(name) {
        fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    // labels: pairs of (name, value) after link.
    void series(std::string_view link, std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                double value, std::string_view suffix = {}) {
        out_ += name_;
        out_ += suffix;
        out_ += "{link=\"";
        append_escaped(out_, link);
        out_ += '"';
        for (const auto& [k, v] : labels) {
            out_ += ',';
            out_ += k;
            out_ += "=\"";
            append_escaped(out_, v);
            out_ += '"';
        }
        out_ += "} ";
        out_ += format_value(value);
        out_ += '\n';
    }

private:
    static std::string format_value(double v) {
        if (std::isnan(v)) return "NaN";
        if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
        return fmt::format("{}", v);
    }
    std::string& out_;
    std::string_view name_;
};

template <class Each>
void for_links(std::span<const LinkStats> links, Each&& each) {
    for (const LinkStats& l : links)
        if (l.stats) each(l.link, *l.stats);
}

std::string bound_label(double bound) { return fmt::format("{}", bound); }

}  // namespace

void write_prometheus(std::string& out, std::span<const LinkStats> links) {
    {
        Family f(out, "dwcp_pba_predictions_total", "counter", "Forecasts served, by the mode that answered");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            for (std::size_t m = 0; m < kModeCount; ++m)
                f.series(link, {{"mode", to_string(static_cast<Mode>(m))}}, double(s.predictions_by_mode[m]));
        });
    }
    {
        Family f(out, "dwcp_pba_fallbacks_total", "counter",
                 "Forecasts answered by the fallback rule instead of the model, by reason");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            for (std::size_t r = 1; r < kFallbackReasonCount; ++r)
                f.series(link, {{"reason", to_string(static_cast<FallbackReason>(r))}}, double(s.fallbacks_by_reason[r]));
        });
    }
    {
        Family f(out, "dwcp_pba_prediction_latency_ms", "histogram", "Time to compute a forecast, in milliseconds");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            std::uint64_t cumulative = 0;
            for (std::size_t b = 0; b < kLatencyBucketBoundsMs.size(); ++b) {
                cumulative += s.latency.bucket_counts[b];
                f.series(link, {{"le", bound_label(kLatencyBucketBoundsMs[b])}}, double(cumulative), "_bucket");
            }
            f.series(link, {{"le", "+Inf"}}, double(s.latency.count), "_bucket");
            f.series(link, {}, s.latency.sum_ms, "_sum");
            f.series(link, {}, double(s.latency.count), "_count");
        });
    }
    {
        Family f(out, "dwcp_pba_prediction_latency_max_ms", "gauge", "Longest time to compute a forecast, in milliseconds");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, s.latency.max_us / 1000.0); });
    }
    {
        Family f(out, "dwcp_pba_prediction_accuracy", "gauge",
                 "1 - mean relative error (|dbw|/bw + |dlat|/lat)/2 of recent matched forecasts, clamped to 0..1");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, s.accuracy.accuracy); });
    }
    {
        Family f(out, "dwcp_pba_confidence", "gauge", "Confidence (0..1) of the latest forecast");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, s.last_confidence); });
    }
    {
        Family f(out, "dwcp_pba_model_version", "gauge",
                 "Generation of the serving model (1 as first loaded, +1 per hot reload); model.version in the label");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            f.series(link, {{"version", s.model_version.data()}}, double(s.model_generation));
        });
    }
    {
        Family f(out, "dwcp_pba_model_reloads_total", "counter", "Hot reloads of the model, by result");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            f.series(link, {{"result", "succeeded"}}, double(s.reloads_succeeded));
            f.series(link, {{"result", "refused"}}, double(s.reloads_refused));
        });
    }
    {
        Family f(out, "dwcp_pba_mode_switches_total", "counter", "Changes of the detected link mode");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, double(s.mode_switches)); });
    }
    {
        Family f(out, "dwcp_pba_samples_total", "counter", "Samples given to the predictor, by outcome");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            f.series(link, {{"outcome", "accepted"}}, double(s.samples.accepted));
            f.series(link, {{"outcome", "refused_invalid_timestamp"}}, double(s.samples.refused_invalid_timestamp));
            f.series(link, {{"outcome", "refused_repeated_timestamp"}}, double(s.samples.refused_repeated_timestamp));
            f.series(link, {{"outcome", "refused_backwards_timestamp"}}, double(s.samples.refused_backwards_timestamp));
        });
    }
    {
        Family f(out, "dwcp_pba_window_resets_total", "counter", "Windows restarted after a gap between samples");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, double(s.samples.window_resets)); });
    }
    {
        Family f(out, "dwcp_pba_dropped_values_total", "counter",
                 "Sample values treated as missing because they were infinite, negative or a ratio above 1");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, double(s.samples.dropped_values)); });
    }
    {
        Family f(out, "dwcp_pba_forecasts_matched_total", "counter", "Forecasts matched to the measurement at their target time");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, double(s.forecasts_matched)); });
    }
    {
        Family f(out, "dwcp_pba_forecasts_expired_total", "counter", "Forecasts whose measurement never came");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, double(s.forecasts_expired)); });
    }
    struct Unit {
        SampleField field;
        const char* name;
        const char* help;
    };
    for (const Unit& u : {Unit{SampleField::bandwidth_mbps, "dwcp_pba_bandwidth_mae_mbps", "Mean absolute error of recent bandwidth forecasts, in Mbps"},
                          Unit{SampleField::latency_ms, "dwcp_pba_latency_mae_ms", "Mean absolute error of recent latency forecasts, in milliseconds"},
                          Unit{SampleField::packet_loss, "dwcp_pba_packet_loss_mae_ratio", "Mean absolute error of recent packet loss forecasts, as a ratio"},
                          Unit{SampleField::jitter_ms, "dwcp_pba_jitter_mae_ms", "Mean absolute error of recent jitter forecasts, in milliseconds"}}) {
        Family f(out, u.name, "gauge", u.help);
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            f.series(link, {}, s.accuracy.fields[static_cast<std::size_t>(u.field)].mae);
        });
    }
    {
        Family f(out, "dwcp_pba_prediction_mape_ratio", "gauge",
                 "Mean absolute percentage error of recent forecasts, as a ratio (0.1 = 10%), by field");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            for (std::size_t i = 0; i < kForecastFieldCount; ++i)
                f.series(link, {{"field", to_string(static_cast<SampleField>(i))}}, s.accuracy.fields[i].mape);
        });
    }
    {
        Family f(out, "dwcp_pba_prediction_within_20pct_ratio", "gauge",
                 "Share of recent forecasts within 20% of the measurement, by field");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            for (std::size_t i = 0; i < kForecastFieldCount; ++i)
                f.series(link, {{"field", to_string(static_cast<SampleField>(i))}}, s.accuracy.fields[i].within_20pct);
        });
    }
    {
        Family f(out, "dwcp_pba_interval_coverage_ratio", "gauge",
                 "Measured share of recent bandwidth intervals that held the measurement");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, s.interval.measured_coverage); });
    }
    {
        Family f(out, "dwcp_pba_interval_target_coverage_ratio", "gauge", "Coverage the bandwidth intervals are sized for");
        for_links(links, [&](std::string_view link, const PredictorStats& s) { f.series(link, {}, s.interval.target_coverage); });
    }
    {
        Family f(out, "dwcp_pba_aggregation_weight_ratio", "gauge",
                 "Weight (0..1, summing to 1 per link) of each member of the link's online forecast aggregate");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            if (!s.aggregating) return;
            for (std::size_t m = 0; m < kAggregationMemberCount; ++m)
                f.series(link, {{"member", to_string(static_cast<AggregationMember>(m))}}, s.aggregation.weights[m]);
        });
    }
    {
        Family f(out, "dwcp_pba_aggregation_leading_weight_ratio", "gauge",
                 "Weight of the member weighted most in the link's forecast aggregate; the member in the label");
        for_links(links, [&](std::string_view link, const PredictorStats& s) {
            if (s.aggregating)
                f.series(link, {{"member", to_string(s.aggregation.leading)}}, s.aggregation.leading_weight);
        });
    }
    // The latest forecast and measurement, for dashboards that plot one against the other. A
    // link without a value (no forecast yet, a field never measured) has no sample.
    struct Value {
        SampleField field;
        const char* name;  // after dwcp_pba_predicted_ / dwcp_pba_current_
        const char* what;
    };
    for (const Value& v : {Value{SampleField::bandwidth_mbps, "bandwidth_mbps", "bandwidth, in Mbps"},
                           Value{SampleField::latency_ms, "latency_ms", "latency, in milliseconds"},
                           Value{SampleField::packet_loss, "packet_loss", "packet loss, as a ratio (0..1)"},
                           Value{SampleField::jitter_ms, "jitter_ms", "jitter, in milliseconds"}}) {
        const auto i = static_cast<std::size_t>(v.field);
        const std::string predicted = fmt::format("dwcp_pba_predicted_{}", v.name);
        const std::string current = fmt::format("dwcp_pba_current_{}", v.name);
        {
            Family f(out, predicted, "gauge", fmt::format("Latest forecast {}", v.what));
            for_links(links, [&](std::string_view link, const PredictorStats& s) {
                if (std::isfinite(s.last_forecast[i])) f.series(link, {}, s.last_forecast[i]);
            });
        }
        {
            Family f(out, current, "gauge", fmt::format("Latest measured {}", v.what));
            for_links(links, [&](std::string_view link, const PredictorStats& s) {
                if (std::isfinite(s.last_measured[i])) f.series(link, {}, s.last_measured[i]);
            });
        }
    }
}

std::string prometheus_text(const PredictorStats& stats, std::string_view link) {
    std::string out;
    const LinkStats one{link, &stats};
    write_prometheus(out, std::span<const LinkStats>(&one, 1));
    return out;
}

}  // namespace pba::predict
