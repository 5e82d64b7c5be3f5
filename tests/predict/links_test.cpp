// predict_links: many links' networks in batches, every forecast what each link's own
// predict() gives (issue 14, item 2). Each link has a twin fed the same samples and predicted
// one by one; forecasts and stats must agree bit for bit.
#include <catch2/catch.hpp>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "pba/error.hpp"
#include "pba/model/defaults.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/predict/hybrid.hpp"
#include "pba/predict/links.hpp"
#include "pba/predict/predictor.hpp"
#include "support/alloc_counter.hpp"
#include "test_models.hpp"

using namespace pba::predict;

namespace {

Sample sample(double t, double bw) {
    Sample s;
    s.timestamp_unix_s = 1764158100 + t;
    s.bandwidth_mbps = bw;
    s.latency_ms = 20.0 + std::fmod(t, 7.0);
    s.packet_loss = 0.001;
    s.jitter_ms = 1.5;
    return s;
}

// Link l's bandwidth at second t: a different level and wobble per link.
double bandwidth(std::size_t l, int t) {
    return 20.0 + 7.0 * static_cast<double>(l) + 5.0 * std::sin(0.1 * t + static_cast<double>(l)) + (t * 37 % 11);
}

bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

void require_same(const Forecast& a, const Forecast& b) {
    CHECK(same(a.bandwidth_mbps, b.bandwidth_mbps));
    CHECK(same(a.latency_ms, b.latency_ms));
    CHECK(same(a.packet_loss, b.packet_loss));
    CHECK(same(a.jitter_ms, b.jitter_ms));
    CHECK(same(a.confidence, b.confidence));
    for (std::size_t r = 0; r < a.confidence_by_rule.size(); ++r)
        CHECK(same(a.confidence_by_rule[r], b.confidence_by_rule[r]));
    CHECK(same(a.bandwidth_low_mbps, b.bandwidth_low_mbps));
    CHECK(same(a.bandwidth_high_mbps, b.bandwidth_high_mbps));
    CHECK(same(a.interval_coverage, b.interval_coverage));
    CHECK(same(a.made_at_unix_s, b.made_at_unix_s));
    CHECK(same(a.target_unix_s, b.target_unix_s));
    CHECK(same(a.horizon_s, b.horizon_s));
    CHECK(a.horizon_steps == b.horizon_steps);
    CHECK(a.target == b.target);
    CHECK(a.mode == b.mode);
    CHECK(a.fallback == b.fallback);
    CHECK(a.fallback_reason == b.fallback_reason);
    CHECK(a.fallback_fields == b.fallback_fields);
    CHECK(a.unknown_fields == b.unknown_fields);
    CHECK(a.model_generation == b.model_generation);
    CHECK(a.model_version == b.model_version);
    CHECK(a.aggregated == b.aggregated);
    CHECK(a.leading_member == b.leading_member);
    CHECK(same(a.leading_weight, b.leading_weight));
    CHECK(same(a.network_bandwidth_mbps, b.network_bandwidth_mbps));
    for (std::size_t m = 0; m < a.member_bandwidth_mbps.size(); ++m)
        CHECK(same(a.member_bandwidth_mbps[m], b.member_bandwidth_mbps[m]));
    CHECK(a.awake_members == b.awake_members);
}

void require_same(const PredictorStats& a, const PredictorStats& b) {
    CHECK(a.predictions == b.predictions);
    CHECK(a.model_predictions == b.model_predictions);
    CHECK(a.fallbacks_by_reason == b.fallbacks_by_reason);
    CHECK(a.forecasts_matched == b.forecasts_matched);
    CHECK(a.forecasts_expired == b.forecasts_expired);
    CHECK(same(a.accuracy.mean_relative_error, b.accuracy.mean_relative_error));
    CHECK(same(a.model_confidence, b.model_confidence));
    CHECK(same(a.interval.half_width, b.interval.half_width));
    CHECK(a.latency.count == b.latency.count);
    CHECK(a.aggregating == b.aggregating);
    CHECK(a.aggregation.updates == b.aggregation.updates);
    CHECK(a.aggregation.snapshots_pending == b.aggregation.snapshots_pending);
    for (std::size_t m = 0; m < a.aggregation.weights.size(); ++m)
        CHECK(same(a.aggregation.weights[m], b.aggregation.weights[m]));
    for (std::size_t f = 0; f < a.last_forecast.size(); ++f) CHECK(same(a.last_forecast[f], b.last_forecast[f]));
    CHECK(a.state_bytes == b.state_bytes);
}

// The embedded internet model as a Model object of its own: default_model() shares one, and
// links on one Model pool their calibrated confidence's outcomes (fleet_hit_rate.hpp).
std::shared_ptr<ModelSlot> internet_slot() {
    return std::make_shared<ModelSlot>(pba::Model::from_bytes(pba::default_model_bytes("internet")));
}

// Links and their twins, on slots holding the same weights in separate Model objects: the twins
// are a fleet of their own, as the links are, so each twin's calibrated confidence is its link's.
struct Fleet {
    std::vector<std::unique_ptr<Predictor>> batched;
    std::vector<std::unique_ptr<Predictor>> single;

    void add(const std::shared_ptr<ModelSlot>& slot, const std::shared_ptr<ModelSlot>& twin_slot,
             const PredictorConfig& config = {}) {
        batched.push_back(std::make_unique<Predictor>(slot, config));
        single.push_back(std::make_unique<Predictor>(twin_slot, config));
    }
    // Link l observes second t (both twins).
    void observe(std::size_t l, int t) {
        batched[l]->observe(sample(t, bandwidth(l, t)));
        single[l]->observe(sample(t, bandwidth(l, t)));
    }
    // predict_links over `order` (indices into the fleet; -1: a null link) against predict()
    // on the twins in the same order.
    void predict_and_compare(const std::vector<int>& order) {
        std::vector<Predictor*> links;
        for (int l : order) links.push_back(l < 0 ? nullptr : batched[static_cast<std::size_t>(l)].get());
        std::vector<LinkForecast> out(links.size());
        predict_links(links, out);
        for (std::size_t i = 0; i < order.size(); ++i) {
            INFO("position " << i << ", link " << order[i]);
            if (order[i] < 0) {
                REQUIRE(out[i].error);
                CHECK_THROWS_AS(std::rethrow_exception(out[i].error), pba::Error);
                continue;
            }
            Predictor& twin = *single[static_cast<std::size_t>(order[i])];
            try {
                const Forecast expected = twin.predict();
                REQUIRE_FALSE(out[i].error);
                require_same(out[i].forecast, expected);
            } catch (const pba::Error& e) {
                REQUIRE(out[i].error);
                CHECK_THROWS_WITH(std::rethrow_exception(out[i].error), e.what());
            }
        }
    }
    void compare_stats() {
        for (std::size_t l = 0; l < batched.size(); ++l) {
            INFO("link " << l);
            require_same(batched[l]->stats(), single[l]->stats());
        }
    }
};

// Links 0..full-1 fill the model's window, the next 9 stay short (fallback), the last never gets
// a sample; a null link sits in the middle of a batch and one link comes twice.
void check_links(std::size_t full) {
    const auto slot = internet_slot();
    const auto twin_slot = internet_slot();
    const std::size_t window = slot->model()->pipeline().rows();
    const std::size_t links = full + 10;
    Fleet fleet;
    for (std::size_t l = 0; l < links; ++l) fleet.add(slot, twin_slot);
    for (int t = 0; t < static_cast<int>(window) + 130; ++t) {
        for (std::size_t l = 0; l + 1 < links; ++l)
            if (l < full || t < 50) fleet.observe(l, t);
        if (t % 10 == 0 || t + 1 >= static_cast<int>(window)) {
            std::vector<int> order;
            for (std::size_t l = 0; l < links; ++l) order.push_back(static_cast<int>(l));
            order.insert(order.begin() + static_cast<std::ptrdiff_t>(links / 2), -1);
            order.push_back(7);  // as two calls in a row
            fleet.predict_and_compare(order);
        }
    }
    fleet.compare_stats();
    CHECK(fleet.batched[0]->stats().forecasts_matched > 0);
    CHECK(fleet.batched[0]->stats().model_predictions > 100);
}

}  // namespace

TEST_CASE("predict_links gives each link exactly its own predict()", "[predict][links]") {
    check_links(2 * kLinksBatch + 12);  // two whole batches and a part
}

TEST_CASE("predict_links gives each link exactly its own predict() on every instruction set", "[predict][links]") {
    // Batched windows take the kernels' fused path (or, on the portable one, run one at a time);
    // one window alone takes the precomputed one: the same bits either way.
    const pba::nn::kernels::Isa original = pba::nn::kernels::active_isa();
    for (const auto isa : {pba::nn::kernels::Isa::generic, pba::nn::kernels::Isa::sse4, pba::nn::kernels::Isa::avx2,
                           pba::nn::kernels::Isa::avx512}) {
        if (!pba::nn::kernels::supported(isa)) continue;
        INFO(pba::nn::kernels::to_string(isa));
        pba::nn::kernels::set_active_isa(isa);
        check_links(kLinksBatch + 2);
    }
    pba::nn::kernels::set_active_isa(original);
}

TEST_CASE("predict_links serves the aggregate exactly as predict(), whatever the link's interval and horizon",
          "[predict][links]") {
    // On the 1-s internet model: links sampled every 1, 5 and 60 s (the last two 'not_applicable',
    // served by the smoothers), a 15-minute horizon, aggregation off, a challenger in shadow
    // (predicted one by one), and a link without a model.
    const auto slot = internet_slot();
    const auto twin_slot = internet_slot();
    const auto no_model = std::make_shared<ModelSlot>();
    PredictorConfig quarter_hour;
    quarter_hour.horizon_s = 900.0;
    PredictorConfig plain;
    plain.aggregation = AggregationPolicy::off;
    PredictorConfig calibrated;
    calibrated.confidence_rule = ConfidenceRule::calibrated;
    std::vector<int> every_s;
    Fleet fleet;
    auto add = [&](const PredictorConfig& config, int interval_s) {
        fleet.add(slot, twin_slot, config);
        every_s.push_back(interval_s);
    };
    for (int l = 0; l < 8; ++l) add({}, 1);
    for (int l = 0; l < 3; ++l) add({}, 5);
    for (int l = 0; l < 2; ++l) add({}, 60);
    for (int l = 0; l < 2; ++l) add(quarter_hour, 1);
    for (int l = 0; l < 2; ++l) add(plain, 1);
    for (int l = 0; l < 2; ++l) add(calibrated, 1);
    add({}, 1);
    fleet.batched.back()->set_challenger(pba::default_model("internet"));
    fleet.single.back()->set_challenger(pba::default_model("internet"));
    fleet.add(no_model, no_model);
    every_s.push_back(1);
    std::vector<int> order;
    for (int l = 0; l < static_cast<int>(fleet.batched.size()); ++l) order.push_back(l);
    const int window = static_cast<int>(slot->model()->pipeline().rows());
    for (int t = 0; t < window + 240; ++t) {
        for (std::size_t l = 0; l < fleet.batched.size(); ++l)
            if (t % every_s[l] == 0) fleet.observe(l, t);
        if (t >= 5 && (t % 7 == 0 || t + 1 >= window)) fleet.predict_and_compare(order);
    }
    fleet.compare_stats();
    const Forecast served = fleet.batched[0]->predict();
    CHECK(served.aggregated);
    CHECK_FALSE(served.fallback);
    const Forecast slow = fleet.batched[10]->predict();
    CHECK(slow.aggregated);
    CHECK(slow.fallback_reason == FallbackReason::not_applicable);
    CHECK(fleet.batched[13]->predict().horizon_s == 900.0);
    CHECK_FALSE(fleet.batched[15]->predict().aggregated);
    CHECK(fleet.batched[0]->stats().aggregation.updates > 0);
}

TEST_CASE("predict_links batches per model: mixed generations during a reload", "[predict][links]") {
    auto m = pba::test::plain_metadata({"bandwidth_mbps", "latency_ms"}, {"bandwidth_mbps", "latency_ms"}, "A");
    m.set("input.sample_interval_s", 1.0);
    const auto first = pba::test::constant_model(12, m, {300, 25});
    const auto twin_first = pba::test::constant_model(12, m, {300, 25});
    m.set("model.version", std::string("B"));
    const auto second = pba::test::constant_model(12, m, {200, 15});
    const auto twin_second = pba::test::constant_model(12, m, {200, 15});
    const auto slot_a = std::make_shared<ModelSlot>(first);
    const auto slot_b = std::make_shared<ModelSlot>(first);
    const auto twin_a = std::make_shared<ModelSlot>(twin_first);
    const auto twin_b = std::make_shared<ModelSlot>(twin_first);
    Fleet fleet;
    for (int l = 0; l < 12; ++l) fleet.add(l % 3 == 0 ? slot_b : slot_a, l % 3 == 0 ? twin_b : twin_a);
    std::vector<int> order;
    for (int l = 0; l < 12; ++l) order.push_back(l);
    for (int t = 0; t < 40; ++t) {
        for (std::size_t l = 0; l < 12; ++l) fleet.observe(l, t);
        if (t == 20) {  // links on slot_b keep generation 1
            slot_a->replace(second);
            twin_a->replace(twin_second);
        }
        if (t == 30) {
            slot_b->replace(second);
            twin_b->replace(twin_second);
        }
        fleet.predict_and_compare(order);
    }
    fleet.compare_stats();
    CHECK(fleet.batched[1]->stats().model_generation == 2);
}

TEST_CASE("predict_links repeats a link whose batch is full at its second place", "[predict][links]") {
    // Link 0 waits in a full batch when it comes again: its batch runs first, holding no lock.
    const auto slot = internet_slot();
    const auto twin_slot = internet_slot();
    const std::size_t window = slot->model()->pipeline().rows();
    Fleet fleet;
    for (std::size_t l = 0; l < kLinksBatch; ++l) fleet.add(slot, twin_slot);
    std::vector<int> order;
    for (std::size_t l = 0; l < kLinksBatch; ++l) order.push_back(static_cast<int>(l));
    order.push_back(0);
    for (int t = 0; t < static_cast<int>(window) + 3; ++t) {
        for (std::size_t l = 0; l < kLinksBatch; ++l) fleet.observe(l, t);
        if (t + 3 >= static_cast<int>(window)) fleet.predict_and_compare(order);
    }
    fleet.compare_stats();
    CHECK(fleet.batched[0]->stats().model_predictions == 8);  // 4 rounds with a full window, twice each
}

namespace {

std::shared_ptr<ModelSlot> datacenter_slot() {
    return std::make_shared<ModelSlot>(pba::Model::from_bytes(pba::default_model_bytes("datacenter")));
}

// A mode-aware link's sample at second t: a minute like a datacenter path, a minute like an
// internet one, a minute between, each link starting at another phase.
Sample mode_sample(std::size_t l, int t) {
    const int phase = static_cast<int>((static_cast<std::size_t>(t / 60) + l) % 3);
    const double wobble = std::sin(0.1 * t + static_cast<double>(l));
    Sample s;
    s.timestamp_unix_s = 1764158100 + t;
    s.bandwidth_mbps = phase == 0 ? 4000 + 300 * wobble : phase == 1 ? 300 + 40 * wobble : 2000 + 100 * wobble;
    s.latency_ms = phase == 0 ? 2 + 0.1 * (t % 3) : phase == 1 ? 120 + (t % 7) : 30;
    s.packet_loss = phase == 1 ? 0.002 : 0.0001;
    s.jitter_ms = phase == 0 ? 0.1 : 3;
    return s;
}

void require_same_hybrid(HybridPredictor& a, HybridPredictor& b) {
    require_same(a.stats(), b.stats());
    CHECK(a.stats().mode_switches == b.stats().mode_switches);
    require_same(a.datacenter().stats(), b.datacenter().stats());
    require_same(a.internet().stats(), b.internet().stats());
}

}  // namespace

TEST_CASE("predict_links serves mode-aware links exactly as their predict(), members batched", "[predict][links]") {
    // More mode-aware links than one batch, automatic and always-hybrid, among single-model
    // links; some stop after 20 s (fallback), one never gets a sample, one comes twice, and a
    // null link sits among them. Twins on their own Model objects are predicted one by one.
    const auto dc = datacenter_slot(), inet = internet_slot();
    const auto twin_dc = datacenter_slot(), twin_inet = internet_slot();
    constexpr std::size_t kModeAware = kLinksBatch + 12;
    std::vector<std::unique_ptr<HybridPredictor>> batched, twins;
    for (std::size_t l = 0; l < kModeAware; ++l) {
        HybridConfig config;
        config.policy = l % 4 == 1 ? ModePolicy::hybrid : ModePolicy::automatic;
        batched.push_back(std::make_unique<HybridPredictor>(dc, inet, config));
        twins.push_back(std::make_unique<HybridPredictor>(twin_dc, twin_inet, config));
    }
    Fleet singles;
    for (std::size_t l = 0; l < 8; ++l) singles.add(inet, twin_inet);

    std::vector<LinkPredictor*> links;
    std::vector<LinkPredictor*> twin_links;
    for (std::size_t l = 0; l < kModeAware; ++l) {
        links.push_back(batched[l].get());
        twin_links.push_back(twins[l].get());
        if (l % 10 == 3) {
            links.push_back(singles.batched[l / 10].get());
            twin_links.push_back(singles.single[l / 10].get());
        }
    }
    links.insert(links.begin() + 40, nullptr);
    twin_links.insert(twin_links.begin() + 40, nullptr);
    links.push_back(batched[5].get());
    twin_links.push_back(twins[5].get());

    std::size_t combined = 0, served_alone = 0;
    for (int t = 0; t < 400; ++t) {
        for (std::size_t l = 0; l + 1 < kModeAware; ++l) {
            if (l % 9 == 4 && t >= 20) continue;
            batched[l]->observe(mode_sample(l, t));
            twins[l]->observe(mode_sample(l, t));
        }
        for (std::size_t l = 0; l < singles.batched.size(); ++l) singles.observe(l, t);
        if (t % 15 != 0 && t < 390) continue;
        std::vector<LinkForecast> out(links.size());
        predict_links(links, out);
        for (std::size_t i = 0; i < links.size(); ++i) {
            INFO("second " << t << ", position " << i);
            if (links[i] == nullptr) {
                CHECK(out[i].error);
                continue;
            }
            try {
                const Forecast expected = twin_links[i]->predict();
                REQUIRE_FALSE(out[i].error);
                require_same(out[i].forecast, expected);
                if (expected.mode == Mode::hybrid && !expected.fallback) ++combined;
                if (expected.mode != Mode::hybrid) ++served_alone;
            } catch (const pba::Error& e) {
                REQUIRE(out[i].error);
                CHECK_THROWS_WITH(std::rethrow_exception(out[i].error), e.what());
            }
        }
    }
    for (std::size_t l = 0; l < kModeAware; ++l) {
        INFO("mode-aware link " << l);
        require_same_hybrid(*batched[l], *twins[l]);
    }
    singles.compare_stats();
    CHECK(combined > 500);
    CHECK(served_alone > 500);
    CHECK(batched[0]->stats().mode_switches >= 3);
    CHECK(batched[kModeAware - 1]->stats().predictions == 0);  // never a sample: not_ready each time
}

TEST_CASE("predict_links allocates nothing once this thread's batch buffers exist", "[predict][links][allocation]") {
    const auto slot = std::make_shared<ModelSlot>(pba::default_model("internet"));
    const std::size_t window = slot->model()->pipeline().rows();
    std::vector<std::unique_ptr<Predictor>> links;
    for (int l = 0; l < 10; ++l) links.push_back(std::make_unique<Predictor>(slot));
    std::vector<Predictor*> pointers;
    for (auto& p : links) pointers.push_back(p.get());
    std::vector<LinkForecast> out(links.size());
    for (int t = 0; t < static_cast<int>(window) + 5; ++t)
        for (std::size_t l = 0; l < links.size(); ++l) links[l]->observe(sample(t, bandwidth(l, t)));
    predict_links(pointers, out);
    pba::test::AllocationCounter counter;
    for (int t = static_cast<int>(window) + 5; t < static_cast<int>(window) + 10; ++t) {
        for (std::size_t l = 0; l < links.size(); ++l) links[l]->observe(sample(t, bandwidth(l, t)));
        predict_links(pointers, out);
    }
    CHECK(counter.allocations() == 0);
    CHECK_FALSE(out[3].forecast.fallback);
}

TEST_CASE("predict_links allocates nothing for mode-aware links once the batch buffers exist",
          "[predict][links][allocation]") {
    const auto dc = std::make_shared<ModelSlot>(pba::default_model("datacenter"));
    const auto inet = std::make_shared<ModelSlot>(pba::default_model("internet"));
    HybridConfig always;
    always.policy = ModePolicy::hybrid;
    HybridPredictor a(dc, inet, always), b(dc, inet);
    std::vector<LinkPredictor*> links{&a, &b};
    std::vector<LinkForecast> out(links.size());
    for (int t = 0; t < 190; ++t) {
        a.observe(mode_sample(0, t));
        b.observe(mode_sample(1, t));
    }
    predict_links(links, out);
    pba::test::AllocationCounter counter;
    for (int t = 190; t < 200; ++t) {
        a.observe(mode_sample(0, t));
        b.observe(mode_sample(1, t));
        predict_links(links, out);
    }
    CHECK(counter.allocations() == 0);
    REQUIRE_FALSE(out[0].error);
    CHECK(out[0].forecast.mode == Mode::hybrid);
    CHECK_FALSE(out[0].forecast.fallback);
}
