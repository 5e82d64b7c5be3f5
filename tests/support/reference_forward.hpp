#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "pba/format/model_file.hpp"
#include "pba/model/model.hpp"

namespace pba::test {

// A direct double-precision transcription of PyTorch's documented LSTM, Linear and
// BatchNorm1d formulas, independent of pba's fused/reordered kernels.
inline std::vector<double> reference_forward(const format::ModelDescription& d, const std::vector<float>& window) {
    const auto shape = d.input_shape();
    std::size_t T = shape.timesteps ? shape.timesteps : 1;
    std::size_t C = shape.channels;
    bool sequence = shape.is_sequence();
    std::vector<double> x(window.begin(), window.end());  // [T, C]
    auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    auto act = [&](format::ActivationCode a, double v) {
        switch (a) {
            case format::ActivationCode::relu: return v > 0 ? v : 0.0;
            case format::ActivationCode::tanh: return std::tanh(v);
            case format::ActivationCode::sigmoid: return sigmoid(v);
            default: return v;
        }
    };
    for (const auto& l : d.layers) {
        const auto& ts = l.tensors;
        const std::size_t H = l.output_size;
        std::vector<double> y;
        if (l.type == format::LayerType::lstm) {
            const auto& wih = d.tensors[ts[0]].values;
            const auto& whh = d.tensors[ts[1]].values;
            const auto& bih = d.tensors[ts[2]].values;
            const auto& bhh = d.tensors[ts[3]].values;
            std::vector<double> h(H, 0.0), c(H, 0.0);
            for (std::size_t t = 0; t < T; ++t) {
                std::vector<double> g(4 * H);
                for (std::size_t r = 0; r < 4 * H; ++r) {
                    double s = bih[r] + bhh[r];
                    for (std::size_t k = 0; k < C; ++k) s += wih[r * C + k] * x[t * C + k];
                    for (std::size_t k = 0; k < H; ++k) s += whh[r * H + k] * h[k];
                    g[r] = s;
                }
                for (std::size_t j = 0; j < H; ++j) {
                    const double i = sigmoid(g[j]), f = sigmoid(g[H + j]), gg = std::tanh(g[2 * H + j]),
                                 o = sigmoid(g[3 * H + j]);
                    c[j] = f * c[j] + i * gg;
                    h[j] = o * std::tanh(c[j]);
                }
                if (l.return_sequences) y.insert(y.end(), h.begin(), h.end());
            }
            if (!l.return_sequences) {
                y = h;
                T = 1;
                sequence = false;
            }
        } else {
            y.resize(T * H);
            for (std::size_t t = 0; t < T; ++t)
                for (std::size_t o = 0; o < H; ++o) {
                    // BatchNorm and activations map channel o to o; a Dense layer may have more
                    // outputs than inputs, so it must not read x at o.
                    double v = l.type == format::LayerType::dense ? 0.0 : x[t * C + o];
                    if (l.type == format::LayerType::dense) {
                        v = d.tensors[ts[1]].values[o];
                        for (std::size_t k = 0; k < C; ++k) v += d.tensors[ts[0]].values[o * C + k] * x[t * C + k];
                        v = act(l.activation, v);
                    } else if (l.type == format::LayerType::batch_norm) {
                        const double gamma = d.tensors[ts[0]].values[o], beta = d.tensors[ts[1]].values[o],
                                     mean = d.tensors[ts[2]].values[o], var = d.tensors[ts[3]].values[o];
                        v = (v - mean) / std::sqrt(var + l.epsilon) * gamma + beta;
                    } else {
                        v = act(l.activation, v);
                    }
                    y[t * H + o] = v;
                }
        }
        x = std::move(y);
        C = H;
    }
    (void)sequence;
    return x;
}

// Runs `batch` windows `in` through `model` at once and returns the largest |output -
// reference_forward(reference, window)| over all of them.
inline double worst_batch_error(const Model& model, const format::ModelDescription& reference,
                                const std::vector<float>& in, std::size_t batch) {
    std::vector<float> out(batch * model.output_size());
    auto ws = model.make_workspace(batch);
    model.forward(in, out, ws);
    double worst = 0.0;
    for (std::size_t n = 0; n < batch; ++n) {
        const std::vector<float> window(in.begin() + static_cast<std::ptrdiff_t>(n * model.input_size()),
                                        in.begin() + static_cast<std::ptrdiff_t>((n + 1) * model.input_size()));
        const auto ref = reference_forward(reference, window);
        for (std::size_t i = 0; i < ref.size(); ++i)
            worst = std::max(worst, std::abs(double(out[n * model.output_size() + i]) - ref[i]));
    }
    return worst;
}

}  // namespace pba::test
