#pragma once

// The machinery every C entry point shares: the thread-local error message, the mapping
// from pba::Error to pba_status, struct_size checks and handle lifetime guards.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "pba.h"
#include "pba/error.hpp"
#include "pba/model/model.hpp"

namespace pba::capi {

// Records the message for pba_last_error() and returns `status`; allocates only to hold
// the message, i.e. only on failure.
pba_status fail(pba_status status, std::string_view message) noexcept;

template <typename... Args>
pba_status fail(pba_status status, fmt::format_string<Args...> format, Args&&... args) noexcept {
    try {
        return fail(status, std::string_view(fmt::format(format, std::forward<Args>(args)...)));
    } catch (...) {
        return fail(status, std::string_view("(message could not be formatted)"));
    }
}

// Clears the thread's message; no allocation.
pba_status ok() noexcept;

pba_status to_status(Errc code) noexcept;

// Runs `body` (returning pba_status), turning every exception into a status and message
// prefixed with the entry point's name. The only place exceptions are caught.
template <typename Body>
pba_status guarded(const char* function, Body&& body) noexcept {
    try {
        return body();
    } catch (const Error& e) {
        return fail(to_status(e.code()), "{}: {}", function, e.what());
    } catch (const std::bad_alloc&) {
        return fail(PBA_ERR_OUT_OF_MEMORY, "{}: out of memory", function);
    } catch (const std::exception& e) {
        return fail(PBA_ERR_INTERNAL, "{}: internal error: {}", function, e.what());
    } catch (...) {
        return fail(PBA_ERR_INTERNAL, "{}: internal error: unknown exception", function);
    }
}

#define PBA_CHECK_NOT_NULL(function, pointer)                                                   \
    do {                                                                                        \
        if ((pointer) == nullptr)                                                               \
            return ::pba::capi::fail(PBA_ERR_NULL_POINTER, "{}: {} is NULL", function, #pointer); \
    } while (0)

// The int a C caller passed for a parameter of a C enum type. C lets a caller pass any int
// there (cgo and other languages do); C++ does not: an enum object holding a value outside its
// enumerators' range is undefined, and UBSan reports loading it. Entry points read such a
// parameter through this (by reference, so it is never loaded as the enum) and check the int
// against the enumerators before using it.
template <typename Enum>
int c_enum_value(const Enum& value) noexcept {
    static_assert(std::is_enum_v<Enum> && sizeof(Enum) == sizeof(int));
    int v = 0;
    std::memcpy(&v, &value, sizeof v);
    return v;
}

// Writes `text` into a caller buffer with snprintf's contract: *required (if not NULL) gets
// the bytes needed including the NUL; a short buffer gets a NUL-terminated prefix and
// PBA_ERR_BUFFER_TOO_SMALL.
pba_status write_text(const char* function, std::string_view text, char* buffer, std::size_t capacity,
                      std::size_t* required) noexcept;

// A caller's struct must be exactly a size this library knows (its own, or `size_1_0` for a
// struct that grew since 1.0) and its reserved words zero.
template <typename Struct>
pba_status check_struct(const char* function, const char* what, const Struct* s, std::size_t size_1_0 = 0) noexcept {
    if (s->struct_size == sizeof(Struct) || (size_1_0 != 0 && s->struct_size == size_1_0)) return PBA_OK;
    const char* newer = s->struct_size > sizeof(Struct) ? " (is the header newer than the library?)" : "";
    if (size_1_0 != 0)
        return fail(PBA_ERR_STRUCT_SIZE, "{}: {}.struct_size is {}, this library ({}) knows only {} and 1.0's {}{}",
                    function, what, s->struct_size, PBA_VERSION_STRING, sizeof(Struct), size_1_0, newer);
    return fail(PBA_ERR_STRUCT_SIZE, "{}: {}.struct_size is {}, this library ({}) knows only {}{}", function, what,
                s->struct_size, PBA_VERSION_STRING, sizeof(Struct), newer);
}

template <std::size_t N>
pba_status check_reserved(const char* function, const char* what, const std::uint32_t (&reserved)[N]) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (reserved[i] != 0)
            return fail(PBA_ERR_INVALID_ARGUMENT, "{}: {}.reserved[{}] is {}, must be 0", function, what, i,
                        reserved[i]);
    return PBA_OK;
}

// Reads a caller's optional load options (NULL: the defaults) into `out`.
pba_status load_options(const char* function, const pba_load_options* options, LoadOptions& out) noexcept;

// Lifetime guard at the head of every handle. Calls register while they run, so a free that
// overlaps a call is deferred to the end of that call instead of pulling memory from under
// it. (A call that starts after the free has returned is the caller's error: the memory is
// gone. The Go package rules it out.)
class Lifetime {
public:
    static constexpr std::uint32_t kFreed = 0x8000'0000u;

    void enter() noexcept { state_.fetch_add(1, std::memory_order_acquire); }
    // True when the caller must now destroy the object (a free arrived meanwhile).
    bool leave() noexcept { return state_.fetch_sub(1, std::memory_order_acq_rel) == (kFreed | 1u); }
    // True when the caller must destroy the object now (no call in progress).
    bool release() noexcept { return state_.fetch_or(kFreed, std::memory_order_acq_rel) == 0; }

private:
    std::atomic<std::uint32_t> state_{0};
};

// Holds a handle for the duration of one call; destroys it at the end if it was freed
// meanwhile. Handle types have a `mutable Lifetime lifetime` member and are deleted with
// `delete`.
template <typename Handle>
class Use {
public:
    explicit Use(Handle* handle) noexcept : handle_(handle) { handle_->lifetime.enter(); }
    ~Use() {
        if (handle_->lifetime.leave()) delete handle_;
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

private:
    Handle* handle_;
};

template <typename Handle>
void release(Handle* handle) noexcept {
    if (handle != nullptr && handle->lifetime.release()) delete handle;
}

}  // namespace pba::capi
