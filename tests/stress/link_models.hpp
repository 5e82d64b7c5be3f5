#pragma once

// Small predictor models for the stress and degenerate-data tests, and the corrupt variants of
// a model file, one per class of defect a reload must refuse.

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "pba/error.hpp"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "support/model_builder.hpp"

namespace pba::test {

// A model over windows of `window` samples of [bandwidth_mbps, latency_ms] whose forecast is
// always (bandwidth_mbps, latency_ms): an LSTM followed by a Dense layer with zero weights and
// the forecast as bias, with a self-test vector so every load runs a forward pass.
inline format::ModelDescription constant_link_model(const std::string& version, std::int64_t window,
                                                    float bandwidth_mbps, float latency_ms) {
    ModelBuilder builder({window, 2});
    builder.lstm(4, false).dense(2);
    builder.meta("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms"})
        .meta("input.norm", std::vector<std::string>{"divide", "divide"})
        .meta("input.norm_a", std::vector<double>{1000, 100})
        .meta("output.targets", std::vector<std::string>{"bandwidth_mbps", "latency_ms"})
        .meta("output.norm", std::vector<std::string>{"none", "none"})
        .meta("input.sample_interval_s", 1.0)
        .meta("model.version", version);
    format::ModelDescription d = builder.build();
    auto& weight = d.tensors[d.tensors.size() - 2].values;
    std::fill(weight.begin(), weight.end(), 0.0f);
    d.tensors.back().values = {bandwidth_mbps, latency_ms};

    format::TensorData input{"selftest.input", {static_cast<std::uint64_t>(window), 2}, {}};
    input.values.assign(static_cast<std::size_t>(window) * 2, 0.5f);
    d.tensors.push_back(std::move(input));
    d.tensors.push_back({"selftest.output", {2}, {bandwidth_mbps, latency_ms}});
    d.self_test = format::SelfTestSpec{static_cast<std::uint32_t>(d.tensors.size() - 2),
                                       static_cast<std::uint32_t>(d.tensors.size() - 1)};
    return d;
}

// The header's CRC-32C recomputed (docs/model-format.md: over the file with bytes 44..47 as
// zero), so a defect behind the checksum is what the reader meets.
inline std::vector<std::byte> with_checksum(std::vector<std::byte> bytes) {
    for (int i = 0; i < 4; ++i) bytes[44 + i] = std::byte{0};
    const std::uint32_t crc = format::crc32c(bytes);
    for (int i = 0; i < 4; ++i) bytes[44 + i] = static_cast<std::byte>(crc >> (8 * i));
    return bytes;
}

struct CorruptModel {
    std::string defect;
    std::vector<std::byte> bytes;
    Errc refused_with;  // what a load or reload of these bytes must fail with
};

// One corrupt variant of a valid constant_link_model per class of defect.
inline std::vector<CorruptModel> corrupt_variants(const format::ModelDescription& valid) {
    const std::vector<std::byte> good = format::write_model(valid);
    std::vector<CorruptModel> out;

    auto flipped = good;
    flipped[flipped.size() - 5] ^= std::byte{0x10};
    out.push_back({"a flipped bit (checksum)", flipped, Errc::checksum_mismatch});

    out.push_back({"truncated", std::vector<std::byte>(good.begin(), good.begin() + good.size() / 2),
                   Errc::malformed_model});
    out.push_back({"empty", {}, Errc::malformed_model});

    auto magic = good;
    magic[1] = std::byte{'X'};
    out.push_back({"bad magic", magic, Errc::malformed_model});

    auto major = good;
    major[8] = std::byte{2};
    out.push_back({"format version 2.0", with_checksum(major), Errc::unsupported_version});

    // A NaN weight behind a valid checksum: the writer refuses NaN, so a marker value is
    // written and its bytes replaced.
    auto marked = valid;
    constexpr float kMarker = 12345.678f;
    marked.tensors[0].values[0] = kMarker;
    auto nan_bytes = format::write_model(marked);
    std::byte marker[4];
    std::memcpy(marker, &kMarker, 4);  // little-endian, as the file
    for (std::size_t i = 0; i + 4 <= nan_bytes.size(); i += 4)
        if (std::memcmp(&nan_bytes[i], marker, 4) == 0) {
            const float nan = std::numeric_limits<float>::quiet_NaN();
            std::memcpy(&nan_bytes[i], &nan, 4);
            break;
        }
    out.push_back({"a NaN weight", with_checksum(nan_bytes), Errc::non_finite});

    auto wrong_test = valid;
    wrong_test.tensors.back().values[0] += 1.0f;
    out.push_back({"a self-test that does not reproduce", format::write_model(wrong_test), Errc::self_test_failed});

    auto unusable = valid;
    unusable.metadata.set("input.features", std::vector<std::string>{"bandwidth_mbps", "warp_factor"});
    out.push_back({"a feature no predictor knows", format::write_model(unusable), Errc::malformed_model});
    return out;
}

}  // namespace pba::test
