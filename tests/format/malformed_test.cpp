#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <limits>
#include <random>

#include "pba/error.hpp"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "pba/model/model.hpp"
#include "support/model_builder.hpp"

using namespace pba;
using format::ActivationCode;

namespace {

using Bytes = std::vector<std::byte>;

template <class T>
T load(const Bytes& b, std::size_t at) {
    T v;
    std::memcpy(&v, b.data() + at, sizeof(T));
    return v;
}
template <class T>
void store(Bytes& b, std::size_t at, T v) {
    std::memcpy(b.data() + at, &v, sizeof(T));
}

void reseal(Bytes& b) {
    store<std::uint32_t>(b, 44, 0);
    store<std::uint32_t>(b, 44, format::crc32c(b));
}

format::ModelDescription valid_model() {
    return test::ModelBuilder({4, 3})
        .lstm(5, true)
        .lstm(4, false)
        .dense(3, ActivationCode::relu)
        .batch_norm()
        .dense(2)
        .meta("model.name", std::string("malformed"))
        .build();
}

Bytes valid_file() { return format::write_model(valid_model()); }

std::uint64_t section_offset(const Bytes& b, std::uint32_t kind) {
    const auto count = load<std::uint32_t>(b, 32);
    for (std::uint32_t i = 0; i < count; ++i)
        if (load<std::uint32_t>(b, 64 + i * 32) == kind) return load<std::uint64_t>(b, 64 + i * 32 + 8);
    throw std::logic_error("section missing");
}
std::size_t tensor_entry(const Bytes& b, std::uint32_t index) { return section_offset(b, 2) + 8 + index * 96; }
std::size_t layer_record(const Bytes& b, std::uint32_t index) { return section_offset(b, 3) + 8 + index * 64; }

struct Refusal {
    Errc code;
    std::string message;
};

Refusal refusal(const Bytes& bytes) {
    try {
        (void)Model::from_bytes(bytes);
    } catch (const Error& e) {
        return {e.code(), e.what()};
    }
    FAIL("the file was accepted");
    return {};
}

void check_refused(const Bytes& bytes, Errc code, const std::string& fragment) {
    const Refusal r = refusal(bytes);
    INFO(r.message);
    CHECK(r.code == code);
    CHECK_THAT(r.message, Catch::Contains(fragment));
}

}  // namespace

TEST_CASE("the valid base file loads") { CHECK_NOTHROW(Model::from_bytes(valid_file())); }

TEST_CASE("an empty file is refused") { check_refused({}, Errc::malformed_model, "file is empty"); }

TEST_CASE("a file truncated anywhere, including every section boundary, is refused") {
    const Bytes file = valid_file();
    std::vector<std::size_t> cuts{1, 10, 63, 64};
    const auto count = load<std::uint32_t>(file, 32);
    for (std::uint32_t i = 0; i < count; ++i) {
        const auto offset = load<std::uint64_t>(file, 64 + i * 32 + 8);
        const auto size = load<std::uint64_t>(file, 64 + i * 32 + 16);
        cuts.push_back(offset);
        cuts.push_back(offset + size / 2);
        cuts.push_back(offset + size - 1);
    }
    for (std::size_t cut : cuts) {
        INFO("truncated to " << cut << " of " << file.size());
        Bytes t(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
        const Refusal r = refusal(t);
        CHECK(r.code == Errc::malformed_model);
        CHECK_THAT(r.message, Catch::Contains("truncated"));
    }
    for (std::size_t cut = 64; cut < file.size(); ++cut) {
        Bytes t(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_THAT(refusal(t).message, Catch::Contains("file truncated: expected " + std::to_string(file.size()) +
                                                       " bytes, got " + std::to_string(cut)));
    }
}

TEST_CASE("a wrong magic is refused") {
    Bytes b = valid_file();
    b[1] = std::byte{'X'};
    check_refused(b, Errc::malformed_model, "bad magic");
}

TEST_CASE("an unsupported major version is refused, a newer minor version is read") {
    Bytes b = valid_file();
    store<std::uint16_t>(b, 8, 2);
    check_refused(b, Errc::unsupported_version, "format version 2.0 is not supported");
    Bytes minor = valid_file();
    store<std::uint16_t>(minor, 10, 7);
    reseal(minor);
    CHECK_NOTHROW(Model::from_bytes(minor));
}

TEST_CASE("a checksum mismatch is refused") {
    Bytes b = valid_file();
    b[b.size() - 3] ^= std::byte{0x10};
    check_refused(b, Errc::checksum_mismatch, "checksum mismatch");
}

TEST_CASE("a tensor outside the file is refused") {
    Bytes b = valid_file();
    store<std::uint64_t>(b, tensor_entry(b, 1) + 80, std::uint64_t{1} << 40);
    reseal(b);
    check_refused(b, Errc::malformed_model, "outside the DATA section");
}

TEST_CASE("a misaligned tensor is refused") {
    Bytes b = valid_file();
    const auto e = tensor_entry(b, 2);
    store<std::uint64_t>(b, e + 80, load<std::uint64_t>(b, e + 80) + 4);
    reseal(b);
    check_refused(b, Errc::malformed_model, "not 64-byte aligned");
}

TEST_CASE("layers whose shapes do not chain are refused") {
    SECTION("in the file") {
        Bytes b = valid_file();
        store<std::uint32_t>(b, layer_record(b, 1) + 8, 7);
        reseal(b);
        check_refused(b, Errc::shape_mismatch, "layer 1 (LSTM): input size 7 does not match the 5 channels");
    }
    SECTION("in a description") {
        auto m = valid_model();
        m.layers[3].input_size = m.layers[3].output_size = 9;
        CHECK_THROWS_WITH(format::validate(m), Catch::Contains("layer 3 (BatchNorm): input size 9"));
    }
    SECTION("an LSTM after the sequence ended") {
        auto m = test::ModelBuilder({4, 3}).lstm(5, false).lstm(2, false).build();
        CHECK_THROWS_WITH(format::write_model(m), Catch::Contains("layer 1 (LSTM): input is not a sequence"));
    }
    SECTION("a weight of the wrong shape") {
        auto m = valid_model();
        m.tensors[m.layers[4].tensors[0]].dims = {3, 2};
        CHECK_THROWS_WITH(format::write_model(m), Catch::Contains("has shape [3, 2], expected [2, 3]"));
    }
}

TEST_CASE("absurd dimensions are refused before anything is allocated") {
    Bytes b = valid_file();
    const auto e = tensor_entry(b, 0);
    store<std::uint64_t>(b, e + 48, std::uint64_t{1} << 40);
    store<std::uint64_t>(b, e + 88, std::uint64_t{1} << 42);
    reseal(b);
    check_refused(b, Errc::malformed_model, "absurd");

    Bytes wide = valid_file();
    store<std::uint64_t>(wide, e + 48, std::numeric_limits<std::uint64_t>::max());
    reseal(wide);
    check_refused(wide, Errc::malformed_model, "absurd");

    auto m = valid_model();
    m.metadata.set("input.shape", std::vector<std::int64_t>{1 << 20, 1 << 10});
    CHECK_THROWS_WITH(format::validate(m), Catch::Contains("exceeds"));
}

TEST_CASE("NaN and infinite weights are refused") {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        Bytes b = valid_file();
        const auto e = tensor_entry(b, 3);
        store<float>(b, load<std::uint64_t>(b, e + 80), bad);
        reseal(b);
        check_refused(b, Errc::non_finite, "is not finite");
    }
}

TEST_CASE("structural defects each get their own message") {
    SECTION("overlapping sections") {
        Bytes b = valid_file();
        store<std::uint64_t>(b, 64 + 32 + 8, section_offset(b, 1));
        reseal(b);
        check_refused(b, Errc::malformed_model, "overlap");
    }
    SECTION("a missing required section") {
        Bytes b = valid_file();
        store<std::uint32_t>(b, 64 + 2 * 32, 4);  // LAYERS relabelled SELFTEST
        reseal(b);
        check_refused(b, Errc::malformed_model, "required section LAYERS is missing");
    }
    SECTION("an unknown layer type") {
        Bytes b = valid_file();
        store<std::uint32_t>(b, layer_record(b, 2), 9);
        reseal(b);
        check_refused(b, Errc::malformed_model, "layer 2: unknown type 9");
    }
    SECTION("non-zero reserved header bytes") {
        Bytes b = valid_file();
        b[50] = std::byte{1};
        reseal(b);
        check_refused(b, Errc::malformed_model, "reserved");
    }
    SECTION("metadata without input.shape") {
        auto m = valid_model();
        auto bytes = format::write_model(m);
        // rename the key in place: 'input.shape' -> 'input.shapf'
        const auto meta = section_offset(bytes, 1);
        for (std::size_t i = meta; i + 11 <= bytes.size(); ++i)
            if (std::memcmp(bytes.data() + i, "input.shape", 11) == 0) bytes[i + 10] = std::byte{'f'};
        reseal(bytes);
        check_refused(bytes, Errc::malformed_model, "required key 'input.shape' is missing");
    }
    SECTION("a metadata entry running past its section") {
        Bytes b = valid_file();
        const auto meta = section_offset(b, 1);
        store<std::uint32_t>(b, meta, 1000);
        reseal(b);
        check_refused(b, Errc::malformed_model, "METADATA section");
    }
}

TEST_CASE("a self-test vector that does not reproduce is refused") {
    auto m = valid_model();
    const std::uint32_t in = static_cast<std::uint32_t>(m.tensors.size());
    m.tensors.push_back({"selftest.input", {4, 3}, std::vector<float>(12, 0.25f)});
    m.tensors.push_back({"selftest.output", {2}, {0.0f, 0.0f}});
    m.self_test = format::SelfTestSpec{in, in + 1, 1e-5f, 0.0f};
    check_refused(format::write_model(m), Errc::self_test_failed, "self-test failed: output 0");

    // the expected output computed by the same network passes
    const auto model = Model::from_description(valid_model());
    std::vector<float> out(2);
    auto ws = model->make_workspace();
    model->forward(m.tensors[in].values, out, ws);
    m.tensors[in + 1].values = out;
    const auto ok = Model::from_bytes(format::write_model(m));
    CHECK(ok->self_test_verified());

    // the same values in another shape are a defect of the file, not a test failure
    m.tensors[in].dims = {12};
    CHECK_THROWS_WITH(format::write_model(m), Catch::Contains("self-test: input has shape [12], the model takes [4, 3]"));
}

TEST_CASE("random corruption never crashes the loader") {
    const Bytes file = valid_file();
    std::mt19937 rng(7);
    int accepted = 0;
    for (int i = 0; i < 3000; ++i) {
        Bytes b = file;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= std::byte(1u << (rng() % 8));
        if (i % 2) reseal(b);  // half reach the structural checks behind the checksum
        try {
            (void)Model::from_bytes(b);
            ++accepted;
        } catch (const Error&) {
        }
    }
    SUCCEED("corrupted files accepted (weights changed but valid): " << accepted);
}
