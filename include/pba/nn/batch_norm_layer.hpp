#pragma once

#include <cstddef>

#include "pba/nn/matrix.hpp"

namespace pba::nn {

// Inference BatchNorm folded at load into y = scale * x + shift per channel
// (scale = gamma / sqrt(var + eps), shift = beta - mean * scale), computed in double.
// Compiled in the library (src/nn/batch_norm_layer.cpp).
class BatchNormLayer {
public:
    BatchNormLayer(const Vector& gamma, const Vector& beta, const Vector& mean, const Vector& var, float epsilon);

    Eigen::Index channels() const noexcept { return scale_.size(); }
    const Vector& scale() const noexcept { return scale_; }
    const Vector& shift() const noexcept { return shift_; }

    void forward_inplace(float* data, Eigen::Index rows) const noexcept;

    std::size_t parameter_count() const noexcept { return 4 * static_cast<std::size_t>(scale_.size()); }

private:
    Vector scale_;
    Vector shift_;
};

}  // namespace pba::nn
