#include <cmath>
#include <fmt/format.h>
#include <set>

#include "pba/error.hpp"
#include "pba/format/model_file.hpp"

namespace pba::format {
namespace {

[[noreturn]] void fail(Errc code, const std::string& message) { throw Error(code, message); }

std::string dims_string(const std::vector<std::uint64_t>& dims) {
    return fmt::format("[{}]", fmt::join(dims, ", "));
}

void expect_dims(const ModelDescription& m, std::size_t layer, std::uint32_t index, const char* role,
                 const std::vector<std::uint64_t>& expected) {
    const TensorData& t = m.tensors[index];
    if (t.dims != expected)
        fail(Errc::shape_mismatch,
             fmt::format("layer {} ({}): tensor {} '{}' has shape {}, expected {}", layer,
                         to_string(m.layers[layer].type), role, t.name, dims_string(t.dims),
                         dims_string(expected)));
}

std::size_t tensor_count_for(LayerType type) {
    switch (type) {
        case LayerType::dense: return 2;
        case LayerType::lstm: return 4;
        case LayerType::batch_norm: return 4;
        case LayerType::activation: return 0;
    }
    return 0;
}

void validate_tensor(const TensorData& t, std::size_t index) {
    if (t.name.size() > kMaxTensorNameBytes || t.name.find('\0') != std::string::npos)
        fail(Errc::malformed_model,
             fmt::format("tensor {}: name must be at most {} bytes without NUL", index,
                         kMaxTensorNameBytes));
    if (t.dims.empty() || t.dims.size() > 4)
        fail(Errc::malformed_model, fmt::format("tensor {} '{}': rank {} outside 1..4", index,
                                                t.name, t.dims.size()));
    std::uint64_t count = 1;
    for (std::uint64_t d : t.dims) {
        if (d == 0) fail(Errc::malformed_model, fmt::format("tensor {} '{}': zero dimension", index, t.name));
        if (count > (std::uint64_t{1} << 40) / d)
            fail(Errc::malformed_model, fmt::format("tensor {} '{}': dimensions {} too large",
                                                    index, t.name, dims_string(t.dims)));
        count *= d;
    }
    if (count != t.values.size())
        fail(Errc::shape_mismatch, fmt::format("tensor {} '{}': shape {} holds {} values, got {}",
                                               index, t.name, dims_string(t.dims), count,
                                               t.values.size()));
    for (std::size_t i = 0; i < t.values.size(); ++i)
        if (!std::isfinite(t.values[i]))
            fail(Errc::non_finite, fmt::format("tensor {} '{}': value {} at element {} is not finite",
                                               index, t.name, t.values[i], i));
}

}  // namespace

const char* to_string(LayerType type) noexcept {
    switch (type) {
        case LayerType::dense: return "Dense";
        case LayerType::lstm: return "LSTM";
        case LayerType::batch_norm: return "BatchNorm";
        case LayerType::activation: return "Activation";
    }
    return "unknown";
}

const char* to_string(ActivationCode code) noexcept {
    switch (code) {
        case ActivationCode::linear: return "linear";
        case ActivationCode::relu: return "relu";
        case ActivationCode::tanh: return "tanh";
        case ActivationCode::sigmoid: return "sigmoid";
    }
    return "unknown";
}

ValueShape ModelDescription::input_shape() const {
    const MetaValue* v = metadata.find("input.shape");
    if (!v) fail(Errc::malformed_model, "metadata: required key 'input.shape' is missing");
    const auto* dims = std::get_if<std::vector<std::int64_t>>(v);
    if (!dims) fail(Errc::malformed_model, "metadata: 'input.shape' must be an i64 array");
    if (dims->empty() || dims->size() > 2)
        fail(Errc::malformed_model,
             fmt::format("metadata: 'input.shape' has {} entries, expected [T, F] or [F]", dims->size()));
    for (std::int64_t d : *dims)
        if (d < 1 || d > kMaxInputDim)
            fail(Errc::malformed_model,
                 fmt::format("metadata: 'input.shape' entry {} outside 1..{}", d, kMaxInputDim));
    ValueShape shape;
    if (dims->size() == 2) {
        shape.timesteps = static_cast<std::uint64_t>((*dims)[0]);
        shape.channels = static_cast<std::uint64_t>((*dims)[1]);
    } else {
        shape.channels = static_cast<std::uint64_t>((*dims)[0]);
    }
    if (shape.size() > kMaxActivationFloats)
        fail(Errc::malformed_model, fmt::format("metadata: 'input.shape' of {} values exceeds {}",
                                                shape.size(), kMaxActivationFloats));
    return shape;
}

ValueShape ModelDescription::output_shape() const {
    ValueShape shape = input_shape();
    for (const LayerSpec& layer : layers) {
        if (layer.type == LayerType::lstm && !layer.return_sequences) shape.timesteps = 0;
        shape.channels = layer.output_size;
    }
    return shape;
}

void validate(const ModelDescription& m) {
    ValueShape shape = m.input_shape();

    // Keys every consumer reads as strings (Model::name(), version(), the C info): a wrong type
    // is refused at load, not thrown later by a getter.
    for (const char* key : {"model.name", "model.version", "model.mode"}) m.metadata.string_or(key, "");

    for (std::size_t i = 0; i < m.tensors.size(); ++i) validate_tensor(m.tensors[i], i);

    if (m.layers.empty()) fail(Errc::malformed_model, "model has no layers");
    if (m.layers.size() > kMaxLayers)
        fail(Errc::malformed_model, fmt::format("model has {} layers, at most {} allowed",
                                                m.layers.size(), kMaxLayers));

    std::set<std::uint32_t> used_by_layers;
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
        const LayerSpec& layer = m.layers[i];
        const char* name = to_string(layer.type);
        if (std::string_view(name) == "unknown")
            fail(Errc::malformed_model, fmt::format("layer {}: unknown type {}", i,
                                                    static_cast<std::uint32_t>(layer.type)));
        if (std::string_view(to_string(layer.activation)) == "unknown")
            fail(Errc::malformed_model, fmt::format("layer {} ({}): unknown activation {}", i, name,
                                                    static_cast<std::uint32_t>(layer.activation)));
        const bool takes_activation =
            layer.type == LayerType::dense || layer.type == LayerType::activation;
        if (!takes_activation && layer.activation != ActivationCode::linear)
            fail(Errc::malformed_model, fmt::format("layer {} ({}): activation must be linear", i, name));
        if (layer.return_sequences && layer.type != LayerType::lstm)
            fail(Errc::malformed_model, fmt::format("layer {} ({}): return_sequences is for LSTM only", i, name));
        if (layer.type == LayerType::batch_norm) {
            if (!(layer.epsilon > 0.0f) || !std::isfinite(layer.epsilon))
                fail(Errc::malformed_model, fmt::format("layer {} (BatchNorm): epsilon {} must be finite and > 0", i, layer.epsilon));
        } else if (layer.epsilon != 0.0f) {
            fail(Errc::malformed_model, fmt::format("layer {} ({}): epsilon must be 0", i, name));
        }
        if (layer.tensors.size() != tensor_count_for(layer.type))
            fail(Errc::malformed_model, fmt::format("layer {} ({}): {} tensors, expected {}", i, name,
                                                    layer.tensors.size(), tensor_count_for(layer.type)));
        for (std::uint32_t t : layer.tensors) {
            if (t >= m.tensors.size())
                fail(Errc::malformed_model, fmt::format("layer {} ({}): tensor index {} outside the table of {}",
                                                        i, name, t, m.tensors.size()));
            used_by_layers.insert(t);
        }
        if (layer.input_size != shape.channels)
            fail(Errc::shape_mismatch, fmt::format("layer {} ({}): input size {} does not match the {} channels "
                                                   "coming in", i, name, layer.input_size, shape.channels));
        if (layer.output_size == 0)
            fail(Errc::shape_mismatch, fmt::format("layer {} ({}): output size is 0", i, name));

        const std::uint64_t in = layer.input_size;
        const std::uint64_t out = layer.output_size;
        switch (layer.type) {
            case LayerType::dense:
                expect_dims(m, i, layer.tensors[0], "weight", {out, in});
                expect_dims(m, i, layer.tensors[1], "bias", {out});
                break;
            case LayerType::lstm:
                if (!shape.is_sequence())
                    fail(Errc::shape_mismatch, fmt::format("layer {} (LSTM): input is not a sequence", i));
                expect_dims(m, i, layer.tensors[0], "weight_ih", {4 * out, in});
                expect_dims(m, i, layer.tensors[1], "weight_hh", {4 * out, out});
                expect_dims(m, i, layer.tensors[2], "bias_ih", {4 * out});
                expect_dims(m, i, layer.tensors[3], "bias_hh", {4 * out});
                if (shape.timesteps * 4 * out > kMaxActivationFloats)
                    fail(Errc::malformed_model, fmt::format("layer {} (LSTM): {} timesteps x {} gates exceed the "
                                                            "workspace limit", i, shape.timesteps, 4 * out));
                break;
            case LayerType::batch_norm: {
                if (in != out)
                    fail(Errc::shape_mismatch, fmt::format("layer {} (BatchNorm): input {} != output {}", i, in, out));
                const char* roles[] = {"weight", "bias", "running_mean", "running_var"};
                for (std::size_t k = 0; k < 4; ++k) expect_dims(m, i, layer.tensors[k], roles[k], {out});
                for (float var : m.tensors[layer.tensors[3]].values)
                    if (!(var + layer.epsilon > 0.0f))
                        fail(Errc::malformed_model, fmt::format("layer {} (BatchNorm): running_var {} + epsilon "
                                                                "is not positive", i, var));
                break;
            }
            case LayerType::activation:
                if (in != out)
                    fail(Errc::shape_mismatch, fmt::format("layer {} (Activation): input {} != output {}", i, in, out));
                break;
        }
        if (layer.type == LayerType::lstm && !layer.return_sequences) shape.timesteps = 0;
        shape.channels = out;
        if (shape.size() > kMaxActivationFloats)
            fail(Errc::malformed_model, fmt::format("layer {} ({}): output of {} values exceeds the workspace "
                                                    "limit", i, name, shape.size()));
    }

    if (m.self_test) {
        const SelfTestSpec& st = *m.self_test;
        for (std::uint32_t t : {st.input_tensor, st.output_tensor}) {
            if (t >= m.tensors.size())
                fail(Errc::malformed_model, fmt::format("self-test: tensor index {} outside the table of {}", t,
                                                        m.tensors.size()));
            if (used_by_layers.count(t))
                fail(Errc::malformed_model, fmt::format("self-test: tensor {} is also a layer's weight", t));
        }
        auto dims_of = [](const ValueShape& s) {
            return s.is_sequence() ? std::vector<std::uint64_t>{s.timesteps, s.channels}
                                   : std::vector<std::uint64_t>{s.channels};
        };
        const auto& input = m.tensors[st.input_tensor];
        const auto& output = m.tensors[st.output_tensor];
        if (input.dims != dims_of(m.input_shape()))
            fail(Errc::shape_mismatch, fmt::format("self-test: input has shape {}, the model takes {}",
                                                   dims_string(input.dims), dims_string(dims_of(m.input_shape()))));
        if (output.dims != dims_of(shape))
            fail(Errc::shape_mismatch, fmt::format("self-test: expected output has shape {}, the model gives {}",
                                                   dims_string(output.dims), dims_string(dims_of(shape))));
        if (!(st.abs_tolerance > 0.0f) || !std::isfinite(st.abs_tolerance) || !(st.rel_tolerance >= 0.0f) ||
            !std::isfinite(st.rel_tolerance))
            fail(Errc::malformed_model, "self-test: tolerances must be finite, abs > 0 and rel >= 0");
    }
}

}  // namespace pba::format
