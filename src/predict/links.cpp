#include "pba/predict/links.hpp"

#include <array>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <mutex>

#include "pba/error.hpp"
#include "pba/nn/network.hpp"
#include "pba/predict/forecast_buffers.hpp"

namespace pba::predict {
namespace {

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point start) noexcept {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// A link whose window waits in a group's batch.
struct Member {
    std::size_t index = 0;       // in links / out
    Predictor* link = nullptr;
    std::uint64_t changes = 0;   // the link's change count when its window was encoded
    double encode_us = 0.0;
};

// The links of one model waiting for their forward pass, and the buffers they are encoded into.
struct Group {
    std::shared_ptr<const ForecastModel> model;  // null: the group is free
    ForecastBuffers buffers;
    std::array<Member, kLinksBatch> members;
    std::size_t size = 0;
};

// Open groups, so interleaved links of a few models (a reload in progress, datacenter and
// internet links) still batch; this thread's, kept between calls so only the first allocates.
constexpr std::size_t kOpenGroups = 4;
thread_local std::array<Group, kOpenGroups> open_groups;

}  // namespace

// The friend of Predictor that drives its encode / finish steps.
class LinkBatch {
public:
    LinkBatch(std::span<Predictor* const> links, std::span<LinkForecast> out) : links_(links), out_(out) {}

    void run() {
        for (std::size_t i = 0; i < links_.size(); ++i) {
            out_[i].error = nullptr;
            try {
                if (links_[i] == nullptr)
                    throw Error(Errc::invalid_argument, fmt::format("predict_links: link {} is null", i));
                start(i, *links_[i]);
            } catch (...) {
                out_[i].error = std::current_exception();
            }
        }
        for (Group& g : open_groups) {
            flush(g);
            g.model.reset();
        }
    }

private:
    // Encodes link i into its model's group, or answers it at once when no network runs.
    void start(std::size_t i, Predictor& p) {
        std::unique_lock lock(p.mutex_);
        const auto started = Clock::now();
        p.refresh_model();
        if (p.window_.empty() || !p.model_ || p.challenger_) {
            out_[i].forecast = p.predict_locked();
            return;
        }
        p.refresh_aggregator();
        Group& g = group_for(p.model_);
        if (g.size == kLinksBatch) flush(g);
        const ForecastModel& model = *g.model;
        const std::size_t in = model.pipeline().input_size();
        const std::size_t features = model.pipeline().inputs().size();
        const FallbackReason reason = p.encode_locked(std::span(g.buffers.input).subspan(g.size * in, in),
                                                      std::span(g.buffers.means).subspan(g.size * features, features));
        if (reason != FallbackReason::none) {
            out_[i].forecast = p.finish_locked(reason, {}, {});
            p.served_.record_latency(micros_since(started));
            return;
        }
        g.members[g.size++] = {i, &p, p.changes_, micros_since(started)};
    }

    Group& group_for(const std::shared_ptr<const ForecastModel>& model) {
        for (Group& g : open_groups)
            if (g.model == model) return g;
        Group* free = nullptr;
        for (Group& g : open_groups)
            if (!g.model) {
                free = &g;
                break;
            }
        if (free == nullptr) {  // a fifth model: finish what waits and start over
            for (Group& g : open_groups) {
                flush(g);
                g.model.reset();
            }
            free = &open_groups[0];
        }
        free->buffers.fit(*model, kLinksBatch);
        free->model = model;
        return *free;
    }

    // Runs the group's windows through its network and finishes each link's forecast.
    void flush(Group& g) {
        if (g.size == 0) return;
        const ForecastModel& model = *g.model;
        const auto started = Clock::now();
        model.model().network().forward(g.buffers.input.data(), g.size, g.buffers.output.data(), g.buffers.workspace);
        const double forward_us = micros_since(started) / static_cast<double>(g.size);
        const std::size_t out = model.model().output_size();
        const std::size_t features = model.pipeline().inputs().size();
        for (std::size_t k = 0; k < g.size; ++k) {
            const Member& m = g.members[k];
            try {
                Predictor& p = *m.link;
                std::unique_lock lock(p.mutex_);
                if (p.changes_ != m.changes) {
                    out_[m.index].forecast = p.predict_locked();
                    continue;
                }
                const auto finishing = Clock::now();
                out_[m.index].forecast =
                    p.finish_locked(FallbackReason::none, std::span(g.buffers.output).subspan(k * out, out),
                                    std::span(g.buffers.means).subspan(k * features, features));
                p.served_.record_latency(m.encode_us + forward_us + micros_since(finishing));
            } catch (...) {
                out_[m.index].error = std::current_exception();
            }
        }
        g.size = 0;
    }

    std::span<Predictor* const> links_;
    std::span<LinkForecast> out_;
};

void predict_links(std::span<Predictor* const> links, std::span<LinkForecast> out) {
    if (out.size() < links.size())
        throw Error(Errc::invalid_argument,
                    fmt::format("predict_links: {} links but room for {} forecasts", links.size(), out.size()));
    LinkBatch(links, out).run();
}

}  // namespace pba::predict
