#include "pba/model/model.hpp"

#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/nn/network.hpp"

namespace pba {
namespace {

using format::LayerSpec;
using format::LayerType;
using format::ModelDescription;

nn::Activation to_activation(format::ActivationCode code) {
    switch (code) {
        case format::ActivationCode::linear: return nn::Activation::linear;
        case format::ActivationCode::relu: return nn::Activation::relu;
        case format::ActivationCode::tanh: return nn::Activation::tanh;
        case format::ActivationCode::sigmoid: return nn::Activation::sigmoid;
    }
    throw Error(Errc::malformed_model, "unknown activation code");
}

nn::RowMatrix matrix(const format::TensorData& t) {
    return Eigen::Map<const nn::RowMatrix>(t.values.data(), static_cast<Eigen::Index>(t.dims[0]),
                                           static_cast<Eigen::Index>(t.dims[1]));
}

nn::Vector vector(const format::TensorData& t) {
    return Eigen::Map<const nn::Vector>(t.values.data(), static_cast<Eigen::Index>(t.values.size()));
}

// Builds the layers, folding every inference BatchNorm into a neighbouring linear map when
// that is exact: into the Dense before it when that Dense has no activation, else into the
// Dense or LSTM input projection after it. Only a BatchNorm with neither stays a layer.
std::vector<nn::Layer> build_layers(const ModelDescription& d) {
    std::vector<nn::Layer> layers;
    std::optional<nn::BatchNormLayer> pending;  // a BatchNorm waiting to fold into the next layer

    auto flush_pending = [&] {
        if (pending) layers.emplace_back(*pending);
        pending.reset();
    };

    for (const LayerSpec& spec : d.layers) {
        const auto& t = spec.tensors;
        switch (spec.type) {
            case LayerType::dense: {
                nn::DenseLayer dense(matrix(d.tensors[t[0]]), vector(d.tensors[t[1]]), to_activation(spec.activation));
                if (pending) dense.fold_scale_shift_before(pending->scale(), pending->shift());
                pending.reset();
                layers.emplace_back(std::move(dense));
                break;
            }
            case LayerType::lstm: {
                nn::LstmLayer lstm(matrix(d.tensors[t[0]]), matrix(d.tensors[t[1]]), vector(d.tensors[t[2]]),
                                   vector(d.tensors[t[3]]), spec.return_sequences);
                if (pending) lstm.fold_scale_shift_before(pending->scale(), pending->shift());
                pending.reset();
                layers.emplace_back(std::move(lstm));
                break;
            }
            case LayerType::batch_norm: {
                flush_pending();
                nn::BatchNormLayer bn(vector(d.tensors[t[0]]), vector(d.tensors[t[1]]), vector(d.tensors[t[2]]),
                                      vector(d.tensors[t[3]]), spec.epsilon);
                auto* previous = layers.empty() ? nullptr : std::get_if<nn::DenseLayer>(&layers.back());
                if (previous && previous->activation() == nn::Activation::linear)
                    previous->fold_scale_shift_after(bn.scale(), bn.shift());
                else
                    pending = std::move(bn);
                break;
            }
            case LayerType::activation:
                flush_pending();
                layers.emplace_back(nn::ActivationLayer(spec.output_size, to_activation(spec.activation)));
                break;
        }
    }
    flush_pending();
    return layers;
}

std::size_t count_parameters(const ModelDescription& d) {
    std::size_t n = 0;
    for (const LayerSpec& spec : d.layers)
        for (std::uint32_t t : spec.tensors) n += d.tensors[t].values.size();
    return n;
}

}  // namespace

Model::Model(ModelDescription d, const LoadOptions& options)
    : metadata_(d.metadata),
      layer_specs_(d.layers),
      network_(std::make_unique<nn::Network>(static_cast<Eigen::Index>(d.input_shape().timesteps),
                                             static_cast<Eigen::Index>(d.input_shape().channels), build_layers(d))),
      window_length_(static_cast<std::size_t>(network_->timesteps())),
      feature_count_(static_cast<std::size_t>(network_->features())),
      input_size_(network_->input_size()),
      output_size_(network_->output_size()),
      checksum_(d.checksum),
      parameter_count_(count_parameters(d)),
      has_self_test_(d.self_test.has_value()) {
    if (d.self_test && options.verify_self_test) {
        const auto& st = *d.self_test;
        const auto& input = d.tensors[st.input_tensor].values;
        const auto& expected = d.tensors[st.output_tensor].values;
        std::vector<float> actual(output_size_);
        nn::Workspace ws;
        network_->reserve(ws, 1);
        network_->forward(input.data(), 1, actual.data(), ws);
        for (std::size_t i = 0; i < actual.size(); ++i) {
            const double error = std::abs(double(actual[i]) - double(expected[i]));
            const double allowed = double(st.abs_tolerance) + double(st.rel_tolerance) * std::abs(double(expected[i]));
            if (!(error <= allowed))
                throw Error(Errc::self_test_failed,
                            fmt::format("self-test failed: output {} is {:.9g}, expected {:.9g} (error {:.3g} > {:.3g})", i,
                                        actual[i], expected[i], error, allowed));
        }
        self_test_verified_ = true;
    }
    if (options.recurrent_weights != nn::WeightStorage::fp32) network_->set_recurrent_storage(options.recurrent_weights);
}

Model::~Model() = default;

std::shared_ptr<const Model> Model::from_description(ModelDescription description, const LoadOptions& options) {
    format::validate(description);
    return std::shared_ptr<const Model>(new Model(std::move(description), options));
}

std::shared_ptr<const Model> Model::from_bytes(std::span<const std::byte> bytes, const LoadOptions& options) {
    return std::shared_ptr<const Model>(new Model(format::read_model(bytes), options));
}

std::shared_ptr<const Model> Model::from_file(const std::filesystem::path& path, const LoadOptions& options) {
    const auto bytes = format::read_file_bytes(path);
    try {
        return from_bytes(bytes, options);
    } catch (const Error& err) {
        throw Error(err.code(), fmt::format("{}: {}", path.string(), err.what()));
    }
}

nn::Workspace Model::make_workspace(std::size_t max_batch) const {
    nn::Workspace ws;
    network_->reserve(ws, std::max<std::size_t>(max_batch, 1));
    return ws;
}

void Model::forward(std::span<const float> input, std::span<float> output, nn::Workspace& workspace) const {
    const std::size_t in = input_size();
    if (input.empty() || input.size() % in != 0)
        throw Error(Errc::shape_mismatch,
                    fmt::format("input of {} floats is not a whole number of {}-float windows", input.size(), in));
    const std::size_t batch = input.size() / in;
    if (output.size() != batch * output_size())
        throw Error(Errc::shape_mismatch, fmt::format("output of {} floats, expected {} ({} windows x {})",
                                                      output.size(), batch * output_size(), batch, output_size()));
    if (!network_->fits(workspace, batch))
        throw Error(Errc::shape_mismatch,
                    fmt::format("workspace holds {} windows of a smaller model; {} needed", workspace.max_batch(), batch));
    for (std::size_t i = 0; i < input.size(); ++i)
        if (!std::isfinite(input[i]))
            throw Error(Errc::non_finite, fmt::format("input value {} (window {}, position {}) is not finite", input[i],
                                                      i / in, i % in));
    network_->forward(input.data(), batch, output.data(), workspace);
    for (std::size_t i = 0; i < output.size(); ++i)
        if (!std::isfinite(output[i]))
            throw Error(Errc::non_finite, fmt::format("output {} of window {} is not finite", i % output_size(),
                                                      i / output_size()));
}

}  // namespace pba
