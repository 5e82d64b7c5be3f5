#pragma once

#include "pba/nn/activation.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/matrix.hpp"
#include "pba/nn/packed_weights.hpp"

namespace pba::nn {

// y = act(W x + b), applied to every row (timestep) of its input: a GEMM with the bias and
// activation applied in registers, on weights packed at load for the CPU's kernels.
class DenseLayer {
public:
    DenseLayer(RowMatrix weight, Vector bias, Activation activation)
        : weight_(std::move(weight)), bias_(std::move(bias)), activation_(activation) {
        pack();
    }

    Eigen::Index input_size() const noexcept { return weight_.cols(); }
    Eigen::Index output_size() const noexcept { return weight_.rows(); }
    Activation activation() const noexcept { return activation_; }
    const RowMatrix& weight() const noexcept { return weight_; }
    const Vector& bias() const noexcept { return bias_; }

    // Folds a following per-channel affine map (an inference BatchNorm) into W and b.
    // Only valid for a linear activation; the caller checks.
    void fold_scale_shift_after(const Vector& scale, const Vector& shift) {
        weight_ = scale.asDiagonal() * weight_;
        bias_ = scale.cwiseProduct(bias_) + shift;
        pack();
    }

    // Folds a preceding per-channel affine map x -> s*x + t: W' = W diag(s), b' = b + W t.
    void fold_scale_shift_before(const Vector& scale, const Vector& shift) {
        bias_ = (bias_.cast<double>() + weight_.cast<double>() * shift.cast<double>()).cast<float>();
        weight_ = weight_ * scale.asDiagonal();
        pack();
    }

    // in: [rows, input_size], out: [rows, output_size], distinct buffers.
    void forward(const float* in, Eigen::Index rows, float* out) const noexcept {
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

    std::size_t flops_per_row() const noexcept { return 2 * static_cast<std::size_t>(weight_.size()); }
    std::size_t parameter_count() const noexcept { return static_cast<std::size_t>(weight_.size() + bias_.size()); }
    // Bytes of weights and biases the forward pass reads, as stored (packed, padded).
    std::size_t weight_bytes() const noexcept {
        return sizeof(float) * (kernels_ ? packed_.weights.size() + packed_.bias.size() : parameter_count());
    }

private:
    void pack() {
        kernels_ = kernels::active_table();
        packed_ = kernels_ ? pack_dense(weight_, bias_, kernels_->lanes, kernels_->group) : PackedPanels{};
    }

    RowMatrix weight_;  // [out, in]
    Vector bias_;       // [out]
    Activation activation_;
    const kernels::Table* kernels_ = nullptr;
    PackedPanels packed_;
};

}  // namespace pba::nn
