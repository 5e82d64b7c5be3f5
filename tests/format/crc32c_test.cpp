#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

#include "pba/format/crc32c.hpp"

using pba::format::crc32c;

namespace {
std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
}  // namespace

TEST_CASE("CRC-32C matches the published check values") {
    CHECK(crc32c(bytes_of("123456789")) == 0xE3069283u);  // the CRC catalogue's check value
    // RFC 3720 (iSCSI) B.4 test vectors
    std::vector<std::byte> zeros(32, std::byte{0x00});
    std::vector<std::byte> ones(32, std::byte{0xFF});
    CHECK(crc32c(zeros) == 0x8A9136AAu);
    CHECK(crc32c(ones) == 0x62A8AB43u);
    std::vector<std::byte> ascending(32);
    for (int i = 0; i < 32; ++i) ascending[i] = std::byte(i);
    CHECK(crc32c(ascending) == 0x46DD794Eu);
    CHECK(crc32c({}) == 0u);
}

TEST_CASE("CRC-32C continues across split buffers") {
    std::string_view text = "The quick brown fox jumps over the lazy dog, twice over.";
    const auto whole = crc32c(bytes_of(text));
    for (std::size_t cut = 0; cut <= text.size(); ++cut)
        CHECK(crc32c(bytes_of(text.substr(cut)), crc32c(bytes_of(text.substr(0, cut)))) == whole);
}
