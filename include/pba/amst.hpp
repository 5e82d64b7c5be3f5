#pragma once

// The adaptive multi-stream transport's arithmetic: settings from a forecast, the
// confidence-gated decisions, and settings sized from the prediction interval.
#include "pba/amst/decisions.hpp"
#include "pba/amst/interval_sizing.hpp"
#include "pba/amst/parameters.hpp"
