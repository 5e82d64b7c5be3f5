// Fuzzes the model loader from memory: pba::Model::from_bytes and pba_model_load_memory.
//
// Each input is loaded twice: as given (which exercises the header checks and, for almost
// every mutation, the checksum refusal) and with the header's file size and CRC-32C made to
// agree with the bytes, so mutations reach the sections behind the checksum. Properties:
// - only pba::Error leaves the loader (anything else escapes and is reported as a crash);
// - the C interface agrees with C++: the same status for the same Errc, NULL out on failure,
//   a message naming the defect, never PBA_ERR_INTERNAL;
// - a model that loads runs a forward pass with finite outputs or refuses with non_finite,
//   and its description re-encodes into bytes that load again.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "pba.h"
#include "pba/error.hpp"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "pba/model/model.hpp"

namespace {

using pba::Errc;

// Larger forward passes are legal but would only slow the fuzzer down.
constexpr std::size_t kMaxForwardFloats = 1 << 16;

pba_status expected_status(Errc code) {
    switch (code) {
        case Errc::invalid_argument: return PBA_ERR_INVALID_ARGUMENT;
        case Errc::io_error: return PBA_ERR_IO;
        case Errc::malformed_model: return PBA_ERR_MALFORMED_MODEL;
        case Errc::unsupported_version: return PBA_ERR_UNSUPPORTED_VERSION;
        case Errc::checksum_mismatch: return PBA_ERR_CHECKSUM_MISMATCH;
        case Errc::shape_mismatch: return PBA_ERR_SHAPE_MISMATCH;
        case Errc::non_finite: return PBA_ERR_NON_FINITE;
        case Errc::self_test_failed: return PBA_ERR_SELF_TEST_FAILED;
        case Errc::not_found: return PBA_ERR_NOT_FOUND;
        case Errc::unsupported: return PBA_ERR_UNSUPPORTED;
        case Errc::not_ready: return PBA_ERR_NOT_READY;
    }
    return PBA_ERR_INTERNAL;
}

void run_forward(const pba::Model& model) {
    if (model.input_size() > kMaxForwardFloats || model.output_size() > kMaxForwardFloats) return;
    std::vector<float> input(model.input_size(), 0.5f);
    std::vector<float> output(model.output_size());
    auto workspace = model.make_workspace(1);
    try {
        model.forward(input, output, workspace);
    } catch (const pba::Error& e) {
        PBA_FUZZ_CHECK(e.code() == Errc::non_finite);
        return;
    }
    for (float v : output) PBA_FUZZ_CHECK(std::isfinite(v));
}

void check_reencodes(std::span<const std::byte> bytes) {
    const auto description = pba::format::read_model(bytes);
    const auto written = pba::format::write_model(description);
    const auto again = pba::format::read_model(written);  // the writer's output is never refused
    PBA_FUZZ_CHECK(again.layers.size() == description.layers.size());
    PBA_FUZZ_CHECK(again.tensors.size() == description.tensors.size());
}

// Loads through both interfaces and checks they agree; returns why the bytes were refused.
std::optional<Errc> check_load(std::span<const std::byte> bytes, bool verify_self_test) {
    std::shared_ptr<const pba::Model> model;
    std::optional<Errc> refused;
    try {
        model = pba::Model::from_bytes(bytes, {.verify_self_test = verify_self_test});
    } catch (const pba::Error& e) {
        refused = e.code();
        PBA_FUZZ_CHECK(std::strlen(e.what()) > 0);
    }

    pba_load_options options = pba_load_options_default();
    options.verify_self_test = verify_self_test;
    pba_model* handle = reinterpret_cast<pba_model*>(&options);  // must be overwritten
    const pba_status status = pba_model_load_memory(bytes.data(), bytes.size(), &options, &handle);
    if (refused) {
        PBA_FUZZ_CHECK(status == expected_status(*refused));
        PBA_FUZZ_CHECK(handle == nullptr);
        PBA_FUZZ_CHECK(pba_last_error()[0] != '\0');
        return refused;
    }
    PBA_FUZZ_CHECK(status == PBA_OK);
    PBA_FUZZ_CHECK(handle != nullptr);
    pba_model_info info{};
    info.struct_size = sizeof info;
    PBA_FUZZ_CHECK(pba_model_get_info(handle, &info) == PBA_OK);
    PBA_FUZZ_CHECK(info.input_size == model->input_size());
    PBA_FUZZ_CHECK(info.output_size == model->output_size());
    PBA_FUZZ_CHECK(info.checksum == model->checksum());
    pba_model_free(handle);

    run_forward(*model);
    check_reencodes(bytes);
    return std::nullopt;
}

void store_u64(std::vector<std::byte>& bytes, std::size_t offset, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) bytes[offset + i] = static_cast<std::byte>(value >> (8 * i));
}

void store_u32(std::vector<std::byte>& bytes, std::size_t offset, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<std::byte>(value >> (8 * i));
}

// The bytes with the header's file_size (offset 16) and checksum (offset 44, computed with
// its own four bytes taken as zero) consistent, as docs/model-format.md defines them.
std::vector<std::byte> with_consistent_header(std::span<const std::byte> bytes) {
    std::vector<std::byte> fixed(bytes.begin(), bytes.end());
    store_u64(fixed, 16, fixed.size());
    store_u32(fixed, 44, 0);
    store_u32(fixed, 44, pba::format::crc32c(fixed));
    return fixed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> raw(reinterpret_cast<const std::byte*>(data), size);
    check_load(raw, true);
    if (size < pba::format::kHeaderSize) return 0;
    const auto fixed = with_consistent_header(raw);
    // A test vector that does not reproduce: the rest of the model is still worth fuzzing.
    if (check_load(fixed, true) == Errc::self_test_failed) check_load(fixed, false);
    return 0;
}
