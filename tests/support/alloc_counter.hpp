#pragma once

#include <cstddef>

namespace pba::test {

// Counts heap allocations made by this thread while alive (global operator new is
// replaced in alloc_counter.cpp), as NeuralAmpModelerCore's real-time test does.
class AllocationCounter {
public:
    AllocationCounter();
    ~AllocationCounter();
    AllocationCounter(const AllocationCounter&) = delete;
    AllocationCounter& operator=(const AllocationCounter&) = delete;
    std::size_t allocations() const noexcept;
    // Heap bytes this thread allocated minus those it freed while counting (malloc's usable
    // sizes); 0 where allocations are counted through the sanitizer hook (TSan builds).
    std::ptrdiff_t live_bytes() const noexcept;
    static bool counts_bytes() noexcept;
};

}  // namespace pba::test
