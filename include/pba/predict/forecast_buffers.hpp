#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "pba/nn/workspace.hpp"

namespace pba::predict {

class ForecastModel;

// What forecasts through one model need besides the link's own state, for up to `batch` windows:
// the network's workspace, the encoded inputs, the outputs and each window's feature means (the
// outputs are de-normalised with them). ~90 KB for the `internet` model at batch 1, so links
// borrow it instead of owning one.
struct ForecastBuffers {
    nn::Workspace workspace;
    std::vector<float> input;   // batch x pipeline().input_size()
    std::vector<float> output;  // batch x model().output_size()
    std::vector<double> means;  // batch x pipeline().inputs().size()
    std::size_t batch = 0;      // windows they fit (for the model last fitted)

    // Grows to fit `batch` windows of `model` (allocates only when something grows).
    void fit(const ForecastModel& model, std::size_t batch);
};

// The buffers a model lends to single-window forecasts. One is made with the model, so a
// single-threaded caller never allocates in predict(). A forecast borrows one for its duration
// (a mutex held only to pop or push a pointer); when more forecasts through the same model run
// at once than the pool holds, each extra one makes a buffer (allocates) which the pool then
// keeps, up to kMaxPooled, so steady concurrent use stops allocating too.
class BufferPool {
public:
    static constexpr std::size_t kMaxPooled = 64;

    explicit BufferPool(const ForecastModel& model);
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    class Lease {
    public:
        Lease(Lease&& other) noexcept : pool_(other.pool_), buffers_(std::move(other.buffers_)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease() { pool_.give_back(std::move(buffers_)); }
        ForecastBuffers& operator*() const noexcept { return *buffers_; }
        ForecastBuffers* operator->() const noexcept { return buffers_.get(); }

    private:
        friend class BufferPool;
        Lease(BufferPool& pool, std::unique_ptr<ForecastBuffers> buffers) noexcept
            : pool_(pool), buffers_(std::move(buffers)) {}
        BufferPool& pool_;
        std::unique_ptr<ForecastBuffers> buffers_;
    };

    // Buffers fitting one window of the model. Throws std::bad_alloc only when it must make one.
    Lease lend();
    std::size_t pooled() const;  // buffers waiting to be lent

private:
    void give_back(std::unique_ptr<ForecastBuffers> buffers) noexcept;

    const ForecastModel& model_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<ForecastBuffers>> free_;  // capacity kMaxPooled: pushing never allocates
};

}  // namespace pba::predict
