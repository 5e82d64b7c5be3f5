#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pba::format {

// CRC-32C (Castagnoli): crc32c("123456789") == 0xE3069283. Pass a previous result as
// `crc` to continue over split buffers.
std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept;

}  // namespace pba::format
