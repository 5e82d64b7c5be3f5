#pragma once

// The DDQN allocation policy: states, actions, rewards, the Q-network policy and its targets.
#include "pba/policy/actions.hpp"
#include "pba/policy/allocation_policy.hpp"
#include "pba/policy/double_dqn.hpp"
#include "pba/policy/reward.hpp"
#include "pba/policy/state.hpp"
#include "pba/policy/state_encoder.hpp"
