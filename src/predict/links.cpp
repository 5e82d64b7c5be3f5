#include "pba/predict/links.hpp"

#include <array>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <mutex>

#include "pba/error.hpp"
#include "pba/nn/network.hpp"
#include "pba/predict/forecast_buffers.hpp"
#include "pba/predict/hybrid.hpp"

namespace pba::predict {
namespace {

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point start) noexcept {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// Where a member's forecast goes: a single-model link's slot in `out`, or the member forecast a
// mode-aware link waits for (which also adds the member's forward pass and finishing to its latency).
struct Destination {
    Forecast* forecast = nullptr;
    std::exception_ptr* error = nullptr;
    double* latency_us = nullptr;
};

// A link whose window waits in a group's batch.
struct Member {
    Destination to;
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

// A mode-aware link waiting for its members' forecasts.
struct ModeAwareLink {
    std::size_t index = 0;  // in links / out
    HybridPredictor* link = nullptr;
    std::uint64_t changes = 0;  // the link's change count when its members were started
    Mode mode = Mode::hybrid;
    Forecast datacenter;
    Forecast internet;
    std::exception_ptr datacenter_error;
    std::exception_ptr internet_error;
    double latency_us = 0.0;
};

// Open groups, so interleaved links of a few models (a reload in progress, datacenter and
// internet links) still batch; this thread's, kept between calls so only the first allocates.
constexpr std::size_t kOpenGroups = 4;
thread_local std::array<Group, kOpenGroups> open_groups;
// Mode-aware links whose members wait in the groups (~45 KB a thread).
thread_local std::array<ModeAwareLink, kLinksBatch> mode_aware_links;

}  // namespace

// The friend of Predictor and HybridPredictor that drives their encode / finish steps.
class LinkBatch {
public:
    explicit LinkBatch(std::span<LinkForecast> out) : out_(out) {}

    template <class Link>
    void run(std::span<Link* const> links) {
        for (std::size_t i = 0; i < links.size(); ++i) {
            out_[i].error = nullptr;
            try {
                if (links[i] == nullptr)
                    throw Error(Errc::invalid_argument, fmt::format("predict_links: link {} is null", i));
                start_link(i, *links[i]);
            } catch (...) {
                out_[i].error = std::current_exception();
            }
        }
        finish_all();
        for (Group& g : open_groups) g.model.reset();
    }

private:
    void start_link(std::size_t i, Predictor& p) { start({&out_[i].forecast, &out_[i].error, nullptr}, p); }

    void start_link(std::size_t i, LinkPredictor& link) {
        if (Predictor* p = link.member(Role::main))
            start_link(i, *p);
        else if (auto* h = dynamic_cast<HybridPredictor*>(&link))
            start_mode_aware(i, *h);
        else
            out_[i].forecast = link.predict();
    }

    // Encodes a member's window into its model's group, or answers it at once when no network runs.
    void start(const Destination& to, Predictor& p) {
        std::unique_lock lock(p.mutex_);
        const auto started = Clock::now();
        p.refresh_model();
        if (p.window_.empty() || !p.model_ || p.challenger_) {
            *to.forecast = p.predict_locked();
            if (to.latency_us) *to.latency_us += micros_since(started);
            return;
        }
        Group* group = open_group(p.model_);
        if (group == nullptr || group->size == kLinksBatch) {
            // Room first, without this link's lock (the full group may hold this link; a
            // mode-aware link's own lock stays held, as in its predict()), then again: the link
            // may have changed meanwhile.
            const std::shared_ptr<const ForecastModel> model = p.model_;
            lock.unlock();
            make_room(model);
            start(to, p);
            return;
        }
        p.refresh_aggregator();
        Group& g = *group;
        const ForecastModel& model = *g.model;
        const std::size_t in = model.pipeline().input_size();
        const std::size_t features = model.pipeline().inputs().size();
        const FallbackReason reason = p.encode_locked(std::span(g.buffers.input).subspan(g.size * in, in),
                                                      std::span(g.buffers.means).subspan(g.size * features, features));
        if (reason != FallbackReason::none) {
            *to.forecast = p.finish_locked(reason, {}, {});
            p.served_.record_latency(micros_since(started));
            if (to.latency_us) *to.latency_us += micros_since(started);
            return;
        }
        g.members[g.size++] = {to, &p, p.changes_, micros_since(started)};
    }

    // Starts the members a mode-aware link's mode uses; serve_mode_aware() serves it once they
    // have forecast. Answered at once (as predict() would, error included) while a member it
    // uses has no sample.
    void start_mode_aware(std::size_t i, HybridPredictor& h) {
        bool waiting = false;
        for (std::size_t k = 0; k < mode_aware_count_; ++k) waiting = waiting || mode_aware_links[k].link == &h;
        if (waiting || mode_aware_count_ == kLinksBatch) finish_all();  // the same link again: after the first
        std::unique_lock lock(h.mutex_);
        const auto started = Clock::now();
        const Mode mode = h.mode_locked();
        const bool datacenter = mode != Mode::internet;
        const bool internet = mode != Mode::datacenter;
        if ((datacenter && !has_sample(h.datacenter_)) || (internet && !has_sample(h.internet_))) {
            out_[i].forecast = h.predict_locked();
            return;
        }
        ModeAwareLink& m = mode_aware_links[mode_aware_count_++];
        m.index = i;
        m.link = &h;
        m.changes = h.changes_;
        m.mode = mode;
        m.datacenter_error = nullptr;
        m.internet_error = nullptr;
        m.latency_us = 0.0;
        if (datacenter) start_member({&m.datacenter, &m.datacenter_error, &m.latency_us}, h.datacenter_);
        if (internet) start_member({&m.internet, &m.internet_error, &m.latency_us}, h.internet_);
        m.latency_us += micros_since(started);
    }

    void start_member(const Destination& to, Predictor& p) {
        try {
            start(to, p);
        } catch (...) {
            *to.error = std::current_exception();
        }
    }

    static bool has_sample(Predictor& p) {
        std::lock_guard lock(p.mutex_);
        return !p.window_.empty();
    }

    static Group* open_group(const std::shared_ptr<const ForecastModel>& model) noexcept {
        for (Group& g : open_groups)
            if (g.model == model) return &g;
        return nullptr;
    }

    // Makes room for one more window of `model`: runs its full group, or opens one for it.
    void make_room(const std::shared_ptr<const ForecastModel>& model) {
        if (Group* g = open_group(model)) {
            flush(*g);
            return;
        }
        Group* free = open_group(nullptr);
        if (free == nullptr) {  // a fifth model: finish what waits and start over
            for (Group& g : open_groups) {
                flush(g);
                g.model.reset();
            }
            free = &open_groups[0];
        }
        free->buffers.fit(*model, kLinksBatch);
        free->model = model;
    }

    // Every group's forward pass, then the mode-aware links waiting for them.
    void finish_all() {
        for (Group& g : open_groups) flush(g);
        for (std::size_t k = 0; k < mode_aware_count_; ++k) serve_mode_aware(mode_aware_links[k]);
        mode_aware_count_ = 0;
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
                const auto finishing = Clock::now();
                if (p.changes_ != m.changes) {
                    *m.to.forecast = p.predict_locked();
                } else {
                    *m.to.forecast =
                        p.finish_locked(FallbackReason::none, std::span(g.buffers.output).subspan(k * out, out),
                                        std::span(g.buffers.means).subspan(k * features, features));
                    p.served_.record_latency(m.encode_us + forward_us + micros_since(finishing));
                }
                if (m.to.latency_us) *m.to.latency_us += forward_us + micros_since(finishing);
            } catch (...) {
                *m.to.error = std::current_exception();
            }
        }
        g.size = 0;
    }

    // Serves a mode-aware link from its members' forecasts, as its predict() would; one that
    // changed since its members started is forecast again on its own.
    void serve_mode_aware(ModeAwareLink& m) {
        try {
            HybridPredictor& h = *m.link;
            std::unique_lock lock(h.mutex_);
            const auto started = Clock::now();
            if (h.changes_ != m.changes) {
                out_[m.index].forecast = h.predict_locked();
                return;
            }
            if (m.datacenter_error) std::rethrow_exception(m.datacenter_error);
            if (m.internet_error) std::rethrow_exception(m.internet_error);
            out_[m.index].forecast = h.serve_locked(m.mode, m.datacenter, m.internet);
            h.served_.record_latency(m.latency_us + micros_since(started));
        } catch (...) {
            out_[m.index].error = std::current_exception();
        }
    }

    std::span<LinkForecast> out_;
    std::size_t mode_aware_count_ = 0;
};

namespace {

void check_room(std::size_t links, std::size_t out) {
    if (out < links)
        throw Error(Errc::invalid_argument, fmt::format("predict_links: {} links but room for {} forecasts", links, out));
}

}  // namespace

void predict_links(std::span<Predictor* const> links, std::span<LinkForecast> out) {
    check_room(links.size(), out.size());
    LinkBatch(out).run(links);
}

void predict_links(std::span<LinkPredictor* const> links, std::span<LinkForecast> out) {
    check_room(links.size(), out.size());
    LinkBatch(out).run(links);
}

}  // namespace pba::predict
