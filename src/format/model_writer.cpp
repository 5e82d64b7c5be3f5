#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "wire.hpp"

namespace pba::format {
namespace {

// Appends little-endian values to a growing byte buffer.
class Sink {
public:
    template <class T>
    void put(T value) {
        const auto at = bytes_.size();
        bytes_.resize(at + sizeof(T));
        wire::store(bytes_.data() + at, value);
    }
    void put_bytes(const void* data, std::size_t n) {
        const auto* p = static_cast<const std::byte*>(data);
        bytes_.insert(bytes_.end(), p, p + n);
    }
    void put_string(const std::string& s) {
        put(static_cast<std::uint32_t>(s.size()));
        put_bytes(s.data(), s.size());
    }
    std::vector<std::byte>& bytes() { return bytes_; }

private:
    std::vector<std::byte> bytes_;
};

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
// Spelled out for clang 14, which lacks C++20's deduction for aggregates.
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

std::vector<std::byte> encode_metadata(const Metadata& meta) {
    Sink s;
    s.put(static_cast<std::uint32_t>(meta.size()));
    s.put(std::uint32_t{0});
    for (const auto& entry : meta.entries()) {
        // Named references, not a structured binding: clang 14 cannot capture one in a lambda.
        const auto& key = entry.first;
        const auto& value = entry.second;
        s.put(static_cast<std::uint16_t>(key.size()));
        s.put(static_cast<std::uint8_t>(value.index() + 1));
        s.put(std::uint8_t{0});
        s.put_bytes(key.data(), key.size());
        std::visit(overloaded{
                       [&](std::int64_t v) { s.put(v); },
                       [&](double v) { s.put(v); },
                       [&](const std::string& v) {
                           if (v.size() > wire::kMaxMetadataString)
                               throw Error(Errc::invalid_argument, fmt::format("metadata '{}': string too long", key));
                           s.put_string(v);
                       },
                       [&](const auto& array) {
                           if (array.size() > wire::kMaxMetadataArray)
                               throw Error(Errc::invalid_argument, fmt::format("metadata '{}': array too long", key));
                           s.put(static_cast<std::uint32_t>(array.size()));
                           for (const auto& element : array) {
                               if constexpr (std::is_same_v<std::decay_t<decltype(element)>, std::string>) {
                                   if (element.size() > wire::kMaxMetadataString)
                                       throw Error(Errc::invalid_argument,
                                                   fmt::format("metadata '{}': string too long", key));
                                   s.put_string(element);
                               } else {
                                   s.put(element);
                               }
                           }
                       }},
                   value);
    }
    return std::move(s.bytes());
}

}  // namespace

std::vector<std::byte> write_model(const ModelDescription& model) {
    validate(model);

    const std::vector<std::byte> metadata = encode_metadata(model.metadata);
    const std::uint32_t section_count = model.self_test ? 5 : 4;

    struct Placement {
        std::uint32_t kind;
        std::uint64_t offset;
        std::uint64_t size;
    };
    std::vector<Placement> sections;
    std::uint64_t cursor = kHeaderSize + std::uint64_t{section_count} * wire::kSectionEntrySize;
    auto place = [&](std::uint32_t kind, std::uint64_t size, std::uint64_t alignment) {
        cursor = wire::align_up(cursor, alignment);
        sections.push_back({kind, cursor, size});
        cursor += size;
    };
    place(wire::kSectionMetadata, metadata.size(), 8);
    place(wire::kSectionTensors, 8 + model.tensors.size() * wire::kTensorEntrySize, 8);
    place(wire::kSectionLayers, 8 + model.layers.size() * wire::kLayerRecordSize, 8);
    if (model.self_test) place(wire::kSectionSelfTest, wire::kSelfTestSize, 8);

    const std::uint64_t data_offset = wire::align_up(cursor, kTensorAlignment);
    std::vector<std::uint64_t> tensor_offsets;
    std::uint64_t data_end = data_offset;
    for (const TensorData& t : model.tensors) {
        data_end = wire::align_up(data_end, kTensorAlignment);
        tensor_offsets.push_back(data_end);
        data_end += t.values.size() * sizeof(float);
    }
    cursor = data_offset;
    place(wire::kSectionData, data_end - data_offset, kTensorAlignment);

    std::vector<std::byte> file(data_end, std::byte{0});
    std::byte* h = file.data();
    std::memcpy(h, wire::kMagic.data(), wire::kMagic.size());
    wire::store(h + 8, kVersionMajor);
    wire::store(h + 10, kVersionMinor);
    wire::store(h + 12, static_cast<std::uint32_t>(kHeaderSize));
    wire::store(h + 16, static_cast<std::uint64_t>(file.size()));
    wire::store(h + 24, static_cast<std::uint64_t>(kHeaderSize));
    wire::store(h + 32, section_count);
    wire::store(h + 40, wire::kChecksumCrc32c);

    for (std::size_t i = 0; i < sections.size(); ++i) {
        std::byte* e = h + kHeaderSize + i * wire::kSectionEntrySize;
        wire::store(e, sections[i].kind);
        wire::store(e + 8, sections[i].offset);
        wire::store(e + 16, sections[i].size);
    }

    std::memcpy(h + sections[0].offset, metadata.data(), metadata.size());

    std::byte* t = h + sections[1].offset;
    wire::store(t, static_cast<std::uint32_t>(model.tensors.size()));
    t += 8;
    for (std::size_t i = 0; i < model.tensors.size(); ++i, t += wire::kTensorEntrySize) {
        const TensorData& tensor = model.tensors[i];
        std::memcpy(t, tensor.name.data(), tensor.name.size());
        wire::store(t + 40, wire::kDtypeFloat32);
        wire::store(t + 44, static_cast<std::uint32_t>(tensor.dims.size()));
        for (std::size_t k = 0; k < tensor.dims.size(); ++k) wire::store(t + 48 + 8 * k, tensor.dims[k]);
        wire::store(t + 80, tensor_offsets[i]);
        wire::store(t + 88, static_cast<std::uint64_t>(tensor.values.size() * sizeof(float)));
        std::memcpy(h + tensor_offsets[i], tensor.values.data(), tensor.values.size() * sizeof(float));
    }

    std::byte* l = h + sections[2].offset;
    wire::store(l, static_cast<std::uint32_t>(model.layers.size()));
    l += 8;
    for (const LayerSpec& layer : model.layers) {
        wire::store(l, static_cast<std::uint32_t>(layer.type));
        wire::store(l + 4, static_cast<std::uint32_t>(layer.activation));
        wire::store(l + 8, layer.input_size);
        wire::store(l + 12, layer.output_size);
        wire::store(l + 16, layer.return_sequences ? wire::kLayerFlagReturnSequences : 0u);
        wire::store(l + 20, layer.epsilon);
        wire::store(l + 24, static_cast<std::uint32_t>(layer.tensors.size()));
        for (std::size_t k = 0; k < layer.tensors.size(); ++k) wire::store(l + 28 + 4 * k, layer.tensors[k]);
        l += wire::kLayerRecordSize;
    }

    if (model.self_test) {
        std::byte* s = h + sections[3].offset;
        wire::store(s, model.self_test->input_tensor);
        wire::store(s + 4, model.self_test->output_tensor);
        wire::store(s + 8, model.self_test->abs_tolerance);
        wire::store(s + 12, model.self_test->rel_tolerance);
    }

    wire::store(h + 44, crc32c(file));  // bytes 44..47 are still zero here, as the spec requires
    return file;
}

}  // namespace pba::format
