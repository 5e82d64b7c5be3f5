#pragma once

#include <cstddef>

#include "pba/nn/aligned_vector.hpp"

namespace pba::nn {

class Network;

// Preallocated memory for forward passes of one network at up to `max_batch` windows.
// Owned by one caller at a time (a predictor, a thread); the network itself is shared.
// Network::reserve sizes it. Free of Eigen, so the high-level headers can hold one by value.
class Workspace {
public:
    Workspace() = default;
    std::size_t max_batch() const noexcept { return max_batch_; }
    std::size_t floats() const noexcept { return ping_.size() + pong_.size() + scratch_.size(); }

private:
    friend class Network;
    using AlignedBuffer = AlignedVector<float>;
    std::size_t max_batch_ = 0;
    AlignedBuffer ping_;
    AlignedBuffer pong_;
    AlignedBuffer scratch_;
};

}  // namespace pba::nn
