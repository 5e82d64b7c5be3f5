#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pba/predict/sample.hpp"

namespace pba::predict {

// The columns of a Window: the timestamp, then the measured fields in SampleField order.
inline constexpr std::size_t kWindowColumns = 1 + kSampleFieldCount;
constexpr std::size_t timestamp_column() noexcept { return 0; }
constexpr std::size_t column_of(SampleField field) noexcept { return 1 + static_cast<std::size_t>(field); }

// How many of the newest samples a Window keeps of each column. A link keeps only what its
// forecasts read: the model's inputs at the model's depth, the fallback rule's four fields at 10,
// and the newest value of the rest, so 180 rows of one feature cost 1.4 KB, not 180 whole samples.
struct WindowLayout {
    std::array<std::uint32_t, kWindowColumns> depth{};  // each >= 1

    // Every column at `depth` (>= 1).
    static WindowLayout uniform(std::size_t depth) noexcept;
    // The larger depth of each column.
    WindowLayout merged(const WindowLayout& other) const noexcept;
    std::size_t rows() const noexcept { return *std::max_element(depth.begin(), depth.end()); }
    bool operator==(const WindowLayout&) const = default;
};

// How many of a column's newest values a Window keeps exact (as double): what the fallback
// rule and the smoothers read. Older values of a deeper column (a model's input history) are
// kept as float, halving a link's window; the network reads them as float input anyway, after
// normalising. The timestamp column is kept exact at any depth (float would round it to minutes).
inline constexpr std::uint32_t kExactWindowDepth = 10;

// One column's newest values, oldest first: the older ones kept as float, then the exact ones,
// each as the (at most) two runs of its ring.
struct WindowColumn {
    const float* older_first = nullptr;
    std::size_t older_first_size = 0;
    const float* older_second = nullptr;
    std::size_t older_size = 0;
    const double* first = nullptr;
    std::size_t first_size = 0;
    const double* second = nullptr;
    double operator[](std::size_t i) const noexcept {
        if (i < older_size) return i < older_first_size ? older_first[i] : older_second[i - older_first_size];
        i -= older_size;
        return i < first_size ? first[i] : second[i - first_size];
    }
    // out[k] = (*this)[begin + k] for k < count, run by run (requires begin + count <= the
    // number of values asked of Window::newest).
    void copy(std::size_t begin, std::size_t count, double* out) const noexcept {
        const std::size_t end = begin + count;
        auto run = [&](const auto* values, std::size_t run_begin, std::size_t run_end) {
            for (std::size_t i = std::max(begin, run_begin); i < std::min(end, run_end); ++i)
                *out++ = values[i - run_begin];
        };
        run(older_first, 0, older_first_size);
        run(older_second, older_first_size, older_size);
        run(first, older_size, older_size + first_size);
        run(second, older_size + first_size, end);
    }
};

// The newest samples of one link, oldest first: ring buffers per column that allocate only
// when they are constructed or grown, never when a sample is pushed. size() counts the samples
// held (up to the deepest column); a value older than its column's depth reads as missing (NaN).
// Each column keeps its newest kExactWindowDepth values exact and older ones as float
// (saturated at float's largest magnitude): a value read back is the pushed one or its float.
class Window {
public:
    explicit Window(std::size_t capacity = 0) : Window(WindowLayout::uniform(std::max<std::size_t>(capacity, 1))) {}
    explicit Window(const WindowLayout& layout);

    const WindowLayout& layout() const noexcept { return layout_; }
    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == capacity_; }

    // i = 0 is the oldest sample held, size() - 1 the newest; fields older than their column's
    // depth are NaN.
    Sample operator[](std::size_t i) const noexcept;
    Sample newest() const noexcept { return (*this)[size_ - 1]; }
    double newest_timestamp_unix_s() const noexcept { return value(timestamp_column(), size_ - 1); }
    // The value of `column` at sample i (NaN when older than the column's depth).
    double value(std::size_t column, std::size_t i) const noexcept;
    // The newest n values of `column`; requires n <= min(size(), the column's depth).
    WindowColumn newest(std::size_t column, std::size_t n) const noexcept;
    // The newest n samples start at index size() - n: a view helper for rules over "the last n".
    std::size_t first_of_newest(std::size_t n) const noexcept { return size_ - std::min(n, size_); }

    // Appends, overwriting each column's oldest value when it is full.
    void push(const Sample& s) noexcept;

    void clear() noexcept {
        size_ = 0;
        pushed_ = 0;
    }

    // Grows each column to at least `layout`'s depth, keeping the values held (allocates when a
    // column grows). Never shrinks.
    void grow(const WindowLayout& layout);
    void grow(std::size_t capacity) { grow(WindowLayout::uniform(capacity)); }

    // Bytes this window owns on the heap.
    std::size_t heap_bytes() const noexcept {
        return exact_.capacity() * sizeof(double) + older_.capacity() * sizeof(float);
    }

private:
    using Columns = std::array<std::uint32_t, kWindowColumns>;

    WindowLayout layout_;
    Columns exact_depth_{};   // newest values kept exact, per column
    Columns older_depth_{};   // older values kept as float: the column's depth less its exact ones
    Columns exact_offset_{};  // where each column's ring starts in exact_
    Columns older_offset_{};  // ... and in older_
    std::vector<double> exact_;
    std::vector<float> older_;
    std::size_t capacity_ = 1;
    std::size_t size_ = 0;
    // Samples pushed since the last clear: sample k sits at k % exact depth while among the
    // column's newest exact depth, then at k % older depth.
    std::uint64_t pushed_ = 0;
};

}  // namespace pba::predict
