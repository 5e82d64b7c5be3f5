#pragma once

#include "pba/nn/kernels.hpp"

// One per instruction-set translation unit; nullptr-free, but only to be called after the CPU
// has been checked (kernels.cpp).
namespace pba::nn::kernels {
const Table* avx512_table() noexcept;
const Table* avx2_table() noexcept;
const Table* sse4_table() noexcept;
}  // namespace pba::nn::kernels
