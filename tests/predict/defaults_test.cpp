// The trained models compiled into the library: one per src/models/*.pba, by file stem.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "pba/error.hpp"
#include "pba/model/defaults.hpp"
#include "pba/predict/forecast_model.hpp"
#include "pba/predict/predictor.hpp"

namespace fs = std::filesystem;

namespace {
std::vector<std::string> model_files() {
    std::vector<std::string> names;
    if (fs::is_directory(PBA_MODELS_DIR))
        for (const auto& entry : fs::directory_iterator(PBA_MODELS_DIR))
            if (entry.path().extension() == ".pba") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::byte> file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::transform(chars.begin(), chars.end(), bytes.begin(), [](char c) { return std::byte(c); });
    return bytes;
}
}  // namespace

TEST_CASE("every src/models/*.pba is embedded byte for byte, by name", "[predict][defaults]") {
    const auto files = model_files();
    CHECK(pba::default_model_names() == files);
    for (const auto& name : files) {
        INFO(name);
        const auto embedded = pba::default_model_bytes(name);
        const auto on_disk = file_bytes(fs::path(PBA_MODELS_DIR) / (name + ".pba"));
        REQUIRE(embedded.size() == on_disk.size());
        CHECK(std::equal(embedded.begin(), embedded.end(), on_disk.begin()));
        const auto model = pba::default_model(name);
        REQUIRE(model);
        CHECK(pba::default_model(name) == model);  // loaded once, shared
    }
}

TEST_CASE("an unknown default model name is refused, listing the available ones", "[predict][defaults]") {
    try {
        pba::default_model("no-such-model");
        FAIL("expected not_found");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::not_found);
        CHECK_THAT(e.what(), Catch::Contains("no-such-model"));
        CHECK_THAT(e.what(), Catch::Contains("available: "));
        for (const auto& name : model_files()) CHECK_THAT(e.what(), Catch::Contains(name));
    }
    CHECK_THROWS_AS(pba::default_model_bytes(""), pba::Error);
}

TEST_CASE("default models load once when many threads ask at the same time", "[predict][defaults][concurrency]") {
    const auto names = pba::default_model_names();
    if (names.empty()) return;
    std::vector<std::shared_ptr<const pba::Model>> got(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < got.size(); ++i)
        threads.emplace_back([&, i] { got[i] = pba::default_model(names.back()); });
    for (auto& t : threads) t.join();
    for (const auto& m : got) CHECK(m == got.front());
}

namespace {
// Rows of a CSV with a header; an empty cell is NaN.
std::vector<std::vector<double>> read_table(const fs::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("reference file missing: " + path.string());
    std::vector<std::vector<double>> rows;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::vector<double> row;
        std::size_t start = 0;
        while (true) {
            const std::size_t comma = line.find(',', start);
            const std::string cell = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            row.push_back(cell.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(cell));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}
}  // namespace

TEST_CASE("embedded forecasting models through the C++ predictor match the training pipeline",
          "[.][pipeline_live]") {
    using namespace pba::predict;
    const char* dir = std::getenv("PBA_PIPELINE_REFERENCE_DIR");
    REQUIRE(dir != nullptr);
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string file = entry.path().filename().string();
        const std::string suffix = ".window.csv";
        if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string name = file.substr(0, file.size() - suffix.size());
        INFO("model " << name);
        // The network's own forecast: aggregation would mix in the smoothers.
        PredictorConfig config;
        config.aggregation = AggregationPolicy::off;
        Predictor p(pba::default_model(name), config);
        for (const auto& r : read_table(entry.path())) {
            Sample s;
            s.timestamp_unix_s = r[0];
            s.bandwidth_mbps = r[1];
            s.latency_ms = r[2];
            s.packet_loss = r[3];
            s.jitter_ms = r[4];
            REQUIRE(p.observe(s).accepted());
        }
        const Forecast f = p.predict();
        REQUIRE_FALSE(f.fallback);
        const auto expected = read_table(fs::path(dir) / (name + ".expected.csv")).at(0);
        for (std::size_t i = 0; i < kForecastFieldCount; ++i) {
            if (std::isnan(expected[i])) continue;
            INFO(to_string(static_cast<SampleField>(i)));
            // Float32 layers against the reference's float64: agreement to ~1e-6 relative.
            CHECK(f.value(static_cast<SampleField>(i)) == Approx(expected[i]).epsilon(1e-5).margin(1e-9));
        }
        ++checked;
    }
    CHECK(checked >= 1);
}

TEST_CASE("the shipped defaults: forecasters drive predictors, a steady link is forecast steady",
          "[predict][defaults]") {
    using namespace pba::predict;
    const auto names = pba::default_model_names();
    for (const char* required : {"internet", "datacenter", "v1", "policy"})
        CHECK(std::find(names.begin(), names.end(), required) != names.end());

    struct Case {
        const char* name;
        Mode mode;
        double bandwidth_mbps, latency_ms;
    };
    for (const Case& c : {Case{"internet", Mode::internet, 40, 60}, Case{"datacenter", Mode::datacenter, 5000, 1}}) {
        INFO(c.name);
        const auto fm = ForecastModel::create(pba::default_model(c.name));
        CHECK(fm->mode() == c.mode);
        CHECK(fm->horizon_s() > 0);
        Predictor p(pba::default_model(c.name));
        const int samples = static_cast<int>(fm->pipeline().rows()) + 10;  // a full window and then some
        for (int t = 0; t < samples; ++t) {
            Sample s;
            s.timestamp_unix_s = 1764158100 + t * fm->sample_interval_s();
            s.bandwidth_mbps = c.bandwidth_mbps;
            s.latency_ms = c.latency_ms;
            s.packet_loss = 1e-4;
            s.jitter_ms = 0.1;
            p.observe(s);
        }
        const Forecast f = p.predict();
        REQUIRE_FALSE(f.fallback);
        CHECK(f.bandwidth_mbps == Approx(c.bandwidth_mbps).epsilon(0.2));
        CHECK(std::string(f.model_version.data()) == fm->version());
    }
    // The policy network has no forecast outputs: it cannot drive a predictor, and says why.
    try {
        ForecastModel::create(pba::default_model("policy"));
        FAIL("the policy model was accepted as a forecaster");
    } catch (const pba::Error& e) {
        CHECK(e.code() == pba::Errc::malformed_model);
        CHECK_THAT(e.what(), Catch::Contains("output.targets"));
    }
}

TEST_CASE("the shipped v1 reproduces the transport's layout exactly", "[predict][defaults]") {
    using namespace pba::predict;
    const auto v1 = ForecastModel::create(pba::default_model("v1"));
    REQUIRE(v1->pipeline().rows() == 10);
    REQUIRE(v1->pipeline().inputs().size() == 6);
    REQUIRE(v1->pipeline().outputs().size() == 4);
    Window w(10);
    // 2025-11-26 11:55 UTC, a Wednesday (3), one sample a minute: rows 0-4 in hour 11, 5-9 in hour 12.
    for (int i = 0; i < 10; ++i) {
        Sample s;
        s.timestamp_unix_s = 1764158100 + 60 * i;
        s.bandwidth_mbps = 100 + 10 * i;
        s.latency_ms = 20 + i;
        s.packet_loss = 0.01;
        s.jitter_ms = 2;
        w.push(s);
    }
    std::vector<float> input(60);
    std::vector<double> means(6);
    REQUIRE(v1->pipeline().encode(w, 0.0, input, means) == -1);
    for (int i = 0; i < 10; ++i) {
        INFO("row " << i);
        // [bw/1000, lat/100, loss, jitter/50, hour/24, weekday/7], by hand.
        const float expected[6] = {(100.0f + 10 * i) / 1000, (20.0f + i) / 100, 0.01f, 0.04f,
                                   (i < 5 ? 11.0f : 12.0f) / 24, 3.0f / 7};
        for (int f = 0; f < 6; ++f) CHECK(input[i * 6 + f] == Approx(expected[f]).epsilon(1e-6));
    }
    // Outputs [bw x 1000, lat x 100, loss, jitter x 50].
    DecodedOutputs out;
    const float y[] = {0.5f, 0.3f, 0.02f, 0.1f};
    REQUIRE(v1->pipeline().decode(y, means, out));
    CHECK(out.values[0] == Approx(500).epsilon(1e-6));
    CHECK(out.values[1] == Approx(30).epsilon(1e-6));
    CHECK(out.values[2] == Approx(0.02).epsilon(1e-6));
    CHECK(out.values[3] == Approx(5).epsilon(1e-6));
}
