#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"
#include "support/csv.hpp"
#include "support/model_builder.hpp"

using namespace pba;
using format::ActivationCode;

namespace {

// A direct double-precision transcription of PyTorch's documented LSTM, Linear and
// BatchNorm1d formulas, independent of pba's fused/reordered kernels.
std::vector<double> reference_forward(const format::ModelDescription& d, const std::vector<float>& window) {
    const auto shape = d.input_shape();
    std::size_t T = shape.timesteps ? shape.timesteps : 1;
    std::size_t C = shape.channels;
    bool sequence = shape.is_sequence();
    std::vector<double> x(window.begin(), window.end());  // [T, C]
    auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    auto act = [&](ActivationCode a, double v) {
        switch (a) {
            case ActivationCode::relu: return v > 0 ? v : 0.0;
            case ActivationCode::tanh: return std::tanh(v);
            case ActivationCode::sigmoid: return sigmoid(v);
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

double max_abs_error(const Model& model, const std::vector<std::vector<float>>& inputs,
                     const std::vector<std::vector<float>>& expected) {
    REQUIRE(inputs.size() == expected.size());
    std::vector<float> in;
    for (const auto& row : inputs) {
        REQUIRE(row.size() == model.input_size());
        in.insert(in.end(), row.begin(), row.end());
    }
    std::vector<float> out(inputs.size() * model.output_size());
    auto ws = model.make_workspace(inputs.size());
    model.forward(in, out, ws);
    double worst = 0.0;
    for (std::size_t n = 0; n < expected.size(); ++n) {
        REQUIRE(expected[n].size() == model.output_size());
        for (std::size_t i = 0; i < expected[n].size(); ++i)
            worst = std::max(worst, std::abs(double(out[n * model.output_size() + i]) - double(expected[n][i])));
    }
    // one window at a time gives the same numbers as the batch
    std::vector<float> single(model.output_size());
    for (std::size_t n = 0; n < inputs.size(); ++n) {
        model.forward(inputs[n], single, ws);
        for (std::size_t i = 0; i < single.size(); ++i)
            CHECK(std::abs(single[i] - out[n * model.output_size() + i]) <= 1e-6f);
    }
    return worst;
}

const char* kArchitectures[] = {"v1",    "dc3",     "inet3",      "ddqn_lstm", "qnet",
                                "torch9", "odd", "stacked", "dense_only", "seq_out"};

void check_reference_dir(const std::filesystem::path& dir, bool all_routes) {
    for (const char* arch : kArchitectures) {
        const auto inputs = test::read_csv_rows(dir / (std::string(arch) + ".input.csv"));
        const auto expected = test::read_csv_rows(dir / (std::string(arch) + ".output.csv"));
        std::vector<std::string> routes{".pba"};
        for (const char* route : {".onnx.pba", ".torchscript.pba", ".keras.pba"})
            if (all_routes || std::filesystem::exists(dir / (std::string(arch) + route))) routes.push_back(route);
        for (const auto& route : routes) {
            const auto path = dir / (std::string(arch) + route);
            INFO(path.string());
            const auto model = Model::from_file(path);
            const double err = max_abs_error(*model, inputs, expected);
            WARN(arch << route << ": max |pba - PyTorch| = " << err);
            CHECK(err <= 1e-5);
        }
    }
}

}  // namespace

TEST_CASE("the forward pass matches PyTorch's formulas on models of unusual shapes") {
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const std::vector<format::ModelDescription> models{
        test::ModelBuilder({7, 3}, 11).lstm(37, true).batch_norm().lstm(19, false).dense(5, ActivationCode::tanh).dense(3, ActivationCode::sigmoid).build(),
        test::ModelBuilder({1, 1}, 12).lstm(1, false).dense(1).build(),
        test::ModelBuilder({9, 2}, 13).lstm(3, true).lstm(5, true).dense(4, ActivationCode::relu).batch_norm().activation(ActivationCode::tanh).build(),
        test::ModelBuilder({11}, 14).dense(13, ActivationCode::tanh).batch_norm().dense(1).build(),
        test::ModelBuilder({5}, 15).batch_norm().activation(ActivationCode::relu).build(),
    };
    for (std::size_t m = 0; m < models.size(); ++m) {
        const auto model = Model::from_description(models[m]);
        std::vector<std::vector<float>> inputs, expected;
        for (int n = 0; n < 5; ++n) {
            std::vector<float> w(model->input_size());
            for (auto& v : w) v = normal(rng);
            const auto ref = reference_forward(models[m], w);
            inputs.push_back(w);
            expected.emplace_back(ref.begin(), ref.end());
        }
        const double err = max_abs_error(*model, inputs, expected);
        INFO("model " << m);
        WARN("model " << m << ": max |pba - double reference| = " << err);
        CHECK(err <= 1e-5);
    }
}

TEST_CASE("committed PyTorch references: all architectures within 1e-5") {
    check_reference_dir(test::data_dir() / "reference", false);
}

// Hidden from the default run: CTest runs it after tools/gen_reference.py has regenerated the
// references from PyTorch into PBA_LIVE_REFERENCE_DIR (tests/CMakeLists.txt).
TEST_CASE("live PyTorch references regenerated by tools/gen_reference.py", "[.][live]") {
    const char* live = std::getenv("PBA_LIVE_REFERENCE_DIR");
    REQUIRE(live != nullptr);
    check_reference_dir(live, true);
}

// Every instruction set's kernels, at batch sizes that take each path (precomputed input
// projection below kFusedLstmBatch, fused above; every row-strip remainder) and hidden sizes
// that fill one lane, several panel groups and partial blocks.
TEST_CASE("every instruction set's kernels match PyTorch's formulas at every batch size") {
    using nn::kernels::Isa;
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const std::vector<format::ModelDescription> models{
        test::ModelBuilder({6, 4}, 21).lstm(70, true).lstm(17, false).dense(37, ActivationCode::relu).dense(3).build(),
        test::ModelBuilder({3, 2}, 22).lstm(1, true).lstm(130, false).dense(69, ActivationCode::sigmoid).build(),
        test::ModelBuilder({5}, 23).dense(200, ActivationCode::tanh).batch_norm().dense(7).build(),
    };
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        for (std::size_t m = 0; m < models.size(); ++m) {
            const auto model = Model::from_description(models[m]);
            for (std::size_t batch : {1u, 2u, 3u, 4u, 5u, 7u, 13u}) {
                std::vector<float> in(batch * model->input_size());
                for (auto& v : in) v = normal(rng);
                std::vector<float> out(batch * model->output_size());
                auto ws = model->make_workspace(batch);
                model->forward(in, out, ws);
                double worst = 0.0;
                for (std::size_t n = 0; n < batch; ++n) {
                    const std::vector<float> window(in.begin() + n * model->input_size(),
                                                    in.begin() + (n + 1) * model->input_size());
                    const auto ref = reference_forward(models[m], window);
                    for (std::size_t i = 0; i < ref.size(); ++i)
                        worst = std::max(worst, std::abs(double(out[n * model->output_size() + i]) - ref[i]));
                }
                INFO(nn::kernels::to_string(isa) << " model " << m << " batch " << batch);
                CHECK(worst <= 1e-5);
            }
        }
    }
    nn::kernels::set_active_isa(original);
}
