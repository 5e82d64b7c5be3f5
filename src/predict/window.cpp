#include "pba/predict/window.hpp"

#include "pba/predict/saturated_float.hpp"

namespace pba::predict {

WindowLayout WindowLayout::uniform(std::size_t depth) noexcept {
    WindowLayout l;
    l.depth.fill(static_cast<std::uint32_t>(std::max<std::size_t>(depth, 1)));
    return l;
}

WindowLayout WindowLayout::merged(const WindowLayout& other) const noexcept {
    WindowLayout l;
    for (std::size_t c = 0; c < kWindowColumns; ++c) l.depth[c] = std::max(depth[c], other.depth[c]);
    return l;
}

Window::Window(const WindowLayout& layout) : layout_(layout) {
    std::uint32_t exact = 0, older = 0;
    for (std::size_t c = 0; c < kWindowColumns; ++c) {
        const std::uint32_t depth = std::max<std::uint32_t>(layout_.depth[c], 1);
        layout_.depth[c] = depth;
        exact_depth_[c] = c == timestamp_column() ? depth : std::min(depth, kExactWindowDepth);
        older_depth_[c] = depth - exact_depth_[c];
        exact_offset_[c] = exact;
        older_offset_[c] = older;
        exact += exact_depth_[c];
        older += older_depth_[c];
    }
    capacity_ = layout_.rows();
    exact_.assign(exact, kMissing);
    older_.assign(older, static_cast<float>(kMissing));
}

double Window::value(std::size_t column, std::size_t i) const noexcept {
    if (size_ - i > layout_.depth[column]) return kMissing;
    const std::uint64_t k = pushed_ - size_ + i;
    const std::uint32_t exact = exact_depth_[column];
    if (pushed_ - k <= exact) return exact_[exact_offset_[column] + static_cast<std::size_t>(k % exact)];
    return older_[older_offset_[column] + static_cast<std::size_t>(k % older_depth_[column])];
}

Sample Window::operator[](std::size_t i) const noexcept {
    Sample s;
    s.timestamp_unix_s = value(timestamp_column(), i);
    s.bandwidth_mbps = value(column_of(SampleField::bandwidth_mbps), i);
    s.latency_ms = value(column_of(SampleField::latency_ms), i);
    s.packet_loss = value(column_of(SampleField::packet_loss), i);
    s.jitter_ms = value(column_of(SampleField::jitter_ms), i);
    s.throughput_mbps = value(column_of(SampleField::throughput_mbps), i);
    s.reliability = value(column_of(SampleField::reliability), i);
    return s;
}

WindowColumn Window::newest(std::size_t column, std::size_t n) const noexcept {
    WindowColumn c;
    const std::uint32_t exact_depth = exact_depth_[column];
    const std::size_t exact = std::min<std::size_t>(n, exact_depth);
    const double* exact_ring = exact_.data() + exact_offset_[column];
    const auto exact_start = static_cast<std::size_t>((pushed_ - exact) % exact_depth);
    c.first = exact_ring + exact_start;
    c.first_size = std::min<std::size_t>(exact, exact_depth - exact_start);
    c.second = exact_ring;
    c.older_size = n - exact;
    if (c.older_size > 0) {
        const std::uint32_t older_depth = older_depth_[column];
        const float* older_ring = older_.data() + older_offset_[column];
        const auto older_start = static_cast<std::size_t>((pushed_ - n) % older_depth);
        c.older_first = older_ring + older_start;
        c.older_first_size = std::min<std::size_t>(c.older_size, older_depth - older_start);
        c.older_second = older_ring;
    }
    return c;
}

void Window::push(const Sample& s) noexcept {
    const double v[kWindowColumns] = {s.timestamp_unix_s, s.bandwidth_mbps,  s.latency_ms, s.packet_loss,
                                      s.jitter_ms,        s.throughput_mbps, s.reliability};
    for (std::size_t c = 0; c < kWindowColumns; ++c) {
        const std::uint32_t exact = exact_depth_[c];
        double& slot = exact_[exact_offset_[c] + static_cast<std::size_t>(pushed_ % exact)];
        // The value leaving the exact ring (sample pushed_ - exact) moves to the float ring.
        if (older_depth_[c] > 0 && pushed_ >= exact)
            older_[older_offset_[c] + static_cast<std::size_t>((pushed_ - exact) % older_depth_[c])] =
                saturated_float(slot);
        slot = v[c];
    }
    ++pushed_;
    size_ = std::min(size_ + 1, capacity_);
}

void Window::grow(const WindowLayout& layout) {
    const WindowLayout grown = layout_.merged(layout);
    if (grown == layout_) return;
    // Pushing the held samples again places every value; one older than its column's depth
    // reads as missing and is pushed as such.
    Window next(grown);
    for (std::size_t i = 0; i < size_; ++i) next.push((*this)[i]);
    *this = std::move(next);
}

}  // namespace pba::predict
