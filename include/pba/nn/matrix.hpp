#pragma once

#include <Eigen/Core>

namespace pba::nn {

// Activations flow between layers as row-major [rows, channels] blocks: one row per
// timestep of each window, so a sequence layer sees batch x T rows.
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
using RowVector = Eigen::RowVectorXf;
using MatrixMap = Eigen::Map<RowMatrix, Eigen::Aligned16>;
using ConstMatrixMap = Eigen::Map<const RowMatrix, Eigen::Aligned16>;
using StridedMatrixMap = Eigen::Map<RowMatrix, Eigen::Unaligned, Eigen::OuterStride<>>;

}  // namespace pba::nn
