#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace pba::bench {

// Wall time of each call in a benchmark loop, reported as the median and p99 per call
// (median_us, p99_us) and per forecast (median_us_per_forecast). On a shared machine the
// median ignores the calls another process preempted, as the ONNX Runtime script's does.
class CallTimes {
public:
    using Clock = std::chrono::steady_clock;
    explicit CallTimes(const benchmark::State& state) {
        samples_.reserve(static_cast<std::size_t>(std::min<benchmark::IterationCount>(state.max_iterations, 1 << 22)));
    }
    Clock::time_point start() const noexcept { return Clock::now(); }
    void stop(Clock::time_point start) noexcept {
        if (samples_.size() < samples_.capacity())
            samples_.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    void report(benchmark::State& state, std::size_t batch) {
        if (samples_.empty()) return;
        std::sort(samples_.begin(), samples_.end());
        const auto at = [&](double q) { return samples_[std::min(samples_.size() - 1, std::size_t(q * samples_.size()))]; };
        state.counters["median_us"] = at(0.5);
        state.counters["p99_us"] = at(0.99);
        state.counters["median_us_per_forecast"] = at(0.5) / static_cast<double>(batch);
    }

private:
    std::vector<double> samples_;
};

}  // namespace pba::bench
