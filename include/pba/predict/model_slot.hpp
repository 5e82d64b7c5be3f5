#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "pba/model/model.hpp"
#include "pba/predict/forecast_model.hpp"

namespace pba::predict {

// Whether a reload may swap in another kind of model (kind_difference: other input features,
// window or forecast target), such as v1 into a slot serving `internet`. Predictors adapt to
// any model, but a transport's samples and its reading of forecasts were set up for one kind.
enum class KindChange : std::uint8_t {
    refuse,  // the default: refused like a malformed file, naming what differs
    allow,   // the caller means it
};

// A hot-reloadable, shared model: many predictors (one per link, on any threads) read it, and
// any thread may swap it. A swap publishes a whole new immutable ForecastModel; a predictor
// picks it up at its next predict() and uses one model for the whole forecast, so no forecast
// ever mixes two versions. A load that fails leaves the old model serving, throws an Error
// saying why, and is counted.
//
// Thread-safety: every member function may be called concurrently with any other.
// Predictors check generation() (one atomic load) on each predict and take the mutex only when
// it changed, so readers never contend while the model stays the same.
class ModelSlot {
public:
    ModelSlot() = default;  // empty: predictors on it answer from the fallback rule
    explicit ModelSlot(std::shared_ptr<const Model> model);
    explicit ModelSlot(std::shared_ptr<const ForecastModel> model);
    ModelSlot(const ModelSlot&) = delete;
    ModelSlot& operator=(const ModelSlot&) = delete;

    // The serving model (nullptr when empty) and its generation, read together.
    struct Snapshot {
        std::shared_ptr<const ForecastModel> model;
        std::uint64_t generation = 0;
    };
    Snapshot snapshot() const;
    std::shared_ptr<const ForecastModel> model() const { return snapshot().model; }

    // 0 while empty; 1 for the first model; +1 on every successful swap.
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

    // Each loads and checks the new model completely before swapping, and returns the new
    // generation. On failure it throws Error (io_error, malformed_model, checksum_mismatch,
    // self_test_failed, …) whose message names the source and the defect; the old model keeps
    // serving and reloads_refused() grows. A reload_* of another kind of model than the serving
    // one is refused so too (Error(invalid_argument) naming each difference) unless `kind` is
    // KindChange::allow; into an empty slot any kind goes. replace() is the explicit swap of a
    // model the caller holds, unchecked.
    std::uint64_t reload_file(const std::filesystem::path& path, const LoadOptions& options = {},
                              KindChange kind = KindChange::refuse);
    std::uint64_t reload_bytes(std::span<const std::byte> bytes, const LoadOptions& options = {},
                               KindChange kind = KindChange::refuse);
    std::uint64_t replace(std::shared_ptr<const Model> model);
    std::uint64_t replace(std::shared_ptr<const ForecastModel> model);
    void clear();  // serve nothing (fallback); counts as a swap

    std::uint64_t reloads_succeeded() const noexcept { return succeeded_.load(std::memory_order_relaxed); }
    std::uint64_t reloads_refused() const noexcept { return refused_.load(std::memory_order_relaxed); }
    std::string last_error() const;  // why the latest refused reload failed ("" if none)

private:
    template <class Load>
    std::uint64_t swap_in(const char* source, KindChange kind, Load&& load);
    // `checked_source`: refuse (naming it) a model of another kind than the serving one, in
    // the same critical section as the swap, so no concurrent reload slips between.
    std::uint64_t publish(std::shared_ptr<const ForecastModel> model, const char* checked_source = nullptr);

    mutable std::mutex mutex_;
    std::shared_ptr<const ForecastModel> model_;
    std::string last_error_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::uint64_t> succeeded_{0};
    std::atomic<std::uint64_t> refused_{0};
};

}  // namespace pba::predict
