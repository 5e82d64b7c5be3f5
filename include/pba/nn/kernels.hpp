#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "pba/nn/activation.hpp"

// The compute kernels behind DenseLayer and LstmLayer: one table of entry points per
// instruction set, each compiled in its own translation unit with its own flags (src/nn/),
// chosen once at run time for the CPU the process runs on. A layer captures the table when it
// packs its weights, since the packed layout depends on the vector width.
namespace pba::nn::kernels {

enum class Isa { generic, sse4, avx2, avx512 };

const char* to_string(Isa isa) noexcept;

// Batches below this run an LSTM with the input projection of the whole window precomputed
// (one GEMM over batch x T rows, then only the recurrent product per step); from it on each
// step computes its input projection itself, so no gate buffer is needed. Both add the same
// terms in the same order: a window's output is bit for bit the same in any batch.
inline constexpr std::size_t kFusedLstmBatch = 4;

// y = act(x W^T + b) over `rows` rows. `w`: the weights as pack_dense lays them out (panels
// of 4 x lanes output columns), `bias`: panels x 4 x lanes floats.
struct GemmArgs {
    const float* w;
    const float* bias;
    std::size_t k;
    std::size_t panels;
    std::size_t out_cols;  // columns stored per output row (<= panels x 4 x lanes)
    Activation activation;
    const float* in;
    std::size_t in_stride;
    std::size_t rows;
    float* out;
    std::size_t out_stride;
};

// One LSTM layer over `batch` windows of `timesteps` steps. Gate panels: block b of `lanes`
// hidden units holds that block's i, f, o, g rows interleaved, so one stream feeds the four
// gates of a block and the cell runs on them in registers.
struct LstmArgs {
    const float* wx;               // gate panels over the input (pack_lstm_gates)
    const float* wh;               // gate panels over h, fp32 ...
    const std::uint16_t* wh16;     // ... or fp16 ...
    const std::uint32_t* wh_bf16;  // ... or bf16, two k rows per word (to_bf16_pairs): exactly one is set
    const float* bias;             // [blocks][4 x lanes], b_ih + b_hh
    std::size_t input;
    std::size_t hidden;
    std::size_t blocks;
    const float* in;  // [batch x timesteps, input]
    std::size_t batch;
    std::size_t timesteps;
    float* out;  // [batch x timesteps, hidden] when return_sequences, else [batch, hidden]
    bool return_sequences;
    float* scratch;  // lstm_scratch_floats(...) floats
};

struct Table {
    Isa isa;
    std::size_t lanes;       // floats per vector
    std::size_t group;       // panels interleaved per group (packed_weights.hpp)
    bool half_weights;       // reads fp16 recurrent weights (F16C)
    bool bf16_weights;       // reads bf16 recurrent weights (to_bf16_pairs)
    void (*gemm)(const GemmArgs&) noexcept;
    void (*lstm)(const LstmArgs&) noexcept;
    // values[i] = ln(values[i]) for i < n, a vector of doubles at a time (within 1 ulp of
    // std::log): the log-normalised features of a window, which 180 libm calls made half of a
    // forecast's cost beyond its network.
    void (*log)(double* values, std::size_t n) noexcept;
};

// Windows whose LSTM state (cell and two h rows) the kernels keep live at once: all of a small
// batch, else tiles of about 24 KB of state, half an L1 data cache, in whole row strips (a
// multiple of 6), that run all timesteps before the next tile starts.
inline std::size_t lstm_state_windows(std::size_t lanes, std::size_t hidden, std::size_t batch) noexcept {
    if (batch < kFusedLstmBatch) return batch;
    const std::size_t padded = (hidden + lanes - 1) / lanes * lanes;
    const std::size_t tile = std::max<std::size_t>(1, 24 * 1024 / (sizeof(float) * (padded + 2 * hidden) * 6)) * 6;
    return std::min(batch, tile);
}

inline std::size_t lstm_scratch_floats(std::size_t lanes, std::size_t hidden, std::size_t batch,
                                       std::size_t timesteps) noexcept {
    const std::size_t padded = (hidden + lanes - 1) / lanes * lanes;
    const std::size_t windows = lstm_state_windows(lanes, hidden, batch);
    std::size_t floats = windows * padded + 2 * windows * hidden;  // cell state, two h rows per window
    if (batch < kFusedLstmBatch) floats += batch * timesteps * 4 * padded;  // precomputed gates
    return floats;
}

// The best instruction set this CPU supports among those compiled in.
Isa detected_isa() noexcept;

// The kernels layers built from now on use: the detected set, lowered by the environment
// variable PBA_ISA (generic, sse4, avx2, avx512) if set, or by set_active_isa. nullptr for
// `generic`, which runs the portable Eigen path.
const Table* active_table() noexcept;
Isa active_isa() noexcept;

// Chooses the kernels for layers built afterwards (tests, benchmarks). Throws
// Error(unsupported) when this CPU or build lacks them. Not for use while another thread loads.
void set_active_isa(Isa isa);

// Whether `isa` can run here.
bool supported(Isa isa) noexcept;

}  // namespace pba::nn::kernels
