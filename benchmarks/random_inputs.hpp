#pragma once
// Benchmark inputs: uniform in [0, 1), the same on every run (seed 7) so runs compare.

#include <cstddef>
#include <random>
#include <vector>

namespace pba::bench {

inline std::vector<float> random_inputs(std::size_t n) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

}  // namespace pba::bench
