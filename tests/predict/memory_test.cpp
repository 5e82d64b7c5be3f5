// What one link costs: the bytes a predictor owns (issue 14: ~120 KiB per internet predictor,
// 1.2 GB for 10,000 links, before the network's buffers moved to the model and the window
// kept only the columns the model reads).
#include <catch2/catch.hpp>
#include <memory>

#include "pba/model/defaults.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/predictor.hpp"
#include "support/alloc_counter.hpp"

using namespace pba::predict;

namespace {

Sample sample(double t, double bw) {
    Sample s;
    s.timestamp_unix_s = 1764158100 + t;
    s.bandwidth_mbps = bw;
    s.latency_ms = 20.0 + static_cast<double>(static_cast<int>(t) % 7);
    s.packet_loss = 0.001;
    s.jitter_ms = 1.5;
    return s;
}

// Observes and predicts long enough to fill every window and ring a link has.
template <class P>
void run(P& p, int seconds) {
    for (int t = 0; t < seconds; ++t) {
        p.observe(sample(t, 50.0 + (t * 37 % 23)));
        p.predict();
    }
}

}  // namespace

TEST_CASE("a predictor's state_bytes is what it holds on the heap and inline", "[predict][memory]") {
    const auto slot = std::make_shared<ModelSlot>(pba::default_model("internet"));
    pba::test::AllocationCounter counter;
    auto p = std::make_unique<Predictor>(slot);
    run(*p, 600);
    const auto live = counter.live_bytes();
    const std::uint64_t state = p->stats().state_bytes;
    INFO("allocator: " << live << " bytes live; state_bytes: " << state);
    if (pba::test::AllocationCounter::counts_bytes()) {
        // The allocator's usable sizes round each of the ~8 blocks up by < 32 bytes.
        CHECK(static_cast<std::uint64_t>(live) >= state);
        CHECK(static_cast<std::uint64_t>(live) <= state + 8 * 32);
    }
}

TEST_CASE("predictors made from one Model share its forecast buffers", "[predict][memory]") {
    // As pba_predictor_create makes them: a slot of its own per link, on the same Model.
    const auto model = pba::default_model("internet");
    auto first = std::make_unique<Predictor>(model);
    pba::test::AllocationCounter counter;
    auto second = std::make_unique<Predictor>(model);
    run(*second, 200);
    const auto live = counter.live_bytes();
    INFO("allocator: " << live << " bytes live; state_bytes: " << second->stats().state_bytes);
    if (pba::test::AllocationCounter::counts_bytes())
        // Its own state and slot, not another ForecastModel: that one's pipeline would show
        // here (~1.9 KB); its ~94 KB of network workspace (std::aligned_alloc) would not.
        CHECK(static_cast<std::uint64_t>(live) <= second->stats().state_bytes + 1024);
    CHECK(first->slot().model() == second->slot().model());
    CHECK(ForecastModel::create(model) == ForecastModel::create(model));
}

TEST_CASE("a hybrid's state_bytes is what it holds, both members and its mode detector included", "[predict][memory]") {
    const auto internet = std::make_shared<ModelSlot>(pba::default_model("internet"));
    const auto datacenter = std::make_shared<ModelSlot>(pba::default_model("datacenter"));
    pba::test::AllocationCounter counter;
    auto h = std::make_unique<HybridPredictor>(datacenter, internet);
    run(*h, 600);
    const auto live = counter.live_bytes();
    const std::uint64_t state = h->stats().state_bytes;
    INFO("allocator: " << live << " bytes live; state_bytes: " << state);
    if (pba::test::AllocationCounter::counts_bytes()) {
        // ~20 blocks, each rounded up by < 32 bytes.
        CHECK(static_cast<std::uint64_t>(live) >= state);
        CHECK(static_cast<std::uint64_t>(live) <= state + 20 * 32);
    }
}

// Issue 14 aims at <= 8 KiB per internet predictor and <= 12 KiB per hybrid, aggregator and
// calibrated confidence included (~120 KiB and ~180 KiB before it). The internet predictor's
// target is met; the hybrid's bound keeps what was reached; docs/predictors.md gives the figures.
TEST_CASE("an internet predictor holds <= 8 KiB, a hybrid <= 19 KiB, a v1 <= 5.5 KiB", "[predict][memory]") {
    const auto internet = std::make_shared<ModelSlot>(pba::default_model("internet"));
    const auto datacenter = std::make_shared<ModelSlot>(pba::default_model("datacenter"));
    Predictor single(internet);
    HybridPredictor hybrid(datacenter, internet);
    Predictor v1(pba::default_model("v1"));
    run(single, 600);
    run(hybrid, 600);
    run(v1, 600);
    const std::uint64_t single_bytes = single.stats().state_bytes;
    const std::uint64_t hybrid_bytes = hybrid.stats().state_bytes;
    const std::uint64_t v1_bytes = v1.stats().state_bytes;
    WARN("internet predictor: " << single_bytes << " bytes; hybrid (datacenter + internet): " << hybrid_bytes
                                << "; v1: " << v1_bytes);
    CHECK(single_bytes <= 8192);
    CHECK(hybrid_bytes <= 19456);
    CHECK(v1_bytes <= 5632);
}
