#include "pba/predict/mode.hpp"

#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::predict {
namespace {

// Comparisons with a missing value are false, so a missing latency or bandwidth is evidence
// for neither mode.
bool datacenter_holds(const LinkAverages& a, const ModeThresholds& t, double m, double loss) noexcept {
    return a.latency_ms < t.datacenter_max_latency_ms * (1.0 - m) &&
           a.bandwidth_mbps >= t.datacenter_min_bandwidth_mbps * (1.0 + m) &&
           loss <= t.datacenter_max_packet_loss * (1.0 - m);
}

bool internet_holds(const LinkAverages& a, const ModeThresholds& t, double m, double loss) noexcept {
    return a.latency_ms > t.internet_min_latency_ms * (1.0 + m) ||
           a.bandwidth_mbps < t.internet_max_bandwidth_mbps * (1.0 - m) || loss > t.internet_min_packet_loss * (1.0 + m);
}

}  // namespace

bool mode_holds(Mode mode, const LinkAverages& a, const ModeThresholds& t, double margin) noexcept {
    const double loss = std::isnan(a.packet_loss) ? 0.0 : a.packet_loss;
    switch (mode) {
        case Mode::datacenter: return datacenter_holds(a, t, margin, loss);
        case Mode::internet: return internet_holds(a, t, margin, loss);
        case Mode::hybrid: return !datacenter_holds(a, t, -margin, loss) && !internet_holds(a, t, -margin, loss);
    }
    return false;
}

Mode classify(const LinkAverages& averages, const ModeThresholds& thresholds) noexcept {
    if (mode_holds(Mode::datacenter, averages, thresholds, 0.0)) return Mode::datacenter;
    if (mode_holds(Mode::internet, averages, thresholds, 0.0)) return Mode::internet;
    return Mode::hybrid;
}

ModeDetector::ModeDetector(const ModeDetectorConfig& config) : config_(config) {
    if (config.average_samples < 1 || config.average_samples > kMaxAverageSamples)
        throw Error(Errc::invalid_argument, fmt::format("mode detector average_samples {} must lie in 1..{}",
                                                        config.average_samples, kMaxAverageSamples));
    if (!(config.hysteresis >= 0.0 && config.hysteresis < 1.0))
        throw Error(Errc::invalid_argument,
                    fmt::format("mode detector hysteresis {} must lie in [0, 1)", config.hysteresis));
    if (config.dwell_samples < 1) throw Error(Errc::invalid_argument, "mode detector dwell_samples must be >= 1");
    const ModeThresholds& t = config.thresholds;
    for (double v : {t.datacenter_max_latency_ms, t.datacenter_min_bandwidth_mbps, t.datacenter_max_packet_loss,
                     t.internet_min_latency_ms, t.internet_max_bandwidth_mbps, t.internet_min_packet_loss})
        if (!(std::isfinite(v) && v >= 0.0))
            throw Error(Errc::invalid_argument, fmt::format("mode threshold {} must be finite and >= 0", v));
    rows_.resize(config.average_samples);
}

LinkAverages ModeDetector::averages() const noexcept {
    double sum[3] = {0, 0, 0};
    std::size_t n[3] = {0, 0, 0};
    for (std::size_t i = 0; i < size_; ++i) {
        const Row& r = rows_[i];
        const double v[3] = {r.bandwidth_mbps, r.latency_ms, r.packet_loss};
        for (int k = 0; k < 3; ++k)
            if (!std::isnan(v[k])) {
                sum[k] += v[k];
                ++n[k];
            }
    }
    auto mean = [&](int k) { return n[k] ? sum[k] / static_cast<double>(n[k]) : kMissing; };
    return {mean(0), mean(1), mean(2)};
}

Mode ModeDetector::observe(const Sample& s) noexcept {
    rows_[head_] = {s.bandwidth_mbps, s.latency_ms, s.packet_loss};
    head_ = (head_ + 1) % config_.average_samples;
    if (size_ < config_.average_samples) ++size_;

    const LinkAverages avg = averages();
    if (!has_data_) {
        if (std::isnan(avg.bandwidth_mbps) && std::isnan(avg.latency_ms) && std::isnan(avg.packet_loss)) return mode_;
        has_data_ = true;
        mode_ = classify(avg, config_.thresholds);
        return mode_;
    }
    const Mode raw = classify(avg, config_.thresholds);
    if (raw == mode_ || !mode_holds(raw, avg, config_.thresholds, config_.hysteresis)) {
        candidate_samples_ = 0;
        return mode_;
    }
    if (raw != candidate_ || candidate_samples_ == 0) {
        candidate_ = raw;
        candidate_samples_ = 0;
    }
    if (++candidate_samples_ >= config_.dwell_samples) {
        mode_ = raw;
        candidate_samples_ = 0;
        ++switches_;
    }
    return mode_;
}

void ModeDetector::reset() noexcept {
    head_ = size_ = 0;
    mode_ = Mode::hybrid;
    has_data_ = false;
    candidate_samples_ = 0;
}

}  // namespace pba::predict
