#include "support/alloc_counter.hpp"

#include <cstdlib>
#include <new>

// ThreadSanitizer defines operator new itself (strong symbols: a replacement does not link), so
// under TSan allocations are counted through the sanitizer's malloc hook instead, which sees
// every heap allocation, operator new's included.
#if defined(__SANITIZE_THREAD__)
#define PBA_COUNT_WITH_SANITIZER_HOOK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PBA_COUNT_WITH_SANITIZER_HOOK 1
#endif
#endif

namespace {
thread_local bool counting = false;
thread_local std::size_t count = 0;
thread_local std::ptrdiff_t live = 0;
}  // namespace

#if defined(PBA_COUNT_WITH_SANITIZER_HOOK)
#include <sanitizer/allocator_interface.h>

namespace {
void on_malloc(const volatile void*, std::size_t) {
    if (counting) ++count;
}
void on_free(const volatile void*) {}
[[maybe_unused]] const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}  // namespace
#else
#include <malloc.h>

namespace {

void* counted_alloc(std::size_t size, std::size_t alignment) {
    if (size == 0) size = 1;
    void* p = alignment > alignof(std::max_align_t)
                  ? std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment)
                  : std::malloc(size);
    if (!p) throw std::bad_alloc();
    if (counting) {
        ++count;
        live += static_cast<std::ptrdiff_t>(malloc_usable_size(p));
    }
    return p;
}
void counted_free(void* p) noexcept {
    if (counting && p) live -= static_cast<std::ptrdiff_t>(malloc_usable_size(p));
    std::free(p);
}
}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size, 0); }
void* operator new[](std::size_t size) { return counted_alloc(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) { return counted_alloc(size, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t size, std::align_val_t a) { return counted_alloc(size, static_cast<std::size_t>(a)); }
// The nothrow forms too: otherwise a sanitizer's own nothrow new (Catch2 uses it) would be
// released by the free() below, which ASan reports as an alloc-dealloc mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_alloc(size, 0);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    try {
        return counted_alloc(size, static_cast<std::size_t>(a));
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t& tag) noexcept {
    return operator new(size, a, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }

#endif

namespace pba::test {
AllocationCounter::AllocationCounter() {
    count = 0;
    live = 0;
    counting = true;
}
AllocationCounter::~AllocationCounter() { counting = false; }
std::size_t AllocationCounter::allocations() const noexcept { return count; }
std::ptrdiff_t AllocationCounter::live_bytes() const noexcept { return live; }
bool AllocationCounter::counts_bytes() noexcept {
#if defined(PBA_COUNT_WITH_SANITIZER_HOOK)
    return false;
#else
    return true;
#endif
}
}  // namespace pba::test
