// The trained models compiled into the library: one per src/models/*.pba, by file stem.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "pba/error.hpp"
#include "pba/model/defaults.hpp"
#include "pba/predict/forecast_model.hpp"

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
