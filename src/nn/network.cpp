#include "pba/nn/network.hpp"

#include <algorithm>
#include <type_traits>

namespace pba::nn {

Network::Network(Eigen::Index timesteps, Eigen::Index features, std::vector<Layer> layers)
    : timesteps_(timesteps), features_(features), layers_(std::move(layers)) {
    Eigen::Index t = timesteps_;
    Eigen::Index width = features_;
    activation_floats_ = static_cast<std::size_t>(std::max<Eigen::Index>(t, 1) * width);
    for (const Layer& layer : layers_) {
        std::visit(
            [&](const auto& l) {
                using L = std::decay_t<decltype(l)>;
                if constexpr (std::is_same_v<L, LstmLayer>) {
                    flops_ += l.flops_per_window(t);
                    width = l.hidden_size();
                    if (!l.return_sequences()) t = 0;
                } else if constexpr (std::is_same_v<L, DenseLayer>) {
                    flops_ += l.flops_per_row() * static_cast<std::size_t>(std::max<Eigen::Index>(t, 1));
                    width = l.output_size();
                }
            },
            layer);
        activation_floats_ = std::max(activation_floats_, static_cast<std::size_t>(std::max<Eigen::Index>(t, 1) * width));
    }
    output_timesteps_ = t;
    output_channels_ = width;
}

std::size_t Network::weight_bytes() const noexcept {
    std::size_t bytes = 0;
    for (const Layer& layer : layers_)
        std::visit(
            [&](const auto& l) {
                using L = std::decay_t<decltype(l)>;
                if constexpr (std::is_same_v<L, LstmLayer> || std::is_same_v<L, DenseLayer>)
                    bytes += l.weight_bytes();
                else if constexpr (std::is_same_v<L, BatchNormLayer>)
                    bytes += sizeof(float) * 2 * static_cast<std::size_t>(l.channels());
            },
            layer);
    return bytes;
}

void Network::set_recurrent_storage(WeightStorage storage) {
    for (Layer& layer : layers_)
        if (auto* lstm = std::get_if<LstmLayer>(&layer)) lstm->set_recurrent_storage(storage);
}

std::size_t Network::scratch_floats(std::size_t batch) const noexcept {
    const std::size_t small = std::min(batch, kernels::kFusedLstmBatch - 1);
    return std::max(scratch_floats_exact(batch), scratch_floats_exact(small));
}

void Network::reserve(Workspace& ws, std::size_t max_batch) const {
    if (fits(ws, max_batch)) return;
    const std::size_t batch = std::max(max_batch, ws.max_batch_);
    const std::size_t act = std::max(batch * activation_floats_, ws.ping_.size());
    const std::size_t scratch = std::max(scratch_floats(batch), ws.scratch_.size());
    ws.ping_.assign(act, 0.0f);
    ws.pong_.assign(act, 0.0f);
    ws.scratch_.assign(scratch, 0.0f);
    ws.max_batch_ = batch;
}

bool Network::fits(const Workspace& ws, std::size_t batch) const noexcept {
    return batch <= ws.max_batch_ && ws.ping_.size() >= batch * activation_floats_ &&
           ws.pong_.size() >= batch * activation_floats_ && ws.scratch_.size() >= scratch_floats(batch);
}

void Network::forward(const float* input, std::size_t batch, float* output, Workspace& ws) const noexcept {
    // The portable Eigen path's products round by their shape (a vector product for one row, a
    // blocked one for many), so it runs windows one at a time: a window's output is then the
    // same in any batch, as it is on the kernels (nn/kernels.hpp).
    if (batch > 1 && portable()) {
        for (std::size_t w = 0; w < batch; ++w) forward(input + w * input_size(), 1, output + w * output_size(), ws);
        return;
    }
    const auto n = static_cast<Eigen::Index>(batch);
    float* cur = ws.ping_.data();
    float* next = ws.pong_.data();
    std::copy(input, input + batch * input_size(), cur);
    Eigen::Index t = timesteps_;
    for (const Layer& layer : layers_) {
        const Eigen::Index rows = n * std::max<Eigen::Index>(t, 1);
        std::visit(
            [&](const auto& l) {
                using L = std::decay_t<decltype(l)>;
                if constexpr (std::is_same_v<L, LstmLayer>) {
                    l.forward(cur, n, t, next, ws.scratch_.data());
                    std::swap(cur, next);
                    if (!l.return_sequences()) t = 0;
                } else if constexpr (std::is_same_v<L, DenseLayer>) {
                    l.forward(cur, rows, next);
                    std::swap(cur, next);
                } else {
                    l.forward_inplace(cur, rows);
                }
            },
            layer);
    }
    std::copy(cur, cur + batch * output_size(), output);
}

bool Network::portable() const noexcept {
    for (const Layer& layer : layers_) {
        if (const auto* lstm = std::get_if<LstmLayer>(&layer); lstm && lstm->isa() == kernels::Isa::generic) return true;
        if (const auto* dense = std::get_if<DenseLayer>(&layer); dense && dense->isa() == kernels::Isa::generic)
            return true;
    }
    return false;
}

std::size_t Network::scratch_floats_exact(std::size_t batch) const noexcept {
    std::size_t floats = 0;
    Eigen::Index t = timesteps_;
    for (const Layer& layer : layers_)
        if (const auto* lstm = std::get_if<LstmLayer>(&layer)) {
            floats = std::max(floats, lstm->scratch_floats(static_cast<Eigen::Index>(batch), t));
            if (!lstm->return_sequences()) t = 0;
        }
    return floats;
}

}  // namespace pba::nn
