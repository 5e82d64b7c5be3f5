#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

#include "pba/error.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/packed_weights.hpp"
#include "support/csv.hpp"

using namespace pba;
using nn::kernels::Isa;

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
    const auto dir = test::data_dir() / "reference";
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        for (const char* arch : {"v1", "dc3", "inet3", "ddqn_lstm", "torch9"}) {
            const auto inputs = test::read_csv_rows(dir / (std::string(arch) + ".input.csv"));
            const auto expected = test::read_csv_rows(dir / (std::string(arch) + ".output.csv"));
            LoadOptions options;
            options.recurrent_weights = nn::WeightStorage::fp16;
            const auto model = Model::from_file(dir / (std::string(arch) + ".pba"), options);
            auto ws = model->make_workspace(1);
            std::vector<float> out(model->output_size());
            double worst = 0.0;
            for (std::size_t n = 0; n < inputs.size(); ++n) {
                model->forward(inputs[n], out, ws);
                for (std::size_t i = 0; i < out.size(); ++i)
                    worst = std::max(worst, std::abs(double(out[i]) - double(expected[n][i])));
            }
            INFO(nn::kernels::to_string(isa) << " " << arch);
            WARN(nn::kernels::to_string(isa) << " " << arch << ": fp16 max |pba - PyTorch| = " << worst);
            CHECK(worst > 1e-6);  // the weights really were rounded
            CHECK(worst < 1e-4);
        }
    }
    nn::kernels::set_active_isa(original);
}
