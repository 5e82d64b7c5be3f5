// Resident memory of a process holding one v1 predictor with its model: the embedded `v1`
// model when the build has it, else the v1 architecture with random weights and the v1 feature
// layout. Prints VmRSS at start, after loading, and after a forecast, then VmHWM (peak).
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <malloc.h>
#include <string>

#include "architectures.hpp"
#include "pba/error.hpp"
#include "pba/model/defaults.hpp"
#include "pba/predict/predictor.hpp"

namespace {

long status_kib(const char* key) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size() + 1));
    return -1;
}

std::shared_ptr<const pba::Model> v1_model(std::string& source) {
    try {
        source = "embedded v1";
        return pba::default_model("v1");
    } catch (const pba::Error&) {
        source = "v1 architecture, random weights";
        auto d = pba::bench::architecture("v1");
        d.metadata.set("input.features", std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss",
                                                                  "jitter_ms", "hour_of_day", "day_of_week"});
        d.metadata.set("input.norm", std::vector<std::string>{"divide", "divide", "none", "divide", "divide", "divide"});
        d.metadata.set("input.norm_a", std::vector<double>{1000, 100, 0, 50, 24, 7});
        d.metadata.set("output.targets",
                       std::vector<std::string>{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"});
        d.metadata.set("output.norm", std::vector<std::string>{"divide", "divide", "none", "divide"});
        d.metadata.set("output.norm_a", std::vector<double>{1000, 100, 0, 50});
        return pba::Model::from_description(std::move(d));
    }
}

}  // namespace

int main() {
    const long start = status_kib("VmRSS:");
    std::string source;
    auto model = v1_model(source);
    const long loaded = status_kib("VmRSS:");
    pba::predict::Predictor predictor(std::make_shared<pba::predict::ModelSlot>(std::move(model)));
    for (int i = 0; i < 10; ++i) {
        pba::predict::Sample s;
        s.timestamp_unix_s = 1764158100.0 + i;  // v1's 1 s interval: a longer gap restarts the window
        s.bandwidth_mbps = 100.0 + i;
        s.latency_ms = 20.0;
        s.packet_loss = 0.01;
        s.jitter_ms = 2.0;
        predictor.observe(s);
    }
    const auto forecast = predictor.predict();
    fmt::print("model: {}; forecast: bandwidth {:.1f} Mbps, fallback {}\n", source, forecast.bandwidth_mbps,
               forecast.fallback);
    const long predicting = status_kib("VmRSS:");
    // What stays resident once the allocator returns the loader's freed temporaries.
    malloc_trim(0);
    fmt::print("rss_start_kib={} rss_model_kib={} rss_predictor_kib={} rss_after_trim_kib={} hwm_kib={}\n", start,
               loaded, predicting, status_kib("VmRSS:"), status_kib("VmHWM:"));
    if (std::getenv("PBA_RSS_SMAPS")) {  // where the resident pages are, per mapping
        std::ifstream smaps("/proc/self/smaps");
        std::ofstream(std::getenv("PBA_RSS_SMAPS")) << smaps.rdbuf();
    }
    return forecast.fallback ? 1 : 0;
}
