#pragma once

#include <cstddef>

#include "pba/nn/activation.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/matrix.hpp"
#include "pba/nn/packed_weights.hpp"

namespace pba::nn {

// y = act(W x + b), applied to every row (timestep) of its input: a GEMM with the bias and
// activation applied in registers, on weights packed at load for the CPU's kernels. Compiled
// in the library (src/nn/dense_layer.cpp).
class DenseLayer {
public:
    DenseLayer(RowMatrix weight, Vector bias, Activation activation);

    Eigen::Index input_size() const noexcept { return weight_.cols(); }
    Eigen::Index output_size() const noexcept { return weight_.rows(); }
    Activation activation() const noexcept { return activation_; }
    const RowMatrix& weight() const noexcept { return weight_; }
    const Vector& bias() const noexcept { return bias_; }
    kernels::Isa isa() const noexcept { return kernels_ ? kernels_->isa : kernels::Isa::generic; }

    // Folds a following per-channel affine map (an inference BatchNorm) into W and b.
    // Only valid for a linear activation; the caller checks.
    void fold_scale_shift_after(const Vector& scale, const Vector& shift);

    // Folds a preceding per-channel affine map x -> s*x + t: W' = W diag(s), b' = b + W t.
    void fold_scale_shift_before(const Vector& scale, const Vector& shift);

    // in: [rows, input_size], out: [rows, output_size], distinct buffers.
    void forward(const float* in, Eigen::Index rows, float* out) const noexcept;

    std::size_t flops_per_row() const noexcept { return 2 * static_cast<std::size_t>(weight_.size()); }
    std::size_t parameter_count() const noexcept { return static_cast<std::size_t>(weight_.size() + bias_.size()); }
    // Bytes of weights and biases the forward pass reads, as stored (packed, padded).
    std::size_t weight_bytes() const noexcept {
        return sizeof(float) * (kernels_ ? packed_.weights.size() + packed_.bias.size() : parameter_count());
    }

private:
    void pack();

    RowMatrix weight_;  // [out, in]
    Vector bias_;       // [out]
    Activation activation_;
    const kernels::Table* kernels_ = nullptr;
    PackedPanels packed_;
};

}  // namespace pba::nn
