// A C++ consumer of an installed pba: the C++ API for a predictor, the C interface from the
// same library, and the AMST settings for the forecast.
//
//   pba_example_cpp [model.pba]     (default: the embedded "v1" model, when this build has one)

#include <cmath>
#include <cstdio>
#include <memory>

#include <pba.h>
#include <pba/amst/parameters.hpp>
#include <pba/error.hpp>
#include <pba/model/defaults.hpp>
#include <pba/predict/predictor.hpp>
#include <pba/version.hpp>

int main(int argc, char** argv) try {
    std::printf("pba %s (C interface: %s)\n", PBA_VERSION_STRING, pba_version_string());

    std::shared_ptr<const pba::Model> model;
    if (argc > 1) {
        model = pba::Model::from_file(argv[1]);
    } else {
        try {
            model = pba::default_model("v1");
        } catch (const pba::Error& e) {
            std::printf("no embedded v1 model: %s\n", e.what());
        }
    }

    // One predictor per link; without a model it answers with the transport's fallback rule.
    pba::predict::Predictor predictor(model);
    for (int i = 0; i < 10; ++i) {
        pba::predict::Sample s;
        s.timestamp_unix_s = 1790000000.0 + i;
        s.bandwidth_mbps = 100.0 + 10.0 * i;
        s.latency_ms = 20.0 + i;
        s.packet_loss = 0.01;
        s.jitter_ms = 2.0;
        if (!predictor.observe(s).accepted()) {
            std::fprintf(stderr, "sample %d refused\n", i);
            return 1;
        }
    }
    const pba::predict::Forecast f = predictor.predict();
    std::printf("forecast: bandwidth %.2f Mbps, latency %.2f ms, confidence %.2f, model '%s'%s\n", f.bandwidth_mbps,
                f.latency_ms, f.confidence, f.model_version.data(), f.fallback ? " (fallback)" : "");
    if (!model && (std::abs(f.bandwidth_mbps - 154.0) > 1e-9 || std::abs(f.latency_ms - 25.4) > 1e-9)) {
        std::fprintf(stderr, "the transport's fallback case does not hold\n");
        return 1;
    }

    const pba::amst::Settings settings =
        pba::amst::settings({f.bandwidth_mbps, f.latency_ms, f.packet_loss, f.jitter_ms});
    std::printf("streams=%lld buffer_bytes=%lld chunk_bytes=%lld pacing_bytes_per_s=%lld window_bytes=%lld\n",
                static_cast<long long>(settings.streams), static_cast<long long>(settings.buffer_bytes),
                static_cast<long long>(settings.chunk_bytes), static_cast<long long>(settings.pacing_bytes_per_s),
                static_cast<long long>(settings.window_bytes));
    return 0;
} catch (const pba::Error& e) {
    std::fprintf(stderr, "pba: %s\n", e.what());
    return 1;
}
