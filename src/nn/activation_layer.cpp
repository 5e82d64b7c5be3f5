#include "pba/nn/activation_layer.hpp"

namespace pba::nn {

void ActivationLayer::forward_inplace(float* data, Eigen::Index rows) const noexcept {
    apply_activation(activation_, data, static_cast<std::size_t>(rows * channels_));
}

}  // namespace pba::nn
