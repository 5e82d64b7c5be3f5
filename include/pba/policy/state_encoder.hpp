#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pba/format/metadata.hpp"
#include "pba/policy/state.hpp"

namespace pba::policy {

// How a policy model wants its input: which state field feeds each model input and how it
// is normalised, read from the model's metadata (docs/model-format.md: `input.features`,
// `input.norm`, `input.norm_a/b/c`). A policy state is one sample, not a window, so only the
// per-value kinds apply; log_ratio (relative to a window mean) is refused. Immutable after
// construction; encode allocates nothing.
class StateEncoder {
public:
    enum class Norm : std::uint8_t { none, divide, minmax, standard, log };

    struct Input {
        std::size_t field = 0;  // index into kStateFeatures
        Norm norm = Norm::none;
        double a = 0.0;
        double b = 0.0;
        double c = 0.0;
    };

    // `feature_count`: the model's inputs per sample. Without `input.features` the inputs are
    // the four state fields in kStateFeatures order; without `input.norm` none is normalised.
    // Throws Error(shape_mismatch) when the feature list's length is not feature_count;
    // Error(unsupported) for a feature the state does not have (e.g. jitter_ms) or log_ratio;
    // Error(malformed_model) naming the key and index for a repeated feature, an unknown
    // kind, a missing or wrongly sized parameter array, or parameters that make the
    // transform non-finite (divide a = 0, minmax a = b, standard/log b = 0, log c ≤ 0).
    StateEncoder(const format::Metadata& metadata, std::size_t feature_count);

    std::size_t size() const noexcept { return inputs_.size(); }
    std::span<const Input> inputs() const noexcept { return inputs_; }

    // Writes size() floats: each input normalised in double precision, rounded to float32.
    // The state must be valid (see validate(State)); throws Error(shape_mismatch) when `out`
    // is not size() floats, Error(non_finite) naming the feature whose normalised value is
    // not a finite float.
    void encode(const State& state, std::span<float> out) const;

    // y = f(x) for one kind, in double precision (the formulas of docs/model-format.md).
    static double normalise(const Input& input, double x) noexcept;

private:
    std::vector<Input> inputs_;
};

}  // namespace pba::policy
