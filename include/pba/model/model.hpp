#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "pba/format/model_file.hpp"
#include "pba/nn/weight_storage.hpp"
#include "pba/nn/workspace.hpp"

namespace pba {
namespace nn {
class Network;  // pba/nn/network.hpp, for callers that run or inspect the layers themselves
}

struct LoadOptions {
    bool verify_self_test = true;  // run the file's test vector, if it has one, before accepting it
    // fp16 and bf16 halve the recurrent weights' bytes (nn::WeightStorage); outputs move by up to
    // ~1.4e-5 (fp16) or ~1.9e-4 (bf16) on the reference models (tests/nn/kernel_test.cpp);
    // the self-test, if any, is checked on the fp32 weights before they are converted.
    nn::WeightStorage recurrent_weights = nn::WeightStorage::fp32;
};

// A loaded network with its metadata: immutable after load, so one instance is shared by
// any number of threads (each with its own nn::Workspace). Hot reload swaps the pointer.
// The network lives behind a pointer, so this header needs neither Eigen nor xsimd: the layers
// are compiled into the library, and a forward pass costs one indirection more.
class Model {
public:
    ~Model();

    static std::shared_ptr<const Model> from_bytes(std::span<const std::byte> bytes, const LoadOptions& options = {});
    static std::shared_ptr<const Model> from_file(const std::filesystem::path& path, const LoadOptions& options = {});
    // Builds from an already validated description (e.g. one made in code).
    static std::shared_ptr<const Model> from_description(format::ModelDescription description,
                                                         const LoadOptions& options = {});

    const format::Metadata& metadata() const noexcept { return metadata_; }
    const nn::Network& network() const noexcept { return *network_; }
    const std::vector<format::LayerSpec>& layer_specs() const noexcept { return layer_specs_; }

    std::string name() const { return metadata_.string_or("model.name", "unnamed"); }
    std::string version() const { return metadata_.string_or("model.version", "0"); }
    std::uint32_t checksum() const noexcept { return checksum_; }
    bool self_test_verified() const noexcept { return self_test_verified_; }
    bool has_self_test() const noexcept { return has_self_test_; }
    std::size_t parameter_count() const noexcept { return parameter_count_; }

    std::size_t window_length() const noexcept { return window_length_; }  // 0: no time axis
    std::size_t feature_count() const noexcept { return feature_count_; }
    std::size_t input_size() const noexcept { return input_size_; }
    std::size_t output_size() const noexcept { return output_size_; }

    nn::Workspace make_workspace(std::size_t max_batch = 1) const;

    // Runs `input.size() / input_size()` windows. Throws Error(shape_mismatch) when the
    // spans' sizes do not fit the model or the workspace is too small, Error(non_finite) for
    // a NaN/Inf input or output; allocates nothing unless it throws.
    void forward(std::span<const float> input, std::span<float> output, nn::Workspace& workspace) const;

private:
    Model(format::ModelDescription description, const LoadOptions& options);

    format::Metadata metadata_;
    std::vector<format::LayerSpec> layer_specs_;
    std::unique_ptr<nn::Network> network_;
    std::size_t window_length_ = 0;
    std::size_t feature_count_ = 0;
    std::size_t input_size_ = 0;
    std::size_t output_size_ = 0;
    std::uint32_t checksum_ = 0;
    std::size_t parameter_count_ = 0;
    bool has_self_test_ = false;
    bool self_test_verified_ = false;
};

}  // namespace pba
