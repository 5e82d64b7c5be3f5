#pragma once

#include "pba/nn/activation.hpp"
#include "pba/nn/matrix.hpp"

namespace pba::nn {

class ActivationLayer {
public:
    ActivationLayer(Eigen::Index channels, Activation activation) : channels_(channels), activation_(activation) {}

    Eigen::Index channels() const noexcept { return channels_; }
    Activation activation() const noexcept { return activation_; }

    void forward_inplace(float* data, Eigen::Index rows) const noexcept {
        apply_activation(activation_, data, static_cast<std::size_t>(rows * channels_));
    }

private:
    Eigen::Index channels_;
    Activation activation_;
};

}  // namespace pba::nn
