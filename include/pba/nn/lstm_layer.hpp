#pragma once

#include <cstddef>
#include <cstdint>

#include "pba/nn/kernels.hpp"
#include "pba/nn/matrix.hpp"
#include "pba/nn/packed_weights.hpp"

namespace pba::nn {

// PyTorch nn.LSTM semantics (one layer, one direction, zero initial state), with the gate
// rows reordered at load from PyTorch's i,f,g,o to i,f,o,g so the three sigmoid gates are
// contiguous. The weights are packed at load into the gate panels the kernels stream
// (kernels.hpp); the CPU's kernels run the layer, or an Eigen path where there are none.
// Both are compiled in the library (src/nn/lstm_layer.cpp), never in a caller's code.
class LstmLayer {
public:
    LstmLayer(const RowMatrix& weight_ih, const RowMatrix& weight_hh, const Vector& bias_ih, const Vector& bias_hh,
              bool return_sequences);

    Eigen::Index input_size() const noexcept { return input_size_; }
    Eigen::Index hidden_size() const noexcept { return hidden_size_; }
    bool return_sequences() const noexcept { return return_sequences_; }
    WeightStorage recurrent_storage() const noexcept { return storage_; }
    // The instruction set the layer's weights were packed for (generic: the Eigen path).
    kernels::Isa isa() const noexcept { return kernels_ ? kernels_->isa : kernels::Isa::generic; }

    // Folds a preceding per-channel affine map (a BatchNorm on the input sequence) into the
    // input projection: W' = W diag(s), b' = b + W t.
    void fold_scale_shift_before(const Vector& scale, const Vector& shift);

    // Stores the recurrent weights as fp16 or bf16 pairs (to_bf16_pairs); throws
    // Error(unsupported) when a weight is beyond that format's range. Kernels that cannot read
    // the format (SSE4, and the Eigen path) run in fp32 exactly the values the others widen
    // (for bf16: the even row's bf16, the odd row's whole word), so results do not depend on
    // the CPU. Going back to fp32 keeps the rounded values; rounding them again changes nothing.
    void set_recurrent_storage(WeightStorage storage);

    // Scratch floats forward() needs for `batch` windows of `timesteps` steps.
    std::size_t scratch_floats(Eigen::Index batch, Eigen::Index timesteps) const noexcept;

    // Bytes of weights and biases the forward pass reads, as stored (packed, padded).
    std::size_t weight_bytes() const noexcept;

    // in: [batch * T, input] rows ordered window-major; out: [batch * T, H] when returning
    // sequences, else [batch, H]; scratch: scratch_floats(batch, T) floats. Allocates nothing.
    void forward(const float* in, Eigen::Index batch, Eigen::Index timesteps, float* out,
                 float* scratch) const noexcept;

    std::size_t flops_per_window(Eigen::Index timesteps) const noexcept;

private:
    void pack();
    void unpack();
    void forward_eigen(const float* in, Eigen::Index batch, Eigen::Index timesteps, float* out,
                       float* scratch) const noexcept;

    RowMatrix weight_ih_;  // [4H, input]
    RowMatrix weight_hh_;  // [4H, H]
    Vector bias_;          // [4H], b_ih + b_hh
    // (the three above are empty while the kernels' panels hold the weights)
    Eigen::Index input_size_;
    Eigen::Index hidden_size_;
    bool return_sequences_;
    WeightStorage storage_ = WeightStorage::fp32;
    RowMatrix weight_hh_rounded_;  // weight_hh_ rounded to storage_, for the Eigen path with fp16 or bf16
    const kernels::Table* kernels_ = nullptr;
    PackedPanels wx_;  // input projection with the bias
    PackedPanels wh_;  // recurrent weights (weights empty when the kernels read wh16_ or wh_bf16_)
    AlignedVector<std::uint16_t> wh16_;
    AlignedVector<std::uint32_t> wh_bf16_;  // to_bf16_pairs layout
};

}  // namespace pba::nn
