#pragma once

#include <cstddef>

namespace pba::bench {
// Heap allocations (operator new) made by the whole process so far.
std::size_t allocation_count() noexcept;
}  // namespace pba::bench
