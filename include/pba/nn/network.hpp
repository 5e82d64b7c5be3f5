#pragma once

#include <algorithm>
#include <cstddef>
#include <variant>
#include <vector>

#include "pba/nn/activation_layer.hpp"
#include "pba/nn/batch_norm_layer.hpp"
#include "pba/nn/dense_layer.hpp"
#include "pba/nn/lstm_layer.hpp"
#include "pba/nn/workspace.hpp"

namespace pba::nn {

using Layer = std::variant<DenseLayer, LstmLayer, BatchNormLayer, ActivationLayer>;

// A sequence of layers over windows of `timesteps` x `features` (timesteps 0: a vector model).
// Its functions are compiled once, in the library (src/nn/network.cpp), so the forward pass a
// program runs is the library's whatever flags the program's own code is compiled with.
class Network {
public:
    Network(Eigen::Index timesteps, Eigen::Index features, std::vector<Layer> layers);

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

    // Bytes of weights and biases a forward pass reads, as the kernels store them.
    std::size_t weight_bytes() const noexcept;

    // Stores every LSTM layer's recurrent weights as `storage` (see LstmLayer).
    void set_recurrent_storage(WeightStorage storage);

    // Scratch floats for any batch up to `batch` windows (non-decreasing in batch).
    std::size_t scratch_floats(std::size_t batch) const noexcept;

    // Sizes `ws` for batches of up to max_batch windows; allocates only when it must grow.
    void reserve(Workspace& ws, std::size_t max_batch) const;

    bool fits(const Workspace& ws, std::size_t batch) const noexcept;

    // input: batch x input_size() floats (each window time-major), output: batch x
    // output_size(). Requires fits(ws, batch). Allocates nothing.
    void forward(const float* input, std::size_t batch, float* output, Workspace& ws) const noexcept;

private:
    std::size_t scratch_floats_exact(std::size_t batch) const noexcept;
    bool portable() const noexcept;  // a layer runs on the Eigen path (no kernels for this CPU or PBA_ISA=generic)

    Eigen::Index timesteps_;
    Eigen::Index features_;
    std::vector<Layer> layers_;
    Eigen::Index output_timesteps_ = 0;
    Eigen::Index output_channels_ = 0;
    std::size_t activation_floats_ = 0;  // per window
    std::size_t flops_ = 0;
};

}  // namespace pba::nn
