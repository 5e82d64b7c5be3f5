#include "pba/nn/lstm_layer.hpp"

#include <cmath>

#include "pba/nn/activation.hpp"

namespace pba::nn {
namespace {

// One step of the LSTM cell for one row, gates laid out [i | f | o | g] (pre-activation):
// c = sigmoid(f) * c + sigmoid(i) * tanh(g);  h = sigmoid(o) * tanh(c).
// Everything stays in registers between the gate activations and the state update.
template <class Arch = xsimd::default_arch>
void lstm_cell(const float* gates, float* c, float* h, Eigen::Index hidden) noexcept {
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

// PyTorch rows [i; f; g; o] -> [i; f; o; g]
RowMatrix reorder_gates(const RowMatrix& m) {
    const Eigen::Index h = m.rows() / 4;
    RowMatrix r(m.rows(), m.cols());
    r.topRows(2 * h) = m.topRows(2 * h);
    r.middleRows(2 * h, h) = m.middleRows(3 * h, h);
    r.bottomRows(h) = m.middleRows(2 * h, h);
    return r;
}

// m ([4H, k]) rounded to `storage` and widened back to fp32, as the kernels that read the
// format see it: for bf16, columns 2i and 2i + 1 are the pair (to_bf16_pair) whose word's
// shifted low half and whole word give the two weights. Throws as set_recurrent_storage.
RowMatrix round_through(const RowMatrix& m, WeightStorage storage) {
    if (storage == WeightStorage::fp16) to_half(AlignedVector<float>(m.data(), m.data() + m.size()));
    if (storage == WeightStorage::bf16) check_bf16_range(m.data(), static_cast<std::size_t>(m.size()));
    RowMatrix r = m;
    if (storage == WeightStorage::fp16)
        for (Eigen::Index i = 0; i < m.size(); ++i) r.data()[i] = half_to_float(float_to_half(m.data()[i]));
    if (storage == WeightStorage::bf16)
        for (Eigen::Index row = 0; row < m.rows(); ++row) {
            Eigen::Index k = 0;
            for (; k + 1 < m.cols(); k += 2) {
                const std::uint32_t word = to_bf16_pair(m(row, k), m(row, k + 1));
                r(row, k) = bf16_pair_even(word);
                r(row, k + 1) = bf16_pair_odd(word);
            }
            if (k < m.cols()) r(row, k) = bf16_to_float(float_to_bf16(m(row, k)));  // an odd k's last row
        }
    return r;
}

}  // namespace

LstmLayer::LstmLayer(const RowMatrix& weight_ih, const RowMatrix& weight_hh, const Vector& bias_ih,
                     const Vector& bias_hh, bool return_sequences)
    : weight_ih_(reorder_gates(weight_ih)),
      weight_hh_(reorder_gates(weight_hh)),
      bias_(reorder_gates(RowMatrix(bias_ih + bias_hh)).col(0)),
      input_size_(weight_ih.cols()),
      hidden_size_(weight_hh.cols()),
      return_sequences_(return_sequences) {
    pack();
}

void LstmLayer::fold_scale_shift_before(const Vector& scale, const Vector& shift) {
    unpack();
    bias_ = (bias_.cast<double>() + weight_ih_.cast<double>() * shift.cast<double>()).cast<float>();
    weight_ih_ = weight_ih_ * scale.asDiagonal();
    pack();
}

void LstmLayer::set_recurrent_storage(WeightStorage storage) {
    unpack();
    storage_ = storage;
    pack();
}

std::size_t LstmLayer::scratch_floats(Eigen::Index batch, Eigen::Index timesteps) const noexcept {
    const auto n = static_cast<std::size_t>(batch), t = static_cast<std::size_t>(timesteps);
    if (kernels_) return kernels::lstm_scratch_floats(kernels_->lanes, static_cast<std::size_t>(hidden_size()), n, t);
    return n * t * 4 * static_cast<std::size_t>(hidden_size()) + 2 * n * static_cast<std::size_t>(hidden_size());
}

std::size_t LstmLayer::weight_bytes() const noexcept {
    if (!kernels_) return sizeof(float) * static_cast<std::size_t>(weight_ih_.size() + weight_hh_.size() + bias_.size());
    return sizeof(float) * (wx_.weights.size() + wx_.bias.size() + wh_.weights.size()) +
           sizeof(std::uint16_t) * wh16_.size() + sizeof(std::uint32_t) * wh_bf16_.size();
}

void LstmLayer::forward(const float* in, Eigen::Index batch, Eigen::Index timesteps, float* out,
                        float* scratch) const noexcept {
    if (!kernels_) return forward_eigen(in, batch, timesteps, out, scratch);
    kernels_->lstm({wx_.weights.data(), wh_.weights.empty() ? nullptr : wh_.weights.data(),
                    wh16_.empty() ? nullptr : wh16_.data(), wh_bf16_.empty() ? nullptr : wh_bf16_.data(),
                    wx_.bias.data(), wx_.k, wh_.k, wx_.panels, in, static_cast<std::size_t>(batch),
                    static_cast<std::size_t>(timesteps), out, return_sequences_, scratch});
}

std::size_t LstmLayer::flops_per_window(Eigen::Index timesteps) const noexcept {
    const auto proj = 8 * hidden_size_ * (input_size_ + hidden_size_);
    return static_cast<std::size_t>(timesteps * (proj + 10 * hidden_size()));
}

void LstmLayer::pack() {
    kernels_ = kernels::active_table();
    const bool reduced = storage_ != WeightStorage::fp32;
    const bool native = kernels_ && ((storage_ == WeightStorage::fp16 && kernels_->half_weights) ||
                                     (storage_ == WeightStorage::bf16 && kernels_->bf16_weights));
    // The range check, and the values the paths without loads for the format run in fp32.
    const RowMatrix rounded = reduced ? round_through(weight_hh_, storage_) : RowMatrix();
    weight_hh_rounded_ = kernels_ ? RowMatrix() : rounded;
    wh16_.clear();
    wh_bf16_.clear();
    if (!kernels_) {
        wx_ = {};
        wh_ = {};
        return;
    }
    const auto hidden = static_cast<std::size_t>(hidden_size());
    wx_ = pack_lstm_gates(weight_ih_, bias_, hidden, kernels_->lanes, kernels_->group);
    wh_ = pack_lstm_gates(reduced && !native ? rounded : weight_hh_, Vector::Zero(bias_.size()), hidden,
                          kernels_->lanes, kernels_->group);
    if (native) {
        if (storage_ == WeightStorage::fp16) wh16_ = to_half(wh_.weights);
        if (storage_ == WeightStorage::bf16) wh_bf16_ = to_bf16_pairs(wh_, kernels_->lanes, kernels_->group);
        wh_.weights = {};
    }
    // The panels are now the only copy: unpack() restores the matrices when a load-time
    // change (a fold, a storage change) needs them.
    weight_ih_ = RowMatrix();
    weight_hh_ = RowMatrix();
    bias_ = Vector();
}

void LstmLayer::unpack() {
    if (!kernels_) return;
    const auto input = static_cast<std::size_t>(input_size_), hidden = static_cast<std::size_t>(hidden_size_);
    weight_ih_ = unpack_lstm_gates(wx_.weights, input, hidden, kernels_->lanes, kernels_->group);
    bias_ = unpack_lstm_bias(wx_.bias, hidden, kernels_->lanes);
    AlignedVector<float> recurrent = wh_.weights;
    if (!wh16_.empty()) {
        recurrent.resize(wh16_.size());
        for (std::size_t i = 0; i < wh16_.size(); ++i) recurrent[i] = half_to_float(wh16_[i]);
    }
    if (!wh_bf16_.empty())
        recurrent = from_bf16_pairs(wh_bf16_, hidden, wh_.panels, kernels_->lanes, kernels_->group);
    weight_hh_ = unpack_lstm_gates(recurrent, hidden, hidden, kernels_->lanes, kernels_->group);
}

void LstmLayer::forward_eigen(const float* in, Eigen::Index batch, Eigen::Index timesteps, float* out,
                              float* scratch) const noexcept {
    const Eigen::Index hidden = hidden_size();
    const Eigen::Index gate_width = 4 * hidden;
    const RowMatrix& weight_hh = weight_hh_rounded_.size() ? weight_hh_rounded_ : weight_hh_;
    float* gates = scratch;
    float* state = scratch + batch * timesteps * gate_width;
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
        StridedMatrixMap g_t(gates + t * gate_width, batch, gate_width, Eigen::OuterStride<>(timesteps * gate_width));
        if (t > 0) {
            Eigen::Map<const RowMatrix, Eigen::Unaligned, Eigen::OuterStride<>> h_prev(h_at(t - 1), batch, hidden,
                                                                                      Eigen::OuterStride<>(h_stride));
            g_t.noalias() += h_prev * weight_hh.transpose();
        }
        float* h_t = h_at(t);
        for (Eigen::Index n = 0; n < batch; ++n)
            lstm_cell(g_t.row(n).data(), c + n * hidden, h_t + n * h_stride, hidden);
    }
    if (!return_sequences_)
        Eigen::Map<RowMatrix>(out, batch, hidden) = Eigen::Map<const RowMatrix>(h_last, batch, hidden);
}

}  // namespace pba::nn
