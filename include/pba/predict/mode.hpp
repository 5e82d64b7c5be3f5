#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pba/predict/forecast.hpp"
#include "pba/predict/sample.hpp"

namespace pba::predict {

// The transport's mode thresholds, applied to 10-sample moving averages.
struct ModeThresholds {
    double datacenter_max_latency_ms = 10.0;       // datacenter: latency <  this
    double datacenter_min_bandwidth_mbps = 1000.0; //             bandwidth >= this
    double datacenter_max_packet_loss = 0.001;     //             loss <= this
    double internet_min_latency_ms = 50.0;         // internet:   latency >  this, or
    double internet_max_bandwidth_mbps = 1000.0;   //             bandwidth < this, or
    double internet_min_packet_loss = 0.01;        //             loss > this
};

// Moving averages of a link; NaN for a field with no finite value in the averaging window.
struct LinkAverages {
    double bandwidth_mbps = kMissing;
    double latency_ms = kMissing;
    double packet_loss = kMissing;
};

// Whether `averages` satisfy `mode`'s condition tightened by `margin` (a ratio: 0.1 moves each
// threshold 10% further into the mode's side; a negative margin loosens). Hybrid holds when
// neither datacenter nor internet holds loosened by the margin. A missing latency or bandwidth
// satisfies no comparison; a missing packet loss counts as 0 (many links never measure it).
bool mode_holds(Mode mode, const LinkAverages& averages, const ModeThresholds& thresholds, double margin) noexcept;

// The transport's rule: datacenter if its condition holds, else internet if its holds, else
// hybrid (also with no data at all).
Mode classify(const LinkAverages& averages, const ModeThresholds& thresholds = {}) noexcept;

struct ModeDetectorConfig {
    std::size_t average_samples = 10;  // moving-average length, 1..kMaxAverageSamples
    // Schmitt-trigger margin: leaving the current mode for another needs the other's condition
    // to hold tightened by this ratio. 0 disables.
    double hysteresis = 0.1;
    // ...and to hold for this many consecutive samples (>= 1).
    std::uint32_t dwell_samples = 3;
    ModeThresholds thresholds;
};

// Classifies one link from its recent samples, with hysteresis so a link near a threshold
// does not flap. Until a sample with any of bandwidth, latency or loss arrives the mode is
// hybrid ("no data"); the first such sample sets the mode directly, without hysteresis and
// without counting a switch. With hysteresis 0 and dwell 1 it is exactly classify().
// Holds average_samples rows (24 bytes each), not kMaxAverageSamples: 240 bytes by default.
// Not thread-safe: owned by one predictor. Allocates only in its constructor.
class ModeDetector {
public:
    static constexpr std::size_t kMaxAverageSamples = 256;

    // Throws Error(invalid_argument) for a config out of range.
    explicit ModeDetector(const ModeDetectorConfig& config = {});

    Mode observe(const Sample& sample) noexcept;
    void reset() noexcept;  // back to "no data"; the switch count is kept

    Mode mode() const noexcept { return mode_; }
    std::uint64_t switches() const noexcept { return switches_; }
    LinkAverages averages() const noexcept;
    const ModeDetectorConfig& config() const noexcept { return config_; }
    std::size_t heap_bytes() const noexcept { return rows_.capacity() * sizeof(Row); }

private:
    struct Row {
        double bandwidth_mbps, latency_ms, packet_loss;
    };
    ModeDetectorConfig config_;
    std::vector<Row> rows_;  // a ring of average_samples
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    Mode mode_ = Mode::hybrid;
    bool has_data_ = false;
    Mode candidate_ = Mode::hybrid;
    std::uint32_t candidate_samples_ = 0;
    std::uint64_t switches_ = 0;
};

}  // namespace pba::predict
