#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <variant>
#include <vector>

#include "pba/nn/activation_layer.hpp"
#include "pba/nn/batch_norm_layer.hpp"
#include "pba/nn/dense_layer.hpp"
#include "pba/nn/lstm_layer.hpp"

namespace pba::nn {

using Layer = std::variant<DenseLayer, LstmLayer, BatchNormLayer, ActivationLayer>;

// Preallocated memory for forward passes of one network at up to `max_batch` windows.
// Owned by one caller at a time (a predictor, a thread); the network itself is shared.
class Workspace {
public:
    Workspace() = default;
    std::size_t max_batch() const noexcept { return max_batch_; }
    std::size_t floats() const noexcept { return ping_.size() + pong_.size() + scratch_.size(); }

private:
    friend class Network;
    using AlignedBuffer = std::vector<float, Eigen::aligned_allocator<float>>;
    std::size_t max_batch_ = 0;
    std::size_t activation_floats_ = 0;  // per window
    std::size_t scratch_floats_ = 0;     // per window
    AlignedBuffer ping_;
    AlignedBuffer pong_;
    AlignedBuffer scratch_;
};

// A sequence of layers over windows of `timesteps` x `features` (timesteps 0: a vector model).
class Network {
public:
    Network(Eigen::Index timesteps, Eigen::Index features, std::vector<Layer> layers)
        : timesteps_(timesteps), features_(features), layers_(std::move(layers)) {
        Eigen::Index t = timesteps_;
        Eigen::Index width = features_;
        activation_floats_ = static_cast<std::size_t>(std::max<Eigen::Index>(t, 1) * width);
        for (const Layer& layer : layers_) {
            std::visit(
                [&](const auto& l) {
                    using L = std::decay_t<decltype(l)>;
                    if constexpr (std::is_same_v<L, LstmLayer>) {
                        scratch_floats_ = std::max(scratch_floats_, l.gate_floats(1, t) + l.state_floats(1));
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

    Eigen::Index timesteps() const noexcept { return timesteps_; }
    Eigen::Index features() const noexcept { return features_; }
    std::size_t input_size() const noexcept { return static_cast<std::size_t>(std::max<Eigen::Index>(timesteps_, 1) * features_); }
    std::size_t output_size() const noexcept {
        return static_cast<std::size_t>(std::max<Eigen::Index>(output_timesteps_, 1) * output_channels_);
    }
    Eigen::Index output_timesteps() const noexcept { return output_timesteps_; }
    Eigen::Index output_channels() const noexcept { return output_channels_; }
    const std::vector<Layer>& layers() const noexcept { return layers_; }
    std::size_t flops_per_window() const noexcept { return flops_; }

    // Sizes `ws` for batches of up to max_batch windows; allocates only when it must grow.
    void reserve(Workspace& ws, std::size_t max_batch) const {
        if (ws.max_batch_ >= max_batch && ws.activation_floats_ >= activation_floats_ &&
            ws.scratch_floats_ >= scratch_floats_)
            return;
        const std::size_t batch = std::max(max_batch, ws.max_batch_);
        const std::size_t act = std::max(activation_floats_, ws.activation_floats_);
        const std::size_t scratch = std::max(scratch_floats_, ws.scratch_floats_);
        ws.ping_.assign(batch * act, 0.0f);
        ws.pong_.assign(batch * act, 0.0f);
        ws.scratch_.assign(batch * scratch, 0.0f);
        ws.max_batch_ = batch;
        ws.activation_floats_ = act;
        ws.scratch_floats_ = scratch;
    }

    bool fits(const Workspace& ws, std::size_t batch) const noexcept {
        return batch <= ws.max_batch_ && ws.activation_floats_ >= activation_floats_ &&
               ws.scratch_floats_ >= scratch_floats_;
    }

    // input: batch x input_size() floats (each window time-major), output: batch x
    // output_size(). Requires fits(ws, batch). Allocates nothing.
    void forward(const float* input, std::size_t batch, float* output, Workspace& ws) const noexcept {
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
                        const std::size_t gates = l.gate_floats(n, t);
                        l.forward(cur, n, t, next, ws.scratch_.data(), ws.scratch_.data() + gates);
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

private:
    Eigen::Index timesteps_;
    Eigen::Index features_;
    std::vector<Layer> layers_;
    Eigen::Index output_timesteps_ = 0;
    Eigen::Index output_channels_ = 0;
    std::size_t activation_floats_ = 0;
    std::size_t scratch_floats_ = 0;
    std::size_t flops_ = 0;
};

}  // namespace pba::nn
