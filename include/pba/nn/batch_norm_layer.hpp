#pragma once

#include <cmath>

#include "pba/nn/matrix.hpp"

namespace pba::nn {

// Inference BatchNorm folded at load into y = scale * x + shift per channel
// (scale = gamma / sqrt(var + eps), shift = beta - mean * scale), computed in double.
class BatchNormLayer {
public:
    BatchNormLayer(const Vector& gamma, const Vector& beta, const Vector& mean, const Vector& var, float epsilon)
        : scale_(gamma.size()), shift_(gamma.size()) {
        for (Eigen::Index c = 0; c < gamma.size(); ++c) {
            const double s = double(gamma[c]) / std::sqrt(double(var[c]) + double(epsilon));
            scale_[c] = static_cast<float>(s);
            shift_[c] = static_cast<float>(double(beta[c]) - double(mean[c]) * s);
        }
    }

    Eigen::Index channels() const noexcept { return scale_.size(); }
    const Vector& scale() const noexcept { return scale_; }
    const Vector& shift() const noexcept { return shift_; }

    void forward_inplace(float* data, Eigen::Index rows) const noexcept {
        MatrixMap x(data, rows, channels());
        x.array().rowwise() *= scale_.transpose().array();
        x.rowwise() += shift_.transpose();
    }

    std::size_t parameter_count() const noexcept { return 4 * static_cast<std::size_t>(scale_.size()); }

private:
    Vector scale_;
    Vector shift_;
};

}  // namespace pba::nn
