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
};

}  // namespace pba::test
