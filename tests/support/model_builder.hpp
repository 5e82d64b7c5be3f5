#pragma once

#include <cstdint>
#include <random>

#include "pba/format/model_file.hpp"

namespace pba::test {

// Builds small model descriptions in code for tests: random weights from a fixed seed.
class ModelBuilder {
public:
    explicit ModelBuilder(std::vector<std::int64_t> input_shape, std::uint32_t seed = 1) : rng_(seed) {
        model_.metadata.set("input.shape", input_shape);
        channels_ = static_cast<std::uint32_t>(input_shape.back());
    }

    ModelBuilder& lstm(std::uint32_t hidden, bool return_sequences) {
        format::LayerSpec l{format::LayerType::lstm, format::ActivationCode::linear, channels_, hidden,
                            return_sequences, 0.0f, {}};
        l.tensors = {add("w_ih", {4ull * hidden, channels_}), add("w_hh", {4ull * hidden, hidden}),
                     add("b_ih", {4ull * hidden}), add("b_hh", {4ull * hidden})};
        return push(l);
    }
    ModelBuilder& dense(std::uint32_t out, format::ActivationCode act = format::ActivationCode::linear) {
        format::LayerSpec l{format::LayerType::dense, act, channels_, out, false, 0.0f, {}};
        l.tensors = {add("w", {out, channels_}), add("b", {out})};
        return push(l);
    }
    ModelBuilder& batch_norm() {
        format::LayerSpec l{format::LayerType::batch_norm, format::ActivationCode::linear, channels_, channels_,
                            false, 1e-5f, {}};
        l.tensors = {add("gamma", {channels_}), add("beta", {channels_}), add("mean", {channels_}),
                     add("var", {channels_}, 0.5f, 1.5f)};
        return push(l);
    }
    ModelBuilder& activation(format::ActivationCode act) {
        return push({format::LayerType::activation, act, channels_, channels_, false, 0.0f, {}});
    }
    ModelBuilder& meta(const std::string& key, format::MetaValue value) {
        model_.metadata.set(key, std::move(value));
        return *this;
    }
    format::ModelDescription build() const { return model_; }

private:
    std::uint32_t add(const std::string& role, std::vector<std::uint64_t> dims, float lo = -0.5f, float hi = 0.5f) {
        std::uint64_t n = 1;
        for (auto d : dims) n *= d;
        format::TensorData t{"layer" + std::to_string(model_.layers.size()) + "." + role, std::move(dims), {}};
        std::uniform_real_distribution<float> dist(lo, hi);
        t.values.resize(n);
        for (auto& v : t.values) v = dist(rng_);
        model_.tensors.push_back(std::move(t));
        return static_cast<std::uint32_t>(model_.tensors.size() - 1);
    }
    ModelBuilder& push(format::LayerSpec l) {
        channels_ = l.output_size;
        model_.layers.push_back(std::move(l));
        return *this;
    }

    format::ModelDescription model_;
    std::uint32_t channels_;
    std::mt19937 rng_;
};

}  // namespace pba::test
