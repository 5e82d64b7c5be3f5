#pragma once

// The kernels, written once as templates over the xsimd architecture and instantiated by one
// translation unit per instruction set (kernels_<isa>.cpp, each compiled with its own -m
// flags). Everything here is a template on Arch, so each instruction set gets its own
// symbols and the linker can never substitute one ISA's code for another's. No Eigen, no
// non-template inline helpers from elsewhere.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "pba/nn/activation.hpp"
#include "pba/nn/kernels.hpp"

#define PBA_ALWAYS_INLINE inline __attribute__((always_inline))

namespace pba::nn::kernels::impl {

template <class Arch>
using Vec = xsimd::batch<float, Arch>;

// Converts `lanes` fp16 values to fp32: an ISA's translation unit specialises it (with
// available = true) where the instructions exist (F16C, AVX-512F).
template <class Arch>
struct HalfLoader {
    static constexpr bool available = false;
};

// Reads bf16 pair words (to_bf16_pairs): load() gives a vector of words as floats, which is
// already the odd row (row 2i + 1, bf16_pair_odd); even() shifts the low halves up into the
// even row (row 2i, bf16_pair_even) with one integer operation. Specialised (available = true)
// by the AVX-512 and AVX2 translation units; SSE4 runs the same two values per pair as fp32
// weights (LstmLayer::round_through), like the Eigen path, so results do not depend on the CPU.
template <class Arch>
struct Bf16PairLoader {
    static constexpr bool available = false;
};

template <class Arch>
struct Traits {
    static constexpr std::size_t lanes = Vec<Arch>::size;
    static constexpr std::size_t panel = 4 * lanes;
    // Accumulators a micro-kernel may keep in registers: 32 vector registers under AVX-512,
    // 16 otherwise, leaving room for the broadcast operands and the weights in flight.
    static constexpr int accumulators = lanes == 16 ? 24 : 12;
    static constexpr int max_rows = lanes == 16 ? 6 : 3;
    static constexpr int max_panels(int rows) {
        const int n = accumulators / (4 * rows);
        return n < 1 ? 1 : (n > 4 ? 4 : n);
    }
    // Whether a bf16 pair row fits in registers in one pass: the accumulators, two broadcasts
    // per row (a[k], a[k + 1]), and a word vector with its shifted copy.
    static constexpr bool pair_row_fits(int rows, int panels) {
        return rows * panels * 4 + 2 * rows + 2 <= (lanes == 16 ? 32 : 16);
    }
    // Panels are stored in groups of this many, interleaved by k (packed_weights.hpp), so a
    // batch-1 tile reads one sequential stream.
    static constexpr std::size_t group = static_cast<std::size_t>(max_panels(1));
};

// Where panel p of packed weights with k rows starts, and the distance between its rows.
struct PanelAddress {
    std::size_t offset;
    std::size_t k_stride;
};
template <class Arch>
PBA_ALWAYS_INLINE PanelAddress panel_address(std::size_t p, std::size_t panels, std::size_t k) noexcept {
    constexpr std::size_t group = Traits<Arch>::group, width = Traits<Arch>::panel;
    const std::size_t first = p / group * group;
    const std::size_t size = panels - first < group ? panels - first : group;
    return {first * k * width + (p - first) * width, size * width};
}

// Calls tile.template operator()<NP>(panel) over all panels, in tiles of up to max_np panels
// that never cross a group; last group first when `reverse`.
template <class Arch, int max_np, class F>
PBA_ALWAYS_INLINE void for_each_panel_tile(std::size_t panels, F&& tile, bool reverse = false) noexcept {
    constexpr std::size_t group = Traits<Arch>::group;
    const std::size_t groups = (panels + group - 1) / group;
    for (std::size_t i = 0; i < groups; ++i) {
        const std::size_t first = (reverse ? groups - 1 - i : i) * group;
        const std::size_t end = panels - first < group ? panels : first + group;
        std::size_t p = first;
        for (; p + max_np <= end; p += max_np) tile.template operator()<max_np>(p);
        switch (end - p) {
            case 3: if constexpr (max_np > 3) tile.template operator()<3>(p); break;
            case 2: if constexpr (max_np > 2) tile.template operator()<2>(p); break;
            case 1: if constexpr (max_np > 1) tile.template operator()<1>(p); break;
            default: break;
        }
    }
}

template <class Arch>
PBA_ALWAYS_INLINE Vec<Arch> load_weights(const float* p) noexcept {
    return Vec<Arch>::load_aligned(p);
}
template <class Arch>
PBA_ALWAYS_INLINE Vec<Arch> load_weights(const std::uint16_t* p) noexcept {
    return HalfLoader<Arch>::load(p);
}

// acc[m][p][q] += sum_k a[m][k] * w[k][p][q]: MR rows against NP adjacent panels of one
// group, every product of one k issued together so 4 x MR x NP independent FMA chains hide
// the FMA latency.
// `reverse` runs k downwards (see lstm_layer).
template <class Arch, int MR, int NP, class W>
PBA_ALWAYS_INLINE void accumulate(Vec<Arch> (&acc)[MR][NP][4], const float* const (&a)[MR], const W* w,
                                  PanelAddress at, std::size_t k_count, bool reverse = false) noexcept {
    using V = Vec<Arch>;
    constexpr std::size_t lanes = Traits<Arch>::lanes;
    constexpr std::size_t width = Traits<Arch>::panel;
    if (k_count == 0) return;
    const auto stride = static_cast<std::ptrdiff_t>(at.k_stride);
    const std::ptrdiff_t step = reverse ? -stride : stride, dk = reverse ? -1 : 1;
    w += at.offset + (reverse ? (k_count - 1) * at.k_stride : 0);
    std::ptrdiff_t k = reverse ? static_cast<std::ptrdiff_t>(k_count) - 1 : 0;
    for (std::size_t n = 0; n < k_count; ++n, k += dk, w += step) {
        V av[MR];
#pragma GCC unroll 8
        for (int m = 0; m < MR; ++m) av[m] = V(a[m][k]);
#pragma GCC unroll 4
        for (int p = 0; p < NP; ++p) {
            const W* row = w + p * width;
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const V wv = load_weights<Arch>(row + q * lanes);
#pragma GCC unroll 8
                for (int m = 0; m < MR; ++m) acc[m][p][q] = xsimd::fma(av[m], wv, acc[m][p][q]);
            }
        }
    }
}

// One word row of accumulate_pairs: the even row against a[m][k] and, when `both`, the odd
// row against a[m][k + 1]. Per vector of words: one load, one shift (the odd row is the words
// themselves) and 2 x MR FMAs, when both rows' broadcasts fit beside the accumulators (batch 1);
// otherwise two passes over the row, the second from L1 with its loads folded into the FMAs,
// so only one set of MR broadcasts is live and MR = 6 keeps its 24 accumulators in registers.
template <class Arch, int MR, int NP, bool both>
PBA_ALWAYS_INLINE void accumulate_pair_row(Vec<Arch> (&acc)[MR][NP][4], const float* const (&a)[MR],
                                           const std::uint32_t* w, std::size_t k) noexcept {
    using V = Vec<Arch>;
    using Loader = Bf16PairLoader<Arch>;
    constexpr std::size_t lanes = Traits<Arch>::lanes;
    constexpr std::size_t width = Traits<Arch>::panel;
    V even_a[MR];
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) even_a[m] = V(a[m][k]);
    if constexpr (both && Traits<Arch>::pair_row_fits(MR, NP)) {
        V odd_a[MR];
#pragma GCC unroll 8
        for (int m = 0; m < MR; ++m) odd_a[m] = V(a[m][k + 1]);
#pragma GCC unroll 4
        for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const V words = Loader::load(w + p * width + q * lanes);
                const V even = Loader::even(words);
#pragma GCC unroll 8
                for (int m = 0; m < MR; ++m) {
                    acc[m][p][q] = xsimd::fma(even_a[m], even, acc[m][p][q]);
                    acc[m][p][q] = xsimd::fma(odd_a[m], words, acc[m][p][q]);
                }
            }
    } else {
#pragma GCC unroll 4
        for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const V even = Loader::even(Loader::load(w + p * width + q * lanes));
#pragma GCC unroll 8
                for (int m = 0; m < MR; ++m) acc[m][p][q] = xsimd::fma(even_a[m], even, acc[m][p][q]);
            }
        if constexpr (both) {
            V odd_a[MR];
#pragma GCC unroll 8
            for (int m = 0; m < MR; ++m) odd_a[m] = V(a[m][k + 1]);
#pragma GCC unroll 4
            for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
                for (int q = 0; q < 4; ++q) {
                    const V words = Loader::load(w + p * width + q * lanes);
#pragma GCC unroll 8
                    for (int m = 0; m < MR; ++m) acc[m][p][q] = xsimd::fma(odd_a[m], words, acc[m][p][q]);
                }
        }
    }
}

// accumulate over bf16 weights stored two k rows per word (to_bf16_pairs): `at` addresses word
// rows, ceil(k_count / 2) of them. An odd k_count's last word row has no second input row, so
// it takes only its even row: a[m][k_count] is never read.
template <class Arch, int MR, int NP>
PBA_ALWAYS_INLINE void accumulate_pairs(Vec<Arch> (&acc)[MR][NP][4], const float* const (&a)[MR],
                                        const std::uint32_t* w, PanelAddress at, std::size_t k_count,
                                        bool reverse) noexcept {
    const std::size_t full = k_count / 2;
    const bool tail = k_count % 2 != 0;
    w += at.offset;
    if (reverse) {
        const std::uint32_t* row = w + full * at.k_stride;
        if (tail) accumulate_pair_row<Arch, MR, NP, false>(acc, a, row, 2 * full);
        for (std::size_t i = full; i-- > 0;) {
            row -= at.k_stride;
            accumulate_pair_row<Arch, MR, NP, true>(acc, a, row, 2 * i);
        }
    } else {
        const std::uint32_t* row = w;
        for (std::size_t i = 0; i < full; ++i, row += at.k_stride)
            accumulate_pair_row<Arch, MR, NP, true>(acc, a, row, 2 * i);
        if (tail) accumulate_pair_row<Arch, MR, NP, false>(acc, a, row, 2 * full);
    }
}

template <class Arch, int MR, int NP>
PBA_ALWAYS_INLINE void zero(Vec<Arch> (&acc)[MR][NP][4]) noexcept {
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
        for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) acc[m][p][q] = Vec<Arch>(0.0f);
}

// Stores the first `count` lanes of v (count < lanes: through a stack buffer).
template <class Arch>
PBA_ALWAYS_INLINE void store_partial(float* dst, const Vec<Arch>& v, std::size_t count) noexcept {
    constexpr std::size_t lanes = Traits<Arch>::lanes;
    if (count >= lanes) {
        v.store_unaligned(dst);
        return;
    }
    alignas(64) float tmp[lanes];
    v.store_aligned(tmp);
    for (std::size_t i = 0; i < count; ++i) dst[i] = tmp[i];
}

template <class Arch>
PBA_ALWAYS_INLINE Vec<Arch> activate(Activation activation, Vec<Arch> v) noexcept {
    switch (activation) {
        case Activation::linear: return v;
        case Activation::relu: return xsimd::max(v, Vec<Arch>(0.0f));
        case Activation::tanh: return fast_tanh(v);
        case Activation::sigmoid: return fast_sigmoid(v);
    }
    return v;
}

// ---- GEMM with bias and activation (Dense layers, LSTM input projections) ----

template <class Arch, int MR, int NP>
void gemm_tile(const GemmArgs& g, std::size_t row, std::size_t panel) noexcept {
    using V = Vec<Arch>;
    constexpr std::size_t lanes = Traits<Arch>::lanes;
    constexpr std::size_t width = Traits<Arch>::panel;
    const float* a[MR];
    for (int m = 0; m < MR; ++m) a[m] = g.in + (row + m) * g.in_stride;
    V acc[MR][NP][4];
    zero<Arch>(acc);
    accumulate<Arch, MR, NP>(acc, a, g.w, panel_address<Arch>(panel, g.panels, g.k), g.k);
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
            const std::size_t col = (panel + p) * width + q * lanes;
            if (col >= g.out_cols) break;
            const V b = V::load_aligned(g.bias + col);
#pragma GCC unroll 8
            for (int m = 0; m < MR; ++m)
                store_partial<Arch>(g.out + (row + m) * g.out_stride + col, activate<Arch>(g.activation, acc[m][p][q] + b),
                                    g.out_cols - col);
        }
}

template <class Arch, int MR>
void gemm_rows(const GemmArgs& g, std::size_t row) noexcept {
    for_each_panel_tile<Arch, Traits<Arch>::max_panels(MR)>(
        g.panels, [&]<int NP>(std::size_t panel) { gemm_tile<Arch, MR, NP>(g, row, panel); });
}

// Runs f.template operator()<MR>(row) over `rows` in strips of the largest MR that fits.
template <class Arch, class F>
PBA_ALWAYS_INLINE void for_each_strip(std::size_t rows, F&& f) noexcept {
    constexpr int max_rows = Traits<Arch>::max_rows;
    std::size_t row = 0;
    for (; row + max_rows <= rows; row += max_rows) f.template operator()<max_rows>(row);
    switch (rows - row) {
        case 5: if constexpr (max_rows > 5) f.template operator()<5>(row); break;
        case 4: if constexpr (max_rows > 4) f.template operator()<4>(row); break;
        case 3: if constexpr (max_rows > 3) f.template operator()<3>(row); break;
        case 2: if constexpr (max_rows > 2) f.template operator()<2>(row); break;
        case 1: f.template operator()<1>(row); break;
        default: break;
    }
}

template <class Arch>
void gemm(const GemmArgs& g) noexcept {
    for_each_strip<Arch>(g.rows, [&]<int MR>(std::size_t row) { gemm_rows<Arch, MR>(g, row); });
}

// ---- LSTM ----

// Where one strip of rows reads and writes in step t.
template <int MR>
struct StepRows {
    const float* x[MR];   // the step's input (fused path), or nullptr
    const float* h[MR];   // h_{t-1}, or nullptr at t = 0
    const float* gx[MR];  // precomputed input projection + bias, or nullptr (fused path)
    float* c[MR];         // cell state, padded to whole blocks
    float* h_out[MR];     // h_t
};

// Fused: the step's input projection is computed here (r.x), else it was precomputed (r.gx).
template <class Arch, int MR, int NP, bool Fused, class WH>
PBA_ALWAYS_INLINE void lstm_tile(const LstmArgs& p, const WH* wh, const StepRows<MR>& r, std::size_t block,
                                 bool reverse) noexcept {
    using V = Vec<Arch>;
    constexpr std::size_t lanes = Traits<Arch>::lanes;
    constexpr std::size_t width = Traits<Arch>::panel;
    V acc[MR][NP][4];
    // Fused path: the step's input projection plus bias, computed as gemm_tile computes the
    // precomputed one (from zero, then + bias) and added to the recurrent product afterwards,
    // so that a window rounds the same in any batch as alone.
    V projected[Fused ? MR : 1][Fused ? NP : 1][4];
    if constexpr (Fused) {
        zero<Arch>(acc);
        accumulate<Arch, MR, NP>(acc, r.x, p.wx, panel_address<Arch>(block, p.blocks, p.input), p.input);
#pragma GCC unroll 4
        for (int b = 0; b < NP; ++b)
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const V bias = V::load_aligned(p.bias + (block + b) * width + q * lanes);
#pragma GCC unroll 8
                for (int m = 0; m < MR; ++m) projected[m][b][q] = acc[m][b][q] + bias;
            }
    }
    zero<Arch>(acc);
    if (r.h[0]) {
        if constexpr (std::is_same_v<WH, std::uint32_t>)
            accumulate_pairs<Arch, MR, NP>(acc, r.h, wh, panel_address<Arch>(block, p.blocks, (p.hidden + 1) / 2),
                                           p.hidden, reverse);
        else
            accumulate<Arch, MR, NP>(acc, r.h, wh, panel_address<Arch>(block, p.blocks, p.hidden), p.hidden, reverse);
    }
#pragma GCC unroll 4
    for (int b = 0; b < NP; ++b) {
        const std::size_t offset = (block + b) * width;
        const std::size_t unit = (block + b) * lanes;
#pragma GCC unroll 8
        for (int m = 0; m < MR; ++m) {
            V gate_input[4];
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                if constexpr (Fused)
                    gate_input[q] = projected[m][b][q];
                else
                    gate_input[q] = V::load_unaligned(r.gx[m] + offset + q * lanes);
            }
            const V i = fast_sigmoid(acc[m][b][0] + gate_input[0]);
            const V f = fast_sigmoid(acc[m][b][1] + gate_input[1]);
            const V o = fast_sigmoid(acc[m][b][2] + gate_input[2]);
            const V g = fast_tanh(acc[m][b][3] + gate_input[3]);
            const V c = xsimd::fma(f, V::load_unaligned(r.c[m] + unit), i * g);
            c.store_unaligned(r.c[m] + unit);
            store_partial<Arch>(r.h_out[m] + unit, o * fast_tanh(c), p.hidden - unit);
        }
    }
}

template <class Arch, int MR, class WH>
void lstm_rows(const LstmArgs& p, const WH* wh, const StepRows<MR>& r, bool reverse) noexcept {
    auto tiles = [&]<bool Fused>() {
        for_each_panel_tile<Arch, Traits<Arch>::max_panels(MR)>(
            p.blocks, [&]<int NP>(std::size_t block) { lstm_tile<Arch, MR, NP, Fused>(p, wh, r, block, reverse); },
            reverse);
    };
    if (r.x[0])
        tiles.template operator()<true>();
    else
        tiles.template operator()<false>();
}

template <class Arch, class WH>
void lstm_layer(const LstmArgs& p, const WH* wh) noexcept {
    constexpr std::size_t lanes = Traits<Arch>::lanes;
    constexpr std::size_t width = Traits<Arch>::panel;
    const std::size_t n = p.batch, T = p.timesteps, H = p.hidden, I = p.input;
    const std::size_t padded = p.blocks * lanes;
    const bool precompute = n < kFusedLstmBatch;
    // Windows are independent, so a batch runs as tiles of windows that go through all T steps
    // while their cell and h rows stay in L1; each window's arithmetic is the same in any tile.
    const std::size_t tile = lstm_state_windows(lanes, H, n);
    float* c = p.scratch;
    float* h_rows[2] = {c + tile * padded, c + tile * padded + tile * H};
    float* gx = h_rows[1] + tile * H;
    if (precompute)
        gemm<Arch>({p.wx, p.bias, I, p.blocks, p.blocks * width, Activation::linear, p.in, I, n * T, gx, p.blocks * width});

    for (std::size_t first = 0; first < n; first += tile) {
        const std::size_t count = n - first < tile ? n - first : tile;
        std::memset(c, 0, count * padded * sizeof(float));
        // h_t of the tile's window `row`: in the output sequence, or in one of two state rows.
        auto h_at = [&](std::size_t row, std::size_t t) -> float* {
            return p.return_sequences ? p.out + ((first + row) * T + t) * H : h_rows[t & 1] + row * H;
        };
        // Odd steps run the recurrent weights backwards, so a step starts on the weights the
        // previous one just left in L1 (what matters to small batches, which stream only them);
        // every batch does, since the order of the sum is part of how a window rounds.
        for (std::size_t t = 0; t < T; ++t) {
            const bool reverse = (t & 1) != 0;
            for_each_strip<Arch>(count, [&]<int MR>(std::size_t row) {
                StepRows<MR> r;
                for (int m = 0; m < MR; ++m) {
                    const std::size_t local = row + m, w = first + local;
                    r.x[m] = precompute ? nullptr : p.in + (w * T + t) * I;
                    r.h[m] = t == 0 ? nullptr : h_at(local, t - 1);
                    r.gx[m] = precompute ? gx + (w * T + t) * p.blocks * width : nullptr;
                    r.c[m] = c + local * padded;
                    r.h_out[m] = h_at(local, t);
                }
                lstm_rows<Arch, MR>(p, wh, r, reverse);
            });
        }
        if (!p.return_sequences) std::memcpy(p.out + first * H, h_rows[(T - 1) & 1], count * H * sizeof(float));
    }
}

template <class Arch>
void lstm(const LstmArgs& p) noexcept {
    if (p.timesteps == 0 || p.batch == 0) return;
    if constexpr (HalfLoader<Arch>::available) {
        if (p.wh16) return lstm_layer<Arch>(p, p.wh16);
    }
    if constexpr (Bf16PairLoader<Arch>::available) {
        if (p.wh_bf16) return lstm_layer<Arch>(p, p.wh_bf16);
    }
    lstm_layer<Arch>(p, p.wh);
}

// ---- Natural logarithm, in place (feature normalisation) ----

template <class Arch>
PBA_ALWAYS_INLINE xsimd::batch<double, Arch> vector_log(xsimd::batch<double, Arch> x) noexcept {
    using D = xsimd::batch<double, Arch>;
    constexpr std::size_t lanes = D::size;
    D r = xsimd::log(x);
    // xsimd's log misreads subnormal inputs (by up to 35 at 1e-310): those lanes take std::log.
    const D smallest(std::numeric_limits<double>::min());
    if (xsimd::any((x < smallest) & (x > D(0.0)))) {
        alignas(64) double in[lanes], out[lanes];
        x.store_aligned(in);
        r.store_aligned(out);
        for (std::size_t k = 0; k < lanes; ++k)
            if (in[k] > 0.0 && in[k] < std::numeric_limits<double>::min()) out[k] = std::log(in[k]);
        r = D::load_aligned(out);
    }
    return r;
}

template <class Arch>
void log_in_place(double* values, std::size_t n) noexcept {
    using D = xsimd::batch<double, Arch>;
    constexpr std::size_t lanes = D::size;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) vector_log<Arch>(D::load_unaligned(values + i)).store_unaligned(values + i);
    if (i == n) return;
    // The tail through the same vector code, so a value's log does not depend on where it sits.
    alignas(64) double tail[lanes];
    for (std::size_t k = 0; k < lanes; ++k) tail[k] = i + k < n ? values[i + k] : 1.0;
    vector_log<Arch>(D::load_aligned(tail)).store_aligned(tail);
    for (std::size_t k = 0; i + k < n; ++k) values[i + k] = tail[k];
}

template <class Arch>
constexpr Table make_table(Isa isa) {
    return Table{isa, Traits<Arch>::lanes, Traits<Arch>::group, HalfLoader<Arch>::available,
                 Bf16PairLoader<Arch>::available, &gemm<Arch>, &lstm<Arch>, &log_in_place<Arch>};
}

}  // namespace pba::nn::kernels::impl
