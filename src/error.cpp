#include "pba/error.hpp"

namespace pba {

const char* to_string(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument: return "invalid argument";
        case Errc::io_error: return "I/O error";
        case Errc::malformed_model: return "malformed model";
        case Errc::unsupported_version: return "unsupported format version";
        case Errc::checksum_mismatch: return "checksum mismatch";
        case Errc::shape_mismatch: return "shape mismatch";
        case Errc::non_finite: return "non-finite value";
        case Errc::self_test_failed: return "self-test failed";
        case Errc::not_found: return "not found";
        case Errc::unsupported: return "unsupported";
        case Errc::not_ready: return "not ready";
    }
    return "unknown error";
}

}  // namespace pba
