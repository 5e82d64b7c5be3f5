#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <system_error>

#include "pba/error.hpp"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "wire.hpp"

namespace pba::format {
namespace {

[[noreturn]] void malformed(const std::string& message) { throw Error(Errc::malformed_model, message); }

struct Section {
    std::uint32_t kind = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

// Bounds-checked little-endian reads inside one section; every failure names the section
// and the absolute file offset.
class Cursor {
public:
    Cursor(std::span<const std::byte> file, const Section& s, const char* name)
        : file_(file), pos_(s.offset), end_(s.offset + s.size), name_(name) {}

    std::uint64_t position() const { return pos_; }
    std::uint64_t remaining() const { return end_ - pos_; }

    void need(std::uint64_t n, const char* what) const {
        if (n > remaining())
            malformed(fmt::format("{} section: {} at offset {} needs {} bytes, only {} left", name_, what, pos_,
                                  n, remaining()));
    }
    template <class T>
    T read(const char* what) {
        need(sizeof(T), what);
        T value = wire::load<T>(file_.data() + pos_);
        pos_ += sizeof(T);
        return value;
    }
    std::string read_string(std::uint64_t n, const char* what) {
        need(n, what);
        std::string s(reinterpret_cast<const char*>(file_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    void skip(std::uint64_t n, const char* what) {
        need(n, what);
        pos_ += n;
    }

private:
    std::span<const std::byte> file_;
    std::uint64_t pos_;
    std::uint64_t end_;
    const char* name_;
};

const char* section_name(std::uint32_t kind) {
    switch (kind) {
        case wire::kSectionMetadata: return "METADATA";
        case wire::kSectionTensors: return "TENSORS";
        case wire::kSectionLayers: return "LAYERS";
        case wire::kSectionSelfTest: return "SELFTEST";
        case wire::kSectionData: return "DATA";
    }
    return "unknown";
}

Metadata read_metadata(std::span<const std::byte> file, const Section& s) {
    Cursor c(file, s, "METADATA");
    const auto count = c.read<std::uint32_t>("entry count");
    if (c.read<std::uint32_t>("reserved") != 0) malformed("METADATA section: reserved field is not zero");
    Metadata meta;
    for (std::uint32_t e = 0; e < count; ++e) {
        const auto key_length = c.read<std::uint16_t>("key length");
        const auto type = c.read<std::uint8_t>("value type");
        if (c.read<std::uint8_t>("reserved") != 0)
            malformed(fmt::format("METADATA entry {}: reserved byte is not zero", e));
        if (key_length == 0 || key_length > 255)
            malformed(fmt::format("METADATA entry {}: key length {} outside 1..255", e, key_length));
        std::string key = c.read_string(key_length, "key");
        if (!is_valid_metadata_key(key))
            malformed(fmt::format("METADATA entry {}: key is not [a-z0-9_.]", e));
        if (meta.contains(key)) malformed(fmt::format("METADATA: duplicate key '{}'", key));

        auto read_count = [&](std::uint64_t min_element_bytes) {
            const auto n = c.read<std::uint32_t>("array count");
            if (n > wire::kMaxMetadataArray)
                malformed(fmt::format("METADATA key '{}': array of {} elements exceeds {}", key, n,
                                      wire::kMaxMetadataArray));
            c.need(std::uint64_t{n} * min_element_bytes, "array elements");
            return n;
        };
        auto read_str = [&]() {
            const auto n = c.read<std::uint32_t>("string length");
            if (n > wire::kMaxMetadataString)
                malformed(fmt::format("METADATA key '{}': string of {} bytes exceeds {}", key, n,
                                      wire::kMaxMetadataString));
            return c.read_string(n, "string bytes");
        };

        MetaValue value;
        switch (type) {
            case 1: value = c.read<std::int64_t>("i64 value"); break;
            case 2: value = c.read<double>("f64 value"); break;
            case 3: value = read_str(); break;
            case 4: {
                const auto n = read_count(8);
                std::vector<std::int64_t> v(n);
                for (auto& x : v) x = c.read<std::int64_t>("i64 element");
                value = std::move(v);
                break;
            }
            case 5: {
                const auto n = read_count(8);
                std::vector<double> v(n);
                for (auto& x : v) x = c.read<double>("f64 element");
                value = std::move(v);
                break;
            }
            case 6: {
                const auto n = read_count(4);
                std::vector<std::string> v;
                v.reserve(n);
                for (std::uint32_t i = 0; i < n; ++i) v.push_back(read_str());
                value = std::move(v);
                break;
            }
            default: malformed(fmt::format("METADATA key '{}': unknown value type {}", key, type));
        }
        try {
            meta.set(key, std::move(value));
        } catch (const Error& err) {
            throw Error(err.code(), std::string("METADATA: ") + err.what());
        }
    }
    if (c.remaining() != 0)
        malformed(fmt::format("METADATA section: {} bytes left after {} entries", c.remaining(), count));
    return meta;
}

std::vector<TensorData> read_tensors(std::span<const std::byte> file, const Section& s, const Section& data) {
    Cursor c(file, s, "TENSORS");
    const auto count = c.read<std::uint32_t>("tensor count");
    if (c.read<std::uint32_t>("reserved") != 0) malformed("TENSORS section: reserved field is not zero");
    if (std::uint64_t{count} * wire::kTensorEntrySize != c.remaining())
        malformed(fmt::format("TENSORS section: {} entries need {} bytes, section has {}", count,
                              std::uint64_t{count} * wire::kTensorEntrySize, c.remaining()));

    struct Extent {
        std::uint64_t begin, end;
        std::uint32_t index;
    };
    std::vector<Extent> extents;
    std::vector<TensorData> tensors(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        TensorData& t = tensors[i];
        std::string raw = c.read_string(40, "tensor name");
        const auto nul = raw.find('\0');
        if (nul == std::string::npos) malformed(fmt::format("tensor {}: name is not NUL-terminated", i));
        if (raw.find_first_not_of('\0', nul) != std::string::npos)
            malformed(fmt::format("tensor {}: name padding is not zero", i));
        t.name = raw.substr(0, nul);
        const auto dtype = c.read<std::uint32_t>("dtype");
        const auto rank = c.read<std::uint32_t>("rank");
        std::array<std::uint64_t, 4> dims{};
        for (auto& d : dims) d = c.read<std::uint64_t>("dimension");
        const auto offset = c.read<std::uint64_t>("offset");
        const auto nbytes = c.read<std::uint64_t>("nbytes");
        if (dtype != wire::kDtypeFloat32)
            malformed(fmt::format("tensor {} '{}': unsupported dtype {}", i, t.name, dtype));
        if (rank < 1 || rank > 4) malformed(fmt::format("tensor {} '{}': rank {} outside 1..4", i, t.name, rank));
        std::uint64_t elements = 1;
        for (std::uint32_t k = 0; k < 4; ++k) {
            if (k >= rank) {
                if (dims[k] != 0) malformed(fmt::format("tensor {} '{}': unused dimension {} is not 0", i, t.name, k));
                continue;
            }
            if (dims[k] == 0) malformed(fmt::format("tensor {} '{}': dimension {} is 0", i, t.name, k));
            // Any tensor must fit in the file, so a product beyond its size is absurd.
            if (dims[k] > file.size() || elements > file.size() / dims[k])
                malformed(fmt::format("tensor {} '{}': dimensions are absurd for a file of {} bytes", i, t.name,
                                      file.size()));
            elements *= dims[k];
        }
        if (nbytes != elements * 4)
            malformed(fmt::format("tensor {} '{}': nbytes {} != {} elements x 4", i, t.name, nbytes, elements));
        if (offset % kTensorAlignment != 0)
            malformed(fmt::format("tensor {} '{}': offset {} is not {}-byte aligned", i, t.name, offset,
                                  kTensorAlignment));
        if (offset < data.offset || offset > data.offset + data.size || nbytes > data.offset + data.size - offset)
            malformed(fmt::format("tensor {} '{}': bytes {}..{} lie outside the DATA section {}..{}", i, t.name,
                                  offset, offset + nbytes, data.offset, data.offset + data.size));
        t.dims.assign(dims.begin(), dims.begin() + rank);
        t.values.resize(elements);
        std::memcpy(t.values.data(), file.data() + offset, nbytes);
        extents.push_back({offset, offset + nbytes, i});
    }
    std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
    for (std::size_t k = 1; k < extents.size(); ++k)
        if (extents[k].begin < extents[k - 1].end)
            malformed(fmt::format("tensors {} and {} overlap in the DATA section", extents[k - 1].index,
                                  extents[k].index));
    return tensors;
}

std::vector<LayerSpec> read_layers(std::span<const std::byte> file, const Section& s) {
    Cursor c(file, s, "LAYERS");
    const auto count = c.read<std::uint32_t>("layer count");
    if (c.read<std::uint32_t>("reserved") != 0) malformed("LAYERS section: reserved field is not zero");
    if (count == 0 || count > kMaxLayers)
        malformed(fmt::format("LAYERS section: {} layers, expected 1..{}", count, kMaxLayers));
    if (std::uint64_t{count} * wire::kLayerRecordSize != c.remaining())
        malformed(fmt::format("LAYERS section: {} records need {} bytes, section has {}", count,
                              std::uint64_t{count} * wire::kLayerRecordSize, c.remaining()));
    std::vector<LayerSpec> layers(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        LayerSpec& l = layers[i];
        const auto type = c.read<std::uint32_t>("layer type");
        const auto activation = c.read<std::uint32_t>("activation");
        if (type < 1 || type > 4) malformed(fmt::format("layer {}: unknown type {}", i, type));
        if (activation > 3) malformed(fmt::format("layer {}: unknown activation {}", i, activation));
        l.type = static_cast<LayerType>(type);
        l.activation = static_cast<ActivationCode>(activation);
        l.input_size = c.read<std::uint32_t>("input size");
        l.output_size = c.read<std::uint32_t>("output size");
        const auto flags = c.read<std::uint32_t>("flags");
        if (flags & ~wire::kLayerFlagReturnSequences)
            malformed(fmt::format("layer {}: unknown flags 0x{:x}", i, flags));
        l.return_sequences = (flags & wire::kLayerFlagReturnSequences) != 0;
        l.epsilon = c.read<float>("epsilon");
        const auto tensor_count = c.read<std::uint32_t>("tensor count");
        if (tensor_count > 8) malformed(fmt::format("layer {}: tensor count {} exceeds 8", i, tensor_count));
        for (std::uint32_t k = 0; k < 8; ++k) {
            const auto index = c.read<std::uint32_t>("tensor index");
            if (k < tensor_count) l.tensors.push_back(index);
            else if (index != 0) malformed(fmt::format("layer {}: unused tensor slot {} is not 0", i, k));
        }
        if (c.read<std::uint32_t>("reserved") != 0) malformed(fmt::format("layer {}: reserved field is not zero", i));
    }
    return layers;
}

SelfTestSpec read_self_test(std::span<const std::byte> file, const Section& s) {
    Cursor c(file, s, "SELFTEST");
    if (s.size != wire::kSelfTestSize)
        malformed(fmt::format("SELFTEST section: size {} != {}", s.size, wire::kSelfTestSize));
    SelfTestSpec st;
    st.input_tensor = c.read<std::uint32_t>("input tensor");
    st.output_tensor = c.read<std::uint32_t>("output tensor");
    st.abs_tolerance = c.read<float>("abs tolerance");
    st.rel_tolerance = c.read<float>("rel tolerance");
    return st;
}

}  // namespace

ModelDescription read_model(std::span<const std::byte> file) {
    const std::uint64_t size = file.size();
    if (size == 0) malformed("file is empty");
    if (size < kHeaderSize) malformed(fmt::format("file truncated: {} bytes is smaller than the {}-byte header", size, kHeaderSize));
    if (std::memcmp(file.data(), wire::kMagic.data(), wire::kMagic.size()) != 0)
        malformed("bad magic: not a .pba model file");

    const auto* h = file.data();
    const auto major = wire::load<std::uint16_t>(h + 8);
    const auto minor = wire::load<std::uint16_t>(h + 10);
    if (major != kVersionMajor)
        throw Error(Errc::unsupported_version,
                    fmt::format("format version {}.{} is not supported (this library reads {}.x)", major, minor,
                                kVersionMajor));
    if (wire::load<std::uint32_t>(h + 12) != kHeaderSize)
        malformed(fmt::format("header size {} != {}", wire::load<std::uint32_t>(h + 12), kHeaderSize));
    const auto declared = wire::load<std::uint64_t>(h + 16);
    if (declared != size) {
        if (declared > size) malformed(fmt::format("file truncated: expected {} bytes, got {}", declared, size));
        malformed(fmt::format("file size mismatch: header declares {} bytes, got {}", declared, size));
    }
    const auto table_offset = wire::load<std::uint64_t>(h + 24);
    const auto section_count = wire::load<std::uint32_t>(h + 32);
    if (wire::load<std::uint32_t>(h + 36) != 0) malformed("header flags are not zero");
    for (std::size_t i = 48; i < 64; ++i)
        if (h[i] != std::byte{0}) malformed("header reserved bytes are not zero");

    const auto checksum_kind = wire::load<std::uint32_t>(h + 40);
    if (checksum_kind != wire::kChecksumCrc32c) malformed(fmt::format("unknown checksum kind {}", checksum_kind));
    const auto stored = wire::load<std::uint32_t>(h + 44);
    const std::array<std::byte, 4> zero{};
    std::uint32_t crc = crc32c(file.first(44));
    crc = crc32c(zero, crc);
    crc = crc32c(file.subspan(48), crc);
    if (crc != stored)
        throw Error(Errc::checksum_mismatch,
                    fmt::format("checksum mismatch: file says 0x{:08x}, content is 0x{:08x}", stored, crc));

    if (section_count < 1 || section_count > wire::kMaxSections)
        malformed(fmt::format("section count {} outside 1..{}", section_count, wire::kMaxSections));
    if (table_offset < kHeaderSize || table_offset % 8 != 0 || table_offset > size ||
        std::uint64_t{section_count} * wire::kSectionEntrySize > size - table_offset)
        malformed(fmt::format("section table at {} with {} entries lies outside the file", table_offset,
                              section_count));
    const std::uint64_t table_end = table_offset + std::uint64_t{section_count} * wire::kSectionEntrySize;

    std::array<const Section*, 6> found{};
    std::vector<Section> sections(section_count);
    for (std::uint32_t i = 0; i < section_count; ++i) {
        const auto* e = file.data() + table_offset + i * wire::kSectionEntrySize;
        Section& s = sections[i];
        s.kind = wire::load<std::uint32_t>(e);
        s.offset = wire::load<std::uint64_t>(e + 8);
        s.size = wire::load<std::uint64_t>(e + 16);
        if (wire::load<std::uint32_t>(e + 4) != 0 || wire::load<std::uint64_t>(e + 24) != 0)
            malformed(fmt::format("section {}: flags or reserved field is not zero", i));
        if (s.offset < table_end || s.offset > size || s.size > size - s.offset)
            malformed(fmt::format("section {} ({}) at {}+{} lies outside the file of {} bytes", i,
                                  section_name(s.kind), s.offset, s.size, size));
        if (s.kind >= 1 && s.kind <= 5) {
            if (found[s.kind]) malformed(fmt::format("section {} appears twice", section_name(s.kind)));
            found[s.kind] = &s;
        } else if (minor <= kVersionMinor) {
            malformed(fmt::format("section {}: unknown kind {}", i, s.kind));
        }
    }
    std::vector<Section> sorted = sections;
    std::sort(sorted.begin(), sorted.end(), [](const Section& a, const Section& b) { return a.offset < b.offset; });
    for (std::size_t i = 1; i < sorted.size(); ++i)
        if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].size)
            malformed(fmt::format("sections {} and {} overlap", section_name(sorted[i - 1].kind),
                                  section_name(sorted[i].kind)));
    for (std::uint32_t kind : {wire::kSectionMetadata, wire::kSectionTensors, wire::kSectionLayers, wire::kSectionData})
        if (!found[kind]) malformed(fmt::format("required section {} is missing", section_name(kind)));

    ModelDescription model;
    model.version_minor = minor;
    model.checksum = stored;
    model.metadata = read_metadata(file, *found[wire::kSectionMetadata]);
    (void)model.input_shape();  // step 5: the shape must be valid before layers are checked
    model.tensors = read_tensors(file, *found[wire::kSectionTensors], *found[wire::kSectionData]);
    model.layers = read_layers(file, *found[wire::kSectionLayers]);
    if (found[wire::kSectionSelfTest]) model.self_test = read_self_test(file, *found[wire::kSectionSelfTest]);
    validate(model);
    return model;
}

std::vector<std::byte> read_file_bytes(const std::filesystem::path& path) {
    // A directory opens as a stream on Linux and seeks to a bogus end (2^63 - 1 on ext4).
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw Error(Errc::io_error, fmt::format("cannot read '{}': it is a directory", path.string()));
    std::ifstream in(path, std::ios::binary);
    // errno says why (missing, permissions): the message a user acts on.
    if (!in)
        throw Error(Errc::io_error,
                    fmt::format("cannot open '{}': {}", path.string(), std::generic_category().message(errno)));
    in.seekg(0, std::ios::end);
    const std::streamoff length = in.tellg();
    if (length < 0) throw Error(Errc::io_error, fmt::format("cannot read '{}'", path.string()));
    in.seekg(0, std::ios::beg);
    std::vector<std::byte> bytes(static_cast<std::size_t>(length));
    if (length > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), length))
        throw Error(Errc::io_error, fmt::format("cannot read '{}'", path.string()));
    return bytes;
}

ModelDescription read_model_file(const std::filesystem::path& path) {
    const auto bytes = read_file_bytes(path);
    try {
        return read_model(bytes);
    } catch (const Error& err) {
        throw Error(err.code(), fmt::format("{}: {}", path.string(), err.what()));
    }
}

}  // namespace pba::format
