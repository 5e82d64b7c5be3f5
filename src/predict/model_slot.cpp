#include "pba/predict/model_slot.hpp"

#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::predict {

ModelSlot::ModelSlot(std::shared_ptr<const Model> model) : ModelSlot(model ? ForecastModel::create(std::move(model)) : nullptr) {}

ModelSlot::ModelSlot(std::shared_ptr<const ForecastModel> model) : model_(std::move(model)) {
    generation_.store(model_ ? 1 : 0, std::memory_order_release);
}

ModelSlot::Snapshot ModelSlot::snapshot() const {
    std::lock_guard lock(mutex_);
    return {model_, generation_.load(std::memory_order_relaxed)};
}

std::uint64_t ModelSlot::publish(std::shared_ptr<const ForecastModel> model, const char* checked_source) {
    std::shared_ptr<const ForecastModel> old;
    std::uint64_t generation;
    {
        std::lock_guard lock(mutex_);
        if (checked_source != nullptr && model_ && model) {
            if (const std::string difference = kind_difference(*model_, *model); !difference.empty()) {
                refused_.fetch_add(1, std::memory_order_relaxed);
                last_error_ = fmt::format("reload from {} refused, previous model kept: another kind of model: {} "
                                          "(allow it explicitly to swap anyway)",
                                          checked_source, difference);
                throw Error(Errc::invalid_argument, last_error_);
            }
        }
        old = std::move(model_);
        model_ = std::move(model);
        generation = generation_.load(std::memory_order_relaxed) + 1;
        generation_.store(generation, std::memory_order_release);
    }
    succeeded_.fetch_add(1, std::memory_order_relaxed);
    return generation;  // `old` is released outside the lock
}

template <class Load>
std::uint64_t ModelSlot::swap_in(const char* source, KindChange kind, Load&& load) {
    std::shared_ptr<const ForecastModel> model;
    try {
        model = ForecastModel::create(load());
    } catch (const Error& e) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        std::string message = fmt::format("reload from {} refused, previous model kept: {}", source, e.what());
        {
            std::lock_guard lock(mutex_);
            last_error_ = message;
        }
        throw Error(e.code(), message);
    } catch (...) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard lock(mutex_);
        last_error_ = fmt::format("reload from {} refused, previous model kept: out of memory or system error", source);
        throw;
    }
    return publish(std::move(model), kind == KindChange::refuse ? source : nullptr);
}

std::uint64_t ModelSlot::reload_file(const std::filesystem::path& path, const LoadOptions& options, KindChange kind) {
    const std::string source = path.string();
    return swap_in(source.c_str(), kind, [&] { return Model::from_file(path, options); });
}

std::uint64_t ModelSlot::reload_bytes(std::span<const std::byte> bytes, const LoadOptions& options, KindChange kind) {
    return swap_in("memory", kind, [&] { return Model::from_bytes(bytes, options); });
}

std::uint64_t ModelSlot::replace(std::shared_ptr<const Model> model) {
    return swap_in("a loaded model", KindChange::allow, [&] { return std::move(model); });
}

std::uint64_t ModelSlot::replace(std::shared_ptr<const ForecastModel> model) {
    if (!model) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        throw Error(Errc::invalid_argument, "reload refused, previous model kept: no model given (null)");
    }
    return publish(std::move(model));
}

void ModelSlot::clear() { publish(nullptr); }

std::string ModelSlot::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

}  // namespace pba::predict
