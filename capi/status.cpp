// Version queries, status strings and the thread-local last-error message.

#include <algorithm>
#include <cstring>
#include <string>

#include "internal.hpp"

namespace pba::capi {
namespace {

// Never freed while the thread lives, so pba_last_error()'s pointer stays valid until the
// thread's next pba call. An empty string needs no heap memory.
thread_local std::string last_error;

}  // namespace

pba_status fail(pba_status status, std::string_view message) noexcept {
    try {
        last_error.assign(message);
    } catch (...) {
        last_error.clear();  // out of memory for the message: the status still says what
    }
    return status;
}

pba_status ok() noexcept {
    last_error.clear();
    return PBA_OK;
}

pba_status write_text(const char* function, std::string_view text, char* buffer, std::size_t capacity,
                      std::size_t* required) noexcept {
    if (buffer == nullptr && capacity != 0)
        return fail(PBA_ERR_NULL_POINTER, "{}: buffer is NULL with capacity {}", function, capacity);
    if (required != nullptr) *required = text.size() + 1;
    if (capacity != 0) {
        const std::size_t n = std::min(text.size(), capacity - 1);
        std::memcpy(buffer, text.data(), n);
        buffer[n] = '\0';
    }
    if (capacity < text.size() + 1)
        return fail(PBA_ERR_BUFFER_TOO_SMALL, "{}: the text needs {} bytes, the buffer has {}", function,
                    text.size() + 1, capacity);
    return ok();
}

pba_status to_status(Errc code) noexcept {
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

}  // namespace pba::capi

extern "C" {

unsigned pba_version(void) { return PBA_VERSION_NUMBER; }

const char* pba_version_string(void) { return PBA_VERSION_STRING; }

unsigned pba_abi_version(void) { return PBA_ABI_VERSION; }

const char* pba_status_string(pba_status status) {
    switch (pba::capi::c_enum_value(status)) {
        case PBA_OK: return "ok";
        case PBA_ERR_INVALID_ARGUMENT: return "invalid argument";
        case PBA_ERR_NULL_POINTER: return "null pointer";
        case PBA_ERR_STRUCT_SIZE: return "unknown struct size";
        case PBA_ERR_IO: return "I/O error";
        case PBA_ERR_MALFORMED_MODEL: return "malformed model";
        case PBA_ERR_UNSUPPORTED_VERSION: return "unsupported format version";
        case PBA_ERR_CHECKSUM_MISMATCH: return "checksum mismatch";
        case PBA_ERR_SHAPE_MISMATCH: return "shape mismatch";
        case PBA_ERR_NON_FINITE: return "non-finite value";
        case PBA_ERR_SELF_TEST_FAILED: return "self-test failed";
        case PBA_ERR_NOT_FOUND: return "not found";
        case PBA_ERR_UNSUPPORTED: return "unsupported";
        case PBA_ERR_NOT_READY: return "not ready";
        case PBA_ERR_BUFFER_TOO_SMALL: return "buffer too small";
        case PBA_ERR_OUT_OF_MEMORY: return "out of memory";
        case PBA_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char* pba_last_error(void) { return pba::capi::last_error.c_str(); }

}  // extern "C"
