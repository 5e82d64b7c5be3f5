#include "pba/nn/dense_layer.hpp"

namespace pba::nn {

DenseLayer::DenseLayer(RowMatrix weight, Vector bias, Activation activation)
    : weight_(std::move(weight)), bias_(std::move(bias)), activation_(activation) {
    pack();
}

void DenseLayer::fold_scale_shift_after(const Vector& scale, const Vector& shift) {
    weight_ = scale.asDiagonal() * weight_;
    bias_ = scale.cwiseProduct(bias_) + shift;
    pack();
}

void DenseLayer::fold_scale_shift_before(const Vector& scale, const Vector& shift) {
    bias_ = (bias_.cast<double>() + weight_.cast<double>() * shift.cast<double>()).cast<float>();
    weight_ = weight_ * scale.asDiagonal();
    pack();
}

void DenseLayer::forward(const float* in, Eigen::Index rows, float* out) const noexcept {
    if (kernels_) {
        const auto k = static_cast<std::size_t>(input_size()), n = static_cast<std::size_t>(output_size());
        kernels_->gemm({packed_.weights.data(), packed_.bias.data(), k, packed_.panels, n, activation_, in, k,
                        static_cast<std::size_t>(rows), out, n});
        return;
    }
    ConstMatrixMap x(in, rows, input_size());
    MatrixMap y(out, rows, output_size());
    y.noalias() = x * weight_.transpose();
    y.rowwise() += bias_.transpose();
    apply_activation(activation_, out, static_cast<std::size_t>(rows * output_size()));
}

void DenseLayer::pack() {
    kernels_ = kernels::active_table();
    packed_ = kernels_ ? pack_dense(weight_, bias_, kernels_->lanes, kernels_->group) : PackedPanels{};
}

}  // namespace pba::nn
