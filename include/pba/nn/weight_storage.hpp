#pragma once

namespace pba::nn {

// How recurrent weights are stored. fp16 and bf16 halve the bytes the batch-1 step loop
// streams (it is bandwidth-bound); arithmetic stays fp32. fp16 keeps more precision (outputs
// move by up to ~1.4e-5 on the reference models), but widening it costs the step loop two uops
// on the FMA ports per vector. bf16 stores two k rows per 32-bit word (to_bf16_pairs in
// packed_weights.hpp): the even row is bf16 (round to nearest even) in the low half, and the
// high half is chosen so that the whole word, read as an fp32, is the odd row's weight to
// within about one bf16 ulp. The step loop then widens a word vector into two rows' vectors
// with one shift (the odd row costs nothing), at a rounding close to bf16's
// (tests/nn/kernel_test.cpp states the error per reference model). fp32 is the default.
enum class WeightStorage { fp32, fp16, bf16 };

}  // namespace pba::nn
