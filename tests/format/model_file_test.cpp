#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "pba/error.hpp"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "support/csv.hpp"
#include "support/model_builder.hpp"

using namespace pba;
using format::ActivationCode;

namespace {

template <class T>
T load(const std::vector<std::byte>& b, std::size_t at) {
    T v;
    std::memcpy(&v, b.data() + at, sizeof(T));
    return v;
}

format::ModelDescription sample_model() {
    return test::ModelBuilder({5, 3})
        .lstm(6, true)
        .batch_norm()
        .lstm(4, false)
        .dense(3, ActivationCode::relu)
        .dense(2)
        .meta("model.name", std::string("sample"))
        .meta("model.version", std::string("1.2.3"))
        .meta("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss"})
        .meta("input.norm_a", std::vector<double>{1000.0, 100.0, 1.0})
        .meta("forecast.horizon_steps", std::int64_t{10})
        .meta("forecast.horizon_s", 10.0)
        .build();
}

}  // namespace

TEST_CASE("a written model reads back identical") {
    const auto model = sample_model();
    const auto bytes = format::write_model(model);
    const auto back = format::read_model(bytes);
    REQUIRE(back.tensors.size() == model.tensors.size());
    for (std::size_t i = 0; i < model.tensors.size(); ++i) {
        CHECK(back.tensors[i].name == model.tensors[i].name);
        CHECK(back.tensors[i].dims == model.tensors[i].dims);
        CHECK(back.tensors[i].values == model.tensors[i].values);
    }
    REQUIRE(back.layers.size() == model.layers.size());
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
        CHECK(back.layers[i].type == model.layers[i].type);
        CHECK(back.layers[i].activation == model.layers[i].activation);
        CHECK(back.layers[i].return_sequences == model.layers[i].return_sequences);
        CHECK(back.layers[i].tensors == model.layers[i].tensors);
    }
    CHECK(back.metadata.entries() == model.metadata.entries());
    CHECK(back.metadata.string_or("model.version", "") == "1.2.3");
    CHECK(back.metadata.integer_or("forecast.horizon_steps", 0) == 10);
    CHECK(format::write_model(back) == bytes);
}

TEST_CASE("the canonical layout follows the spec") {
    const auto bytes = format::write_model(sample_model());
    const unsigned char magic[8] = {0x89, 'P', 'B', 'A', '\r', '\n', 0x1A, '\n'};
    CHECK(std::memcmp(bytes.data(), magic, 8) == 0);
    CHECK(load<std::uint16_t>(bytes, 8) == 1);
    CHECK(load<std::uint64_t>(bytes, 16) == bytes.size());
    CHECK(load<std::uint64_t>(bytes, 24) == 64);
    CHECK(load<std::uint32_t>(bytes, 32) == 4);
    // the checksum covers the file with its own field zeroed
    auto zeroed = bytes;
    std::memset(zeroed.data() + 44, 0, 4);
    CHECK(format::crc32c(zeroed) == load<std::uint32_t>(bytes, 44));
    // sections in canonical order, tensor payloads 64-byte aligned
    std::uint64_t previous_end = 64 + 4 * 32;
    for (std::uint32_t i = 0; i < 4; ++i) {
        const std::size_t e = 64 + i * 32;
        CHECK(load<std::uint32_t>(bytes, e) == (i < 3 ? i + 1 : 5u));
        const auto offset = load<std::uint64_t>(bytes, e + 8);
        CHECK(offset >= previous_end);
        CHECK(offset % (i == 3 ? 64 : 8) == 0);
        previous_end = offset + load<std::uint64_t>(bytes, e + 16);
    }
    CHECK(previous_end == bytes.size());
    const auto tensors_at = load<std::uint64_t>(bytes, 64 + 32 + 8);
    const auto count = load<std::uint32_t>(bytes, tensors_at);
    for (std::uint32_t i = 0; i < count; ++i) CHECK(load<std::uint64_t>(bytes, tensors_at + 8 + i * 96 + 80) % 64 == 0);
}

TEST_CASE("the C++ writer reproduces the Python writer's files byte for byte") {
    const auto dir = test::data_dir() / "reference";
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".pba") continue;
        const auto bytes = format::read_file_bytes(entry.path());
        INFO(entry.path().filename().string());
        CHECK(format::write_model(format::read_model(bytes)) == bytes);
        ++files;
    }
    CHECK(files >= 6);
}

TEST_CASE("the writer refuses what the reader would refuse") {
    auto model = sample_model();
    model.tensors[0].values[3] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_MATCHES(format::write_model(model), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::non_finite; }));
}

TEST_CASE("reading a missing file is an I/O error naming the path") {
    try {
        format::read_model_file("/nonexistent/model.pba");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::io_error);
        CHECK_THAT(e.what(), Catch::Contains("/nonexistent/model.pba"));
    }
}
