#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "pba/predict/sample.hpp"

namespace pba::predict {

// The newest `capacity` samples of one link, oldest first: a ring buffer that allocates only
// when it is constructed or grown, never when a sample is pushed.
class Window {
public:
    explicit Window(std::size_t capacity = 0) : ring_(std::max<std::size_t>(capacity, 1)) {}

    std::size_t capacity() const noexcept { return ring_.size(); }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == ring_.size(); }

    // i = 0 is the oldest sample held, size() - 1 the newest.
    const Sample& operator[](std::size_t i) const noexcept { return ring_[(head_ + i) % ring_.size()]; }
    const Sample& newest() const noexcept { return (*this)[size_ - 1]; }
    const Sample& oldest() const noexcept { return (*this)[0]; }
    // The newest n samples start at index size() - n: a view helper for rules over "the last n".
    std::size_t first_of_newest(std::size_t n) const noexcept { return size_ - std::min(n, size_); }

    // Appends, overwriting the oldest sample when full.
    void push(const Sample& s) noexcept {
        if (size_ < ring_.size()) {
            ring_[(head_ + size_) % ring_.size()] = s;
            ++size_;
        } else {
            ring_[head_] = s;
            head_ = (head_ + 1) % ring_.size();
        }
    }

    void clear() noexcept {
        head_ = 0;
        size_ = 0;
    }

    // Grows to hold `capacity` samples, keeping the ones held (allocates). Never shrinks.
    void grow(std::size_t capacity) {
        if (capacity <= ring_.size()) return;
        std::vector<Sample> ring(capacity);
        for (std::size_t i = 0; i < size_; ++i) ring[i] = (*this)[i];
        ring_.swap(ring);
        head_ = 0;
    }

private:
    std::vector<Sample> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace pba::predict
