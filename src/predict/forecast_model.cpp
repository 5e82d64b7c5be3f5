#include "pba/predict/forecast_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <mutex>
#include <unordered_map>

#include "pba/error.hpp"

namespace pba::predict {
namespace {

[[noreturn]] void defect(const std::string& message) { throw Error(Errc::malformed_model, message); }

constexpr std::int64_t kMaxHorizonSteps = 1'000'000;

}  // namespace

std::shared_ptr<const ForecastModel> ForecastModel::create(std::shared_ptr<const Model> model) {
    if (!model) throw Error(Errc::invalid_argument, "no model given (null)");
    // The ForecastModels alive, by their Model: expired entries are swept when the table has
    // doubled since the last sweep, so creating many stays linear.
    static std::mutex mutex;
    static std::unordered_map<const Model*, std::weak_ptr<const ForecastModel>> made;
    static std::size_t sweep_at = 16;
    std::lock_guard lock(mutex);
    if (const auto it = made.find(model.get()); it != made.end())
        if (auto existing = it->second.lock()) return existing;
    std::shared_ptr<const ForecastModel> created(new ForecastModel(std::move(model)));
    made[&created->model()] = created;
    if (made.size() >= sweep_at) {
        std::erase_if(made, [](const auto& entry) { return entry.second.expired(); });
        sweep_at = 2 * made.size() + 16;
    }
    return created;
}

ForecastModel::ForecastModel(std::shared_ptr<const Model> model)
    : model_(std::move(model)),
      pipeline_(model_->metadata(), model_->window_length(), model_->feature_count(), model_->output_size()) {
    const format::Metadata& m = model_->metadata();

    const std::string target = m.string_or("forecast.target", "value_at");
    if (target == "value_at")
        target_ = ForecastTarget::value_at;
    else if (target == "mean_over")
        target_ = ForecastTarget::mean_over;
    else
        defect(fmt::format("metadata forecast.target = '{}' must be value_at or mean_over", target));

    const std::int64_t steps = m.integer_or("forecast.horizon_steps", 1);
    if (steps < 1 || steps > kMaxHorizonSteps)
        defect(fmt::format("metadata forecast.horizon_steps = {} must lie in 1..{}", steps, kMaxHorizonSteps));
    horizon_steps_ = static_cast<std::uint32_t>(steps);

    sample_interval_s_ = m.number_or("input.sample_interval_s", 0.0);
    if (sample_interval_s_ < 0.0)
        defect(fmt::format("metadata input.sample_interval_s = {} must be >= 0", sample_interval_s_));
    horizon_s_ = m.number_or("forecast.horizon_s", static_cast<double>(horizon_steps_) * sample_interval_s_);
    if (horizon_s_ < 0.0) defect(fmt::format("metadata forecast.horizon_s = {} must be >= 0", horizon_s_));

    const std::string mode = m.string_or("model.mode", "generic");
    mode_ = mode == "datacenter" ? Mode::datacenter : mode == "internet" ? Mode::internet : Mode::hybrid;

    const std::string version = model_->version();
    if (version.size() > kMaxModelVersionLength)
        defect(fmt::format("metadata model.version is {} bytes; a predictor reports at most {}", version.size(),
                           kMaxModelVersionLength));
    if (version.find('\0') != std::string::npos) defect("metadata model.version contains a NUL byte");
    std::memcpy(version_.data(), version.data(), version.size());
    name_ = model_->name();
    buffers_ = std::make_unique<BufferPool>(*this);
}

namespace {

std::string feature_list(const FeaturePipeline& p) {
    std::string out;
    for (const InputFeature& f : p.inputs()) out += fmt::format("{}{}", out.empty() ? "" : ",", to_string(f.feature));
    return out;
}

}  // namespace

std::string kind_difference(const ForecastModel& serving, const ForecastModel& candidate) {
    std::string out;
    auto differs = [&](std::string_view what, const std::string& was, const std::string& is) {
        if (was != is) out += fmt::format("{}{} {} (serving) vs {} (new)", out.empty() ? "" : "; ", what, was, is);
    };
    differs("input features", feature_list(serving.pipeline()), feature_list(candidate.pipeline()));
    differs("window", fmt::format("{} samples", serving.pipeline().rows()),
            fmt::format("{} samples", candidate.pipeline().rows()));
    differs("target", fmt::format("{} {} steps", to_string(serving.target()), serving.horizon_steps()),
            fmt::format("{} {} steps", to_string(candidate.target()), candidate.horizon_steps()));
    return out;
}

}  // namespace pba::predict
