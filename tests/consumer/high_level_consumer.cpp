// A program that uses pba through its high-level headers only, compiled with pba's include
// directories and nothing else (tests/consumer/CMakeLists.txt): it must neither need nor
// receive Eigen or xsimd. It forecasts with the embedded `internet` model, sizes the
// transport's settings and asks the allocation policy, checking each against a reference.
#include <pba/amst.hpp>
#include <pba/error.hpp>
#include <pba/model.hpp>
#include <pba/policy.hpp>
#include <pba/predict.hpp>
#include <pba/version.hpp>

// xsimd sits in a default include directory, so reaching it would compile: its and Eigen's
// version macros tell whether any header above pulled either in.
#if defined(EIGEN_WORLD_VERSION) || defined(XSIMD_VERSION_MAJOR)
#error "a high-level pba header includes Eigen or xsimd"
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

// The window tests/predict/pipeline_reference.py builds for `internet` (180 samples, 1 s
// apart, bandwidth 40 (1 + 0.25 sin 0.3 t), missing at t = 0, 1, 90), whose forecast through
// the numpy training pipeline and float64 layers is 39.272014175131496 Mbps.
constexpr double kStart = 1764158100.0;
constexpr int kSamples = 180;
constexpr double kPipelineForecastMbps = 39.272014175131496;

void forecast_internet() {
    pba::predict::PredictorConfig config;
    config.aggregation = pba::predict::AggregationPolicy::off;  // the network's own forecast
    pba::predict::Predictor link(pba::default_model("internet"), config);
    for (int t = 0; t < kSamples; ++t) {
        pba::predict::Sample s;
        s.timestamp_unix_s = kStart + t;
        s.bandwidth_mbps = (t == 0 || t == 1 || t == kSamples / 2) ? std::numeric_limits<double>::quiet_NaN()
                                                                    : 40.0 * (1.0 + 0.25 * std::sin(0.3 * t));
        check(link.observe(s).accepted(), "a sample of the window was refused");
    }
    const pba::predict::Forecast f = link.predict();
    std::printf("internet forecast: %.9g Mbps (pipeline reference %.9g)%s\n", f.bandwidth_mbps,
                kPipelineForecastMbps, f.fallback ? ", fallback" : "");
    check(!f.fallback, "the internet model did not answer");
    check(std::abs(f.bandwidth_mbps - kPipelineForecastMbps) <= 1e-5 * kPipelineForecastMbps,
          "the forecast differs from the training pipeline's");
}

// tests/data/amst_go_reference.csv, first row: the transport's Go code on this forecast.
void transport_settings() {
    const pba::amst::Settings s = pba::amst::settings({100, 50, 0, 5});
    check(s == pba::amst::Settings{10, 687500, 68750, 11875000, 6875000}, "AMST settings differ from Go's");
}

void allocation() {
    const pba::policy::AllocationPolicy policy(pba::default_model("policy"));
    auto ws = policy.make_workspace();
    const pba::policy::Decision d = policy.greedy({.latency_ms = 40, .bandwidth_mbps = 500, .packet_loss = 0.001,
                                                   .reliability = 0.99},
                                                  ws);
    const auto q = ws.q();
    check(q.size() == policy.action_count(), "one Q-value per action");
    check(std::all_of(q.begin(), q.end(), [](float v) { return std::isfinite(v); }), "Q-values are finite");
    check(d.action < q.size() && q[d.action] == *std::max_element(q.begin(), q.end()), "greedy takes the largest Q");
    check(d.allocation_pct == 10 * (static_cast<int>(d.action) + 1), "action a allocates (a + 1) x 10 %");
    std::printf("policy: action %zu, %d %%\n", d.action, d.allocation_pct);
}

}  // namespace

int main() try {
    std::printf("pba %s\n", PBA_VERSION_STRING);
    forecast_internet();
    transport_settings();
    allocation();
    return failures == 0 ? 0 : 1;
} catch (const pba::Error& e) {
    std::fprintf(stderr, "pba: %s\n", e.what());
    return 1;
}
