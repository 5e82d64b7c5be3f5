#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "pba/error.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/kernels.hpp"
#include "pba/nn/network.hpp"
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

// The 16 bits of the bf16 value r (from round_to_bf16), from its sign, exponent and significand
// rather than its float's bits; for the normal numbers and zeros used here.
unsigned bf16_bits(float r) {
    const unsigned sign = std::signbit(r) ? 0x8000u : 0u;
    if (r == 0.0f) return sign;
    REQUIRE(std::isnormal(r));
    int exponent = 0;
    const double mantissa = std::abs(std::frexp(double(r), &exponent));  // 0.5 <= mantissa < 1, 8 bits
    return sign | unsigned(exponent + 126) << 7 | unsigned(mantissa * 256.0 - 128.0);
}

// The odd weight of a bf16 pair word (nn::to_bf16_pair), written independently of it: the
// float of w's sign nearest to w among the normal ones and zeros whose bit pattern ends in the
// 16 bits `low`, ties toward zero. A normal float's low 16 bits are those of its integer
// significand k (|v| = k 2^(e - 24), 2^23 <= k < 2^24 in the binade [2^(e - 1), 2^e)), so each
// binade offers the k = low (mod 2^16) just below and just above |w| / 2^(e - 24); the nearest
// lies in w's binade or a neighbour. For zeros and |w| >= 2^-125 (every weight here); exact in
// double.
float pair_odd_weight(float w, unsigned low) {
    constexpr double k_min = 0x1p23, k_end = 0x1p24, period = 0x1p16;
    if (w == 0.0f) return std::copysign(low == 0 ? 0.0f : float(std::ldexp(k_min + low, -149)), w);
    REQUIRE(std::abs(w) >= 0x1p-125f);
    int e = 0;
    std::frexp(double(w), &e);
    const double magnitude = std::abs(double(w));
    double best = -1.0;
    for (int binade = e - 1; binade <= e + 1; ++binade) {
        const double ulp = std::ldexp(1.0, binade - 24);
        const double k = std::clamp(magnitude / ulp, k_min, k_end - 1.0);
        const double below = std::floor((k - low) / period) * period + low;
        for (double candidate : {below, below + period}) {
            const double v = candidate * ulp;
            if (candidate < k_min || candidate >= k_end || v > std::numeric_limits<float>::max()) continue;
            const double d = std::abs(v - magnitude), best_d = std::abs(best - magnitude);
            if (best < 0.0 || d < best_d || (d == best_d && v < best)) best = v;
        }
    }
    return std::copysign(float(best), w);
}

// A [rows, k] row-major matrix (k: the recurrent input) as the bf16 pair kernels see it, by the
// independent rules above: columns 2i and 2i + 1 are a pair; an odd k's last column is bf16.
void round_as_bf16_pairs(std::vector<float>& w, std::size_t k) {
    for (std::size_t row = 0; row < w.size() / k; ++row) {
        float* r = w.data() + row * k;
        for (std::size_t i = 0; i + 1 < k; i += 2) {
            r[i] = round_to_bf16(r[i]);
            r[i + 1] = pair_odd_weight(r[i + 1], bf16_bits(r[i]));
        }
        if (k % 2) r[k - 1] = round_to_bf16(r[k - 1]);
    }
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

TEST_CASE("bf16 pairs: the even row is the low half's bf16, the odd row the whole word, nearest its weight") {
    // hand-computed (a ulp of 1 <= |v| < 2 is 2^-23; words below name their halves)
    CHECK(nn::to_bf16_pair(1.0f, 2.0f) == 0x40003f80u);    // 2.00387573 (h - 1 gives 1.99412537)
    CHECK(nn::to_bf16_pair(-1.0f, 0.5f) == 0x3effbf80u);   // 0.49950790: h - 1 beats h's 0.50292206
    CHECK(nn::to_bf16_pair(0.0f, 0.25f) == 0x3e800000u);   // exact
    CHECK(nn::to_bf16_pair(-0.0f, 1.5f) == 0x3fbf8000u);   // 1.5 -+ 2^-8 tie: the smaller
    CHECK(nn::to_bf16_pair(-0.0f, -1.5f) == 0xbfbf8000u);  // ... magnitude, either sign
    CHECK(nn::to_bf16_pair(-0.0f, 1.0f) == 0x3f7f8000u);   // below a power of two: 1 - 2^-9
    CHECK(nn::to_bf16_pair(1.0f, 0.0f) == 0x00803f80u);    // not the subnormal 0x00003f80: the
    CHECK(nn::to_bf16_pair(1.0f, -0.0f) == 0x80803f80u);   // smallest normal ending in 0x3f80
    CHECK(nn::to_bf16_pair(2.0f, 1e-45f) == 0x00804000u);
    CHECK(nn::to_bf16_pair(0.0f, 0.0f) == 0u);             // zeros stay zeros
    CHECK(nn::to_bf16_pair(0.0f, 0x1.fffffep127f) == 0x7f7f0000u);  // h + 1 would be infinity
    CHECK(nn::bf16_pair_even(0x40003f80u) == 1.0f);
    CHECK(nn::bf16_pair_odd(0x40003f80u) == 2.003875732421875f);
    CHECK(nn::bf16_pair_odd(0x00803f80u) == std::ldexp(float(0x803f80), -149));

    // and agrees with the independent rules, also next to powers of two, within one bf16 ulp
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-40, 40);
    for (int i = 0; i < 200000; ++i) {
        const float even = i % 7 == 0 ? 0.0f : std::ldexp(mantissa(rng), exponent(rng));
        const int e = exponent(rng);
        const float odd = i % 11 == 0  ? 0.0f
                          : i % 2 == 0 ? std::ldexp(mantissa(rng), e)
                                       : std::ldexp(std::copysign(1.0f, mantissa(rng)) + mantissa(rng) / 64, e);
        INFO(even << " " << odd);
        const std::uint32_t word = nn::to_bf16_pair(even, odd);
        REQUIRE(nn::bf16_pair_even(word) == round_to_bf16(even));
        const float expected = pair_odd_weight(odd, bf16_bits(round_to_bf16(even)));
        REQUIRE(nn::bf16_pair_odd(word) == expected);
        REQUIRE(nn::to_bf16_pair(nn::bf16_pair_even(word), nn::bf16_pair_odd(word)) == word);  // a fixed point
        REQUIRE(std::isnormal(expected) == (odd != 0.0f || bf16_bits(round_to_bf16(even)) != 0));
        if (odd != 0.0f) {
            int odd_exponent = 0;
            std::frexp(odd, &odd_exponent);
            REQUIRE(std::abs(double(expected) - double(odd)) <= std::ldexp(1.0, odd_exponent - 8));  // one bf16 ulp
        }
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
    CHECK(pairs[0] == 0x40003f80u);  // i: (1, 2), as above
    CHECK(pairs[1] == 0x3effbf80u);  // f: (-1, 0.5)
    CHECK(pairs[2] == 0x3e800000u);  // o: (0, 0.25)
    CHECK(pairs[3] == 0x41004080u);  // g: (4, 8): 8.01574707 (h - 1 gives 7.97662354)
    CHECK(pairs[4] == 0x00004040u);  // i: (none) | 3
    CHECK(pairs[5] == 0x00003eabu);  // f: (none) | bf16(1/3)
    CHECK(pairs[6] == 0x0000c000u);
    CHECK(pairs[7] == 0x00004180u);
    const auto back = nn::from_bf16_pairs(pairs, 3, 1, 1, 1);
    REQUIRE(back.size() == packed.weights.size());
    std::vector<float> expected(w.data(), w.data() + w.size());
    round_as_bf16_pairs(expected, 3);
    CHECK(nn::unpack_lstm_gates(back, 3, 1, 1, 1) ==
          Eigen::Map<const nn::RowMatrix>(expected.data(), 4, 3));
}

// The bf16 kernels against the double-precision PyTorch formulas run on the same weights
// rounded as bf16 pairs (independently, above): only the storage changes, so the tolerance is
// the fp32 one. Odd input sizes, odd hidden sizes (an odd k leaves a half-empty last word row),
// hidden sizes that are not whole vectors, several panel groups, zero recurrent weights (an
// odd one beside a nonzero even one is stored as a tiny normal), both LSTM paths (batch below
// and above kFusedLstmBatch, every row-strip remainder), on every instruction set.
TEST_CASE("bf16 recurrent weights: every instruction set matches the reference on pair-rounded weights") {
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    using format::ActivationCode;
    std::vector<format::ModelDescription> models{
        test::ModelBuilder({7, 3}, 31).lstm(37, true).batch_norm().lstm(19, false).dense(5, ActivationCode::tanh)
            .build(),
        test::ModelBuilder({5, 2}, 32).lstm(130, true).lstm(1, false).dense(3).build(),
        test::ModelBuilder({4, 5}, 33).lstm(64, false).dense(2).build(),
    };
    auto& pruned = models[2].tensors[models[2].layers[0].tensors[1]].values;  // every third recurrent weight zero
    for (std::size_t i = 0; i < pruned.size(); i += 3) pruned[i] = 0.0f;
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        double isa_worst = 0.0;
        for (std::size_t m = 0; m < models.size(); ++m) {
            auto rounded = models[m];
            for (const auto& layer : rounded.layers)
                if (layer.type == format::LayerType::lstm) {
                    auto& recurrent = rounded.tensors[layer.tensors[1]];  // [4H, H]
                    round_as_bf16_pairs(recurrent.values, recurrent.dims.at(1));
                }
            LoadOptions options;
            options.recurrent_weights = nn::WeightStorage::bf16;
            const auto model = Model::from_description(models[m], options);
            if (isa == Isa::avx2 || isa == Isa::avx512)  // these read the bf16 words themselves
                CHECK(model->network().weight_bytes() < Model::from_description(models[m])->network().weight_bytes());
            for (std::size_t batch : {1u, 2u, 3u, 4u, 5u, 7u, 13u}) {
                std::vector<float> in(batch * model->input_size());
                for (auto& v : in) v = normal(rng);
                const double worst = test::worst_batch_error(*model, rounded, in, batch);
                INFO(nn::kernels::to_string(isa) << " model " << m << " batch " << batch);
                CHECK(worst <= 1e-5);
                isa_worst = std::max(isa_worst, worst);
            }
        }
        WARN(nn::kernels::to_string(isa) << ": bf16 pairs max |pba - reference| = " << isa_worst);
    }
    nn::kernels::set_active_isa(original);
}

// The accuracy cost of bf16 pair recurrent weights, stated against PyTorch's float32 outputs for
// the committed reference models, on every instruction set this CPU has. Bounds: the measured
// error (the same on every instruction set to 2e-8) with some margin.
TEST_CASE("bf16 recurrent weights: error against PyTorch stated and bounded") {
    const std::pair<const char*, double> bounds[] = {
        {"v1", 3e-4},           // measured 1.85e-4
        {"dc3", 6e-5},          // 3.14e-5
        {"inet3", 6e-5},        // 3.90e-5
        {"ddqn_lstm", 1.5e-4},  // 7.80e-5
        {"torch9", 1.5e-4},     // 9.58e-5
    };
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::generic, Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        for (const auto& [arch, bound] : bounds) {
            const double worst = error_against_pytorch(arch, nn::WeightStorage::bf16);
            INFO(nn::kernels::to_string(isa) << " " << arch);
            WARN(nn::kernels::to_string(isa) << " " << arch << ": bf16 max |pba - PyTorch| = " << worst);
            CHECK(worst > 1e-5);  // the weights really were rounded
            CHECK(worst <= bound);
        }
    }
    nn::kernels::set_active_isa(original);
}

// A large batch runs as tiles of nn::kernels::lstm_state_windows windows. Each window's
// arithmetic is the same in any tile, so a batch that ends in a partial tile gives bit for bit
// what batches of 4 give (one tile each, the same fused path); against one window at a time
// (the precomputed-projection path, another summation order) within the parity tests' 1e-6,
// and against the double reference within 1e-5.
TEST_CASE("a tiled LSTM batch equals the same windows run untiled and one at a time, bit for bit") {
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        nn::kernels::set_active_isa(isa);
        const auto description = test::ModelBuilder({30, 1}, 31).lstm(32, false).dense(1).build();
        const auto model = Model::from_description(description);
        const std::size_t lanes = isa == Isa::avx512 ? 16 : isa == Isa::avx2 ? 8 : 4;
        const std::size_t tile = nn::kernels::lstm_state_windows(lanes, 32, 1 << 20);
        const std::size_t batch = 2 * tile + 7;  // two full tiles and a partial one, not a strip multiple
        INFO(nn::kernels::to_string(isa) << " tile " << tile << " batch " << batch);
        REQUIRE(tile >= 6);
        REQUIRE(tile < batch);
        std::mt19937 rng(9);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> in(batch * model->input_size());
        for (auto& v : in) v = normal(rng);
        std::vector<float> tiled(batch);
        auto ws = model->make_workspace(batch);
        model->forward(in, tiled, ws);

        const std::size_t w = model->input_size();
        std::vector<float> four(4), one(1);
        double worst_single = 0.0, worst_reference = 0.0;
        std::size_t bit_mismatches = 0;
        for (std::size_t first = 0; first + 4 <= batch; first += 4) {
            model->forward(std::span<const float>(in).subspan(first * w, 4 * w), four, ws);
            for (std::size_t i = 0; i < 4; ++i) bit_mismatches += four[i] != tiled[first + i];
        }
        std::size_t single_mismatches = 0;
        for (std::size_t n = 0; n < batch; ++n) {
            const std::vector<float> window(in.begin() + n * w, in.begin() + (n + 1) * w);
            model->forward(window, one, ws);
            single_mismatches += one[0] != tiled[n];
            worst_single = std::max(worst_single, std::abs(double(one[0]) - double(tiled[n])));
            worst_reference = std::max(worst_reference, std::abs(test::reference_forward(description, window)[0] - tiled[n]));
        }
        CHECK(bit_mismatches == 0);
        // One window alone takes the precomputed path, a batch computes each step's input
        // projection in the step: the same sums in the same order, so the same bits.
        INFO("worst |single - batched| " << worst_single);
        CHECK(single_mismatches == 0);
        CHECK(worst_reference <= 1e-5);
    }
    nn::kernels::set_active_isa(original);
}

TEST_CASE("vector log: every instruction set within 1 ulp of std::log, subnormals and the tail alike, edges as std::log") {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> exponent(-30.0, 30.0);
    std::vector<double> x;
    for (int i = 0; i < 997; ++i) x.push_back(std::exp(exponent(rng)));  // odd: every tail length below
    for (const double v : {1.0, 0.5, 2.0, 1e-300, 1e300, std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(), 1.0 + 1e-15, 1.0 - 1e-15, 1e-310,
                           std::numeric_limits<double>::min()})
        x.push_back(v);
    const Isa original = nn::kernels::active_isa();
    for (Isa isa : {Isa::sse4, Isa::avx2, Isa::avx512}) {
        if (!nn::kernels::supported(isa)) continue;
        INFO(nn::kernels::to_string(isa));
        nn::kernels::set_active_isa(isa);
        const nn::kernels::Table* table = nn::kernels::active_table();
        REQUIRE(table != nullptr);
        for (std::size_t n : {x.size(), std::size_t{1}, std::size_t{7}, std::size_t{13}}) {
            std::vector<double> y(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
            table->log(y.data(), n);
            std::size_t beyond = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double expected = std::log(x[i]);
                const double ulp = std::abs(std::nextafter(expected, 2 * expected + 1) - expected);
                beyond += !(std::abs(y[i] - expected) <= ulp);
            }
            CHECK(beyond == 0);
        }
        // The log kinds' arguments are > 0; the edges still follow std::log.
        double edges[] = {0.0, std::numeric_limits<double>::infinity(), -1.0};
        table->log(edges, 3);
        CHECK(edges[0] == -std::numeric_limits<double>::infinity());
        CHECK(edges[1] == std::numeric_limits<double>::infinity());
        CHECK(std::isnan(edges[2]));
    }
    nn::kernels::set_active_isa(original);
}
