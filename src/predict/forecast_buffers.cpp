#include "pba/predict/forecast_buffers.hpp"

#include "pba/nn/network.hpp"
#include "pba/predict/forecast_model.hpp"

namespace pba::predict {

void ForecastBuffers::fit(const ForecastModel& model, std::size_t windows) {
    const nn::Network& net = model.model().network();
    if (!net.fits(workspace, windows)) net.reserve(workspace, windows);
    const std::size_t inputs = windows * model.pipeline().input_size();
    const std::size_t outputs = windows * model.model().output_size();
    const std::size_t means_size = windows * model.pipeline().inputs().size();
    if (input.size() < inputs) input.resize(inputs);
    if (output.size() < outputs) output.resize(outputs);
    if (means.size() < means_size) means.resize(means_size);
    batch = windows;
}

BufferPool::BufferPool(const ForecastModel& model) : model_(model) {
    free_.reserve(kMaxPooled);
    auto first = std::make_unique<ForecastBuffers>();
    first->fit(model_, 1);
    free_.push_back(std::move(first));
}

BufferPool::Lease BufferPool::lend() {
    {
        std::lock_guard lock(mutex_);
        if (!free_.empty()) {
            std::unique_ptr<ForecastBuffers> buffers = std::move(free_.back());
            free_.pop_back();
            return Lease(*this, std::move(buffers));
        }
    }
    auto buffers = std::make_unique<ForecastBuffers>();
    buffers->fit(model_, 1);
    return Lease(*this, std::move(buffers));
}

std::size_t BufferPool::pooled() const {
    std::lock_guard lock(mutex_);
    return free_.size();
}

void BufferPool::give_back(std::unique_ptr<ForecastBuffers> buffers) noexcept {
    if (!buffers) return;
    std::lock_guard lock(mutex_);
    if (free_.size() < free_.capacity()) free_.push_back(std::move(buffers));
}

}  // namespace pba::predict
