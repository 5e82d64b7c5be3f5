#include "pba/model/defaults.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <mutex>

#include "model/embedded_models.hpp"
#include "pba/error.hpp"

namespace pba {
namespace {

std::size_t find_embedded(std::string_view name) {
    const auto models = detail::embedded_models();
    for (std::size_t i = 0; i < models.size(); ++i)
        if (name == models[i].name) return i;
    std::string available;
    for (const auto& m : models) available += (available.empty() ? "" : ", ") + std::string(m.name);
    throw Error(Errc::not_found, fmt::format("no embedded model named '{}' (available: {})", name,
                                             available.empty() ? "none" : available));
}

}  // namespace

std::span<const std::byte> default_model_bytes(std::string_view name) {
    const auto& m = detail::embedded_models()[find_embedded(name)];
    return {reinterpret_cast<const std::byte*>(m.begin), static_cast<std::size_t>(m.end - m.begin)};
}

std::shared_ptr<const Model> default_model(std::string_view name) {
    const std::size_t index = find_embedded(name);
    static std::mutex mutex;
    static std::vector<std::shared_ptr<const Model>> cache(detail::embedded_models().size());
    std::lock_guard lock(mutex);
    if (!cache[index]) {
        try {
            cache[index] = Model::from_bytes(default_model_bytes(name));
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("embedded model '{}': {}", name, e.what()));
        }
    }
    return cache[index];
}

std::vector<std::string> default_model_names() {
    std::vector<std::string> names;
    for (const auto& m : detail::embedded_models()) names.emplace_back(m.name);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace pba
