#include "pba/nn/batch_norm_layer.hpp"

#include <cmath>

namespace pba::nn {

BatchNormLayer::BatchNormLayer(const Vector& gamma, const Vector& beta, const Vector& mean, const Vector& var,
                               float epsilon)
    : scale_(gamma.size()), shift_(gamma.size()) {
    for (Eigen::Index c = 0; c < gamma.size(); ++c) {
        const double s = double(gamma[c]) / std::sqrt(double(var[c]) + double(epsilon));
        scale_[c] = static_cast<float>(s);
        shift_[c] = static_cast<float>(double(beta[c]) - double(mean[c]) * s);
    }
}

void BatchNormLayer::forward_inplace(float* data, Eigen::Index rows) const noexcept {
    MatrixMap x(data, rows, channels());
    x.array().rowwise() *= scale_.transpose().array();
    x.rowwise() += shift_.transpose();
}

}  // namespace pba::nn
