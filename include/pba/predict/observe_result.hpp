#pragma once

#include <cstdint>

namespace pba::predict {

// What observe() did with a sample. A refused sample changes nothing but its counter.
enum class ObserveStatus : std::uint8_t {
    accepted = 0,
    accepted_after_gap = 1,           // accepted as the first of a new window (gap > max_gap_s)
    refused_invalid_timestamp = 2,    // NaN, infinite, or |t| > kMaxTimestampUnixS
    refused_repeated_timestamp = 3,   // equal to the latest accepted sample's
    refused_backwards_timestamp = 4,  // earlier than the latest accepted sample's
};
const char* to_string(ObserveStatus status) noexcept;

struct ObserveResult {
    ObserveStatus status = ObserveStatus::accepted;
    // field_bit mask of values that were Inf, negative, or a ratio above 1: each was treated as
    // missing (NaN) and counted in SampleCounts::dropped_values; the rest of the sample is used.
    std::uint32_t dropped_fields = 0;
    bool accepted() const noexcept {
        return status == ObserveStatus::accepted || status == ObserveStatus::accepted_after_gap;
    }
};

}  // namespace pba::predict
