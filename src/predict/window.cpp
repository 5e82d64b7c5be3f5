#include "pba/predict/window.hpp"

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
    for (auto& d : layout_.depth) d = std::max<std::uint32_t>(d, 1);
    place();
    values_.assign(offset_.back() + layout_.depth.back(), kMissing);
}

void Window::place() noexcept {
    std::uint32_t offset = 0;
    for (std::size_t c = 0; c < kWindowColumns; ++c) {
        offset_[c] = offset;
        offset += layout_.depth[c];
    }
    capacity_ = layout_.rows();
}

double Window::value(std::size_t column, std::size_t i) const noexcept {
    const std::uint32_t depth = layout_.depth[column];
    if (size_ - i > depth) return kMissing;
    const std::uint64_t k = pushed_ - size_ + i;
    return values_[offset_[column] + static_cast<std::size_t>(k % depth)];
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
    const std::uint32_t depth = layout_.depth[column];
    const double* ring = values_.data() + offset_[column];
    const auto start = static_cast<std::size_t>((pushed_ - n) % depth);
    WindowColumn c;
    c.first = ring + start;
    c.first_size = std::min<std::size_t>(n, depth - start);
    c.second = ring;
    return c;
}

void Window::push(const Sample& s) noexcept {
    const double v[kWindowColumns] = {s.timestamp_unix_s, s.bandwidth_mbps,  s.latency_ms, s.packet_loss,
                                      s.jitter_ms,        s.throughput_mbps, s.reliability};
    for (std::size_t c = 0; c < kWindowColumns; ++c)
        values_[offset_[c] + static_cast<std::size_t>(pushed_ % layout_.depth[c])] = v[c];
    ++pushed_;
    size_ = std::min(size_ + 1, capacity_);
}

void Window::grow(const WindowLayout& layout) {
    const WindowLayout grown = layout_.merged(layout);
    if (grown == layout_) return;
    Window next(grown);
    for (std::size_t c = 0; c < kWindowColumns; ++c) {
        const std::uint32_t held = std::min<std::uint32_t>(static_cast<std::uint32_t>(size_), layout_.depth[c]);
        for (std::uint64_t k = pushed_ - held; k < pushed_; ++k)
            next.values_[next.offset_[c] + static_cast<std::size_t>(k % grown.depth[c])] =
                values_[offset_[c] + static_cast<std::size_t>(k % layout_.depth[c])];
    }
    next.size_ = size_;
    next.pushed_ = pushed_;
    *this = std::move(next);
}

}  // namespace pba::predict
