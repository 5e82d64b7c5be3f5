#pragma once

// Models: loading and checking .pba files, and the trained models embedded in the library.
#include "pba/model/defaults.hpp"
#include "pba/model/model.hpp"
