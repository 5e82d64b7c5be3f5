#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <xsimd/xsimd.hpp>

namespace pba::nn {

enum class Activation { linear, relu, tanh, sigmoid };

// Every function below is forced inline: the library's kernels and layers then carry their own
// copy, compiled with the library's flags, instead of calling an out-of-line instance that a
// program compiling the same function with other flags could supply at link time.

namespace detail {

// tanh as a 13/6 rational approximation on [-7.9053, 7.9053] (the same polynomial Eigen uses
// for float), evaluated with FMAs; tested against std::tanh in tests/nn/activation_test.cpp.
// Below |x| = 0.0004 tanh(x) == x to float precision.
template <class T>
[[gnu::always_inline]] inline T tanh_rational(T x_in) noexcept {
    const T x = xsimd::max(xsimd::min(x_in, T(7.90531110763549805f)), T(-7.90531110763549805f));
    const T x2 = x * x;
    T p = T(-2.76076847742355e-16f);
    p = xsimd::fma(x2, p, T(2.00018790482477e-13f));
    p = xsimd::fma(x2, p, T(-8.60467152213735e-11f));
    p = xsimd::fma(x2, p, T(5.12229709037114e-08f));
    p = xsimd::fma(x2, p, T(1.48572235717979e-05f));
    p = xsimd::fma(x2, p, T(6.37261928875436e-04f));
    p = xsimd::fma(x2, p, T(4.89352455891786e-03f));
    p = x * p;
    T q = T(1.19825839466702e-06f);
    q = xsimd::fma(x2, q, T(1.18534705686654e-04f));
    q = xsimd::fma(x2, q, T(2.26843463243900e-03f));
    q = xsimd::fma(x2, q, T(4.89352518554385e-03f));
    return xsimd::select(xsimd::abs(x_in) < T(0.0004f), x_in, p / q);
}

[[gnu::always_inline]] inline float tanh_scalar(float x) noexcept {
    const float c = std::clamp(x, -7.90531110763549805f, 7.90531110763549805f);
    const float x2 = c * c;
    float p = -2.76076847742355e-16f;
    p = std::fma(x2, p, 2.00018790482477e-13f);
    p = std::fma(x2, p, -8.60467152213735e-11f);
    p = std::fma(x2, p, 5.12229709037114e-08f);
    p = std::fma(x2, p, 1.48572235717979e-05f);
    p = std::fma(x2, p, 6.37261928875436e-04f);
    p = std::fma(x2, p, 4.89352455891786e-03f);
    p = c * p;
    float q = 1.19825839466702e-06f;
    q = std::fma(x2, q, 1.18534705686654e-04f);
    q = std::fma(x2, q, 2.26843463243900e-03f);
    q = std::fma(x2, q, 4.89352518554385e-03f);
    return std::abs(x) < 0.0004f ? x : p / q;
}

}  // namespace detail

// sigmoid(x) = (1 + tanh(x/2)) / 2: one shared approximation keeps both bounded together.
// tanh's approximation stops ~1.2e-7 short of -1, so far left of 0 (below -17, where the true
// sigmoid is < 4.2e-8) the result is 0 instead of that residue.
template <class T>
[[gnu::always_inline]] inline T fast_sigmoid(T x) noexcept {
    return xsimd::select(x < T(-17.0f), T(0.0f), xsimd::fma(detail::tanh_rational(x * T(0.5f)), T(0.5f), T(0.5f)));
}
template <class T>
[[gnu::always_inline]] inline T fast_tanh(T x) noexcept {
    return detail::tanh_rational(x);
}
[[gnu::always_inline]] inline float fast_sigmoid(float x) noexcept {
    return x < -17.0f ? 0.0f : std::fma(detail::tanh_scalar(0.5f * x), 0.5f, 0.5f);
}
[[gnu::always_inline]] inline float fast_tanh(float x) noexcept { return detail::tanh_scalar(x); }

// Applies `f` in place over n floats, a SIMD batch at a time, scalar for the tail.
template <class Arch = xsimd::default_arch, class BatchFn, class ScalarFn>
[[gnu::always_inline]] inline void transform_inplace(float* x, std::size_t n, BatchFn batch_fn,
                                                     ScalarFn scalar_fn) noexcept {
    using B = xsimd::batch<float, Arch>;
    std::size_t i = 0;
    for (; i + B::size <= n; i += B::size) batch_fn(B::load_unaligned(x + i)).store_unaligned(x + i);
    for (; i < n; ++i) x[i] = scalar_fn(x[i]);
}

template <class Arch = xsimd::default_arch>
[[gnu::always_inline]] inline void apply_activation(Activation activation, float* x, std::size_t n) noexcept {
    using B = xsimd::batch<float, Arch>;
    switch (activation) {
        case Activation::linear: return;
        case Activation::relu:
            transform_inplace<Arch>(x, n, [](B v) { return xsimd::max(v, B(0.0f)); },
                                    [](float v) { return v > 0.0f ? v : 0.0f; });
            return;
        case Activation::tanh:
            transform_inplace<Arch>(x, n, [](B v) { return fast_tanh(v); }, [](float v) { return fast_tanh(v); });
            return;
        case Activation::sigmoid:
            transform_inplace<Arch>(x, n, [](B v) { return fast_sigmoid(v); },
                                    [](float v) { return fast_sigmoid(v); });
            return;
    }
}

}  // namespace pba::nn
