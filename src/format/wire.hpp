#pragma once

// Byte-level constants and little-endian access shared by the .pba reader and writer.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pba::format::wire {

static_assert(std::endian::native == std::endian::little, "pba reads .pba files in place: little-endian only");

inline constexpr std::array<std::byte, 8> kMagic{std::byte{0x89}, std::byte{'P'},  std::byte{'B'},  std::byte{'A'},
                                                 std::byte{'\r'}, std::byte{'\n'}, std::byte{0x1A}, std::byte{'\n'}};
inline constexpr std::uint32_t kChecksumCrc32c = 1;
inline constexpr std::uint32_t kMaxSections = 64;
inline constexpr std::size_t kSectionEntrySize = 32;
inline constexpr std::size_t kTensorEntrySize = 96;
inline constexpr std::size_t kLayerRecordSize = 64;
inline constexpr std::size_t kSelfTestSize = 16;
inline constexpr std::uint32_t kMaxMetadataString = 1u << 20;
inline constexpr std::uint32_t kMaxMetadataArray = 65536;
inline constexpr std::uint32_t kDtypeFloat32 = 1;
inline constexpr std::uint32_t kLayerFlagReturnSequences = 1;

inline constexpr std::uint32_t kSectionMetadata = 1;
inline constexpr std::uint32_t kSectionTensors = 2;
inline constexpr std::uint32_t kSectionLayers = 3;
inline constexpr std::uint32_t kSectionSelfTest = 4;
inline constexpr std::uint32_t kSectionData = 5;

template <class T>
T load(const std::byte* p) noexcept {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

template <class T>
void store(std::byte* p, T value) noexcept {
    std::memcpy(p, &value, sizeof(T));
}

constexpr std::uint64_t align_up(std::uint64_t n, std::uint64_t alignment) noexcept {
    return (n + alignment - 1) / alignment * alignment;
}

}  // namespace pba::format::wire
