#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "pba/error.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/packed_weights.hpp"
#include "support/csv.hpp"
#include "support/model_builder.hpp"
#include "support/reference_forward.hpp"

using namespace pba;
using nn::kernels::Isa;

namespace {

// bf16 rounding written independently of nn::float_to_bf16: 8 significant bits, ties to even
// (std::nearbyint in the default rounding mode); exact for the normal numbers and zeros used here.
float round_to_bf16(float w) {
    if (w == 0.0f) return w;
    int exponent = 0;
    const double mantissa = std::frexp(double(w), &exponent);  // 0.5 <= |mantissa| < 1
    return float(std::ldexp(std::nearbyint(std::ldexp(mantissa, 8)), exponent - 8));
}

// The largest |pba - PyTorch| over a committed reference model's test windows, loaded with
// `storage` recurrent weights on the active instruction set.
double error_against_pytorch(const char* arch, nn::WeightStorage storage) {
    const auto dir = test::data_dir() / "reference";
    const auto inputs = test::read_csv_rows(dir / (std::string(arch) + ".input.csv"));
    const auto expected = test::read_csv_rows(dir / (std::string(arch) + ".output.csv"));
    LoadOptions options;
    options.recurrent_weights = storage;
    const auto model = Model::from_file(dir / (std::string(arch) + ".pba"), options);
    auto ws = model->make_workspace(1);
    std::vector<float> out(model->output_size());
    double worst = 0.0;
    for (std::size_t n = 0; n < inputs.size(); ++n) {
        model->forward(inputs[n], out, ws);
        for (std::size_t i = 0; i < out.size(); ++i)
            worst = std::max(worst, std::abs(double(out[i]) - double(expected[n][i])));
    }
    return worst;
}

const char* kLstmReferences[] = {"v1", "dc3", "inet3", "ddqn_lstm", "torch9"};

}  // namespace

TEST_CASE("fp16 conversion rounds to IEEE binary16 values") {
    CHECK(nn::float_to_half(1.0f) == 0x3c00);
    CHECK(nn::float_to_half(-2.0f) == 0xc000);
    CHECK(nn::float_to_half(65504.0f) == 0x7bff);                  // largest finite
    CHECK(nn::float_to_half(65520.0f) == 0x7c00);                  // rounds past it: infinity
    CHECK(nn::float_to_half(1.0f / 3.0f) == 0x3555);               // 0.333251953125
    CHECK(nn::float_to_half(std::ldexp(1.0f, -24)) == 0x0001);     // smallest subnormal
    CHECK(nn::float_to_half(std::ldexp(1.0f, -26)) == 0x0000);     // below half of it: zero
    CHECK(nn::float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // a tie rounds to even
    CHECK(nn::float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
    CHECK(nn::half_to_float(0x3555) == 0.333251953125f);
    CHECK(nn::half_to_float(0x0001) == std::ldexp(1.0f, -24));
    CHECK(nn::half_to_float(0xfbff) == -65504.0f);
    CHECK(std::isinf(nn::half_to_float(0x7c00)));
}

TEST_CASE("fp16 storage refuses a weight beyond fp16's range") {
    nn::AlignedVector<float> w{0.5f, 70000.0f};
    CHECK_THROWS_AS(nn::to_half(w), Error);
    try {
        nn::to_half(w);
    } catch (const Error& e) {
        CHECK(e.code() == Errc::unsupported);
        CHECK(std::string(e.what()).find("70000") != std::string::npos);
    }
}

// The accuracy cost of fp16 recurrent weights, stated against PyTorch's float32 outputs for the
// committed reference models, on every instruction set this CPU has.
TEST_CASE("fp16 recurrent weights: error against PyTorch stated and bounded") {
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        for (const char* arch : kLstmReferences) {
            const double worst = error_against_pytorch(arch, nn::WeightStorage::fp16);
            INFO(nn::kernels::to_string(isa) << " " << arch);
            WARN(nn::kernels::to_string(isa) << " " << arch << ": fp16 max |pba - PyTorch| = " << worst);
            CHECK(worst > 1e-6);  // the weights really were rounded
            CHECK(worst < 1e-4);
        }
    }
    nn::kernels::set_active_isa(original);
}

TEST_CASE("bf16 conversion rounds to the nearest bfloat16, ties to even") {
    CHECK(nn::float_to_bf16(1.0f) == 0x3f80);
    CHECK(nn::float_to_bf16(-2.0f) == 0xc000);
    CHECK(nn::float_to_bf16(1.0f / 3.0f) == 0x3eab);                   // 0x3eaaaaab rounds up: 0.333984375
    CHECK(nn::float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);    // a tie rounds to even (down) ...
    CHECK(nn::float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);  // ... and up
    CHECK(nn::float_to_bf16(0x1.fep127f) == 0x7f7f);                    // largest finite
    CHECK(nn::float_to_bf16(std::ldexp(1.0f, -133)) == 0x0001);         // smallest subnormal
    CHECK(nn::bf16_to_float(0x3eab) == 0.333984375f);
    CHECK(nn::bf16_to_float(0xff7f) == -0x1.fep127f);
    CHECK(nn::bf16_to_float(0x0001) == std::ldexp(1.0f, -133));
    CHECK(std::isnan(nn::bf16_to_float(nn::float_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
    // and agrees with the independent rounding over weights of every magnitude weights have
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-40, 40);
    for (int i = 0; i < 100000; ++i) {
        const float w = std::ldexp(mantissa(rng), exponent(rng));
        INFO(w);
        REQUIRE(nn::bf16_to_float(nn::float_to_bf16(w)) == round_to_bf16(w));
    }
}

TEST_CASE("bf16 storage refuses a weight that would round past bf16's range") {
    const float w[] = {0.5f, 0x1.fep127f, -0x1.ffp127f};  // the last is a tie rounding to infinity
    CHECK_NOTHROW(nn::check_bf16_range(w, 2));
    try {
        nn::check_bf16_range(w, 3);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::unsupported);
        CHECK(std::string(e.what()).find("bf16") != std::string::npos);
        CHECK(std::string(e.what()).find("e+38") != std::string::npos);  // names the weight
    }
}

TEST_CASE("bf16 pairs hold two k rows per word, the even row in the low half") {
    // [4H, k] = [4, 3] with one lane: one panel, columns i, f, o, g; word row 1 has no row k = 3.
    nn::RowMatrix w(4, 3);
    w << 1.0f, 2.0f, 3.0f,  //
        -1.0f, 0.5f, 1.0f / 3.0f,  //
        0.0f, 0.25f, -2.0f,  //
        4.0f, 8.0f, 16.0f;
    const auto packed = nn::pack_lstm_gates(w, nn::Vector::Zero(4), 1, 1, 1);
    const auto pairs = nn::to_bf16_pairs(packed, 1, 1);
    REQUIRE(pairs.size() == 2 * 4);
    CHECK(pairs[0] == 0x40003f80u);  // i: 2 << 16 | 1
    CHECK(pairs[1] == 0x3f00bf80u);  // f: 0.5 << 16 | -1
    CHECK(pairs[2] == 0x3e800000u);  // o: 0.25 << 16 | 0
    CHECK(pairs[3] == 0x41004080u);  // g: 8 << 16 | 4
    CHECK(pairs[4] == 0x00004040u);  // i: (none) | 3
    CHECK(pairs[5] == 0x00003eabu);  // f: (none) | bf16(1/3)
    CHECK(pairs[6] == 0x0000c000u);
    CHECK(pairs[7] == 0x00004180u);
    const auto back = nn::from_bf16_pairs(pairs, 3, 1, 1, 1);
    REQUIRE(back.size() == packed.weights.size());
    for (std::size_t i = 0; i < back.size(); ++i) CHECK(back[i] == round_to_bf16(packed.weights[i]));
}

// The bf16 kernels against the double-precision PyTorch formulas run on the same weights
// rounded to bf16 (independently, above): only the storage changes, so the tolerance is the
// fp32 one. Odd input sizes, odd hidden sizes (an odd k leaves a half-empty last word row),
// hidden sizes that are not whole vectors, several panel groups, both LSTM paths (batch below
// and above kFusedLstmBatch, every row-strip remainder), on every instruction set.
TEST_CASE("bf16 recurrent weights: every instruction set matches the reference on bf16-rounded weights") {
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    using format::ActivationCode;
    const std::vector<format::ModelDescription> models{
        test::ModelBuilder({7, 3}, 31).lstm(37, true).batch_norm().lstm(19, false).dense(5, ActivationCode::tanh)
            .build(),
        test::ModelBuilder({5, 2}, 32).lstm(130, true).lstm(1, false).dense(3).build(),
        test::ModelBuilder({4, 5}, 33).lstm(64, false).dense(2).build(),
    };
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        for (std::size_t m = 0; m < models.size(); ++m) {
            auto rounded = models[m];
            for (const auto& layer : rounded.layers)
                if (layer.type == format::LayerType::lstm)
                    for (float& w : rounded.tensors[layer.tensors[1]].values) w = round_to_bf16(w);
            LoadOptions options;
            options.recurrent_weights = nn::WeightStorage::bf16;
            const auto model = Model::from_description(models[m], options);
            if (isa == Isa::avx2 || isa == Isa::avx512)  // these read the bf16 words themselves
                CHECK(model->network().weight_bytes() < Model::from_description(models[m])->network().weight_bytes());
            for (std::size_t batch : {1u, 2u, 3u, 4u, 5u, 7u, 13u}) {
                std::vector<float> in(batch * model->input_size());
                for (auto& v : in) v = normal(rng);
                std::vector<float> out(batch * model->output_size());
                auto ws = model->make_workspace(batch);
                model->forward(in, out, ws);
                double worst = 0.0;
                for (std::size_t n = 0; n < batch; ++n) {
                    const std::vector<float> window(in.begin() + n * model->input_size(),
                                                    in.begin() + (n + 1) * model->input_size());
                    const auto ref = test::reference_forward(rounded, window);
                    for (std::size_t i = 0; i < ref.size(); ++i)
                        worst = std::max(worst, std::abs(double(out[n * model->output_size() + i]) - ref[i]));
                }
                INFO(nn::kernels::to_string(isa) << " model " << m << " batch " << batch);
                CHECK(worst <= 1e-5);
            }
        }
    }
    nn::kernels::set_active_isa(original);
}

// The accuracy cost of bf16 recurrent weights, stated against PyTorch's float32 outputs for the
// committed reference models, on every instruction set this CPU has.
TEST_CASE("bf16 recurrent weights: error against PyTorch stated and bounded") {
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        for (const char* arch : kLstmReferences) {
            const double worst = error_against_pytorch(arch, nn::WeightStorage::bf16);
            INFO(nn::kernels::to_string(isa) << " " << arch);
            WARN(nn::kernels::to_string(isa) << " " << arch << ": bf16 max |pba - PyTorch| = " << worst);
            CHECK(worst > 1e-5);  // the weights really were rounded
            CHECK(worst <= 1e-3);  // measured: at most 1.8e-4 (v1), the same on every instruction set
        }
    }
    nn::kernels::set_active_isa(original);
}
