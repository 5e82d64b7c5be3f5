#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pba/format/metadata.hpp"

// The .pba model file (docs/model-format.md): bytes in, a validated description out, and
// back. No arithmetic on weights happens here; model/ turns a description into a network.
namespace pba::format {

inline constexpr std::uint16_t kVersionMajor = 1;
inline constexpr std::uint16_t kVersionMinor = 0;
inline constexpr std::size_t kHeaderSize = 64;
inline constexpr std::size_t kTensorAlignment = 64;
inline constexpr std::size_t kMaxTensorNameBytes = 39;
inline constexpr std::size_t kMaxLayers = 1024;
inline constexpr std::int64_t kMaxInputDim = 1 << 20;
inline constexpr std::uint64_t kMaxActivationFloats = std::uint64_t{1} << 26;

enum class LayerType : std::uint32_t { dense = 1, lstm = 2, batch_norm = 3, activation = 4 };
enum class ActivationCode : std::uint32_t { linear = 0, relu = 1, tanh = 2, sigmoid = 3 };

const char* to_string(LayerType type) noexcept;
const char* to_string(ActivationCode code) noexcept;

struct TensorData {
    std::string name;
    std::vector<std::uint64_t> dims;  // row-major, rank 1..4
    std::vector<float> values;        // product(dims) values
};

struct LayerSpec {
    LayerType type = LayerType::dense;
    ActivationCode activation = ActivationCode::linear;
    std::uint32_t input_size = 0;
    std::uint32_t output_size = 0;
    bool return_sequences = false;       // LSTM only
    float epsilon = 0.0f;                // BatchNorm only
    std::vector<std::uint32_t> tensors;  // indices into ModelDescription::tensors
};

struct SelfTestSpec {
    std::uint32_t input_tensor = 0;
    std::uint32_t output_tensor = 0;
    float abs_tolerance = 1e-5f;
    float rel_tolerance = 1e-4f;
};

// The value flowing out of a layer: a sequence [T, C] or a vector [C].
struct ValueShape {
    std::uint64_t timesteps = 0;  // 0 for a vector
    std::uint64_t channels = 0;
    bool is_sequence() const noexcept { return timesteps != 0; }
    std::uint64_t size() const noexcept { return (timesteps ? timesteps : 1) * channels; }
};

struct ModelDescription {
    Metadata metadata;
    std::vector<TensorData> tensors;
    std::vector<LayerSpec> layers;
    std::optional<SelfTestSpec> self_test;
    std::uint16_t version_minor = kVersionMinor;  // as read; the writer always writes its own
    std::uint32_t checksum = 0;                   // as read; the writer computes it

    ValueShape input_shape() const;   // from metadata `input.shape`
    ValueShape output_shape() const;  // after the last layer
};

// Checks everything about a description that does not depend on how it is encoded:
// metadata `input.shape`, tensor shapes per layer type, sizes chaining between layers,
// finite values, self-test shapes. Throws Error naming the first defect.
void validate(const ModelDescription& model);

// Parses and validates bytes in the order of docs/model-format.md. Throws Error
// (malformed_model, unsupported_version, checksum_mismatch, shape_mismatch, non_finite)
// naming the defect and where; never reads outside `bytes`, never allocates more than the
// bytes justify.
ModelDescription read_model(std::span<const std::byte> bytes);

// Reads a whole file and parses it; Error(io_error) when it cannot be read.
ModelDescription read_model_file(const std::filesystem::path& path);

// Canonical encoding: byte-identical to tools/pba_format.py for the same description.
// Validates first, so it never writes a file read_model would refuse.
std::vector<std::byte> write_model(const ModelDescription& model);

std::vector<std::byte> read_file_bytes(const std::filesystem::path& path);

}  // namespace pba::format
