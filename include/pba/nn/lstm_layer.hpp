#pragma once

#include <cmath>

#include "pba/nn/activation.hpp"
#include "pba/nn/matrix.hpp"

namespace pba::nn {

// One step of the LSTM cell for one row, gates laid out [i | f | o | g] (pre-activation):
// c = sigmoid(f) * c + sigmoid(i) * tanh(g);  h = sigmoid(o) * tanh(c).
// Everything stays in registers between the gate activations and the state update.
template <class Arch = xsimd::default_arch>
inline void lstm_cell(const float* gates, float* c, float* h, Eigen::Index hidden) noexcept {
    using B = xsimd::batch<float, Arch>;
    const std::size_t n = static_cast<std::size_t>(hidden);
    const float* gi = gates;
    const float* gf = gates + n;
    const float* go = gates + 2 * n;
    const float* gg = gates + 3 * n;
    std::size_t j = 0;
    for (; j + B::size <= n; j += B::size) {
        const B i = fast_sigmoid(B::load_unaligned(gi + j));
        const B f = fast_sigmoid(B::load_unaligned(gf + j));
        const B o = fast_sigmoid(B::load_unaligned(go + j));
        const B g = fast_tanh(B::load_unaligned(gg + j));
        const B cn = xsimd::fma(f, B::load_unaligned(c + j), i * g);
        cn.store_unaligned(c + j);
        (o * fast_tanh(cn)).store_unaligned(h + j);
    }
    for (; j < n; ++j) {
        const float cn = std::fma(fast_sigmoid(gf[j]), c[j], fast_sigmoid(gi[j]) * fast_tanh(gg[j]));
        c[j] = cn;
        h[j] = fast_sigmoid(go[j]) * fast_tanh(cn);
    }
}

// PyTorch nn.LSTM semantics (one layer, one direction, zero initial state), with the gate
// rows reordered at load from PyTorch's i,f,g,o to i,f,o,g so the three sigmoid gates are
// contiguous. The input projection of every timestep is one matrix-matrix product; only the
// recurrent product runs step by step.
class LstmLayer {
public:
    LstmLayer(const RowMatrix& weight_ih, const RowMatrix& weight_hh, const Vector& bias_ih, const Vector& bias_hh,
              bool return_sequences)
        : weight_ih_(reorder_gates(weight_ih)),
          weight_hh_(reorder_gates(weight_hh)),
          bias_(reorder_gates(RowMatrix(bias_ih + bias_hh)).col(0)),
          return_sequences_(return_sequences) {}

    Eigen::Index input_size() const noexcept { return weight_ih_.cols(); }
    Eigen::Index hidden_size() const noexcept { return weight_hh_.cols(); }
    bool return_sequences() const noexcept { return return_sequences_; }

    // Folds a preceding per-channel affine map (a BatchNorm on the input sequence) into the
    // input projection: W' = W diag(s), b' = b + W t.
    void fold_scale_shift_before(const Vector& scale, const Vector& shift) {
        bias_ = (bias_.cast<double>() + weight_ih_.cast<double>() * shift.cast<double>()).cast<float>();
        weight_ih_ = weight_ih_ * scale.asDiagonal();
    }

    std::size_t gate_floats(Eigen::Index batch, Eigen::Index timesteps) const noexcept {
        return static_cast<std::size_t>(batch * timesteps * 4 * hidden_size());
    }
    std::size_t state_floats(Eigen::Index batch) const noexcept {
        return static_cast<std::size_t>(2 * batch * hidden_size());
    }

    // in: [batch * T, input] rows ordered window-major; out: [batch * T, H] when returning
    // sequences, else [batch, H]; gates and state are scratch of gate_floats / state_floats.
    void forward(const float* in, Eigen::Index batch, Eigen::Index timesteps, float* out, float* gates,
                 float* state) const noexcept {
        const Eigen::Index hidden = hidden_size();
        const Eigen::Index gate_width = 4 * hidden;
        {
            ConstMatrixMap x(in, batch * timesteps, input_size());
            MatrixMap g(gates, batch * timesteps, gate_width);
            g.noalias() = x * weight_ih_.transpose();
            g.rowwise() += bias_.transpose();
        }
        float* c = state;
        float* h_last = state + batch * hidden;
        Eigen::Map<RowMatrix>(c, batch, hidden).setZero();

        // Where h_t of window n lives: in the output sequence, or in the single state row.
        const Eigen::Index h_stride = return_sequences_ ? timesteps * hidden : hidden;
        auto h_at = [&](Eigen::Index t) { return return_sequences_ ? out + t * hidden : h_last; };

        for (Eigen::Index t = 0; t < timesteps; ++t) {
            StridedMatrixMap g_t(gates + t * gate_width, batch, gate_width,
                                 Eigen::OuterStride<>(timesteps * gate_width));
            if (t > 0) {
                Eigen::Map<const RowMatrix, Eigen::Unaligned, Eigen::OuterStride<>> h_prev(
                    h_at(t - 1), batch, hidden, Eigen::OuterStride<>(h_stride));
                g_t.noalias() += h_prev * weight_hh_.transpose();
            }
            float* h_t = h_at(t);
            for (Eigen::Index n = 0; n < batch; ++n)
                lstm_cell(g_t.row(n).data(), c + n * hidden, h_t + n * h_stride, hidden);
        }
        if (!return_sequences_)
            Eigen::Map<RowMatrix>(out, batch, hidden) = Eigen::Map<const RowMatrix>(h_last, batch, hidden);
    }

    std::size_t flops_per_window(Eigen::Index timesteps) const noexcept {
        const auto proj = 2 * weight_ih_.size() + 2 * weight_hh_.size();
        return static_cast<std::size_t>(timesteps * (proj + 10 * hidden_size()));
    }

private:
    // PyTorch rows [i; f; g; o] -> [i; f; o; g]
    static RowMatrix reorder_gates(const RowMatrix& m) {
        const Eigen::Index h = m.rows() / 4;
        RowMatrix r(m.rows(), m.cols());
        r.topRows(2 * h) = m.topRows(2 * h);
        r.middleRows(2 * h, h) = m.middleRows(3 * h, h);
        r.bottomRows(h) = m.middleRows(2 * h, h);
        return r;
    }

    RowMatrix weight_ih_;  // [4H, input]
    RowMatrix weight_hh_;  // [4H, H]
    Vector bias_;          // [4H], b_ih + b_hh
    bool return_sequences_;
};

}  // namespace pba::nn
