#pragma once

#include "pba/nn/activation.hpp"
#include "pba/nn/matrix.hpp"

namespace pba::nn {

// An activation applied element-wise in place; compiled in the library
// (src/nn/activation_layer.cpp).
class ActivationLayer {
public:
    ActivationLayer(Eigen::Index channels, Activation activation) : channels_(channels), activation_(activation) {}

    Eigen::Index channels() const noexcept { return channels_; }
    Activation activation() const noexcept { return activation_; }

    void forward_inplace(float* data, Eigen::Index rows) const noexcept;

private:
    Eigen::Index channels_;
    Activation activation_;
};

}  // namespace pba::nn
