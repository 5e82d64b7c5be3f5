#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pba/format/metadata.hpp"
#include "pba/predict/normalisation.hpp"
#include "pba/predict/sample.hpp"
#include "pba/predict/window.hpp"

namespace pba::predict {

// The feature vocabulary of docs/model-format.md (`input.features`, `output.targets`).
enum class Feature : std::uint8_t {
    bandwidth_mbps,
    latency_ms,
    packet_loss,
    jitter_ms,
    throughput_mbps,
    reliability,
    hour_of_day,  // from the sample's timestamp (+ the predictor's UTC offset)
    day_of_week,  // 0 = Sunday .. 6
};
const char* to_string(Feature feature) noexcept;
std::optional<Feature> parse_feature(std::string_view name) noexcept;

struct InputFeature {
    Feature feature = Feature::bandwidth_mbps;
    Normalisation norm;
    double missing = 0.0;  // raw value when the window holds no value of this feature
};

struct OutputTarget {
    SampleField field = SampleField::bandwidth_mbps;  // one of the four forecast fields
    Normalisation norm;
    int ref_feature = -1;  // log_ratio: the input feature whose window mean is the reference
};

// Raw forecast values decoded from a model's outputs, indexed by SampleField.
struct DecodedOutputs {
    std::array<double, kForecastFieldCount> values{};
    std::uint32_t fields = 0;  // field_bit mask of the fields the model produced
};

// A model's input and output pipeline, read from its metadata (docs/model-format.md):
// 1. the newest T samples; a missing (NaN) value is forward-filled from the latest earlier
//    value of that feature in the window, leading gaps are back-filled from its first value,
//    and a feature with no value in the window takes `input.missing` (0 when the key is absent);
// 2. each feature normalised by its kind in double precision and rounded to float32
//    (log_ratio's m is the mean of the filled raw window);
// 3. each output de-normalised by its kind (log_ratio takes m of `output.ref_feature`) and
//    clamped: bandwidth, latency, jitter >= 0, packet loss in [0, 1].
// This is tools/train/pba_train/pipeline.py, which the default models were trained through.
// Immutable after construction; encode/decode allocate nothing and are safe from any thread.
class FeaturePipeline {
public:
    // Reads and checks input.features, input.norm[_a|_b|_c], input.missing, output.targets,
    // output.norm[_a|_b|_c] and output.ref_feature against a model of `window_length` rows
    // (0: a model without a time axis, fed the newest sample), `feature_count` features and
    // `output_size` outputs. Throws Error(malformed_model) naming the key and index of the
    // first defect: a missing or wrongly sized key, an unknown name or kind, parameters that
    // make a transform non-finite, an output that is not one of the four forecast fields or
    // appears twice, a bad ref_feature.
    FeaturePipeline(const format::Metadata& metadata, std::size_t window_length, std::size_t feature_count,
                    std::size_t output_size);

    std::size_t rows() const noexcept { return rows_; }  // samples per input window (>= 1)
    std::size_t input_size() const noexcept { return rows_ * inputs_.size(); }
    std::span<const InputFeature> inputs() const noexcept { return inputs_; }
    std::span<const OutputTarget> outputs() const noexcept { return outputs_; }
    std::uint32_t output_fields() const noexcept { return output_fields_; }
    // The columns encode() reads at rows() deep (timestamps for the calendar features); 1 elsewhere.
    WindowLayout window_layout() const noexcept;

    // Writes the model input (rows() x inputs().size() floats, oldest row first) from the
    // newest rows() samples of `window`, which must hold at least rows() and keep
    // window_layout()'s columns at least that deep; `means` (one per
    // input feature) receives each feature's filled window mean. Returns the index of the first
    // feature whose normalised value is not finite, or -1 when all are.
    int encode(const Window& window, double utc_offset_s, std::span<float> input,
               std::span<double> means) const noexcept;

    // De-normalises and clamps the model outputs `y`; false when a value is not finite.
    bool decode(std::span<const float> y, std::span<const double> means, DecodedOutputs& out) const noexcept;

private:
    std::size_t rows_ = 1;
    std::vector<InputFeature> inputs_;
    std::vector<OutputTarget> outputs_;
    std::uint32_t output_fields_ = 0;
};

}  // namespace pba::predict
