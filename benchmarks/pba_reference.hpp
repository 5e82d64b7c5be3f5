#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace pba::bench {

// pba's forecast for one window of a .pba file, to check a peer's output against. The header
// pulls in no Eigen: a peer compiled with -march=native includes it, and must not share Eigen
// template instantiations with libpba, which is built for the portable baseline.
struct PbaReference {
    std::vector<float> output;
    std::size_t flops_per_window = 0;  // as pba_bench counts them (flops_per_forecast)
};

PbaReference pba_reference(const std::filesystem::path& model_file, std::span<const float> window);

}  // namespace pba::bench
