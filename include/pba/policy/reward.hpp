#pragma once

#include "pba/policy/state.hpp"

namespace pba::policy {

// The reward the policy was designed and trained for (docs/policy.md). Thresholds are
// strict; latency in ms, loss and reliability as ratios. Both validate the state (and the
// allocation: finite, in [0, 100]) and throw Error(invalid_argument) naming the field.

// The allocation (%) the reward is centred on: 50, +10 when latency < 1 ms, −10 when > 50 ms;
// −15 when loss > 0.02, +5 when < 0.005; +10 when reliability > 0.98, −10 when < 0.95;
// clipped to [10, 90]. With these steps it always lies in [15, 75].
double optimal_allocation_pct(const State& state);

// 1 − |allocation − optimal| / 100; −0.2 when allocation < 20 or > 90; +0.1 when
// reliability > 0.95 and 40 ≤ allocation ≤ 70. Computed in that order, in double.
double reward(const State& state, double allocation_pct);

}  // namespace pba::policy
