// RTNeural (compile-time API: ModelT, Eigen backend) on the weights pba runs, as
// rtneural/<arch>/batch:1. DIR/<arch>.pba comes from PBA_BENCH_MODELS (tools/gen_reference.py
// --keep-sources). Built only with -DPBA_BENCH_RTNEURAL_DIR=<RTNeural checkout>; this file is
// compiled -O3 -march=native, as the issue measures RTNeural.
//
// RTNeural streams: forward() takes one timestep. A forecast is reset() then forward() on each
// of the window's T steps; the output after the last step is the forecast (layers after the
// last LSTM run at every step, as they do in a streaming RTNeural model). Before timing, the
// output is checked against pba's on the same window and against the PyTorch output the
// file's self-test holds; a difference above 1e-4 fails the run.
#include <benchmark/benchmark.h>

#include <RTNeural/RTNeural.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alloc_count.hpp"
#include "call_times.hpp"
#include "pba/format/model_file.hpp"
#include "pba_reference.hpp"

namespace {

namespace rt = RTNeural;
using pba::format::ActivationCode;
using pba::format::LayerSpec;
using pba::format::LayerType;
using pba::format::ModelDescription;

constexpr double kMaxAbsDiff = 1e-4;
bool g_failed = false;

// RTNeural's Eigen backend reads each timestep through an aligned Map, so every step of the
// window starts on an RTNEURAL_DEFAULT_ALIGNMENT boundary.
constexpr std::size_t kAlignFloats = RTNEURAL_DEFAULT_ALIGNMENT / sizeof(float);
using AlignedFloats = std::vector<float, Eigen::aligned_allocator<float>>;

std::string describe(const LayerSpec& s) {
    return std::string(pba::format::to_string(s.type)) + " " + std::to_string(s.input_size) + "->" +
           std::to_string(s.output_size);
}

// Walks the file's layers in step with the RTNeural model's, copying weights into RTNeural's
// conventions and refusing any difference in layer type, size or order.
class WeightLoader {
public:
    explicit WeightLoader(const ModelDescription& description) : d_(description) {}

    template <int In, int H, rt::SampleRateCorrectionMode Mode>
    void load(rt::LSTMLayerT<float, In, H, Mode>& lstm) {
        const LayerSpec& s = next(LayerType::lstm, In, H);
        if (last_step_only_) throw std::runtime_error("an LSTM follows one that returns only its last step");
        last_step_only_ = !s.return_sequences;
        // PyTorch's W_ih [4H, In] and W_hh [4H, H] hold the gates as i, f, g, o; RTNeural's
        // setWVals/setUVals take [In][4H] and [H][4H] with the gates as i, f, c, o: the same
        // order, transposed (RTNeural's torch_helpers::loadLSTM does the same).
        lstm.setWVals(transposed(tensor(s, 0), 4 * H, In));
        lstm.setUVals(transposed(tensor(s, 1), 4 * H, H));
        // RTNeural has one bias per gate; PyTorch's two add up (as torch_helpers sums them).
        const auto& b_ih = tensor(s, 2);
        const auto& b_hh = tensor(s, 3);
        std::vector<float> bias(b_ih.size());
        for (std::size_t k = 0; k < bias.size(); ++k) bias[k] = b_ih[k] + b_hh[k];
        lstm.setBVals(bias);
    }

    template <int In, int Out>
    void load(rt::DenseT<float, In, Out>& dense) {
        const LayerSpec& s = next(LayerType::dense, In, Out);
        const auto& w = tensor(s, 0);  // [Out, In], as DenseT::setWeights takes it
        std::vector<std::vector<float>> rows(Out);
        for (int o = 0; o < Out; ++o) rows[o].assign(w.begin() + o * In, w.begin() + (o + 1) * In);
        dense.setWeights(rows);
        dense.setBias(tensor(s, 1).data());
        if (s.activation == ActivationCode::relu)
            relu_pending_ = true;  // RTNeural applies it as the next layer
        else if (s.activation != ActivationCode::linear)
            throw std::runtime_error("layer " + std::to_string(index_ - 1) + ": activation " +
                                     pba::format::to_string(s.activation) + " has no layer in this RTNeural model");
    }

    template <int N>
    void load(rt::ReLuActivationT<float, N>&) {
        if (!relu_pending_)
            throw std::runtime_error("the RTNeural model has a ReLU after layer " + std::to_string(index_ - 1) +
                                     " where the file has none");
        relu_pending_ = false;
    }

    template <int N>
    void load(rt::BatchNorm1DT<float, N, true>& norm) {
        const LayerSpec& s = next(LayerType::batch_norm, N, N);
        norm.setGamma(tensor(s, 0));
        norm.setBeta(tensor(s, 1));
        norm.setRunningMean(tensor(s, 2));
        norm.setRunningVariance(tensor(s, 3));
        norm.setEpsilon(s.epsilon);
    }

    void finish() const {
        if (relu_pending_) throw std::runtime_error("the file's last Dense has a ReLU the RTNeural model lacks");
        if (index_ != d_.layers.size())
            throw std::runtime_error("the file has " + std::to_string(d_.layers.size()) +
                                     " layers, the RTNeural model covers " + std::to_string(index_));
    }

private:
    const LayerSpec& next(LayerType type, int in, int out) {
        if (relu_pending_)
            throw std::runtime_error("layer " + std::to_string(index_ - 1) + " has a ReLU the RTNeural model lacks");
        if (index_ >= d_.layers.size()) throw std::runtime_error("the RTNeural model has more layers than the file");
        const LayerSpec& s = d_.layers[index_];
        if (s.type != type || s.input_size != static_cast<std::uint32_t>(in) ||
            s.output_size != static_cast<std::uint32_t>(out))
            throw std::runtime_error("layer " + std::to_string(index_) + ": the file has " + describe(s) +
                                     ", the RTNeural model " + pba::format::to_string(type) + " " +
                                     std::to_string(in) + "->" + std::to_string(out));
        ++index_;
        return s;
    }

    const std::vector<float>& tensor(const LayerSpec& s, std::size_t i) const { return d_.tensors[s.tensors[i]].values; }

    static std::vector<std::vector<float>> transposed(const std::vector<float>& m, int rows, int cols) {
        std::vector<std::vector<float>> t(static_cast<std::size_t>(cols), std::vector<float>(static_cast<std::size_t>(rows)));
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) t[c][r] = m[static_cast<std::size_t>(r) * cols + c];
        return t;
    }

    const ModelDescription& d_;
    std::size_t index_ = 0;
    bool relu_pending_ = false;
    bool last_step_only_ = false;
};

template <int In, int Out, class... Layers>
void load_weights(rt::ModelT<float, In, Out, Layers...>& model, const ModelDescription& description) {
    WeightLoader loader(description);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (loader.load(model.template get<static_cast<int>(I)>()), ...);
    }(std::index_sequence_for<Layers...>{});
    loader.finish();
}

double max_abs_diff(const float* a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < b.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    return worst;
}

// One RTNeural model with its weights, a window laid out for it, and its parity figures.
template <class Model>
class Peer {
public:
    explicit Peer(const std::filesystem::path& file) : model_(std::make_unique<Model>()) {
        const ModelDescription description = pba::format::read_model_file(file);
        const auto in = description.input_shape();
        const auto out = description.output_shape();
        if (in.channels != static_cast<std::uint64_t>(Model::input_size) || out.is_sequence() ||
            out.channels != static_cast<std::uint64_t>(Model::output_size))
            throw std::runtime_error("input/output sizes differ from the RTNeural model's");
        steps_ = in.is_sequence() ? in.timesteps : 1;
        load_weights(*model_, description);

        std::mt19937 rng(7);  // the window pba_bench runs
        std::uniform_real_distribution<float> u(0.0f, 1.0f);
        std::vector<float> window(steps_ * in.channels);
        for (auto& x : window) x = u(rng);
        const auto reference = pba::bench::pba_reference(file, window);
        flops_per_window_ = reference.flops_per_window;
        window_ = laid_out(window);
        diff_vs_pba_ = max_abs_diff(forecast(), reference.output);

        diff_vs_pytorch_ = -1;  // no self-test in the file
        if (description.self_test) {
            const auto saved = window_;
            window_ = laid_out(description.tensors[description.self_test->input_tensor].values);
            diff_vs_pytorch_ = max_abs_diff(forecast(), description.tensors[description.self_test->output_tensor].values);
            window_ = saved;
        }
    }

    // reset() and one forward() per timestep: one forecast.
    const float* forecast() noexcept {
        model_->reset();
        for (std::size_t t = 0; t < steps_; ++t) model_->forward(window_.data() + t * stride_);
        return model_->getOutputs();
    }

    double diff_vs_pba() const noexcept { return diff_vs_pba_; }
    double diff_vs_pytorch() const noexcept { return diff_vs_pytorch_; }
    std::size_t flops_per_window() const noexcept { return flops_per_window_; }

private:
    AlignedFloats laid_out(const std::vector<float>& window) const {
        AlignedFloats padded(steps_ * stride_, 0.0f);
        for (std::size_t t = 0; t < steps_; ++t)
            std::copy_n(window.begin() + static_cast<std::ptrdiff_t>(t * Model::input_size), Model::input_size,
                        padded.begin() + static_cast<std::ptrdiff_t>(t * stride_));
        return padded;
    }

    std::unique_ptr<Model> model_;  // on the heap: ModelT points its last layer at itself, and is large
    std::size_t steps_ = 1;
    std::size_t stride_ = (Model::input_size + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
    AlignedFloats window_;
    std::size_t flops_per_window_ = 0;
    double diff_vs_pba_ = 0;
    double diff_vs_pytorch_ = 0;
};

template <class Model>
void run(benchmark::State& state, Peer<Model>& peer) {
    peer.forecast();  // warm caches and pages
    pba::bench::CallTimes times(state);
    const std::size_t allocations = pba::bench::allocation_count();
    for (auto _ : state) {
        const auto start = times.start();
        benchmark::DoNotOptimize(peer.forecast());
        benchmark::ClobberMemory();
        times.stop(start);
    }
    const std::size_t loop_allocations = pba::bench::allocation_count() - allocations;
    times.report(state, 1);
    using benchmark::Counter;
    // FLOPs as pba counts them for the window, so GFLOP/s compares with pba_bench's.
    const auto flops = static_cast<double>(peer.flops_per_window());
    state.counters["us_per_forecast"] = Counter(1e-6, Counter::kIsIterationInvariantRate | Counter::kInvert);
    state.counters["GFLOPs"] = Counter(flops * 1e-9, Counter::kIsIterationInvariantRate);
    state.counters["flops_per_forecast"] = flops;
    state.counters["model_bytes"] = static_cast<double>(sizeof(Model));
    state.counters["allocs_per_forecast"] = static_cast<double>(loop_allocations) / static_cast<double>(state.iterations());
    state.counters["max_abs_diff_vs_pba"] = peer.diff_vs_pba();
    state.counters["max_abs_diff_vs_pytorch"] = peer.diff_vs_pytorch();
}

template <class Model>
void register_peer(const std::string& arch, const std::filesystem::path& dir) {
    const auto file = dir / (arch + ".pba");
    if (!std::filesystem::exists(file)) return;
    const std::string name = "rtneural/" + arch + "/batch:1";
    // Built on first use, so a filtered run loads only what it times.
    auto peer = std::make_shared<std::unique_ptr<Peer<Model>>>();
    benchmark::RegisterBenchmark(name.c_str(), [name, file, peer](benchmark::State& state) {
        if (!*peer) {
            try {
                *peer = std::make_unique<Peer<Model>>(file);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "%s: %s: %s\n", name.c_str(), file.c_str(), e.what());
                g_failed = true;
                state.SkipWithError(e.what());
                return;
            }
            std::fprintf(stderr, "%s: max |RTNeural - pba| = %.3g (random window), max |RTNeural - PyTorch| = %.3g (self-test window)\n",
                         name.c_str(), (*peer)->diff_vs_pba(), (*peer)->diff_vs_pytorch());
        }
        Peer<Model>& p = **peer;
        if (p.diff_vs_pba() > kMaxAbsDiff || p.diff_vs_pytorch() > kMaxAbsDiff) {
            std::fprintf(stderr, "%s: FAILED parity: RTNeural's output differs by more than %g\n", name.c_str(), kMaxAbsDiff);
            g_failed = true;
            state.SkipWithError("parity check failed");
            return;
        }
        run(state, p);
    });
}

// The architectures of model_bench / tools/gen_reference.py. A Dense with ReLU is a DenseT
// followed by a ReLuActivationT; BatchNorm after a sequence-returning LSTM normalises each
// timestep, which a streaming BatchNorm1DT does.
template <int N>
using ReLU = rt::ReLuActivationT<float, N>;
template <int N>
using BN = rt::BatchNorm1DT<float, N>;
template <int In, int Out>
using Dense = rt::DenseT<float, In, Out>;
template <int In, int H>
using LSTM = rt::LSTMLayerT<float, In, H>;

using V1 = rt::ModelT<float, 6, 4, LSTM<6, 128>, LSTM<128, 64>, Dense<64, 32>, ReLU<32>, BN<32>, Dense<32, 4>>;
using Dc3 = rt::ModelT<float, 5, 1, LSTM<5, 128>, LSTM<128, 64>, Dense<64, 32>, ReLU<32>, Dense<32, 16>, ReLU<16>,
                       Dense<16, 1>>;
using Inet3 = rt::ModelT<float, 5, 1, LSTM<5, 256>, LSTM<256, 128>, Dense<128, 32>, ReLU<32>, Dense<32, 16>, ReLU<16>,
                         Dense<16, 1>>;
using DdqnLstm = rt::ModelT<float, 4, 1, LSTM<4, 128>, BN<128>, LSTM<128, 64>, BN<64>, LSTM<64, 32>, BN<32>,
                            Dense<32, 16>, ReLU<16>, Dense<16, 8>, ReLU<8>, Dense<8, 1>>;
using Qnet = rt::ModelT<float, 4, 10, Dense<4, 128>, ReLU<128>, BN<128>, Dense<128, 64>, ReLU<64>, BN<64>, Dense<64, 32>,
                        ReLU<32>, BN<32>, Dense<32, 10>>;
using Torch9 = rt::ModelT<float, 9, 4, LSTM<9, 256>, BN<256>, LSTM<256, 128>, BN<128>, LSTM<128, 64>, Dense<64, 128>,
                          ReLU<128>, BN<128>, Dense<128, 64>, ReLU<64>, Dense<64, 32>, ReLU<32>, Dense<32, 4>>;

}  // namespace

int main(int argc, char** argv) {
    const char* dir = std::getenv("PBA_BENCH_MODELS");
    if (!dir) {
        std::fprintf(stderr, "set PBA_BENCH_MODELS to a directory written by tools/gen_reference.py --keep-sources\n");
        return 2;
    }
    register_peer<V1>("v1", dir);
    register_peer<Dc3>("dc3", dir);
    register_peer<Inet3>("inet3", dir);
    register_peer<DdqnLstm>("ddqn_lstm", dir);
    register_peer<Qnet>("qnet", dir);
    register_peer<Torch9>("torch9", dir);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("rtneural_backend", "Eigen, RTNEURAL_DEFAULT_ALIGNMENT=" +
                                                        std::to_string(RTNEURAL_DEFAULT_ALIGNMENT));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return g_failed ? 1 : 0;
}
