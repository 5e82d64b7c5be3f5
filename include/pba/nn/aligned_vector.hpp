#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace pba::nn {

// 64-byte aligned storage, so a panel row never straddles a cache line more than it must.
template <class T>
struct CacheAlignedAllocator {
    using value_type = T;
    static constexpr std::align_val_t kAlignment{64};
    CacheAlignedAllocator() = default;
    template <class U>
    CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
    // Through the aligned operator new, not aligned_alloc: a program (and the tests' allocation
    // counter) that replaces operator new sees these buffers too.
    T* allocate(std::size_t n) {
        const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
        return static_cast<T*>(::operator new(bytes == 0 ? 64 : bytes, kAlignment));
    }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlignment); }
    template <class U>
    bool operator==(const CacheAlignedAllocator<U>&) const noexcept { return true; }
};

template <class T>
using AlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

}  // namespace pba::nn
