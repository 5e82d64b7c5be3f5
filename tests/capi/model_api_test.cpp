// The C interface's version, status, error and model calls, driven as a C caller would:
// every bad argument must give its status and a message naming the defect.

#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "c_caller.h"
#include "default_bytes.h"
#include "internal.hpp"
#include "pba.h"
#include "pba/format/model_file.hpp"
#include "pba/model/model.hpp"
#include "support/model_builder.hpp"

using pba::format::ActivationCode;

namespace {

std::string last_error() { return pba_last_error(); }

// A Dense-only model small enough to check by hand: y = W x + b over 3 inputs.
pba::format::ModelDescription dense_description() {
    auto d = pba::test::ModelBuilder({3}).dense(2).meta("model.name", std::string("tiny")).build();
    d.tensors[0].values = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 0.25f};  // W [2, 3]
    d.tensors[1].values = {0.5f, -2.0f};                          // b [2]
    return d;
}

std::vector<std::byte> dense_bytes() { return pba::format::write_model(dense_description()); }

std::vector<std::byte> lstm_bytes() {
    return pba::format::write_model(pba::test::ModelBuilder({10, 6}, 7)
                                        .lstm(8, false)
                                        .dense(4)
                                        .meta("model.name", std::string("v1-shaped"))
                                        .meta("model.version", std::string("2026.1"))
                                        .meta("model.mode", std::string("internet"))
                                        .meta("input.features", std::vector<std::string>{"bandwidth_mbps", "lat\"ency"})
                                        .meta("forecast.horizon_s", 5.0)
                                        .build());
}

struct ModelPtr {
    pba_model* model = nullptr;
    ~ModelPtr() { pba_model_free(model); }
};

pba_model* load(const std::vector<std::byte>& bytes, ModelPtr& holder) {
    REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), nullptr, &holder.model) == PBA_OK);
    REQUIRE(holder.model != nullptr);
    return holder.model;
}

}  // namespace

TEST_CASE("version queries agree with the header", "[capi]") {
    CHECK(pba_version() == PBA_VERSION_NUMBER);
    CHECK(std::string(pba_version_string()) == PBA_VERSION_STRING);
    CHECK(pba_abi_version() == PBA_ABI_VERSION);
    CHECK(PBA_VERSION_NUMBER == PBA_VERSION_MAJOR * 10000 + PBA_VERSION_MINOR * 100 + PBA_VERSION_PATCH);
}

TEST_CASE("every status has its own string, unknown values are named so", "[capi]") {
    std::vector<std::string> seen;
    for (int s = PBA_OK; s <= PBA_ERR_INTERNAL; ++s) {
        const std::string text = pba_status_string(static_cast<pba_status>(s));
        CHECK(!text.empty());
        CHECK(text != "unknown status");
        CHECK(std::find(seen.begin(), seen.end(), text) == seen.end());
        seen.push_back(text);
    }
    // Through C: a C++ cast of these to pba_status would be undefined.
    for (int unknown : {17, 9999, -1, INT_MAX, INT_MIN}) {
        INFO("status " << unknown);
        CHECK(std::string(c_status_string(unknown)) == "unknown status");
    }
    // Values are ABI: pin a few so a renumbering cannot pass unnoticed.
    CHECK(PBA_ERR_NULL_POINTER == 2);
    CHECK(PBA_ERR_NOT_FOUND == 11);
    CHECK(PBA_ERR_INTERNAL == 16);
}

TEST_CASE("a loaded model reports its shape and metadata", "[capi]") {
    ModelPtr holder;
    pba_model* m = load(lstm_bytes(), holder);

    pba_model_info info;
    info.struct_size = sizeof info;
    REQUIRE(pba_model_get_info(m, &info) == PBA_OK);
    CHECK(std::string(info.name) == "v1-shaped");
    CHECK(std::string(info.version) == "2026.1");
    CHECK(std::string(info.mode) == "internet");
    CHECK(info.window_length == 10);
    CHECK(info.feature_count == 6);
    CHECK(info.input_size == 60);
    CHECK(info.output_size == 4);
    CHECK(info.layer_count == 2);
    // LSTM 4H x (F + H) + 2 x 4H biases, Dense 4 x 8 + 4.
    CHECK(info.parameter_count == 32 * 6 + 32 * 8 + 32 + 32 + 4 * 8 + 4);
    CHECK(info.has_self_test == 0);
    CHECK(last_error().empty());

    // Keys come sorted bytewise.
    REQUIRE(pba_model_metadata_count(m) == 6);
    CHECK(std::string(pba_model_metadata_key(m, 0)) == "forecast.horizon_s");
    CHECK(std::string(pba_model_metadata_key(m, 1)) == "input.features");
    CHECK(pba_model_metadata_key(m, 6) == nullptr);
    CHECK(pba_model_metadata_key(nullptr, 0) == nullptr);
    CHECK(pba_model_metadata_count(nullptr) == 0);

    char buffer[64];
    size_t required = 0;
    REQUIRE(pba_model_metadata(m, "forecast.horizon_s", buffer, sizeof buffer, &required) == PBA_OK);
    CHECK(std::string(buffer) == "5");
    CHECK(required == 2);
    REQUIRE(pba_model_metadata(m, "input.features", buffer, sizeof buffer, &required) == PBA_OK);
    CHECK(std::string(buffer) == R"(["bandwidth_mbps", "lat\"ency"])");
    REQUIRE(pba_model_metadata(m, "input.shape", buffer, sizeof buffer, nullptr) == PBA_OK);
    CHECK(std::string(buffer) == "[10, 6]");
}

TEST_CASE("metadata text follows the snprintf size protocol", "[capi]") {
    ModelPtr holder;
    pba_model* m = load(lstm_bytes(), holder);
    size_t required = 0;
    CHECK(pba_model_metadata(m, "model.name", nullptr, 0, &required) == PBA_ERR_BUFFER_TOO_SMALL);
    CHECK(required == std::strlen("v1-shaped") + 1);
    char small[4] = {'x', 'x', 'x', 'x'};
    CHECK(pba_model_metadata(m, "model.name", small, sizeof small, &required) == PBA_ERR_BUFFER_TOO_SMALL);
    CHECK(std::string(small) == "v1-");
    CHECK_THAT(last_error(), Catch::Contains("needs 10 bytes"));
    std::vector<char> exact(required);
    CHECK(pba_model_metadata(m, "model.name", exact.data(), exact.size(), nullptr) == PBA_OK);
    CHECK(std::string(exact.data()) == "v1-shaped");

    CHECK(pba_model_metadata(m, "no.such.key", exact.data(), exact.size(), nullptr) == PBA_ERR_NOT_FOUND);
    CHECK_THAT(last_error(), Catch::Contains("no.such.key"));
    CHECK(pba_model_metadata(m, "model.name", nullptr, 8, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("buffer is NULL"));
}

TEST_CASE("forward matches W x + b computed by hand, for one window and a batch", "[capi]") {
    ModelPtr holder;
    pba_model* m = load(dense_bytes(), holder);
    const float x[3] = {1.0f, -2.0f, 0.5f};
    float y[2] = {0, 0};
    REQUIRE(pba_model_forward(m, x, 3, y, 2) == PBA_OK);
    CHECK(y[0] == Approx(1 - 4 + 1.5 + 0.5));           // 1*1 + 2*-2 + 3*0.5 + 0.5
    CHECK(y[1] == Approx(-1 - 1 + 0.125 - 2.0));        // -1*1 + 0.5*-2 + 0.25*0.5 - 2

    const float xs[9] = {1.0f, -2.0f, 0.5f, 0, 0, 0, 2, 2, 2};
    float ys[6] = {};
    REQUIRE(pba_model_forward_batch(m, 3, xs, 9, ys, 6) == PBA_OK);
    CHECK(ys[0] == Approx(-1.0));
    CHECK(ys[1] == Approx(-3.875));
    CHECK(ys[2] == Approx(0.5));
    CHECK(ys[3] == Approx(-2.0));
    CHECK(ys[4] == Approx(12.5));   // 2 * (1 + 2 + 3) + 0.5
    CHECK(ys[5] == Approx(-2.5));   // 2 * (-1 + 0.5 + 0.25) - 2
}

TEST_CASE("forward refuses wrong counts, NaN inputs and NULL pointers with a message", "[capi]") {
    ModelPtr holder;
    pba_model* m = load(lstm_bytes(), holder);
    std::vector<float> window(60, 0.1f);
    float out[4];

    CHECK(pba_model_forward(m, window.data(), 59, out, 4) == PBA_ERR_SHAPE_MISMATCH);
    CHECK_THAT(last_error(), Catch::Contains("input_count is 59") && Catch::Contains("takes 60"));
    CHECK(pba_model_forward(m, window.data(), 60, out, 5) == PBA_ERR_SHAPE_MISMATCH);
    CHECK_THAT(last_error(), Catch::Contains("output_count is 5"));
    CHECK(pba_model_forward_batch(m, 0, window.data(), 0, out, 0) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("batch is 0"));
    CHECK(pba_model_forward_batch(m, SIZE_MAX / 2, window.data(), 60, out, 4) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("overflows"));

    window[13] = std::nanf("");
    CHECK(pba_model_forward(m, window.data(), 60, out, 4) == PBA_ERR_NON_FINITE);
    CHECK_THAT(last_error(), Catch::Contains("pba_model_forward") && Catch::Contains("position 13"));
    window[13] = INFINITY;
    CHECK(pba_model_forward(m, window.data(), 60, out, 4) == PBA_ERR_NON_FINITE);
    window[13] = 0.1f;

    CHECK(pba_model_forward(nullptr, window.data(), 60, out, 4) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("model is NULL"));
    CHECK(pba_model_forward(m, nullptr, 60, out, 4) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("input is NULL"));
    CHECK(pba_model_forward(m, window.data(), 60, nullptr, 4) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("output is NULL"));
    CHECK(pba_model_forward_batch(nullptr, 1, window.data(), 60, out, 4) == PBA_ERR_NULL_POINTER);

    // A good call afterwards succeeds and clears the message.
    CHECK(pba_model_forward(m, window.data(), 60, out, 4) == PBA_OK);
    CHECK(last_error().empty());
    for (float v : out) CHECK(std::isfinite(v));
}

TEST_CASE("loading refuses bad arguments and bad bytes, leaving *out_model NULL", "[capi]") {
    const auto bytes = lstm_bytes();
    pba_model* m = reinterpret_cast<pba_model*>(0x1);

    CHECK(pba_model_load_memory(bytes.data(), bytes.size(), nullptr, nullptr) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("out_model is NULL"));
    CHECK(pba_model_load_memory(nullptr, 10, nullptr, &m) == PBA_ERR_NULL_POINTER);
    CHECK(m == nullptr);

    m = reinterpret_cast<pba_model*>(0x1);
    CHECK(pba_model_load_memory(bytes.data(), 10, nullptr, &m) == PBA_ERR_MALFORMED_MODEL);
    CHECK(m == nullptr);
    CHECK_THAT(last_error(), Catch::Contains("pba_model_load_memory"));

    CHECK(pba_model_load_memory(nullptr, 0, nullptr, &m) == PBA_ERR_MALFORMED_MODEL);

    auto truncated = bytes;
    truncated.resize(bytes.size() - 1);
    CHECK(pba_model_load_memory(truncated.data(), truncated.size(), nullptr, &m) == PBA_ERR_MALFORMED_MODEL);
    CHECK_THAT(last_error(), Catch::Contains("truncated"));

    auto flipped = bytes;
    flipped[bytes.size() - 3] ^= std::byte{0x40};
    CHECK(pba_model_load_memory(flipped.data(), flipped.size(), nullptr, &m) == PBA_ERR_CHECKSUM_MISMATCH);
    CHECK(m == nullptr);

    CHECK(pba_model_load_file(nullptr, nullptr, &m) == PBA_ERR_NULL_POINTER);
    CHECK_THAT(last_error(), Catch::Contains("path is NULL"));
    CHECK(pba_model_load_file("/nonexistent/dir/model.pba", nullptr, &m) == PBA_ERR_IO);
    CHECK_THAT(last_error(), Catch::Contains("/nonexistent/dir/model.pba"));
    CHECK(m == nullptr);
}

TEST_CASE("load options: struct_size and reserved fields are checked", "[capi]") {
    const auto bytes = lstm_bytes();
    pba_model* m = nullptr;
    pba_load_options options = pba_load_options_default();
    CHECK(options.struct_size == sizeof(pba_load_options));
    CHECK(options.verify_self_test == 1);

    options.struct_size = sizeof(pba_load_options) - 4;
    CHECK(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("options.struct_size"));
    options.struct_size = sizeof(pba_load_options) + 8;
    CHECK(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_ERR_STRUCT_SIZE);
    CHECK_THAT(last_error(), Catch::Contains("newer than the library"));
    options.struct_size = 0;
    CHECK(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_ERR_STRUCT_SIZE);
    CHECK(m == nullptr);

    options = pba_load_options_default();
    options.reserved[0] = 7;
    CHECK(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("options.reserved[0] is 7"));
    CHECK(m == nullptr);

    options = pba_load_options_default();
    options.reload_flags = 6;
    CHECK(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("options.reload_flags is 0x6, unknown bits"));
    CHECK(m == nullptr);

    options = pba_load_options_default();
    CHECK(options.recurrent_weights == PBA_WEIGHTS_FP32);
    for (std::uint32_t bad : {3u, 7u, 0xFFFFFFFFu}) {
        options.recurrent_weights = bad;
        CHECK(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_ERR_INVALID_ARGUMENT);
        CHECK_THAT(last_error(), Catch::Contains("options.recurrent_weights is " + std::to_string(bad)));
        CHECK(m == nullptr);
    }

    options = pba_load_options_default();
    REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m) == PBA_OK);
    pba_model_free(m);
}

TEST_CASE("load options: recurrent_weights reaches the model as the C++ LoadOptions would", "[capi]") {
    // The kernels' accuracy in each storage is checked against PyTorch in tests/nn; here: the
    // C value selects the same storage as the C++ option, and only it.
    const auto bytes = lstm_bytes();
    std::vector<float> input(60);
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = 0.5f + 0.25f * std::sin(0.7f * static_cast<float>(i));
    const struct {
        std::uint32_t c;
        pba::nn::WeightStorage cpp;
    } cases[] = {{PBA_WEIGHTS_FP32, pba::nn::WeightStorage::fp32},
                 {PBA_WEIGHTS_FP16, pba::nn::WeightStorage::fp16},
                 {PBA_WEIGHTS_BF16, pba::nn::WeightStorage::bf16}};
    std::vector<std::vector<float>> outputs;
    for (const auto& c : cases) {
        INFO("recurrent_weights " << c.c);
        pba_load_options options = pba_load_options_default();
        options.recurrent_weights = c.c;
        ModelPtr m;
        REQUIRE(pba_model_load_memory(bytes.data(), bytes.size(), &options, &m.model) == PBA_OK);
        std::vector<float> out(4);
        REQUIRE(pba_model_forward(m.model, input.data(), input.size(), out.data(), out.size()) == PBA_OK);

        pba::LoadOptions cpp_options;
        cpp_options.recurrent_weights = c.cpp;
        const auto cpp = pba::Model::from_bytes(bytes, cpp_options);
        auto ws = cpp->make_workspace(1);
        std::vector<float> expected(4);
        cpp->forward(input, expected, ws);
        CHECK(out == expected);
        outputs.push_back(out);
    }
    // Reduced storage rounds the weights, so the outputs move, a little.
    for (std::size_t k = 1; k < outputs.size(); ++k) {
        float largest = 0;
        for (std::size_t i = 0; i < 4; ++i) largest = std::max(largest, std::abs(outputs[k][i] - outputs[0][i]));
        CHECK(largest > 0.0f);
        CHECK(largest < 1e-2f);
    }
}

TEST_CASE("a file round trip loads the same model", "[capi]") {
    const auto bytes = lstm_bytes();
    const auto path = std::filesystem::temp_directory_path() / ("pba_capi_test_" + std::to_string(::getpid()) + ".pba");
    {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    ModelPtr from_file, from_memory;
    REQUIRE(pba_model_load_file(path.c_str(), nullptr, &from_file.model) == PBA_OK);
    std::filesystem::remove(path);
    pba_model* m = load(bytes, from_memory);

    std::vector<float> window(60);
    for (std::size_t i = 0; i < window.size(); ++i) window[i] = 0.01f * static_cast<float>(i);
    float a[4], b[4];
    REQUIRE(pba_model_forward(from_file.model, window.data(), 60, a, 4) == PBA_OK);
    REQUIRE(pba_model_forward(m, window.data(), 60, b, 4) == PBA_OK);
    for (int i = 0; i < 4; ++i) CHECK(a[i] == b[i]);
}

TEST_CASE("model info refuses NULL and unknown struct sizes, leaving the struct alone", "[capi]") {
    ModelPtr holder;
    pba_model* m = load(dense_bytes(), holder);
    pba_model_info info{};
    info.struct_size = sizeof info - 8;
    info.window_length = 12345;
    CHECK(pba_model_get_info(m, &info) == PBA_ERR_STRUCT_SIZE);
    CHECK(info.window_length == 12345);
    CHECK_THAT(last_error(), Catch::Contains("info.struct_size"));
    CHECK(pba_model_get_info(nullptr, &info) == PBA_ERR_NULL_POINTER);
    CHECK(pba_model_get_info(m, nullptr) == PBA_ERR_NULL_POINTER);
    info.struct_size = sizeof info;
    REQUIRE(pba_model_get_info(m, &info) == PBA_OK);
    CHECK(info.window_length == 0);  // no time axis
    CHECK(info.input_size == 3);
    CHECK(std::string(info.mode) == "generic");
}

TEST_CASE("the last error is per thread", "[capi]") {
    CHECK(pba_model_forward(nullptr, nullptr, 0, nullptr, 0) == PBA_ERR_NULL_POINTER);
    std::string other;
    std::thread([&] {
        other = pba_last_error();
        pba_model* m = nullptr;
        pba_model_load_file("/nonexistent.pba", nullptr, &m);
    }).join();
    CHECK(other.empty());
    CHECK_THAT(last_error(), Catch::Contains("model is NULL"));
}

TEST_CASE("free accepts NULL, a model is shared by threads and outlives its handle's other users", "[capi]") {
    pba_model_free(nullptr);
    ModelPtr holder;
    pba_model* m = load(lstm_bytes(), holder);
    std::vector<float> window(60, 0.2f);
    float expected[4];
    REQUIRE(pba_model_forward(m, window.data(), 60, expected, 4) == PBA_OK);

    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            float out[4];
            for (int i = 0; i < 200; ++i) {
                if (pba_model_forward(m, window.data(), 60, out, 4) != PBA_OK ||
                    std::memcmp(out, expected, sizeof out) != 0)
                    ++mismatches;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(mismatches == 0);
}

TEST_CASE("embedded default models: listed, loadable by name, unknown names refused", "[capi]") {
    const size_t count = pba_default_model_count();
    for (size_t i = 0; i < count; ++i) {
        const char* name = pba_default_model_name(i);
        REQUIRE(name != nullptr);
        pba_model* m = nullptr;
        REQUIRE(pba_model_load_default(name, &m) == PBA_OK);
        pba_model_info info;
        info.struct_size = sizeof info;
        REQUIRE(pba_model_get_info(m, &info) == PBA_OK);
        CHECK(info.output_size > 0);
        pba_model_free(m);
    }
    CHECK(pba_default_model_name(count) == nullptr);

    pba_model* m = reinterpret_cast<pba_model*>(0x1);
    CHECK(pba_model_load_default("no-such-model", &m) == PBA_ERR_NOT_FOUND);
    CHECK(m == nullptr);
    CHECK_THAT(last_error(), Catch::Contains("no-such-model") && Catch::Contains("available"));
    CHECK(pba_model_load_default(nullptr, &m) == PBA_ERR_NULL_POINTER);
    CHECK(pba_model_load_default("v1", nullptr) == PBA_ERR_NULL_POINTER);
}

TEST_CASE("embedded default models' bytes, called from C, are their src/models files", "[capi]") {
    CHECK(std::string(c_check_default_model_bytes(PBA_MODELS_DIR)) == "");
}

TEST_CASE("a free overlapping a call is deferred to the end of that call", "[capi]") {
    // The guard behind every handle, driven step by step as two threads would interleave.
    struct Handle {
        pba::capi::Lifetime lifetime;
        bool* destroyed;
        ~Handle() { *destroyed = true; }
    };
    bool destroyed = false;
    auto* h = new Handle{{}, &destroyed};
    h->lifetime.enter();              // thread A enters a call
    h->lifetime.enter();              // thread B too
    CHECK_FALSE(h->lifetime.release());  // thread C frees: calls in progress, so not now
    CHECK_FALSE(h->lifetime.leave());    // A returns: B still inside
    CHECK(h->lifetime.leave());          // B returns last: it destroys
    delete h;
    CHECK(destroyed);

    destroyed = false;
    pba::capi::release(new Handle{{}, &destroyed});  // no call in progress: freed at once
    CHECK(destroyed);
}
