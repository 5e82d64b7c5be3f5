#pragma once

#include <limits>

#include "pba/predict/sample.hpp"

namespace pba::test {

// A link measurement at Unix time t; fields not given are missing (NaN).
inline predict::Sample at(double t, double bandwidth_mbps,
                          double latency_ms = std::numeric_limits<double>::quiet_NaN(),
                          double packet_loss = std::numeric_limits<double>::quiet_NaN(),
                          double jitter_ms = std::numeric_limits<double>::quiet_NaN()) {
    predict::Sample s;
    s.timestamp_unix_s = t;
    s.bandwidth_mbps = bandwidth_mbps;
    s.latency_ms = latency_ms;
    s.packet_loss = packet_loss;
    s.jitter_ms = jitter_ms;
    return s;
}

}  // namespace pba::test
