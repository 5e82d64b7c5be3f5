#pragma once

// The measurement record_actual() reports, read the same way by Predictor and HybridPredictor.

#include <fmt/format.h>

#include "pba/error.hpp"
#include "pba/predict/sample.hpp"

namespace pba::predict {

// `actual` cleaned as observe() cleans a sample (invalid values become missing). Throws
// Error(invalid_argument) naming its timestamp when that is not a valid Unix time: no forecast
// could be matched to it.
inline Sample cleaned_actual(const Sample& actual) {
    if (!is_valid_timestamp(actual.timestamp_unix_s))
        throw Error(Errc::invalid_argument,
                    fmt::format("actual's timestamp {} is not a valid Unix time in seconds", actual.timestamp_unix_s));
    return clean_sample(actual).sample;
}

}  // namespace pba::predict
