#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "pba/nn/activation.hpp"

using namespace pba::nn;

namespace {
// Max absolute error of the vectorised kernel (which also runs the scalar tail) against the
// standard library, over a dense grid that covers the saturated tails.
double max_error(Activation activation, double (*reference)(double)) {
    std::vector<float> x;
    for (double v = -20.0; v <= 20.0; v += 1.0 / 4096.0) x.push_back(static_cast<float>(v));
    x.push_back(0.0f);
    x.push_back(1e-30f);
    auto y = x;
    apply_activation(activation, y.data(), y.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(y[i] - reference(x[i])));
    return worst;
}
double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }
double tanh_ref(double v) { return std::tanh(v); }
double relu(double v) { return v > 0 ? v : 0; }
}  // namespace

TEST_CASE("vectorised tanh and sigmoid stay within a few float ulps of std::tanh") {
    const double tanh_error = max_error(Activation::tanh, tanh_ref);
    const double sigmoid_error = max_error(Activation::sigmoid, sigmoid);
    WARN("max |tanh - std::tanh| = " << tanh_error << ", max |sigmoid - 1/(1+exp(-x))| = " << sigmoid_error);
    CHECK(tanh_error < 1e-6);
    CHECK(sigmoid_error < 1e-6);
    CHECK(max_error(Activation::relu, relu) == 0.0);
}

TEST_CASE("activations are exact where they must be") {
    std::vector<float> v{0.0f, -0.0f, 1e-6f, -3e-5f, 100.0f, -100.0f};
    auto t = v;
    apply_activation(Activation::tanh, t.data(), t.size());
    CHECK(t[0] == 0.0f);
    CHECK(t[2] == 1e-6f);  // tanh(x) == x to float precision near 0
    CHECK(t[3] == -3e-5f);
    CHECK(t[4] == Approx(1.0f).margin(1e-7));
    CHECK(t[5] == Approx(-1.0f).margin(1e-7));
    auto s = v;
    apply_activation(Activation::sigmoid, s.data(), s.size());
    CHECK(s[0] == 0.5f);
    CHECK(s[4] == Approx(1.0f).margin(1e-7));
    CHECK(s[5] == Approx(0.0f).margin(1e-7));
    for (float x : s) CHECK((x >= 0.0f && x <= 1.0f));
}
