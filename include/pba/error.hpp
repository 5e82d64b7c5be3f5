#pragma once

#include <stdexcept>
#include <string>

namespace pba {

// What went wrong, coarse enough for a caller to act on; the message says exactly where.
// The C ABI maps each value to a stable status code.
enum class Errc {
    invalid_argument,   // a caller-supplied value is out of its domain (NaN, negative, empty…)
    io_error,           // a file could not be opened or read
    malformed_model,    // a model file violates the format (truncated, bad offsets, bad metadata…)
    unsupported_version,// a model file of a major version this library cannot read
    checksum_mismatch,  // the file's bytes do not match its CRC-32C
    shape_mismatch,     // sizes that must agree do not (layers, inputs, outputs)
    non_finite,         // a NaN or infinity where a finite number is required
    self_test_failed,   // the model's embedded test vector does not reproduce
    not_found,          // an unknown name (embedded model, metadata key, feature)
    unsupported,        // well-formed but beyond what this build implements
    not_ready,          // the state does not allow the call yet
};

const char* to_string(Errc code) noexcept;

// The one exception type pba throws. Never crosses the C ABI.
class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Errc code() const noexcept { return code_; }

private:
    Errc code_;
};

}  // namespace pba
